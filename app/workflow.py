"""The order and shipment life cycles, declared once as data, changed by one function.

Everything that changes a status goes through ``change_status``: it checks the table and
the permission the table names, refuses a stale read, stamps the stage time and writes the
audit event (the version column is bumped by SQLAlchemy on flush).
Screens ask ``allowed_targets`` / ``may_transition`` to enable their buttons.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import ConcurrentUpdate, InvalidTransition
from app.live import notify
from app.numbers import entity_number
from app.permissions import Actor, Permission, require
from db.models import Order, Shipment, utcnow


class OrderStatus(StrEnum):
    RECEIVED = "received"
    NEEDS_INFO = "needs_info"
    STOCK_SHORT = "stock_short"
    PAYMENT_PROBLEM = "payment_problem"
    ON_HOLD = "on_hold"
    APPROVED = "approved"
    ALLOCATED = "allocated"
    PARTLY_SHIPPED = "partly_shipped"  # some of its shipments left, others still here
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
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELAYED = "delayed"
    LOST = "lost"
    DAMAGED = "damaged"
    RETURNED = "returned"
    CANCELLED = "cancelled"


OS = OrderStatus
P = Permission
_REVIEW_QUEUES = (OS.NEEDS_INFO, OS.STOCK_SHORT, OS.PAYMENT_PROBLEM, OS.ON_HOLD)

# (from, to) → the permission the acting person needs. A pair not here is not allowed.
ORDER_TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], Permission] = {
    **{(OS.RECEIVED, queue): P.REVIEW_ORDERS for queue in (*_REVIEW_QUEUES, OS.APPROVED)},
    (OS.RECEIVED, OS.CANCELLED): P.CANCEL_ORDERS,
    # A queue is left by re-review (back to received), by a decision, or by cancelling.
    **{(queue, OS.RECEIVED): P.REVIEW_ORDERS for queue in _REVIEW_QUEUES},
    **{(queue, OS.APPROVED): P.REVIEW_ORDERS for queue in _REVIEW_QUEUES},
    **{(queue, OS.CANCELLED): P.CANCEL_ORDERS for queue in _REVIEW_QUEUES},
    (OS.APPROVED, OS.ALLOCATED): P.ALLOCATE_STOCK,
    (OS.APPROVED, OS.RECEIVED): P.CHANGE_ORDERS,  # changed before allocation: review again
    (OS.APPROVED, OS.CANCELLED): P.CANCEL_ORDERS,
    (OS.ALLOCATED, OS.SHIPPED): P.SHIP_ORDERS,
    (OS.ALLOCATED, OS.PARTLY_SHIPPED): P.SHIP_ORDERS,  # a split order's first shipment left
    (OS.PARTLY_SHIPPED, OS.SHIPPED): P.SHIP_ORDERS,  # … and its last one
    (OS.ALLOCATED, OS.APPROVED): P.CHANGE_ORDERS,  # allocation withdrawn for an edit
    (OS.ALLOCATED, OS.CANCELLED): P.CANCEL_ORDERS,  # stops the warehouse, releases stock
    # Stock gone when allocation runs, or a short pick: back to the stock-short queue.
    (OS.APPROVED, OS.STOCK_SHORT): P.ALLOCATE_STOCK,
    (OS.ALLOCATED, OS.STOCK_SHORT): P.ALLOCATE_STOCK,
    (OS.SHIPPED, OS.DELIVERED): P.SHIP_ORDERS,
    (OS.SHIPPED, OS.RETURNED): P.HANDLE_CASES,
    (OS.DELIVERED, OS.RETURNED): P.HANDLE_CASES,
    (OS.DELIVERED, OS.REFUNDED): P.ISSUE_REFUNDS,
    (OS.RETURNED, OS.REFUNDED): P.ISSUE_REFUNDS,
}

SS = ShipmentStatus
_BEFORE_DISPATCH = (SS.PENDING, SS.PICKING, SS.PICKED, SS.PACKED)
_ON_THE_ROAD = (SS.SHIPPED, SS.IN_TRANSIT, SS.OUT_FOR_DELIVERY, SS.DELAYED)
_CARRIER_OUTCOMES = (
    SS.IN_TRANSIT,
    SS.OUT_FOR_DELIVERY,
    SS.DELIVERED,
    SS.DELAYED,
    SS.LOST,
    SS.DAMAGED,
    SS.RETURNED,
)

SHIPMENT_TRANSITIONS: dict[tuple[ShipmentStatus, ShipmentStatus], Permission] = {
    (SS.PENDING, SS.PICKING): P.PICK_AND_PACK,
    (SS.PICKING, SS.PICKED): P.PICK_AND_PACK,
    (SS.PICKING, SS.PENDING): P.PICK_AND_PACK,  # pick task withdrawn or abandoned
    (SS.PICKED, SS.PACKED): P.PICK_AND_PACK,
    (SS.PACKED, SS.SHIPPED): P.SHIP_ORDERS,
    (SS.PACKED, SS.PICKED): P.CHANGE_ORDERS,  # its label voided (a new address): pack again
    **{(before, SS.CANCELLED): P.CANCEL_ORDERS for before in _BEFORE_DISPATCH},
    # What the carrier reports, recorded by the shipping desk or the tracking import.
    **{
        (road, outcome): P.SHIP_ORDERS
        for road in _ON_THE_ROAD
        for outcome in _CARRIER_OUTCOMES
        if road != outcome
    },
    (SS.LOST, SS.DELIVERED): P.SHIP_ORDERS,  # found after all
    (SS.LOST, SS.RETURNED): P.SHIP_ORDERS,
    (SS.DAMAGED, SS.DELIVERED): P.SHIP_ORDERS,
    (SS.DAMAGED, SS.RETURNED): P.SHIP_ORDERS,
    (SS.DELIVERED, SS.RETURNED): P.HANDLE_CASES,
}

TRANSITIONS: dict[str, dict] = {"order": ORDER_TRANSITIONS, "shipment": SHIPMENT_TRANSITIONS}

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


def may_transition(kind: str, from_state: str, to_state: str, actor: Actor | None = None) -> bool:
    """Whether the table allows the move (and, given an actor, whether they may make it)."""
    permission = TRANSITIONS[kind].get((from_state, to_state))
    if permission is None:
        return False
    return actor is None or actor.may(permission)


def allowed_targets(kind: str, from_state: str, actor: Actor | None = None) -> frozenset[str]:
    return frozenset(
        to
        for frm, to in TRANSITIONS[kind]
        if frm == from_state and may_transition(kind, frm, to, actor)
    )


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
    permission = TRANSITIONS[kind].get((from_state, to_state))
    if permission is None:
        raise InvalidTransition(kind, ref, from_state, to_state)
    require(actor, permission)
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
    # A promise of stock ends when its order or shipment leaves the states that hold it.
    from app.picking.service import on_status_change  # late: picking builds on this module

    on_status_change(session, actor, record, from_state, to_state)
    notify(session, "orders" if kind == "order" else "shipments")
