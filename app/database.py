"""Opening the shared database safely: right URL, reachable, right schema version.

A single-desk SQLite file is upgraded on start after a backup copy is made. A shared
PostgreSQL database is only upgraded by an administrator (``orderdesk db upgrade``), so one
desk with a newer program cannot change the schema under the others.

Whatever rewrites the schema or fills an empty database (``db upgrade``, a SQLite desk's
upgrade on start, ``demo``) holds the administration lock: a PostgreSQL advisory lock, or
an ``flock`` on a file beside the SQLite file. A second one waits for the first and then
finds the work done; after ``ADMINISTRATION_WAIT_S`` it says in one line that another desk
is upgrading (``AnotherDeskIsUpgrading``).

A SQLite file holds customers' names and addresses: the folder orderdesk creates for it
(and its default data folder) is 0700, the file and its backups 0600.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import functools
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, inspect, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

from app.config import data_dir
from app.errors import (
    AnotherDeskIsUpgrading,
    BadDatabaseUrl,
    DatabaseUnavailable,
    NotADatabase,
    SchemaMismatch,
    SchemaTooNew,
)
from db import schema
from db.engine import LazySessionFactory, make_engine

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.uow import UnitOfWork

log = logging.getLogger(__name__)

SUPPORTED_BACKENDS = ("sqlite", "postgresql")
# pg_advisory_lock key of the administration lock (any fixed number; "orderdsk" in ASCII).
ADMINISTRATION_LOCK_KEY = 0x6F72646572647368
ADMINISTRATION_WAIT_S = 300.0
_LOCK_POLL_S = 0.1
PRIVATE_FOLDER_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


T = TypeVar("T")


@dataclass
class Database:
    """An open database: the engine, a session factory and how to name it to people.

    Opening one loads neither the ORM nor Alembic (the login window shows without them):
    the session factory is made at the first session.
    """

    engine: Engine
    session_factory: Callable[..., Session]
    url: URL

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def description(self) -> str:
        """What the status bar shows: the SQLite path, or PostgreSQL host and database."""
        return describe_url(self.url)

    def unit_of_work(self) -> UnitOfWork:
        return _unit_of_work_class()(self.session_factory)

    def read(self, query: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a read query (a function of a session) in its own unit of work and return its
        plain result: how screens read, so none of them ever holds a session."""
        with self.unit_of_work() as uow:
            return query(uow.session, *args, **kwargs)

    def dispose(self) -> None:
        self.engine.dispose()


@functools.cache
def _unit_of_work_class() -> type[UnitOfWork]:
    # The customers' search-key listeners load the ORM models: registered at the first
    # unit of work, not at import, so the login window opens without them. Once: the
    # imports' look-ups cost a few microseconds a transaction.
    import app.search.customer_keys  # noqa: F401
    from app.uow import UnitOfWork

    return UnitOfWork


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
    database = Database(engine, LazySessionFactory(engine), url)
    try:
        found = current_revision(database)
        if check_schema:
            _ensure_schema(database, found, upgrade_sqlite=upgrade_sqlite)
    except BaseException:
        engine.dispose()
        raise
    return database


def upgrade_database(database: Database) -> tuple[str | None, str]:
    """The administrator's ``db upgrade``: bring any database to this program's version.

    Under the administration lock; a second ``db upgrade`` waits and then finds nothing
    left to do."""
    with administration_lock(database):
        found = current_revision(database)
        _refuse_newer(database, found)
        head = schema.head_revision()
        if found != head:
            if database.dialect == "sqlite" and found is not None:
                backup_sqlite_file(database)
            schema.upgrade(database.engine)
        if database.dialect == "postgresql":
            regrant_desk_roles(database)
    return found, head


def regrant_desk_roles(database: Database) -> str | None:
    """After an upgrade, the desk roles' grants cover the new tables (db/desk_roles.py)."""
    from db.desk_roles import grant_desk_privileges

    with database.engine.begin() as connection:
        return grant_desk_privileges(connection)


@contextmanager
def administration_lock(database: Database, *, wait_s: float | None = None) -> Iterator[None]:
    """Hold the one lock schema upgrades and demo loads take; see the module's docstring."""
    wait_s = ADMINISTRATION_WAIT_S if wait_s is None else wait_s
    if database.dialect == "postgresql":
        with _advisory_lock(database, wait_s):
            yield
        return
    path = database.url.database
    if not path or path == ":memory:":
        yield
        return
    with _file_lock(Path(f"{path}.lock"), database.description, wait_s):
        yield


@contextmanager
def _advisory_lock(database: Database, wait_s: float) -> Iterator[None]:
    # A connection of its own, in autocommit: the session-level lock outlives the
    # transactions the upgrade commits, and is released however this block ends.
    with database.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        deadline = time.monotonic() + wait_s
        said = False
        while not conn.scalar(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": ADMINISTRATION_LOCK_KEY}
        ):
            if time.monotonic() >= deadline:
                raise AnotherDeskIsUpgrading(database.description)
            if not said:
                log.info("another desk is upgrading %s; waiting", database.description)
                said = True
            time.sleep(_LOCK_POLL_S)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADMINISTRATION_LOCK_KEY})


@contextmanager
def _file_lock(path: Path, target: str, wait_s: float) -> Iterator[None]:
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, PRIVATE_FILE_MODE)
    except OSError as exc:
        raise DatabaseUnavailable(
            str(path), f"cannot create its lock file ({exc.strerror})"
        ) from exc
    try:
        deadline = time.monotonic() + wait_s
        said = False
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise AnotherDeskIsUpgrading(target) from None
                if not said:
                    log.info("another desk is upgrading %s; waiting", target)
                    said = True
                time.sleep(_LOCK_POLL_S)
        try:
            yield
        finally:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


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
        _make_private(file, PRIVATE_FILE_MODE)
    else:
        _create_private_folder(file.parent)
        try:
            # Created empty and 0600 before SQLite opens it (its -wal and -shm files take
            # the database file's permissions): never readable by others, not even briefly.
            os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE))
        except FileExistsError:
            pass  # another desk created it a moment ago
        except OSError as exc:
            raise DatabaseUnavailable(str(file), f"cannot create it ({exc.strerror})") from exc
    if file.parent.resolve() == data_dir().resolve():
        _make_private(file.parent, PRIVATE_FOLDER_MODE)


def _create_private_folder(folder: Path) -> None:
    """Create the folder (and missing parents) 0700; an existing folder is left as it is."""
    missing = []
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            break
        missing.append(candidate)
    try:
        for candidate in reversed(missing):
            try:
                candidate.mkdir(mode=PRIVATE_FOLDER_MODE)
            except FileExistsError:
                continue
            os.chmod(candidate, PRIVATE_FOLDER_MODE)  # mkdir's mode is narrowed by the umask
    except OSError as exc:
        raise DatabaseUnavailable(
            str(folder), f"cannot create its folder ({exc.strerror})"
        ) from exc


def _make_private(path: Path, mode: int) -> None:
    """Tighten a file or folder this user owns to ``mode``; others' are left alone."""
    try:
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o777 & ~mode:
            os.chmod(path, mode)
            log.info("made %s private (%o)", path, mode)
    except OSError as exc:
        log.warning("could not make %s private: %s", path, exc.strerror)


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
        with administration_lock(database):
            found = current_revision(database)  # another desk may have done it meanwhile
            if found == head:
                return
            _refuse_newer(database, found)
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
    # 0600 from the start, like the database itself.
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE_MODE))
    _make_private(target, PRIVATE_FILE_MODE)
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    log.info("backed up %s to %s before upgrading", source, target)
    return target


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
