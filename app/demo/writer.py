"""Writing the demo's rows in bulk (``executemany`` on SQLite, ``COPY`` on PostgreSQL),
SQLite's loading settings, and the forked worker that makes rows while this process writes."""

from __future__ import annotations

import datetime as dt
import gc
import marshal
import multiprocessing
import multiprocessing.connection
import random
import sqlite3
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, func, select, text

from app.audit.rules import link as audit_link
from app.demo.builder import _DemoBuilder
from app.demo.orders import _Counts
from app.demo.paths import _DAY
from app.demo.rows import _COLUMNS, _DEMO_STAFF, _TABLES, _NewUser, _Timestamps
from app.permissions import Role
from app.workflow import ShipmentStatus

SS = ShipmentStatus

# --------------------------------------------------------------------------- writing


LOADING_CACHE_KIB = 256 * 1024


def _timestamp_formatter(dialect: str) -> _Timestamps:
    """Epoch seconds → the text the database stores for a UTC time (see ``_Timestamps``)."""
    return _Timestamps(dialect)


class _BulkWriter:
    """Writes tuples in the builder's column order into an empty database, fast.

    The ORM and Core ``insert()`` with dictionaries cost a few microseconds a row in
    Python; the demo writes millions of rows, so rows go straight to the driver:
    ``executemany`` with one prepared statement on SQLite, ``COPY`` on PostgreSQL.
    """

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self._statements: dict[str, str] = {}
        self._with_ids: list[str] = []

    def next_ids(self) -> dict[str, int]:
        """The first free id per table (tables other than orders may hold a few rows)."""
        ids = {}
        for name, table in _TABLES.items():
            if "id" in table.c:
                ids[name] = (self.connection.scalar(select(func.max(table.c.id))) or 0) + 1
        return ids

    def write_batch(self, batch: list[tuple[str, list[tuple]]]) -> None:
        for name, rows in batch:
            self.write(name, rows)

    def write(self, name: str, rows: list[tuple]) -> None:
        if not rows:
            return
        if name not in self._statements:
            self._statements[name] = self._statement(name)
            if "id" in _COLUMNS[name]:
                self._with_ids.append(name)
        if self.dialect == "postgresql":
            self._copy(self._statements[name], rows)
        else:
            self.connection.exec_driver_sql(self._statements[name], rows)

    def _statement(self, name: str) -> str:
        table, columns = _TABLES[name], _COLUMNS[name]
        unknown = [column for column in columns if column not in table.c]
        if unknown:
            raise ValueError(f"{name} has no column(s) {unknown}")
        quote = self.connection.dialect.identifier_preparer.quote
        names = ", ".join(quote(column) for column in columns)
        if self.dialect == "postgresql":
            return f"COPY {quote(name)} ({names}) FROM STDIN"
        marks = ", ".join("?" * len(columns))
        return f"INSERT INTO {quote(name)} ({names}) VALUES ({marks})"

    def _copy(self, statement: str, rows: list[tuple]) -> None:
        driver_connection = self.connection.connection.driver_connection
        with driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)

    def move_sequences_past_new_ids(self) -> None:
        """PostgreSQL hands out ids from sequences that did not see our explicit ids."""
        if self.dialect != "postgresql":
            return
        quote = self.connection.dialect.identifier_preparer.quote
        for name in self._with_ids:
            self.connection.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence(:table, 'id'), max_id) "
                    f"FROM (SELECT max(id) AS max_id FROM {quote(name)}) AS m "
                    f"WHERE max_id IS NOT NULL"
                ),
                {"table": name},
            )


def _demo_actors(ids: dict[str, int]) -> dict[Role, tuple[int, str]]:
    """(id, username) per role: the demo users as actors of the audit trail, known before
    their passwords are hashed. Takes the users' ids from ``ids``."""
    actors = {}
    for role, username, _ in _DEMO_STAFF:
        actors[role] = (ids["users"], username)
        ids["users"] += 1
    return actors


def _write_users(
    writer: _BulkWriter,
    users: list[_NewUser],
    role_ids: dict[str, int],
    actors: dict[Role, tuple[int, str]],
    now: dt.datetime,
) -> None:
    """The demo users and their roles, with the ids ``_demo_actors`` gave them."""
    created_at = _timestamp_formatter(writer.dialect)(int(now.timestamp()) - 200 * _DAY)
    user_rows, role_rows = [], []
    for user in users:
        user_id = actors[Role(user.role)][0]
        user_rows.append(
            (user_id, user.username, user.full_name, user.password_hash, True, 0, created_at, 1)
        )
        role_rows.append((user_id, role_ids[user.role]))
    writer.write_batch([("users", user_rows), ("user_roles", role_rows)])


@contextmanager
def _sqlite_loading_settings(connection: Connection) -> Iterator[None]:
    """SQLite settings for loading millions of rows into an empty database; put back after.

    Both pragmas only take effect outside a transaction, so this goes around the session's.

    * ``foreign_keys=OFF``: looking up each new row's parents was a tenth of the writing
      process's time. The builder makes every reference by construction (a test runs
      ``foreign_key_check``).
    * ``journal_mode=DELETE`` instead of WAL: in WAL every page is written twice (to the
      log, then checkpointed into the file). A rollback journal only saves pages that held
      data before the transaction, which in an empty database is almost none, and the load
      stays atomic: an error or a crash rolls the whole demo back. The price: other
      connections cannot read the file while the load commits, so it is only done when no
      other connection has the database open (else the load stays in WAL, slower).
      WAL goes back on afterwards, and is checked: the desks read while others write.
    * ``synchronous=OFF``: no waiting for the disk at commit. A power cut in the next
      seconds could corrupt the file -- which held no orders, products or users before.
    * a large page cache, so the indexes being filled stay in memory.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection

    def pragma(statement: str):
        row = driver.execute(f"PRAGMA {statement}").fetchone()
        return row[0] if row else None

    settings = ("foreign_keys", "synchronous", "cache_size", "busy_timeout")
    previous = {name: pragma(name) for name in settings}
    pragma("foreign_keys=OFF")
    pragma("synchronous=OFF")
    pragma(f"cache_size=-{LOADING_CACHE_KIB}")
    left_wal = _leave_wal_unless_shared(driver)
    try:
        yield
    finally:
        pragma(f"busy_timeout={previous['busy_timeout']}")
        if left_wal and pragma("journal_mode=WAL") != "wal":
            raise RuntimeError("the demo database could not be put back into WAL mode")
        for name in settings[:-1]:
            pragma(f"{name}={previous[name]}")


def _leave_wal_unless_shared(driver) -> bool:
    """Switch a WAL database to a rollback journal, unless another connection has it open
    (SQLite then refuses at once: the busy timeout is set to 0 for the attempt)."""
    if driver.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        return False
    driver.execute("PRAGMA busy_timeout=0")
    try:
        return driver.execute("PRAGMA journal_mode=DELETE").fetchone()[0] == "delete"
    except sqlite3.OperationalError:  # "database is locked": someone else is reading
        return False


# --------------------------------------------------------------------------- a worker process

# Below this, starting a second process costs more than it saves.
WORKER_FROM_ORDERS = 20_000

_MakeRows = Callable[
    [
        dict[str, int],
        dict[Role, tuple[int, str]],
        Callable[[list[tuple[str, list[tuple]]]], None],
        Callable[[], None],
        str,
    ],
    "_Counts",
]


@contextmanager
def _row_maker(
    seed: int, now: dt.datetime, orders: int, dialect: str, in_worker: bool
) -> Iterator[_MakeRows]:
    """``make_rows(ids, actors, write_batch, meanwhile)``: builds the demo's rows and hands
    each batch to ``write_batch``; returns the counts. ``meanwhile`` runs before the first
    batch, while the worker is already making rows.

    In a worker, the builder runs in a second process and sends its batches through a pipe
    while this process writes the previous one: generating and inserting each take about
    half the time, and desks have at least two cores. The worker is the same seeded,
    sequential builder, so its rows do not depend on timing.

    The worker is forked, on Linux only: it needs no imports and does not re-run the
    caller's main module (spawn would, and fails in a script without a main guard). It only
    runs the builder -- no database, no locks, no Qt -- and leaves through ``os._exit``, so
    the connections it inherits are never touched. macOS and Windows make the rows in this
    process: the same rows, a little slower.
    """
    if not (in_worker and sys.platform == "linux"):

        def make_rows_here(ids, actors, write_batch, meanwhile, audit_head) -> _Counts:
            meanwhile()
            sink = _AuditChainer(audit_head, dialect, write_batch)
            return _DemoBuilder(random.Random(seed), now, dialect, ids, actors, sink).build(orders)

        yield make_rows_here
        return
    context = multiprocessing.get_context("fork")
    workers: list[multiprocessing.process.BaseProcess] = []

    def make_rows(ids, actors, write_batch, meanwhile, audit_head) -> _Counts:
        ours, theirs = context.Pipe(duplex=False)
        worker = context.Process(
            target=_make_rows_in_worker,
            args=(theirs, seed, now, orders, dialect, ids, actors, audit_head),
            name="orderdesk-demo-rows",
            daemon=True,
        )
        worker.start()
        workers.append(worker)
        theirs.close()  # so that a worker that dies shows up here as end of file
        with ours:
            meanwhile()
            while (batch := marshal.loads(ours.recv_bytes())) is not None:
                write_batch(batch)
            outcome = ours.recv()
        if isinstance(outcome, str):
            raise RuntimeError(f"the demo worker failed:\n{outcome}")
        return outcome

    try:
        yield make_rows
    finally:
        for worker in workers:
            if worker.is_alive():  # only when writing failed: the worker waits to send
                worker.terminate()
            worker.join()


def _make_rows_in_worker(
    pipe: multiprocessing.connection.Connection,
    seed: int,
    now: dt.datetime,
    orders: int,
    dialect: str,
    ids: dict[str, int],
    actors: dict[Role, tuple[int, str]],
    audit_head: str,
) -> None:
    """The worker's side: build and send each batch, then ``None`` and the counts (or the
    traceback: an exception would not cross the pipe with its cause).

    Batches go as ``marshal`` bytes: plain lists of tuples of str, int, bool and None are
    all it has to carry, and it is ten times faster than pickle, which memoizes every string.
    """
    gc.disable()  # a short-lived process making millions of acyclic tuples

    def send(batch: list[tuple[str, list[tuple]]]) -> None:
        pipe.send_bytes(marshal.dumps(batch))

    try:
        sink = _AuditChainer(audit_head, dialect, send)
        outcome: _Counts | str = _DemoBuilder(
            random.Random(seed), now, dialect, ids, actors, sink
        ).build(orders)
    except Exception:
        outcome = traceback.format_exc()
    pipe.send_bytes(marshal.dumps(None))
    pipe.send(outcome)


class _AuditChainer:
    """Adds the hash chain (app/audit/rules.py) to the audit events of each batch on its
    way to ``sink``. The builder makes events in id order, so the chain follows the ids;
    in the worker, so the hashing costs the writing process nothing."""

    def __init__(self, head: str, dialect: str, sink: Callable[[list], None]) -> None:
        self.prev = head
        self.sink = sink
        # The builder's time text as the chain writes it: "YYYY-MM-DD HH:MM:SS.ffffff".
        self.chain_time = (
            (lambda at: at) if dialect == "sqlite" else (lambda at: at[:19] + ".000000")
        )

    def __call__(self, batch: list[tuple[str, list[tuple]]]) -> None:
        self.sink(
            [(name, self.chain(rows) if name == "audit_events" else rows) for name, rows in batch]
        )

    def chain(self, rows: list[tuple]) -> list[tuple]:
        chained = []
        prev, chain_time, link_ = self.prev, self.chain_time, audit_link
        for row in rows:
            current = link_(prev, (row[0], chain_time(row[1]), *row[2:], None))
            chained.append((*row, prev, current))
            prev = current
        self.prev = prev
        return chained
