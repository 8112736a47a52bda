"""Telling other desks that something changed: one call for every service.

``notify(session, topic)`` inside a service's transaction. On PostgreSQL it is a
``pg_notify`` on one channel, delivered to every listening desk when (and only if) the
transaction commits; on SQLite it does nothing, because a desk notices any commit to the
file by itself (``PRAGMA data_version``, see ``ui/live.py``). Topics are short words such
as ``orders`` or ``stock``; a listener reloads what shows that topic.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.prepared import Prepared
from app.uow import UnitSession

CHANNEL = "orderdesk_changes"
ORDERS = "orders"
PICKING = "picking"  # pick lists made, claimed, released, taken over, finished; allocation
CASES = "cases"  # service-desk cases opened or acted on

# Run on the driver's connection in the session's transaction (``app.prepared``): through
# ``Session.execute`` a notice cost a fifth of a hand-over scan. Nothing is flushed: the
# caller's changes are flushed at commit, where a lost race becomes ConcurrentUpdate (and
# the notice is delivered only if that commit succeeds).
_NOTIFY = Prepared(select(func.pg_notify(CHANNEL, bindparam("topic"))))
_NOTIFY_TWO = Prepared(
    select(
        func.pg_notify(CHANNEL, bindparam("first")),
        func.pg_notify(CHANNEL, bindparam("second")),
    )
)


def _on_postgresql(session: Session) -> bool:
    # ``bind`` is None for the stand-in sessions that collect a bulk write's changes.
    bind = session.bind if isinstance(session, (Session, UnitSession)) else None
    return bind is not None and bind.dialect.name == "postgresql"


def notify(session: Session, topic: str = ORDERS) -> None:
    if _on_postgresql(session):
        _NOTIFY.first(session, {"topic": topic})


def notify_topics(session: Session, topics: Iterable[str]) -> None:
    """Several topics, in one statement for two (a scan that moves an order and its
    shipment); each is delivered as its own notice."""
    if not _on_postgresql(session):
        return
    topics = list(topics)
    while len(topics) >= 2:
        _NOTIFY_TWO.first(session, {"first": topics.pop(0), "second": topics.pop(0)})
    if topics:
        _NOTIFY.first(session, {"topic": topics[0]})
