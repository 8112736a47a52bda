"""Telling other desks that something changed: one call for every service.

``notify(session, topic)`` inside a service's transaction. On PostgreSQL it is a
``pg_notify`` on one channel, delivered to every listening desk when (and only if) the
transaction commits; on SQLite it does nothing, because a desk notices any commit to the
file by itself (``PRAGMA data_version``, see ``ui/live.py``). Topics are short words such
as ``orders`` or ``stock``; a listener reloads what shows that topic.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

CHANNEL = "orderdesk_changes"
ORDERS = "orders"
PICKING = "picking"  # pick lists made, claimed, released, taken over, finished; allocation
CASES = "cases"  # service-desk cases opened or acted on


def notify(session: Session, topic: str = ORDERS) -> None:
    # ``bind`` is None for the stand-in sessions that collect a bulk write's changes.
    bind = session.bind if isinstance(session, Session) else None
    if bind is None or bind.dialect.name != "postgresql":
        return
    # No autoflush: the caller's changes are flushed at commit, where a lost race becomes
    # ConcurrentUpdate (and the notice is delivered only if that commit succeeds).
    with session.no_autoflush:
        session.execute(
            text("SELECT pg_notify(:channel, :topic)"), {"channel": CHANNEL, "topic": topic}
        )
