"""An older report imported after a newer one: the newer word stays, the older is named in
the import summary as stale and ignored (and in the order's history); a file that does not
say when keeps today's rule (it is the latest word)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from app.intake import import_file
from app.intake.channel_updates import NOTHING, STALE, UPDATE, decide
from db.models import AuditEvent, Order
from tests.app.test_channel_updates import MOVED, incoming, stored
from tests.app.test_intake_unshipped import lamp, row, unshipped  # noqa: F401 (fixture)

EARLY = dt.datetime(2026, 11, 20, 11, 0, tzinfo=dt.UTC)
LATE = dt.datetime(2026, 11, 21, 9, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.usefixtures("lamp")  # the catalogue the reports' SKU is in


def test_an_older_word_than_the_one_held_is_stale_and_changes_nothing():
    decision = decide(
        stored(channel_updated_at=LATE), incoming(ship_to=MOVED, channel_updated_at=EARLY)
    )
    assert decision.outcome == STALE
    assert decision.stale_since == LATE
    assert (decision.changes, decision.order_columns, decision.cancel) == ((), {}, None)


def test_an_older_cancellation_is_stale_too():
    decision = decide(
        stored(channel_updated_at=LATE, status="approved"),
        incoming(cancelled=True, channel_updated_at=EARLY),
    )
    assert decision.outcome == STALE and decision.cancel is None


def test_a_newer_word_is_applied_and_its_time_kept():
    decision = decide(
        stored(channel_updated_at=EARLY), incoming(ship_to=MOVED, channel_updated_at=LATE)
    )
    assert decision.outcome == UPDATE and decision.said_at == LATE
    same = decide(stored(channel_updated_at=EARLY), incoming(channel_updated_at=LATE))
    assert same.outcome == NOTHING and same.said_at == LATE  # said again, later


def test_without_a_time_on_either_side_the_file_is_the_latest_word():
    assert decide(stored(), incoming(ship_to=MOVED, channel_updated_at=EARLY)).outcome == UPDATE
    moved = incoming(ship_to=MOVED)
    assert decide(stored(channel_updated_at=LATE), moved).outcome == UPDATE
    assert replace(moved, channel_updated_at=None).channel_updated_at is None


def _ship_line1(db) -> str:
    with db.unit_of_work() as uow:
        return uow.session.scalars(select(Order.ship_line1)).one()


def test_an_older_report_imported_after_a_newer_one_is_ignored_and_said(
    db,
    admin,
    tmp_path,
):
    newer = row(reporting_date="2026-11-21T09:00:00+00:00", ship_address_1="Ring 9")
    older = row(reporting_date="2026-11-20T11:00:00+00:00", ship_address_1="Hof 1")
    import_file(db, admin, unshipped(tmp_path, newer))
    summary = import_file(db, admin, unshipped(tmp_path, older))
    assert _ship_line1(db) == "Ring 9"
    assert (summary.channel_updates, summary.conflicts, summary.already_present) == (0, 0, 0)
    [word] = summary.stale_words
    assert word.said() == (
        "SO-000001 (403-1111111-2222222): stale, ignored — this file's word of "
        "2026-11-20 11:00 UTC is older than the one applied (2026-11-21 09:00 UTC)."
    )
    assert summary.as_json()["stale_ignored"][0]["held_since"] == "2026-11-21T09:00:00+00:00"
    with db.unit_of_work() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "channel_stale")
        ).one()
        assert event.detail["file_says"] == "2026-11-20T11:00:00+00:00"
        assert event.from_state == event.to_state == "received"


def test_a_newer_report_after_an_older_one_is_applied_and_its_time_kept(
    db,
    admin,
    tmp_path,
):
    import_file(db, admin, unshipped(tmp_path, row(reporting_date="2026-11-20T11:00:00+00:00")))
    later = import_file(
        db,
        admin,
        unshipped(
            tmp_path, row(reporting_date="2026-11-21T09:00:00+00:00", ship_address_1="Ring 9")
        ),
    )
    assert (later.channel_updates, later.stale_words) == (1, [])
    with db.unit_of_work() as uow:
        order = uow.session.scalars(select(Order)).one()
        assert (order.ship_line1, order.channel_updated_at) == ("Ring 9", LATE)


def test_the_same_word_said_again_later_makes_an_in_between_report_stale(
    db,
    admin,
    tmp_path,
):
    import_file(db, admin, unshipped(tmp_path, row(reporting_date="2026-11-20T11:00:00+00:00")))
    again = import_file(
        db, admin, unshipped(tmp_path, row(reporting_date="2026-11-22T08:00:00+00:00"))
    )
    assert again.already_present == 1
    between = row(reporting_date="2026-11-21T09:00:00+00:00", ship_address_1="Ring 9")
    summary = import_file(db, admin, unshipped(tmp_path, between))
    assert len(summary.stale_words) == 1 and _ship_line1(db) == "Hof 1"


def test_the_cli_prints_the_stale_line(db, db_url, admin, tmp_path, capsys, staff_login):
    from app import cli

    newer = row(reporting_date="2026-11-21T09:00:00+00:00", ship_address_1="Ring 9")
    import_file(db, admin, unshipped(tmp_path, newer))
    path = unshipped(tmp_path, row(reporting_date="2026-11-20T11:00:00+00:00"))
    cli.main(["import", str(path), "--db", db_url])
    out = capsys.readouterr().out
    assert "older than the one applied: stale, ignored" in out
    assert "SO-000001 (403-1111111-2222222): stale, ignored" in out
