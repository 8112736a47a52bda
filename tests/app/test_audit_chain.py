"""The audit trail is hash-chained: any rewrite is found and named by ``audit verify``."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, text

from app import cli
from app.audit import pending_events, record_event, verify_chain
from app.audit.rules import GENESIS, canonical_time, chain, link
from app.intake import import_file
from app.permissions import Role
from db.models import AuditEvent
from tests import factories
from tests.conftest import make_actor

FIXTURES = Path(__file__).parent / "formats" / "fixtures"


def record(db, actor, count: int, *, commit: bool = True) -> None:
    with db.unit_of_work() as uow:
        for n in range(count):
            record_event(
                uow.session, actor, entity_type="order", entity_id=n, action="note",
                reason=f"note {n}", detail={"n": n, "text": "über 中文"},
            )  # fmt: skip
        if commit:
            uow.commit()


def report_of(db):
    with db.engine.connect() as connection:
        return verify_chain(connection)


def as_owner(db, statement: str) -> None:
    """What the owner of a SQLite file can do: set the append-only triggers aside."""
    with db.engine.begin() as connection:
        connection.exec_driver_sql("DROP TRIGGER audit_events_no_update")
        connection.exec_driver_sql("DROP TRIGGER audit_events_no_delete")
        connection.exec_driver_sql(statement)


def test_events_of_many_transactions_and_bulk_writers_form_one_unbroken_chain(db, admin):
    record(db, admin, 3)
    summary = import_file(db, admin, str(FIXTURES / "amazon_orders_report.txt"))
    assert summary.new_orders == 3
    record(db, admin, 2)
    report = report_of(db)
    assert report.intact and report.count == 3 + 3 + 2 and report.broken == 0
    with db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(AuditEvent.id, AuditEvent.prev_hash, AuditEvent.hash).order_by(AuditEvent.id)
        ).all()
    assert rows[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(rows))
    assert report.head_id == rows[-1].id and report.head_hash == rows[-1].hash


def test_events_of_a_transaction_that_rolls_back_are_never_written(db, admin):
    record(db, admin, 2, commit=False)
    with db.unit_of_work() as uow:
        record_event(uow.session, admin, entity_type="order", entity_id=1, action="note")
        assert len(pending_events(uow.session)) == 1
    with db.unit_of_work() as uow:
        assert pending_events(uow.session) == []
        assert uow.session.scalar(select(AuditEvent.id)) is None
    assert report_of(db).count == 0


def test_a_rewritten_event_is_named_as_altered_and_verify_exits_1(capsys, db, db_url, admin):
    record(db, admin, 5)
    with db.unit_of_work() as uow:
        third = uow.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[2]
    as_owner(db, f"UPDATE audit_events SET actor_name = 'someone else' WHERE id = {third}")
    report = report_of(db)
    assert not report.intact and report.first_broken.event_id == third
    assert report.first_broken.problem == "altered" and report.broken == 1
    code = cli.main(["audit", "verify", "--db", db_url])
    out = capsys.readouterr().out
    assert code == cli.EXIT_PROBLEMS
    assert f"BROKEN at event {third}" in out and "changed after it was written" in out
    assert cli.main(["audit", "verify", "--db", db_url, "--json"]) == cli.EXIT_PROBLEMS
    printed = json.loads(capsys.readouterr().out)
    assert printed["intact"] is False and printed["first_broken"]["event_id"] == third


def test_a_removed_event_breaks_the_link_of_the_one_after_it(db, admin):
    record(db, admin, 4)
    with db.unit_of_work() as uow:
        ids = uow.session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()
    as_owner(db, f"DELETE FROM audit_events WHERE id = {ids[1]}")
    report = report_of(db)
    assert report.first_broken.event_id == ids[2]
    assert report.first_broken.problem == "not_linked"
    assert report.first_broken.previous_event_id == ids[0]


def test_a_detail_edited_in_place_is_found(db, admin):
    record(db, admin, 2)
    as_owner(db, 'UPDATE audit_events SET detail = \'{"n": 1, "text": "edited"}\' WHERE id = 2')
    assert report_of(db).first_broken.event_id == 2


def test_an_intact_trail_prints_its_head_and_exits_0(capsys, db, db_url, admin):
    record(db, admin, 2)
    assert cli.main(["audit", "verify", "--db", db_url, "--json"]) == cli.EXIT_OK
    printed = json.loads(capsys.readouterr().out)
    assert printed["events"] == 2 and printed["intact"] is True
    assert printed["head_hash"] == report_of(db).head_hash and len(printed["head_hash"]) == 64


def test_the_demo_and_its_desk_work_leave_an_unbroken_chain(db):
    from app.demo import generate_demo
    from app.demo.desk_work import stage_desk_work

    result = generate_demo(db, orders=300, seed=3)
    stage_desk_work(db, result, seed=3)
    report = report_of(db)
    assert report.intact and report.count > 300


def test_review_in_bulk_chains_its_events(db, admin):
    from app.review.service import ALL_RECEIVED, review_orders

    with db.unit_of_work() as uow:
        buyer = factories.customer(uow.session)
        mug = factories.product(uow.session, "MUG-1", price_cents=500)
        for _ in range(5):
            factories.order(uow.session, buyer, lines=[(mug, 1)])
        uow.commit()
    actor = make_actor(Role.SUPERVISOR, username="sup")
    summary = review_orders(db, actor, ALL_RECEIVED)
    assert summary.reviewed == 5
    report = report_of(db)
    assert report.intact and report.count >= 5


def test_on_sqlite_the_chain_lock_is_the_write_lock_even_before_anything_was_written(db):
    # Between reading the head and inserting, no other desk may commit an event.
    import sqlite3

    from app.audit.service import lock_chain

    with db.engine.connect() as connection:
        connection.execute(text("SELECT count(*) FROM audit_events")).scalar()
        lock_chain(connection)
        other = sqlite3.connect(str(db.url.database), timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("INSERT INTO roles (name, description) VALUES ('x', 'y')")
        other.close()
        connection.rollback()


fields = st.tuples(
    st.integers(1, 10**9),
    st.datetimes(timezones=st.just(dt.UTC)).map(canonical_time),
    st.none() | st.integers(1, 10**6),
    st.text(max_size=20),
    st.sampled_from(["order", "shipment", "user"]),
    st.integers(0, 10**9),
    st.text(min_size=1, max_size=10),
    st.none() | st.text(max_size=10),
    st.none() | st.text(max_size=10),
    st.text(max_size=30),
    st.none() | st.text(max_size=30),
)


@given(fields, st.integers(0, 10), st.text(min_size=1, max_size=5))
def test_changing_any_field_changes_the_hash(event, position, replacement):
    changed = list(event)
    if changed[position] == replacement:
        return
    changed[position] = replacement
    assert link(GENESIS, event) != link(GENESIS, changed)


@given(st.lists(fields, min_size=1, max_size=5))
def test_each_link_starts_from_the_hash_before_it(events):
    links = list(chain(GENESIS, events))
    assert links[0][0] == GENESIS
    assert all(b[0] == a[1] for a, b in itertools.pairwise(links))


def test_sqlite_rows_keep_the_time_text_the_chain_hashed(db, admin):
    record(db, admin, 1)
    with db.engine.connect() as connection:
        stored = connection.execute(text("SELECT at FROM audit_events")).scalar()
    assert len(stored) == len("2026-11-29 18:00:00.000000")


def test_events_recorded_before_a_rollback_are_not_written_by_the_commit_after_it(db, admin):
    with db.unit_of_work() as uow:
        record_event(uow.session, admin, entity_type="order", entity_id=1, action="dropped")
        uow.rollback()
        record_event(uow.session, admin, entity_type="order", entity_id=2, action="kept")
        uow.commit()
    with db.unit_of_work() as uow:
        actions = uow.session.scalars(select(AuditEvent.action)).all()
    assert actions == ["kept"]
    assert report_of(db).intact


def test_two_units_of_work_open_at_once_write_their_own_events_in_commit_order(db, admin):
    first, second = db.unit_of_work(), db.unit_of_work()
    with first, second:
        record_event(first.session, admin, entity_type="order", entity_id=1, action="first")
        record_event(second.session, admin, entity_type="order", entity_id=2, action="second")
        record_event(second.session, admin, entity_type="order", entity_id=2, action="second")
        second.commit()
        assert pending_events(first.session) != []  # not taken by the other's commit
        first.commit()
    with db.unit_of_work() as uow:
        actions = uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["second", "second", "first"]
    assert report_of(db).intact


def test_a_session_made_outside_a_unit_of_work_writes_its_events_at_commit(db, admin):
    from sqlalchemy.orm import Session

    with Session(db.engine) as session:
        record_event(session, admin, entity_type="order", entity_id=1, action="plain")
        session.commit()
    with Session(db.engine) as session:
        record_event(session, admin, entity_type="order", entity_id=1, action="closed")
    report = report_of(db)
    assert report.intact and report.count == 1


def test_a_desk_kept_from_the_chain_lock_gets_the_busy_error_the_services_retry(
    db_url, admin, monkeypatch
):
    import sqlite3

    from sqlalchemy import exc as sa_exc

    import db.engine
    from app.database import open_database
    from app.picking.reserve import is_transient

    monkeypatch.setattr(db.engine, "SQLITE_BUSY_TIMEOUT_MS", 50)
    database = open_database(db_url)
    other = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another desk holds the write lock
    try:
        with pytest.raises(sa_exc.OperationalError, match="locked") as raised:
            record(database, admin, 1)
        assert is_transient(raised.value)
    finally:
        other.execute("ROLLBACK")
        other.close()
    record(database, admin, 1)
    with database.engine.connect() as connection:
        assert verify_chain(connection).count == 1
    database.dispose()


def test_a_transaction_of_many_events_writes_each_once_in_order_across_insert_batches(db, admin):
    """SQLite takes many events in multi-row INSERTs: a batch boundary (64 rows) neither
    drops, repeats nor reorders an event, and the tamper guard still refuses a reused id."""
    record(db, admin, 2)
    record(db, admin, 64 * 2 + 5)
    report = report_of(db)
    assert report.intact and report.count == 2 + 64 * 2 + 5
    with db.unit_of_work() as uow:
        rows = uow.session.execute(
            select(AuditEvent.id, AuditEvent.entity_id, AuditEvent.reason).order_by(AuditEvent.id)
        ).all()
    assert [row.id for row in rows] == list(range(1, len(rows) + 1))
    assert [row.entity_id for row in rows] == [0, 1, *range(64 * 2 + 5)]
    assert [row.reason for row in rows[2:]] == [f"note {n}" for n in range(64 * 2 + 5)]
    if db.engine.dialect.name != "sqlite":
        return
    from app.audit.service import _sqlite_insert_rows

    with db.engine.connect() as connection:
        first = connection.exec_driver_sql("SELECT * FROM audit_events WHERE id = 1").one()
        fresh = (len(rows) + 1, *first[1:])
        with pytest.raises(Exception, match="may not be replaced"):
            connection.exec_driver_sql(_sqlite_insert_rows(2), (*fresh, *first))
        connection.rollback()
        assert connection.exec_driver_sql("SELECT count(*) FROM audit_events").scalar() == len(rows)
