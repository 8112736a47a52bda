"""The order and shipment life cycles, declared once as data, changed by one function.

Everything that changes a status goes through ``change_status``: it checks the table,
refuses a stale read, stamps the stage time, bumps the version and writes the audit event.
Screens ask ``allowed_targets`` / ``may_transition`` to enable their buttons.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import ConcurrentUpdate, InvalidTransition
from app.numbers import entity_number
from app.permissions import Actor
from db.models import Order, Shipment, utcnow


class OrderStatus(StrEnum):
    RECEIVED = "received"
    NEEDS_INFO = "needs_info"
    STOCK_SHORT = "stock_short"
    PAYMENT_PROBLEM = "payment_problem"
    ON_HOLD = "on_hold"
    APPROVED = "approved"
    ALLOCATED = "allocated"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    RETURNED = "returned"
    REFUNDED = "refunded"
    CANCELLED = "cancelled"


class ShipmentStatus(StrEnum):
    PENDING = "pending"
    PICKING = "picking"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    LOST = "lost"
    DAMAGED = "damaged"
    RETURNED = "returned"
    CANCELLED = "cancelled"


OS = OrderStatus
_REVIEW_QUEUES = (OS.NEEDS_INFO, OS.STOCK_SHORT, OS.PAYMENT_PROBLEM, OS.ON_HOLD)

ORDER_TRANSITIONS: frozenset[tuple[OrderStatus, OrderStatus]] = frozenset(
    {(OS.RECEIVED, target) for target in (*_REVIEW_QUEUES, OS.APPROVED, OS.CANCELLED)}
    # A queue is left by re-review (back to received), by a decision, or by cancelling.
    | {
        (queue, target)
        for queue in _REVIEW_QUEUES
        for target in (OS.RECEIVED, OS.APPROVED, OS.CANCELLED)
    }
    | {
        (OS.APPROVED, OS.ALLOCATED),
        (OS.APPROVED, OS.RECEIVED),  # changed before allocation: review again
        (OS.APPROVED, OS.CANCELLED),
        (OS.ALLOCATED, OS.SHIPPED),
        (OS.ALLOCATED, OS.APPROVED),  # allocation withdrawn (edit before picking)
        (OS.ALLOCATED, OS.CANCELLED),  # cancel stops the warehouse: tasks withdrawn, stock released
        (OS.SHIPPED, OS.DELIVERED),
        (OS.SHIPPED, OS.RETURNED),
        (OS.DELIVERED, OS.RETURNED),
        (OS.DELIVERED, OS.REFUNDED),
        (OS.RETURNED, OS.REFUNDED),
    }
)

SS = ShipmentStatus
_ON_THE_ROAD = (SS.SHIPPED, SS.IN_TRANSIT, SS.DELAYED)

SHIPMENT_TRANSITIONS: frozenset[tuple[ShipmentStatus, ShipmentStatus]] = frozenset(
    {
        (SS.PENDING, SS.PICKING),
        (SS.PICKING, SS.PICKED),
        (SS.PICKING, SS.PENDING),  # pick task withdrawn or abandoned
        (SS.PICKED, SS.PACKED),
        (SS.PACKED, SS.SHIPPED),
    }
    | {(before, SS.CANCELLED) for before in (SS.PENDING, SS.PICKING, SS.PICKED, SS.PACKED)}
    | {
        (road, outcome)
        for road in _ON_THE_ROAD
        for outcome in (SS.IN_TRANSIT, SS.DELIVERED, SS.DELAYED, SS.LOST, SS.DAMAGED, SS.RETURNED)
        if road != outcome
    }
    | {
        (SS.LOST, SS.DELIVERED),  # found after all
        (SS.LOST, SS.RETURNED),
        (SS.DAMAGED, SS.DELIVERED),
        (SS.DAMAGED, SS.RETURNED),
        (SS.DELIVERED, SS.RETURNED),
    }
)

TRANSITIONS: dict[str, frozenset] = {"order": ORDER_TRANSITIONS, "shipment": SHIPMENT_TRANSITIONS}

# Stage timestamps stamped the first time a record reaches a status.
_ORDER_STAGE_COLUMNS = {
    OS.APPROVED: "approved_at",
    OS.ALLOCATED: "allocated_at",
    OS.SHIPPED: "shipped_at",
    OS.DELIVERED: "delivered_at",
    OS.CANCELLED: "cancelled_at",
}
_SHIPMENT_STAGE_COLUMNS = {SS.SHIPPED: "shipped_at", SS.DELIVERED: "delivered_at"}
_STAGE_COLUMNS = {"order": _ORDER_STAGE_COLUMNS, "shipment": _SHIPMENT_STAGE_COLUMNS}


def entity_kind(record: Order | Shipment) -> str:
    return "order" if isinstance(record, Order) else "shipment"


def may_transition(kind: str, from_state: str, to_state: str) -> bool:
    return (from_state, to_state) in TRANSITIONS[kind]


def allowed_targets(kind: str, from_state: str) -> frozenset[str]:
    return frozenset(to for frm, to in TRANSITIONS[kind] if frm == from_state)


def change_status(
    session: Session,
    actor: Actor,
    record: Order | Shipment,
    to_state: str,
    *,
    reason: str = "",
    expected_version: int | None = None,
) -> None:
    """Move ``record`` to ``to_state`` or raise; the caller's unit of work commits.

    ``expected_version`` is the version the person was looking at: if another desk has
    changed the record since, the action is refused rather than applied to unseen data.
    """
    kind = entity_kind(record)
    ref = entity_number(kind, record.id)
    if expected_version is not None and record.version != expected_version:
        raise ConcurrentUpdate(ref)
    from_state = record.status
    if not may_transition(kind, from_state, to_state):
        raise InvalidTransition(kind, ref, from_state, to_state)
    now = utcnow()
    record.status = to_state
    record.status_changed_at = now
    stage_column = _STAGE_COLUMNS[kind].get(to_state)
    if stage_column and getattr(record, stage_column) is None:
        setattr(record, stage_column, now)
    if kind == "order" and from_state == OS.RECEIVED and record.reviewed_at is None:
        record.reviewed_at = now
    record_event(
        session,
        actor,
        entity_type=kind,
        entity_id=record.id,
        action="status",
        from_state=from_state,
        to_state=to_state,
        reason=reason,
    )
