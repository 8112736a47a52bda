"""On PostgreSQL desks connect as a role that reads and writes rows but owns nothing, and
the audit trail stays one chain however many desks write at once."""

from __future__ import annotations

import io
import json
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app import cli
from app.audit import record_event, verify_chain
from app.database import open_database, parse_url, upgrade_database
from app.intake import import_file
from app.permissions import Role
from app.review.service import ALL_RECEIVED, review_orders
from tests.conftest import make_actor
from tests.pg.conftest import _server_url, create_throwaway_database, drop_throwaway_database

FIXTURES = Path(__file__).parents[1] / "app" / "formats" / "fixtures"
DESK_PASSWORD = "desk password, long enough"


@pytest.fixture
def owner_and_desk(monkeypatch, capsys) -> Iterator[tuple[str, str]]:
    """A migrated database (owner URL) and a desk role made by the command (desk URL)."""
    server = _server_url()
    owner_url = create_throwaway_database(server)
    role = f"desk_{uuid.uuid4().hex[:10]}"
    try:
        database = open_database(owner_url, check_schema=False)
        upgrade_database(database)
        database.dispose()
        monkeypatch.setattr(sys, "stdin", io.StringIO(DESK_PASSWORD + "\n"))
        code = cli.main(
            ["db", "create-desk-role", role, "--password-stdin", "--db", owner_url, "--json"]
        )
        made = json.loads(capsys.readouterr().out)
        assert code == 0 and made["created"] is True and role in made["desk_url"]
        desk_url = make_url(owner_url).set(username=role, password=DESK_PASSWORD)
        yield owner_url, desk_url.render_as_string(hide_password=False)
    finally:
        drop_throwaway_database(server, owner_url)
        engine = create_engine(parse_url(server), isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            group = make_url(owner_url).database[:56] + "_desks"
            connection.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
            connection.execute(text(f'DROP ROLE IF EXISTS "{group}"'))
        engine.dispose()


def _as(url: str) -> psycopg.Connection:
    parsed = make_url(url)
    return psycopg.connect(
        host=parsed.host, port=parsed.port, dbname=parsed.database, user=parsed.username,
        password=parsed.password, autocommit=True,
    )  # fmt: skip


@pytest.mark.parametrize(
    "statement",
    [
        "TRUNCATE audit_events",
        "TRUNCATE stock_moves",
        "TRUNCATE orders CASCADE",
        "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only",
        "ALTER TABLE audit_events DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_events_append_only ON audit_events",
        "UPDATE audit_events SET reason = 'rewritten'",
        "DELETE FROM audit_events",
        "UPDATE stock_moves SET quantity = 0",
        "DELETE FROM stock_moves",
        "CREATE TABLE evidence (id integer)",
        "ALTER TABLE orders ADD COLUMN x integer",
        "DROP TABLE orders",
        "UPDATE alembic_version SET version_num = 'x'",
        "CREATE TRIGGER t BEFORE INSERT ON orders FOR EACH ROW "
        "EXECUTE FUNCTION audit_events_append_only()",
        "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), 1)",
    ],
)
def test_the_desk_role_may_not_rewrite_the_trail_or_change_the_schema(owner_and_desk, statement):
    _, desk_url = owner_and_desk
    with _as(desk_url) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute(statement)


def test_a_desk_imports_and_reviews_orders_and_the_chain_holds(owner_and_desk):
    _, desk_url = owner_and_desk
    desk = open_database(desk_url)
    try:
        actor = make_actor(Role.SUPERVISOR, username="sup")
        summary = import_file(desk, actor, str(FIXTURES / "amazon_orders_report.txt"))
        assert summary.new_orders == 3
        reviewed = review_orders(desk, actor, ALL_RECEIVED)
        assert reviewed.reviewed == 3
        with desk.engine.connect() as connection:
            report = verify_chain(connection)
        assert report.intact and report.count >= 6
    finally:
        desk.dispose()
    with _as(desk_url) as connection:  # INSERT and SELECT on the trail are what desks have
        assert connection.execute("SELECT count(*) FROM audit_events").fetchone()[0] >= 6


def test_tables_of_a_later_migration_are_granted_and_append_only_ones_narrowed(owner_and_desk):
    owner_url, desk_url = owner_and_desk
    with _as(owner_url) as connection:
        connection.execute("CREATE TABLE later_table (id integer)")
    with _as(desk_url) as connection:
        connection.execute("INSERT INTO later_table VALUES (1)")  # default privileges
        connection.execute("UPDATE later_table SET id = 2")
    database = open_database(owner_url)
    try:
        assert upgrade_database(database)  # grants again: still what a desk needs
    finally:
        database.dispose()
    with _as(desk_url) as connection, pytest.raises(psycopg.errors.InsufficientPrivilege):
        connection.execute("TRUNCATE later_table")


def test_create_desk_role_refuses_to_turn_the_owner_into_a_desk(owner_and_desk, capsys,
                                                                 monkeypatch):  # fmt: skip
    owner_url, _ = owner_and_desk
    monkeypatch.setattr(sys, "stdin", io.StringIO(DESK_PASSWORD + "\n"))
    owner = make_url(owner_url).username
    code = cli.main(["db", "create-desk-role", owner, "--password-stdin", "--db", owner_url])
    assert code == cli.EXIT_FAILED
    assert "not the owner" in capsys.readouterr().err


def test_many_desks_writing_events_at_once_make_one_unbroken_chain(owner_and_desk):
    _, desk_url = owner_and_desk
    desk = open_database(desk_url)
    actor = make_actor(Role.ADMIN, username="desk")
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(15):
                with desk.unit_of_work() as uow:
                    for k in range(1 + n % 3):
                        record_event(
                            uow.session, actor, entity_type="order", entity_id=worker,
                            action="note", reason=f"{worker}/{n}/{k}",
                        )  # fmt: skip
                    uow.commit()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    try:
        assert errors == []
        with desk.engine.connect() as connection:
            report = verify_chain(connection)
        assert report.intact and report.count == 6 * sum(1 + n % 3 for n in range(15))
    finally:
        desk.dispose()


def test_an_event_a_desk_role_forges_around_the_program_is_named_by_verify(owner_and_desk):
    _, desk_url = owner_and_desk
    desk = open_database(desk_url)
    try:
        actor = make_actor(Role.ADMIN, username="desk")
        for n in range(3):
            with desk.unit_of_work() as uow:
                record_event(uow.session, actor, entity_type="order", entity_id=n, action="note")
                uow.commit()
        with _as(desk_url) as connection:  # copies the last hash, but cannot compute the link
            connection.execute(
                "INSERT INTO audit_events (at, actor_name, entity_type, entity_id, action,"
                " reason, prev_hash, hash) SELECT now(), 'admin', 'user', 1, 'user_added', '',"
                " hash, hash FROM audit_events ORDER BY id DESC LIMIT 1"
            )
            forged = connection.execute("SELECT max(id) FROM audit_events").fetchone()[0]
        with desk.engine.connect() as connection:
            report = verify_chain(connection)
        assert report.first_broken is not None and report.first_broken.event_id == forged
        assert report.first_broken.problem == "altered"
    finally:
        desk.dispose()


def test_the_demo_loaded_as_a_desk_role_is_refused_in_one_line_and_keeps_nothing(
    owner_and_desk, capsys
):
    owner_url, desk_url = owner_and_desk
    code = cli.main(["demo", "--orders", "20", "--db", desk_url])
    err = capsys.readouterr().err
    assert code == cli.EXIT_FAILED
    assert len(err.strip().splitlines()) == 1 and "owner's URL" in err
    with _as(owner_url) as connection:
        assert connection.execute("SELECT count(*) FROM orders").fetchone()[0] == 0
