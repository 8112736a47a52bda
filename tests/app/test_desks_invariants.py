"""The many-desks invariant checks (app/desks_bench.py) find what they are meant to find."""

from __future__ import annotations

from sqlalchemy import text

from app.desks_bench import DeskTally, check_invariants, prepare, run_desk
from app.intake import import_file
from app.permissions import Role
from tests.conftest import make_actor


def test_one_desk_doing_every_kind_of_work_leaves_nothing_to_report(db, tmp_path):
    plan = prepare(db, tmp_path)
    tally = run_desk(str(db.url), plan, desk=0, rounds=1, deadline=None)
    assert tally.errors == [] and sum(tally.operations.values()) == 5
    assert check_invariants(db, plan, [tally]) == []


def test_each_broken_invariant_is_reported_in_words(db, tmp_path):
    plan = prepare(db, tmp_path)
    import_file(db, make_actor(Role.ADMIN), plan.files[0])
    seen_failures = DeskTally(0)
    seen_failures.failed_logins[plan.login_names[0]] = 2  # but none were counted
    with db.engine.begin() as connection:
        first, second = connection.execute(text("SELECT id FROM orders ORDER BY id LIMIT 2"))
        connection.execute(text("DELETE FROM order_lines WHERE order_id = :id"), {"id": first.id})
        connection.execute(
            text("UPDATE orders SET status = 'approved' WHERE id = :id"), {"id": second.id}
        )
        connection.execute(text("DROP INDEX uq_customers_email_lower"))
        connection.execute(
            text(
                "INSERT INTO customers (name, email, status, language, created_at, version)"
                " SELECT name, upper(email), status, language, created_at, version"
                " FROM customers WHERE email IS NOT NULL LIMIT 1"
            )
        )
    violations = check_invariants(db, plan, [seen_failures])
    assert len(violations) == 4, violations
    assert "2 customers with e-mail" in violations[0]
    assert "has lines [], expected 1.." in violations[1]
    assert "is approved but its audit trail ends at received" in violations[2]
    assert "2 failed logins seen, 0 counted, 0 audited" in violations[3]
