"""The audit trail: one append-only event per state change, written in the same transaction."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.permissions import Actor
from db.models import AuditEvent, utcnow


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
) -> AuditEvent:
    event = AuditEvent(
        at=utcnow(),
        actor_id=actor.user_id,
        actor_name=actor.username,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        from_state=from_state,
        to_state=to_state,
        reason=reason,
        detail=detail,
    )
    session.add(event)
    return event
