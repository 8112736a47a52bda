"""The audit chain written straight through psycopg: one chain however events come in."""

from __future__ import annotations

import threading

from sqlalchemy import create_engine, select, text
from sqlalchemy.pool import NullPool

import db.engine
from app.audit import record_event, verify_chain
from app.audit.rules import canonical_time
from app.audit.service import _PG_INSERT_UP_TO
from app.database import open_database
from app.permissions import Role
from db.models import AuditEvent
from tests.conftest import make_actor

ACTOR = make_actor(Role.ADMIN, username="desk")
# One event (a scan), a few (one INSERT), more than an INSERT takes (COPY).
SIZES = (1, 5, _PG_INSERT_UP_TO + 24)


def test_desks_writing_one_few_and_many_events_at_once_make_one_unbroken_chain(pg):
    errors: list[BaseException] = []

    def desk(worker: int) -> None:
        try:
            for round_ in range(6):
                with pg.unit_of_work() as uow:
                    for n in range(SIZES[(worker + round_) % len(SIZES)]):
                        record_event(
                            uow.session, ACTOR, entity_type="chain_test", entity_id=worker,
                            action="note", detail={"round": round_, "n": n, "text": "über"},
                        )  # fmt: skip
                    uow.commit()
        except BaseException as exc:
            errors.append(exc)

    with pg.engine.connect() as connection:
        before = verify_chain(connection).count
    threads = [threading.Thread(target=desk, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with pg.engine.connect() as connection:
        report = verify_chain(connection)
    assert report.intact
    assert report.count - before == 2 * 4 * sum(SIZES)


def test_the_stored_time_and_detail_are_the_ones_the_chain_hashed(pg):
    with pg.unit_of_work() as uow:
        record_event(
            uow.session, ACTOR, entity_type="chain_test", entity_id=7, action="note",
            detail={"b": 1, "a": "中文"},
        )  # fmt: skip
        pending_at = uow.session.info["orderdesk.audit.pending"][0]["at"]
        uow.commit()
    with pg.unit_of_work() as uow:
        row = uow.session.execute(
            select(AuditEvent.at, AuditEvent.detail).order_by(AuditEvent.id.desc()).limit(1)
        ).one()
        stored_detail = uow.session.execute(
            text("SELECT detail::text FROM audit_events ORDER BY id DESC LIMIT 1")
        ).scalar()
    assert canonical_time(row.at) == canonical_time(pending_at)
    assert stored_detail == '{"b":1,"a":"中文"}'


def test_a_connection_used_a_moment_ago_is_not_pinged_one_idle_longer_is(pg_url, monkeypatch):
    database = open_database(pg_url)
    pings: list[object] = []
    real_ping = database.engine.dialect.do_ping
    monkeypatch.setattr(
        database.engine.dialect, "do_ping", lambda conn: pings.append(conn) or real_ping(conn)
    )
    try:
        for _ in range(3):
            with database.unit_of_work() as uow:
                uow.session.execute(text("SELECT 1"))
        assert pings == []  # the connection opening the database used was just checked in
        monkeypatch.setattr(db.engine, "POSTGRES_PING_AFTER_IDLE_S", 0.0)
        with database.unit_of_work() as uow:
            uow.session.execute(text("SELECT 1"))
        assert len(pings) == 1
    finally:
        database.dispose()


def test_a_connection_the_server_dropped_while_idle_is_replaced_unnoticed(pg_url, monkeypatch):
    database = open_database(pg_url)
    try:
        with database.unit_of_work() as uow:
            pid = uow.session.execute(text("SELECT pg_backend_pid()")).scalar()
        other = create_engine(database.url, poolclass=NullPool)  # not from the desk's pool
        with other.begin() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.dispose()
        monkeypatch.setattr(db.engine, "POSTGRES_PING_AFTER_IDLE_S", 0.0)  # idle long enough
        with database.unit_of_work() as uow:
            record_event(uow.session, ACTOR, entity_type="chain_test", entity_id=1, action="note")
            uow.commit()
            assert uow.session.execute(text("SELECT pg_backend_pid()")).scalar() != pid
    finally:
        database.dispose()
