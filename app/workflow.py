"""The life cycles (orders, shipments, customer accounts, exception records, contact
tasks), declared once as data; a move is planned by a pure function and applied by one writer.

``plan_transition`` decides over plain values (the record's kind, id, status, version and
which stage times it already has; the actor; the time): it refuses a stale read, a pair the
table does not hold or a missing permission, and returns a ``TransitionPlan`` -- the columns
to set (status, status time, stage time) and the audit event. ``apply_plan`` writes one plan
through the ORM (the version column is bumped on flush; the stock hook runs);
``apply_plans_in_bulk`` writes many with one guarded UPDATE per shape and one batch of
audit events. ``change_status`` is plan + apply for a loaded record. Screens ask
``allowed_targets`` / ``may_transition`` to enable their buttons.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from operator import itemgetter
from typing import TYPE_CHECKING, NamedTuple

from app.errors import ConcurrentUpdate, InvalidTransition, PermissionDenied
from app.numbers import entity_number
from app.permissions import Actor, Permission

if TYPE_CHECKING:  # the pure half of this module needs neither
    from sqlalchemy.orm import Session

    from db.models import Order, Shipment


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


REVIEW_QUEUES = (
    OrderStatus.NEEDS_INFO,
    OrderStatus.STOCK_SHORT,
    OrderStatus.PAYMENT_PROBLEM,
    OrderStatus.ON_HOLD,
)


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
_REVIEW_QUEUES = REVIEW_QUEUES

# (from, to) → the permission the acting person needs. A pair not here is not allowed.
ORDER_TRANSITIONS: dict[tuple[OrderStatus, OrderStatus], Permission] = {
    **{(OS.RECEIVED, queue): P.REVIEW_ORDERS for queue in (*_REVIEW_QUEUES, OS.APPROVED)},
    (OS.RECEIVED, OS.CANCELLED): P.CANCEL_ORDERS,
    # A queue is left by re-review (back to received, or straight to the queue or the
    # hold the rules or a person now decide: one move, one audit event), by approval, or
    # by cancelling.
    **{(queue, OS.RECEIVED): P.REVIEW_ORDERS for queue in _REVIEW_QUEUES},
    **{
        (queue, other): P.REVIEW_ORDERS
        for queue in _REVIEW_QUEUES
        for other in _REVIEW_QUEUES
        if queue != other
    },
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
    # Everything that left came back: the warehouse receives the return (app/returns).
    (OS.SHIPPED, OS.RETURNED): P.ADJUST_STOCK,
    (OS.DELIVERED, OS.RETURNED): P.ADJUST_STOCK,
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


class CustomerStatus(StrEnum):
    ACTIVE = "active"
    ARREARS = "arrears"
    FROZEN = "frozen"
    BANNED = "banned"


CS = CustomerStatus
# Arrears and freezes come from finance; a ban from the review desk's supervisor.
CUSTOMER_TRANSITIONS: dict[tuple[CustomerStatus, CustomerStatus], Permission] = {
    **{(frm, CS.BANNED): P.BAN_CUSTOMERS for frm in (CS.ACTIVE, CS.ARREARS, CS.FROZEN)},
    **{
        (frm, to): P.SETTLE_ACCOUNTS
        for frm in (CS.ACTIVE, CS.ARREARS, CS.FROZEN)
        for to in (CS.ACTIVE, CS.ARREARS, CS.FROZEN)
        if frm != to
    },
    (CS.BANNED, CS.ACTIVE): P.BAN_CUSTOMERS,  # a ban lifted
}


class ExceptionState(StrEnum):
    OPEN = "open"
    HELD = "held"
    CLOSED = "closed"


ES = ExceptionState
EXCEPTION_TRANSITIONS: dict[tuple[ExceptionState, ExceptionState], Permission] = {
    (ES.OPEN, ES.HELD): P.REVIEW_ORDERS,  # customer unreachable: held until the call-back
    (ES.OPEN, ES.CLOSED): P.REVIEW_ORDERS,
    (ES.HELD, ES.CLOSED): P.REVIEW_ORDERS,  # released, or the order went on / was cancelled
}


class ContactTaskState(StrEnum):
    OPEN = "open"
    DONE = "done"
    CANCELLED = "cancelled"


TS = ContactTaskState
CONTACT_TASK_TRANSITIONS: dict[tuple[ContactTaskState, ContactTaskState], Permission] = {
    (TS.OPEN, TS.DONE): P.REVIEW_ORDERS,
    (TS.OPEN, TS.CANCELLED): P.REVIEW_ORDERS,
}

TRANSITIONS: dict[str, dict] = {
    "order": ORDER_TRANSITIONS,
    "shipment": SHIPMENT_TRANSITIONS,
    "customer": CUSTOMER_TRANSITIONS,
    "exception": EXCEPTION_TRANSITIONS,
    "contact_task": CONTACT_TASK_TRANSITIONS,
}

# Stage timestamps stamped the first time a record reaches a status.
_ORDER_STAGE_COLUMNS = {
    OS.APPROVED: "approved_at",
    OS.ALLOCATED: "allocated_at",
    OS.SHIPPED: "shipped_at",
    OS.DELIVERED: "delivered_at",
    OS.CANCELLED: "cancelled_at",
}
_SHIPMENT_STAGE_COLUMNS = {SS.SHIPPED: "shipped_at", SS.DELIVERED: "delivered_at"}
_STAGE_COLUMNS: dict[str, dict] = {
    "order": _ORDER_STAGE_COLUMNS,
    "shipment": _SHIPMENT_STAGE_COLUMNS,
}
REVIEWED_AT = "reviewed_at"


# --------------------------------------------------------------------------- pure: plan


@dataclass(frozen=True)
class RecordState:
    """What a plan needs to know of a record, as plain values."""

    kind: str  # a key of TRANSITIONS
    id: int
    status: str
    version: int
    stamped: frozenset[str] = frozenset()  # stage-time columns that already hold a time


@dataclass(frozen=True)
class TransitionPlan:
    """One move, decided: the columns to set and the audit event to write."""

    kind: str
    entity_id: int
    from_state: str
    to_state: str
    permission: Permission
    seen_version: int
    at: dt.datetime
    changes: Mapping[str, object]
    actor_id: int | None
    actor_name: str
    action: str = "status"
    reason: str = ""
    detail: Mapping[str, object] | None = field(default=None, hash=False)

    @property
    def moves(self) -> bool:
        return self.from_state != self.to_state

    def audit_row(self) -> dict:
        """The event, shaped as ``app.audit.add_events`` takes it."""
        return {
            "at": self.at,
            "actor_id": self.actor_id,
            "actor_name": self.actor_name,
            "entity_type": self.kind,
            "entity_id": self.entity_id,
            "action": self.action,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "reason": self.reason,
            "detail": dict(self.detail) if self.detail else None,
        }


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


def require_move(kind: str, ref: str, from_state: str, to_state: str, actor: Actor) -> None:
    """Refuse a move its table does not hold, or one this person may not make (for the
    life cycles whose rows carry no status time: exception records, tasks, accounts)."""
    permission = TRANSITIONS[kind].get((from_state, to_state))
    if permission is None:
        raise InvalidTransition(kind, ref, from_state, to_state)
    if not actor.may(permission):
        raise PermissionDenied(actor.username, permission.value)


def plan_transition(
    record: RecordState,
    to_state: str,
    actor: Actor,
    *,
    now: dt.datetime,
    reason: str = "",
    expected_version: int | None = None,
    detail: Mapping[str, object] | None = None,
) -> TransitionPlan:
    """Plan moving ``record`` to ``to_state`` or raise; nothing is written.

    ``expected_version`` is the version the person was looking at: if another desk has
    changed the record since, the move is refused rather than applied to unseen data.
    """
    if expected_version is not None and record.version != expected_version:
        raise ConcurrentUpdate(_reference(record.kind, record.id))
    permission = TRANSITIONS[record.kind].get((record.status, to_state))
    if permission is None:
        raise InvalidTransition(
            record.kind, _reference(record.kind, record.id), record.status, to_state
        )
    if not actor.may(permission):
        raise PermissionDenied(actor.username, permission.value)
    changes = _move_changes(record.kind, record.status, to_state, record.stamped, now)
    return TransitionPlan(
        kind=record.kind,
        entity_id=record.id,
        from_state=record.status,
        to_state=to_state,
        permission=permission,
        seen_version=record.version,
        at=now,
        changes=changes,
        actor_id=actor.user_id,
        actor_name=actor.username,
        reason=reason,
        detail=detail,
    )


def _move_changes(
    kind: str, status: str, to_state: str, stamped: frozenset[str], now: dt.datetime
) -> dict[str, object]:
    """The columns a move sets: status and its time, a stage time not stamped yet, and an
    order's first review time when it leaves ``received``."""
    changes: dict[str, object] = {"status": to_state, "status_changed_at": now}
    stage_column = _STAGE_COLUMNS.get(kind, {}).get(to_state)
    if stage_column and stage_column not in stamped:
        changes[stage_column] = now
    if kind == "order" and status == OS.RECEIVED and REVIEWED_AT not in stamped:
        changes[REVIEWED_AT] = now
    return changes


class Move(NamedTuple):
    """One record's planned move for ``apply_moves_in_bulk``: what a ``TransitionPlan``
    holds, less what every move of a run shares (kind, time, actor, reason). A tracking
    import plans tens of thousands of moves; a tuple is made in a fraction of the time of
    a frozen plan (most of planning one)."""

    entity_id: int
    from_state: str
    to_state: str
    seen_version: int
    changes: dict[str, object]


def plan_move(
    kind: str,
    record_id: int,
    status: str,
    version: int,
    stamped: frozenset[str],
    to_state: str,
    actor: Actor,
    now: dt.datetime,
) -> Move:
    """``plan_transition`` for the bulk writer: the same decision and the same refusals
    (a pair the table does not hold, a missing permission), as a ``Move``."""
    if not _may_move(kind, status, to_state, actor):
        # The refusal, worded as plan_transition words it.
        plan_transition(RecordState(kind, record_id, status, version, stamped), to_state, actor,
                        now=now)  # fmt: skip
    changes = _move_changes(kind, status, to_state, stamped, now)
    return Move(record_id, status, to_state, version, changes)


# Asked per move of a run, answered by a few pairs of states and one actor (frozen).
_may_move = functools.lru_cache(maxsize=1024)(may_transition)


class MovePlanner:
    """``plan_move`` for a run's many records of one kind, by one actor at one time.

    A run's moves repeat a few (status, target, stage times stamped) triples: each is
    decided by ``plan_move`` once (refused as it refuses, every time it is asked) and a
    record's move is a copy of the columns decided for its triple. ``allows`` is
    ``may_transition`` for this run's kind and actor, remembered per pair of states (an
    ``lru_cache`` keyed by the actor hashes the actor at every call)."""

    def __init__(self, kind: str, actor: Actor, now: dt.datetime) -> None:
        self.kind, self.actor, self.now = kind, actor, now
        self._allowed: dict[tuple[str, str], bool] = {}
        self._changes: dict[tuple[str, str, frozenset[str]], dict[str, object]] = {}

    def allows(self, status: str, to_state: str) -> bool:
        pair = (status, to_state)
        allowed = self._allowed.get(pair)
        if allowed is None:
            allowed = self._allowed[pair] = may_transition(self.kind, status, to_state, self.actor)
        return allowed

    def move(
        self, record_id: int, status: str, version: int, stamped: frozenset[str], to_state: str
    ) -> Move:
        changes = self._changes.get((status, to_state, stamped))
        if changes is None:
            move = plan_move(self.kind, record_id, status, version, stamped, to_state,
                             self.actor, self.now)  # fmt: skip
            self._changes[(status, to_state, stamped)] = dict(move.changes)
            return move
        return Move(record_id, status, to_state, version, changes.copy())


def plan_review_mark(
    record: RecordState,
    actor: Actor,
    *,
    now: dt.datetime,
    reason: str = "",
    detail: Mapping[str, object] | None = None,
) -> TransitionPlan:
    """An order the rules ran on that stays where it is: no move, but the review is on
    record (its version bumps, its first review time is stamped, an audit event)."""
    if not actor.may(Permission.REVIEW_ORDERS):
        raise PermissionDenied(actor.username, Permission.REVIEW_ORDERS.value)
    changes = {REVIEWED_AT: now} if REVIEWED_AT not in record.stamped else {}
    return TransitionPlan(
        kind=record.kind,
        entity_id=record.id,
        from_state=record.status,
        to_state=record.status,
        permission=Permission.REVIEW_ORDERS,
        seen_version=record.version,
        at=now,
        changes=changes,
        actor_id=actor.user_id,
        actor_name=actor.username,
        action="review",
        reason=reason,
        detail=detail,
    )


def _reference(kind: str, record_id: int) -> str:
    """SO-000123 where the kind has a human number, else "customer 42"."""
    try:
        return entity_number(kind, record_id)
    except KeyError:
        return f"{kind.replace('_', ' ')} {record_id}"


def holds_stock(plan: TransitionPlan) -> bool:
    """Whether applying the plan ends a promise of stock (the stock hook must run)."""
    return _ends_promise(plan.kind, plan.from_state, plan.to_state)


def _ends_promise(kind: str, from_state: str, to_state: str) -> bool:
    if kind == "order":
        # Shipping ends an allocated order's promise without a release: the picks took
        # the units (picking.service.on_status_change does nothing for these moves).
        return (
            from_state != to_state
            and from_state in (OS.APPROVED, OS.ALLOCATED)
            and to_state not in (OS.PARTLY_SHIPPED, OS.SHIPPED)
        )
    return kind == "shipment" and to_state == SS.CANCELLED


# --------------------------------------------------------------------------- writers


def entity_kind(record: Order | Shipment) -> str:
    from db.models import Order

    return "order" if isinstance(record, Order) else "shipment"


def record_state(record: Order | Shipment) -> RecordState:
    """The plain values a plan reads, taken from a loaded record."""
    kind = entity_kind(record)
    columns = (*_STAGE_COLUMNS[kind].values(), *((REVIEWED_AT,) if kind == "order" else ()))
    stamped = frozenset(c for c in columns if getattr(record, c) is not None)
    return RecordState(kind, record.id, record.status, record.version, stamped)


def apply_plan(session: Session, actor: Actor, record: Order | Shipment, plan: TransitionPlan):
    """The ORM writer: set the planned columns on ``record``; the unit of work commits."""
    from app.audit import record_event
    from app.live import notify
    from app.picking.service import on_status_change  # late: picking builds on this module

    for column, value in plan.changes.items():
        setattr(record, column, value)
    if not plan.moves:
        bump_version(record)
    record_event(
        session,
        actor,
        entity_type=plan.kind,
        entity_id=plan.entity_id,
        action=plan.action,
        from_state=plan.from_state,
        to_state=plan.to_state,
        reason=plan.reason,
        detail=dict(plan.detail) if plan.detail else None,
    )
    # A promise of stock ends when its order or shipment leaves the states that hold it.
    on_status_change(session, actor, record, plan.from_state, plan.to_state)
    notify(session, "orders" if plan.kind == "order" else "shipments")


def bump_version(record) -> None:
    from sqlalchemy.orm.attributes import flag_modified

    flag_modified(record, "status")  # no column changes, yet the action is on record


def apply_plans_in_bulk(session: Session, plans: Sequence[TransitionPlan]) -> None:
    """The bulk writer: one UPDATE ``executemany`` per shape of change, each row guarded by
    the version it was planned on, and the plans' audit events in one batch.

    The ORM writes a versioned row with one UPDATE per object; at thousands of orders that
    dominates a review run. A plan that ends a promise of stock is refused here: its stock
    must be released by the ORM writer's hook.
    """
    from app.audit import add_events
    from app.live import notify

    if not plans:
        return
    shapes: dict[tuple[str, tuple[str, ...]], list[TransitionPlan]] = defaultdict(list)
    for plan in plans:
        if holds_stock(plan):
            raise ValueError(f"{plan.kind} {plan.entity_id}: a move that releases stock")
        shapes[(plan.kind, tuple(sorted(plan.changes)))].append(plan)
    for (kind, columns), shaped in shapes.items():
        if _update_guarded(session, kind, columns, shaped) != len(shaped):
            raise ConcurrentUpdate(
                entity_number(kind, shaped[0].entity_id) if len(shaped) == 1 else ""
            )
    add_events(session, [plan.audit_row() for plan in plans])
    for kind in sorted({plan.kind for plan in plans}):
        notify(session, "orders" if kind == "order" else "shipments")


def apply_moves_in_bulk(
    session: Session,
    kind: str,
    moves: Sequence[Move],
    *,
    actor: Actor,
    at: dt.datetime,
    reason: str = "",
) -> None:
    """``apply_plans_in_bulk`` for ``plan_move``'s moves of one kind, planned by ``actor``
    at ``at``: the same guarded UPDATEs, refusals and audit events."""
    from app.audit import add_events
    from app.live import notify

    if not moves:
        return
    checked: set[tuple[str, str]] = set()  # a run's moves repeat a few pairs
    listed: dict[tuple[str, ...], list[Move]] = defaultdict(list)
    for move in moves:
        pair = (move.from_state, move.to_state)
        if pair not in checked:
            if _ends_promise(kind, *pair):
                raise ValueError(f"{kind} {move.entity_id}: a move that releases stock")
            checked.add(pair)
        # By the columns as listed (moves planned alike list them alike), then by their
        # set: sorting every move's columns cost more than grouping them.
        listed[tuple(move.changes)].append(move)
    shapes: dict[tuple[str, ...], list[Move]] = defaultdict(list)
    for columns, shaped in listed.items():
        shapes[tuple(sorted(columns))].extend(shaped)
    for columns, shaped in shapes.items():
        if _update_guarded(session, kind, columns, shaped) != len(shaped):
            raise ConcurrentUpdate(
                entity_number(kind, shaped[0].entity_id) if len(shaped) == 1 else ""
            )
    same = {
        "at": at,
        "actor_id": actor.user_id,
        "actor_name": actor.username,
        "entity_type": kind,
        "action": "status",
        "reason": reason,
        "detail": None,
    }
    add_events(
        session,
        [
            {"entity_id": move.entity_id, "from_state": move.from_state, "to_state": move.to_state}
            for move in moves
        ],
        same=same,
    )
    notify(session, "orders" if kind == "order" else "shipments")


def _update_guarded(
    session: Session, kind: str, columns: tuple[str, ...], plans: Sequence[TransitionPlan | Move]
) -> int:
    """One guarded UPDATE of ``columns`` for each plan; returns how many rows it matched.

    SQLite: the statement goes straight to the driver with values converted once per
    distinct value (the plans of one run share their time), because SQLAlchemy's per-row
    parameter processing costs more than the UPDATE itself at tens of thousands of rows.
    """
    from sqlalchemy import bindparam, update

    from db.models import Order, Shipment

    table = (Order if kind == "order" else Shipment).__table__
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        statement = (
            update(table)
            .where(
                table.c.id == bindparam("record_id"),
                table.c.version == bindparam("seen_version"),
            )
            .values(version=bindparam("new_version"), **{c: bindparam(c) for c in columns})
        )
        rows = [
            {
                "record_id": plan.entity_id,
                "seen_version": plan.seen_version,
                "new_version": plan.seen_version + 1,
                **plan.changes,
            }
            for plan in plans
        ]
        return session.execute(statement, rows).rowcount
    # Column by column: the converters run over each column's values in one map.
    changes = [plan.changes for plan in plans]
    converted = [
        _driver_values(table.c[column].type, dialect, list(map(itemgetter(column), changes)))
        for column in columns
    ]
    seen = [plan.seen_version for plan in plans]
    values = list(
        zip([v + 1 for v in seen], *converted, [plan.entity_id for plan in plans], seen,
            strict=True)
    )  # fmt: skip
    quote = dialect.identifier_preparer.quote
    assignments = ", ".join(f"{quote(column)} = ?" for column in ("version", *columns))
    sql = f"UPDATE {quote(table.name)} SET {assignments} WHERE id = ? AND version = ?"
    return connection.exec_driver_sql(sql, values).rowcount


def _driver_values(column_type, dialect, values: list) -> list:
    """The column type's conversion to what the driver takes, over a column's values. A
    run's moves repeat a few values (their time, their target state): each distinct one is
    converted once, and a value met before is looked up without a Python call."""
    step = column_type.dialect_impl(dialect).bind_processor(dialect)
    if step is None:
        return values
    memo = _Converted(step)
    try:
        return list(map(memo.__getitem__, values))
    except TypeError:  # an unhashable value: convert each
        return list(map(step, values))


class _Converted(dict):
    def __init__(self, step) -> None:
        super().__init__()
        self.step = step

    def __missing__(self, value):
        self[value] = result = self.step(value)
        return result


def change_status(
    session: Session,
    actor: Actor,
    record: Order | Shipment,
    to_state: str,
    *,
    reason: str = "",
    expected_version: int | None = None,
    detail: Mapping[str, object] | None = None,
) -> None:
    """Move ``record`` to ``to_state`` or raise; the caller's unit of work commits.

    ``detail`` goes into the audit event (e.g. the code and values of the reason)."""
    from db.models import utcnow

    plan = plan_transition(
        record_state(record),
        to_state,
        actor,
        now=utcnow(),
        reason=reason,
        expected_version=expected_version,
        detail=detail,
    )
    apply_plan(session, actor, record, plan)


# --------------------------------------------------------------------------- one scan's moves


def apply_plans_guarded(session: Session, plans: Sequence[TransitionPlan]) -> None:
    """``apply_plans_in_bulk`` for the few moves of one scan (the hand-over's shipment and
    its order): the same guarded UPDATE and audit events, each statement compiled once per
    shape and run on the driver's connection in the session's transaction
    (``app.prepared``), for a verb that runs at every parcel. Nothing is flushed first."""
    from app.audit import add_events
    from app.live import notify_topics

    for plan in plans:
        if holds_stock(plan):
            raise ValueError(f"{plan.kind} {plan.entity_id}: a move that releases stock")
        statement = _guarded_update(plan.kind, tuple(sorted(plan.changes)))
        values = {
            "record_id": plan.entity_id,
            "seen_version": plan.seen_version,
            "new_version": plan.seen_version + 1,
            **plan.changes,
        }
        if statement.rowcount(session, values) != 1:
            raise ConcurrentUpdate(entity_number(plan.kind, plan.entity_id))
    add_events(session, [plan.audit_row() for plan in plans])
    kinds = sorted({plan.kind for plan in plans})
    notify_topics(session, ["orders" if kind == "order" else "shipments" for kind in kinds])


@functools.lru_cache(maxsize=32)
def _guarded_update(kind: str, columns: tuple[str, ...]):
    from sqlalchemy import bindparam, update

    from app.prepared import Prepared
    from db.models import Order, Shipment

    table = {"order": Order.__table__, "shipment": Shipment.__table__}[kind]
    # Typed marks: the columns' own conversions (UTC times) run on the values.
    return Prepared(
        update(table)
        .where(
            table.c.id == bindparam("record_id", type_=table.c.id.type),
            table.c.version == bindparam("seen_version", type_=table.c.version.type),
        )
        .values(
            version=bindparam("new_version", type_=table.c.version.type),
            **{c: bindparam(c, type_=table.c[c].type) for c in columns},
        )
    )
