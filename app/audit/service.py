"""Writing the audit trail: one append-only event per state change, in the same transaction.

Events are kept with the session (``record_event``, ``add_events``) and written when it
commits, chained onto the trail (``app.audit.rules``): the chain's head is read and the new
events' ids are taken while holding the chain's lock, so events get ids in chain order and
no two transactions extend the same head. The lock is held only from there to the commit,
once per transaction whatever its size -- never while a transaction waits for row locks
or does its real work:

* PostgreSQL: a transaction-scoped advisory lock (``AUDIT_CHAIN_LOCK``);
* SQLite: the database's write lock, which a writing transaction holds anyway (taken with
  ``BEGIN IMMEDIATE`` when the transaction has written nothing else).

Rows go in straight through the driver (``executemany`` on SQLite; on PostgreSQL an
``INSERT`` for a desk action's few events and ``COPY`` for a batch: a file import writes
tens of thousands of events per transaction).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from itertools import chain
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session, SessionTransaction

from app.audit.rules import FIELDS, GENESIS, canonical_time, detail_text, link
from app.permissions import Actor

# pg_advisory_xact_lock key of the audit chain ("odaudit1" as a 64-bit number).
AUDIT_CHAIN_LOCK = 0x6F64_6175_6469_7431
_PENDING = "orderdesk.audit.pending"
_COLUMNS = (*FIELDS, "prev_hash", "hash")
# Up to this many events go in with one INSERT; more with one COPY, which costs a round
# trip more to start but far less per row.
_PG_INSERT_UP_TO = 16

_HEAD_SQL = "SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1"
_SQLITE_INSERT_SQL = (
    f"INSERT INTO audit_events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
)
# Rows per INSERT on SQLite when many go in: 13 values each stays under the smallest
# variable limit a SQLite build may have (999).
_SQLITE_ROWS_PER_INSERT = 64
_PG_HEAD_AND_IDS_SQL = (
    "SELECT head.id, head.hash, ARRAY("
    "SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) "
    "FROM generate_series(1, %s)) "
    f"FROM (SELECT 1) AS one LEFT JOIN LATERAL ({_HEAD_SQL}) AS head ON true"
)
_PG_INSERT_SQL = f"INSERT INTO audit_events ({', '.join(_COLUMNS)}) VALUES "
_PG_VALUES_SQL = (
    "("
    + ", ".join(
        {"at": "%s::timestamptz", "detail": "%s::json"}.get(column, "%s") for column in _COLUMNS
    )
    + ")"
)
_PG_COPY_SQL = f"COPY audit_events ({', '.join(_COLUMNS)}) FROM STDIN"


def record_event(
    session: Session,
    actor: Actor,
    *,
    entity_type: str,
    entity_id: int,
    action: str,
    from_state: str | None = None,
    to_state: str | None = None,
    reason: str = "",
    detail: dict | None = None,
) -> None:
    """One event, written (chained) when ``session`` commits; nothing if it rolls back."""
    _pending(session).append(
        {
            "at": dt.datetime.now(dt.UTC),
            "actor_id": actor.user_id,
            "actor_name": actor.username,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "action": action,
            "from_state": from_state,
            "to_state": to_state,
            "reason": reason,
            "detail": detail,
        }
    )


def add_events(session: Session, rows: list[dict], same: dict | None = None) -> None:
    """Many events (dicts of ``rules.FIELDS`` but ``id``), each completed by ``same``."""
    pending = _pending(session)
    if same:
        pending.extend(row | same for row in rows)
    else:
        pending.extend(rows)


def pending_events(session: Session) -> list[dict]:
    """The events this session will write at commit (for reading, not changing)."""
    return list(session.info.get(_PENDING, ()))


def take_pending(session: Session) -> list[dict]:
    """Remove and return the events kept with ``session`` (to write them elsewhere)."""
    return session.info.pop(_PENDING, [])


def _pending(session: Session) -> list[dict]:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = []
        if not session.in_transaction():
            # Begun now (no connection is taken yet), so a rollback before anything else
            # was done ends this transaction too and drops the events with it.
            session.begin()
    return pending


# The hooks are registered once, on the Session class, and look at ``session.info``: a
# per-session ``event.listen`` cost more than writing the event itself. Sessions that
# record nothing pay one dictionary lookup at commit.


@event.listens_for(Session, "before_commit")
def _write_pending(session: Session) -> None:
    if not session.info.get(_PENDING):
        return
    rows = take_pending(session)
    # Flush first: row locks and constraint checks happen before the chain's lock.
    session.flush()
    write_chained(session.connection(), rows)


@event.listens_for(Session, "after_transaction_end")
def _forget_pending(session: Session, transaction: SessionTransaction) -> None:
    # Only when the whole transaction ended (committed or rolled back), not a savepoint.
    if transaction.parent is None and _PENDING in session.info:
        del session.info[_PENDING]


# --------------------------------------------------------------------------- writing


def write_chained(connection: Connection, rows: Iterable[dict]) -> int:
    """Insert ``rows`` as the next events of the chain; returns how many.

    The statements go straight to the driver (``connection``'s own, in its transaction):
    SQLAlchemy's statement machinery cost more than the whole write for the one or two
    events of a desk action. The driver's errors are raised as SQLAlchemy's ``DBAPIError``
    subclasses, as everywhere else, so a busy database is retried by the callers.
    """
    rows = list(rows)
    if not rows:
        return 0
    dialect = connection.dialect
    driver = connection.connection.driver_connection
    try:
        if dialect.name == "postgresql":
            _write_postgres(driver, rows)
        else:
            _write_sqlite(driver, rows)
    except dialect.loaded_dbapi.Error as exc:
        raise sa_exc.DBAPIError.instance(
            "audit chain write", None, exc, dialect.loaded_dbapi.Error, dialect=dialect
        ) from exc
    return len(rows)


def lock_chain(connection: Connection) -> None:
    """Hold the chain until this transaction ends (see the module's note)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
        return
    _lock_sqlite(connection.connection.driver_connection)


def _lock_sqlite(driver: Any) -> None:
    # The driver begins a transaction at the first write; one that has written nothing yet
    # takes the write lock now, so the head read next cannot move before the insert.
    if not driver.in_transaction:
        driver.execute("BEGIN IMMEDIATE")


def _write_sqlite(driver: Any, rows: list[dict]) -> None:
    _lock_sqlite(driver)
    head = driver.execute(_HEAD_SQL).fetchone()
    head_id, prev = (head[0], head[1] or "") if head else (0, GENESIS)
    values = _chained(prev, range(head_id + 1, head_id + 1 + len(rows)), rows)
    if len(values) == 1:
        driver.execute(_SQLITE_INSERT_SQL, values[0])
        return
    # Many rows to a statement, not one statement per row (executemany): the tamper
    # guard's trigger makes SQLite journal the pages each statement changes, so that the
    # statement can be undone alone -- per row, two pages copied, and written to a file
    # once the transaction's statement journal has grown past memory (an import's case
    # insert does that): most of the cost of writing an import's events.
    step = _SQLITE_ROWS_PER_INSERT
    for start in range(0, len(values), step):
        chunk = values[start : start + step]
        driver.execute(_sqlite_insert_rows(len(chunk)), tuple(chain.from_iterable(chunk)))


@functools.lru_cache(maxsize=8)
def _sqlite_insert_rows(count: int) -> str:
    marks = "(" + ", ".join("?" * len(_COLUMNS)) + ")"
    return f"INSERT INTO audit_events ({', '.join(_COLUMNS)}) VALUES " + ", ".join([marks] * count)


def _write_postgres(driver: Any, rows: list[dict]) -> None:
    with driver.cursor() as cursor:
        # One round trip, two statements: the lock, then the head and ids read by a
        # statement of its own, whose snapshot (read committed) sees the last holder's
        # commit. Without parameters psycopg sends them as one simple query.
        cursor.execute(
            f"SELECT pg_advisory_xact_lock({AUDIT_CHAIN_LOCK:d}); "
            + _PG_HEAD_AND_IDS_SQL.replace("%s", f"{len(rows):d}")
        )
        cursor.nextset()
        head_id, head_hash, ids = cursor.fetchone()
        head_id = head_id or 0
        prev = (head_hash or "") if head_id else GENESIS
        ids = sorted(ids)
        if ids[0] <= head_id:
            raise RuntimeError(
                "audit_events' id sequence is behind its rows; an administrator must move it on"
            )
        values = _chained(prev, ids, rows)
        at = _COLUMNS.index("at")
        pg_rows = [(*row[:at], row[at] + "+00", *row[at + 1 :]) for row in values]
        if len(pg_rows) <= _PG_INSERT_UP_TO:
            # One statement, not executemany: psycopg pipelines those, which costs more
            # than it saves for a handful of rows.
            cursor.execute(
                _PG_INSERT_SQL + ", ".join([_PG_VALUES_SQL] * len(pg_rows)),
                [value for row in pg_rows for value in row],
            )
        else:
            with cursor.copy(_PG_COPY_SQL) as copy:
                for row in pg_rows:
                    copy.write_row(row)


def _chained(prev: str, ids: Iterable[int], rows: list[dict]) -> list[tuple]:
    """The rows as ``_COLUMNS`` tuples, each linked to the one before it."""
    values = []
    last_at, at_text = None, ""
    for event_id, row in zip(ids, rows, strict=False):
        at = row["at"]
        if at is not last_at:
            last_at, at_text = at, canonical_time(at)
        fields = (
            event_id,
            at_text,
            row["actor_id"],
            row["actor_name"],
            row["entity_type"],
            row["entity_id"],
            row["action"],
            row["from_state"],
            row["to_state"],
            row["reason"],
            detail_text(row["detail"]),
        )
        current = link(prev, fields)
        values.append((*fields, prev, current))
        prev = current
    return values
