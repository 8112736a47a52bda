"""Opening the shared database safely: right URL, reachable, right schema version.

A single-desk SQLite file is upgraded on start after a backup copy is made. A shared
PostgreSQL database is only upgraded by an administrator (``orderdesk db upgrade``), so one
desk with a newer program cannot change the schema under the others.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, inspect
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker

import app.views.customer_keys  # noqa: F401 - registers the search-key listeners
from app.errors import (
    BadDatabaseUrl,
    DatabaseUnavailable,
    NotADatabase,
    SchemaMismatch,
    SchemaTooNew,
)
from app.uow import UnitOfWork
from db import schema
from db.engine import make_engine, make_session_factory

log = logging.getLogger(__name__)

SUPPORTED_BACKENDS = ("sqlite", "postgresql")


@dataclass
class Database:
    """An open database: the engine, a session factory and how to name it to people."""

    engine: Engine
    session_factory: sessionmaker[Session]
    url: URL

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def description(self) -> str:
        """What the status bar shows: the SQLite path, or PostgreSQL host and database."""
        return describe_url(self.url)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory)

    def dispose(self) -> None:
        self.engine.dispose()


def describe_url(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database or ':memory:'}"
    port = f":{url.port}" if url.port else ""
    return f"PostgreSQL {url.host or 'localhost'}{port}/{url.database}"


def parse_url(raw: str) -> URL:
    try:
        url = make_url(raw)
    except sa_exc.ArgumentError as exc:
        raise BadDatabaseUrl(raw, "expected sqlite:///PATH or postgresql+psycopg://…") from exc
    if url.get_backend_name() not in SUPPORTED_BACKENDS:
        raise BadDatabaseUrl(
            url.render_as_string(hide_password=True),
            f"{url.get_backend_name()} is not supported; use sqlite or postgresql",
        )
    if url.get_backend_name() == "postgresql" and url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")
    return url


def open_database(
    raw_url: str, *, upgrade_sqlite: bool = True, check_schema: bool = True
) -> Database:
    """Connect and make sure the schema is the one this program expects.

    Raises a named ``DatabaseError`` for every way this can fail; changes nothing when it does.
    """
    url = parse_url(raw_url)
    if url.get_backend_name() == "sqlite":
        _check_sqlite_file(url)
    engine = make_engine(url)
    database = Database(engine, make_session_factory(engine), url)
    try:
        found = current_revision(database)
        if check_schema:
            _ensure_schema(database, found, upgrade_sqlite=upgrade_sqlite)
    except BaseException:
        engine.dispose()
        raise
    return database


def upgrade_database(database: Database) -> tuple[str | None, str]:
    """The administrator's ``db upgrade``: bring any database to this program's version."""
    found = current_revision(database)
    _refuse_newer(database, found)
    head = schema.head_revision()
    if found != head:
        if database.dialect == "sqlite" and found is not None:
            backup_sqlite_file(database)
        schema.upgrade(database.engine)
    return found, head


def _check_sqlite_file(url: URL) -> None:
    path = url.database
    if not path or path == ":memory:":
        return
    file = Path(path)
    if file.exists():
        with file.open("rb") as handle:
            header = handle.read(16)
        if header and header != b"SQLite format 3\x00":
            raise NotADatabase(str(file))
    else:
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseUnavailable(
                str(file), f"cannot create its folder ({exc.strerror})"
            ) from exc


def current_revision(database: Database) -> str | None:
    target = database.url.render_as_string(hide_password=True)
    try:
        with database.engine.connect() as connection:
            return schema.database_revision(connection)
    except sa_exc.DatabaseError as exc:
        if "file is not a database" in str(exc.orig):
            raise NotADatabase(str(database.url.database)) from exc
        raise DatabaseUnavailable(target, _first_line(exc.orig)) from exc
    except sa_exc.SQLAlchemyError as exc:
        raise DatabaseUnavailable(target, _first_line(exc)) from exc


def _ensure_schema(database: Database, found: str | None, *, upgrade_sqlite: bool) -> None:
    head = schema.head_revision()
    if found == head:
        return
    _refuse_newer(database, found)
    if database.dialect == "sqlite" and upgrade_sqlite:
        if found is None and _has_foreign_tables(database):
            raise NotADatabase(str(database.url.database))
        if found is not None:
            backup_sqlite_file(database)
        log.info("upgrading %s from %s to %s", database.description, found, head)
        schema.upgrade(database.engine)
        return
    raise SchemaMismatch(database.description, found, head)


def _refuse_newer(database: Database, found: str | None) -> None:
    if found is not None and found not in schema.known_revisions():
        raise SchemaTooNew(database.description, found, schema.head_revision())


def _has_foreign_tables(database: Database) -> bool:
    """A SQLite file with tables but no orderdesk version belongs to something else."""
    return bool(inspect(database.engine).get_table_names())


def backup_sqlite_file(database: Database) -> Path:
    """Copy the SQLite file (WAL included, consistently) before a schema change."""
    source = Path(str(database.url.database))
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    target = source.with_name(f"{source.name}.{stamp}.bak")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    log.info("backed up %s to %s before upgrading", source, target)
    return target


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
