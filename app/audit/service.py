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

Rows go in straight through the driver (``executemany`` on SQLite, ``COPY`` on
PostgreSQL): a file import writes tens of thousands of events per transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Session

from app.audit.rules import FIELDS, GENESIS, canonical_time, detail_text, link
from app.permissions import Actor

# pg_advisory_xact_lock key of the audit chain ("odaudit1" as a 64-bit number).
AUDIT_CHAIN_LOCK = 0x6F64_6175_6469_7431
_PENDING = "orderdesk.audit.pending"
_COLUMNS = (*FIELDS, "prev_hash", "hash")


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
        if not session.info.get(_PENDING + ".hooked"):
            session.info[_PENDING + ".hooked"] = True
            event.listen(session, "before_commit", _write_pending)
            event.listen(session, "after_transaction_end", _forget_pending)
    return pending


def _write_pending(session: Session) -> None:
    rows = take_pending(session)
    if rows:
        # Flush first: row locks and constraint checks happen before the chain's lock.
        session.flush()
        write_chained(session.connection(), rows)


def _forget_pending(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended (committed or rolled back)
        session.info.pop(_PENDING, None)


# --------------------------------------------------------------------------- writing


def write_chained(connection: Connection, rows: Iterable[dict]) -> int:
    """Insert ``rows`` as the next events of the chain; returns how many."""
    rows = list(rows)
    if not rows:
        return 0
    postgres = connection.dialect.name == "postgresql"
    lock_chain(connection)
    head = connection.execute(
        text("SELECT id, hash FROM audit_events ORDER BY id DESC LIMIT 1")
    ).first()
    head_id, prev = (head[0], head[1] or "") if head else (0, GENESIS)
    ids = _next_ids(connection, head_id, len(rows)) if postgres else range(head_id + 1, 1 << 62)
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
    if postgres:
        _copy(connection, values)
    else:
        marks = ", ".join("?" * len(_COLUMNS))
        connection.exec_driver_sql(
            f"INSERT INTO audit_events ({', '.join(_COLUMNS)}) VALUES ({marks})", values
        )
    return len(values)


def lock_chain(connection: Connection) -> None:
    """Hold the chain until this transaction ends (see the module's note)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK})
        return
    driver = connection.connection.driver_connection
    # The driver begins a transaction at the first write; one that has written nothing yet
    # takes the write lock now, so the head read next cannot move before the insert.
    if not driver.in_transaction:  # type: ignore[union-attr]
        driver.execute("BEGIN IMMEDIATE")  # type: ignore[union-attr]


def _next_ids(connection: Connection, head_id: int, count: int) -> list[int]:
    ids = sorted(
        connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) "
                "FROM generate_series(1, :count)"
            ),
            {"count": count},
        ).scalars()
    )
    if ids[0] <= head_id:
        raise RuntimeError(
            "audit_events' id sequence is behind its rows; an administrator must move it on"
        )
    return ids


def _copy(connection: Connection, values: list[tuple]) -> None:
    driver = connection.connection.driver_connection
    at = _COLUMNS.index("at")
    statement = f"COPY audit_events ({', '.join(_COLUMNS)}) FROM STDIN"
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in values:
            copy.write_row((*row[:at], row[at] + "+00", *row[at + 1 :]))
