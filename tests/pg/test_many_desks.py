"""Eight desks at once on one PostgreSQL database doing the real mix; nothing may go wrong.

The mix and the invariants live in app/desks_bench.py, shared with ``bench desks``.
"""

from __future__ import annotations

from app.desks_bench import KINDS, run_mix

DESKS = 8
ROUNDS = 2


def test_eight_desks_doing_the_real_mix_at_once_break_no_invariant(empty_pg_url):
    from app.database import open_database, upgrade_database

    database = open_database(empty_pg_url, check_schema=False)
    upgrade_database(database)
    database.dispose()

    run = run_mix(empty_pg_url, DESKS, rounds=ROUNDS)

    assert run.violations == []
    # The mix really ran: every kind of work at every desk, and wrong passwords counted.
    assert run.per_kind == {kind: DESKS * ROUNDS for kind in KINDS}
    assert run.failed_logins >= 3  # at least the free attempts of one name
