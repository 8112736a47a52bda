"""The audit trail: append-only, hash-chained events written in the same transaction.

``record_event`` (one event) and ``add_events`` (a batch's events) keep the events with the
session; when the session commits they are chained and inserted (see ``service``).
``verify_chain`` walks the chain (see ``queries``).
"""

from app.audit.queries import verify_chain
from app.audit.service import add_events, pending_events, record_event, take_pending

__all__ = ["add_events", "pending_events", "record_event", "take_pending", "verify_chain"]
