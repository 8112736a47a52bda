"""Writing the demo's rows through the one bulk writer (``app.bulk.insert``), SQLite's
loading settings, and the rows made in the one forked reader (``app.bulk.forked``) while
this process writes them."""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Table, func, select

from app.audit.rules import link as audit_link
from app.bulk.forked import can_fork, forked_batches
from app.bulk.insert import insert_rows, move_sequences_past_ids
from app.demo.builder import _DemoBuilder
from app.demo.orders import _Counts
from app.demo.paths import _DAY
from app.demo.rows import _COLUMNS, _DEMO_STAFF, _TABLES, _NewUser, _Timestamps
from app.permissions import Role
from app.workflow import ShipmentStatus

SS = ShipmentStatus

# --------------------------------------------------------------------------- writing


LOADING_CACHE_KIB = 256 * 1024


class _DemoTables:
    """Writes the builder's batches (tuples in ``_COLUMNS`` order, already what the driver
    takes) through the one bulk writer, ``app.bulk.insert.insert_rows``: ``executemany``
    of one prepared INSERT on SQLite, ``COPY`` on PostgreSQL. The ORM and Core
    ``insert()`` with dictionaries cost a few microseconds a row in Python; the demo
    writes millions of rows."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect.name
        self._with_ids: dict[str, Table] = {}

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
        if "id" in _COLUMNS[name]:
            self._with_ids[name] = _TABLES[name]
        insert_rows(self.connection, _TABLES[name], _COLUMNS[name], rows)

    def move_sequences_past_new_ids(self) -> None:
        """PostgreSQL hands out ids from sequences that did not see our explicit ids."""
        move_sequences_past_ids(self.connection, self._with_ids.values())


def _demo_actors(ids: dict[str, int]) -> dict[Role, tuple[int, str]]:
    """(id, username) per role: the demo users as actors of the audit trail, known before
    their passwords are hashed. Takes the users' ids from ``ids``."""
    actors = {}
    for role, username, _ in _DEMO_STAFF:
        actors[role] = (ids["users"], username)
        ids["users"] += 1
    return actors


def _write_users(
    writer: _DemoTables,
    users: list[_NewUser],
    role_ids: dict[str, int],
    actors: dict[Role, tuple[int, str]],
    now: dt.datetime,
) -> None:
    """The demo users and their roles, with the ids ``_demo_actors`` gave them."""
    created_at = _Timestamps(writer.dialect)(int(now.timestamp()) - 200 * _DAY)
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


# --------------------------------------------------------------------------- making the rows

# Below this, starting a second process costs more than it saves.
WORKER_FROM_ORDERS = 20_000


def _make_rows(
    seed: int,
    now: dt.datetime,
    orders: int,
    dialect: str,
    in_worker: bool,
    *,
    ids: dict[str, int],
    actors: dict[Role, tuple[int, str]],
    audit_head: str,
    write_batch: Callable[[list[tuple[str, list[tuple]]]], None],
    meanwhile: Callable[[], None],
) -> _Counts:
    """Builds the demo's rows and hands each batch to ``write_batch``; returns the counts.
    ``meanwhile`` runs before the first batch, while the worker is already making rows.

    ``in_worker``: the builder runs in the one forked reader (``app.bulk.forked``) and
    sends its batches through a pipe while this process writes the previous one:
    generating and inserting each take about half the time, and desks have at least two
    cores. The worker is the same seeded, sequential builder, so its rows do not depend on
    timing. Where there is no ``fork`` (macOS, Windows) the rows are made in this process:
    the same rows, a little slower.
    """

    def produce(send: Callable[[list[tuple[str, list[tuple]]]], None]) -> _Counts:
        sink = _AuditChainer(audit_head, dialect, send)
        return _DemoBuilder(random.Random(seed), now, dialect, ids, actors, sink).build(orders)

    if not (in_worker and can_fork()):
        meanwhile()
        return produce(write_batch)
    with forked_batches(
        produce,  # type: ignore[arg-type]
        "orderdesk-demo-rows",
        stopped=lambda code: RuntimeError(f"the demo's row maker stopped (exit code {code})"),
    ) as forked:
        meanwhile()
        for batch in forked.batches:
            write_batch(batch)  # type: ignore[arg-type]
    return forked.outcome  # type: ignore[return-value]


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
