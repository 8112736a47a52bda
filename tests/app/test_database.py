"""Opening a database: every way it can go wrong is one clear named error and no change."""

from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from alembic import command
from sqlalchemy import text

from app.database import open_database, upgrade_database
from app.errors import (
    BadDatabaseUrl,
    DatabaseUnavailable,
    NotADatabase,
    SchemaMismatch,
    SchemaTooNew,
)
from db import schema
from tests import factories


def test_a_new_sqlite_file_is_created_at_the_current_schema(tmp_path):
    database = open_database(f"sqlite:///{tmp_path / 'new' / 'desk.sqlite'}")
    with database.engine.connect() as connection:
        assert schema.database_revision(connection) == schema.head_revision()
    assert database.description.startswith("SQLite ")
    assert str(tmp_path) in database.description


@pytest.mark.parametrize(
    "url", ["not a url at all", "mysql://user@host/db", "oracle://scott@tiger/x"]
)
def test_unsupported_or_malformed_urls_are_refused_by_name(url):
    with pytest.raises(BadDatabaseUrl) as caught:
        open_database(url)
    assert "sqlite" in caught.value.message


def test_an_unreachable_server_names_what_was_tried_and_hides_the_password():
    with pytest.raises(DatabaseUnavailable) as caught:
        open_database("postgresql+psycopg://clerk:s3cret@127.0.0.1:9/orders")
    message = caught.value.message
    assert "127.0.0.1:9" in message
    assert "s3cret" not in message
    assert "\n" not in message


def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_bytes(b"these are my notes, not a database\n" * 10)
    before = path.read_bytes()
    with pytest.raises(NotADatabase):
        open_database(f"sqlite:///{path}")
    assert path.read_bytes() == before


def test_a_foreign_sqlite_database_is_not_taken_over(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE recipes (name TEXT)")
    with pytest.raises(NotADatabase):
        open_database(f"sqlite:///{path}")
    with sqlite3.connect(path) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert tables == {"recipes"}


def _set_revision(url: str, revision: str) -> None:
    database = open_database(url)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})
    database.dispose()


def test_a_database_from_a_newer_program_is_refused_with_both_versions(tmp_path):
    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    _set_revision(url, "9999_from_the_future")
    with pytest.raises(SchemaTooNew) as caught:
        open_database(url)
    assert "9999_from_the_future" in caught.value.message
    assert schema.head_revision() in caught.value.message
    with pytest.raises(SchemaTooNew):
        upgrade_database(open_database(url, check_schema=False))


def test_an_older_sqlite_file_is_backed_up_then_upgraded(tmp_path):
    revisions = [rev.revision for rev in schema.script_directory().walk_revisions()]
    if len(revisions) < 2:
        pytest.skip("only one schema revision exists: there is no older file to upgrade")
    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    database = open_database(url)
    with database.unit_of_work() as uow:
        factories.customer(uow.session, name="Kept across the upgrade")
        uow.commit()
    command.downgrade(schema.alembic_config(database.engine), revisions[1])
    database.dispose()

    reopened = open_database(url)

    assert list(tmp_path.glob("desk.sqlite.*.bak")), "no backup made before the upgrade"
    with reopened.engine.connect() as connection:
        assert schema.database_revision(connection) == schema.head_revision()
        assert connection.scalar(text("SELECT name FROM customers")) == "Kept across the upgrade"
    reopened.dispose()


def test_a_shared_database_behind_the_program_is_refused_without_upgrading(tmp_path):
    # PostgreSQL desks open with upgrade refused; the same rule is exercised on SQLite.
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    sqlite3.connect(tmp_path / "empty.sqlite").close()
    with pytest.raises(SchemaMismatch) as caught:
        open_database(url, upgrade_sqlite=False)
    assert "orderdesk db upgrade" in caught.value.message
    assert not isinstance(caught.value, SchemaTooNew)


def test_the_versions_read_without_alembic_are_alembics_own(tmp_path):
    script = schema.script_directory()
    assert schema.head_revision() == script.get_current_head()
    assert schema.known_revisions() == {rev.revision for rev in script.walk_revisions()}
    database = open_database(f"sqlite:///{tmp_path / 'desk.sqlite'}")
    from alembic.runtime.migration import MigrationContext

    with database.engine.connect() as connection:
        assert schema.database_revision(connection) == (
            MigrationContext.configure(connection).get_current_revision()
        )
    database.dispose()


def test_an_empty_file_has_no_version_and_two_version_rows_match_no_revision(tmp_path):
    path = tmp_path / "desk.sqlite"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
    database = open_database(f"sqlite:///{path}", check_schema=False)
    with database.engine.begin() as connection:
        assert schema.database_revision(connection) is None
        connection.execute(text("INSERT INTO alembic_version VALUES ('0001_core'), ('0002_x')"))
        found = schema.database_revision(connection)
    assert found == "0001_core,0002_x" and found not in schema.known_revisions()
    database.dispose()


def test_opening_a_database_loads_neither_alembic_nor_the_orm(tmp_path):
    # The login window shows after open_database: what it imports is the start-up time.
    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    open_database(url).dispose()  # created and upgraded here (Alembic may load for that)
    script = (
        "import sys\n"
        "from app.database import open_database\n"
        f"open_database({url!r}).dispose()\n"
        "loaded = [m for m in sys.modules if m.startswith(('alembic', 'sqlalchemy.orm'))]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_a_mismatched_database_is_still_refused_without_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    _set_revision(url, "0001_core")
    with pytest.raises(SchemaMismatch) as caught:
        open_database(url, upgrade_sqlite=False)
    assert "0001_core" in caught.value.message and schema.head_revision() in caught.value.message
