"""The exception queue: duplicates, malicious orders, unreachable customers.

Every exception keeps its ``ExceptionRecord`` (kind, how found, plan, who handled it,
result), open or closed, so it can be searched later. The verbs:

* duplicates — keep one order, cancel the others as duplicates (message drafted);
* a channel conflict (the same order sent again with other content) — keep what we have;
* malicious — ban the customer (``BAN_CUSTOMERS``), cancel their open orders and put their
  identifiers on the block list, so the rules hold anything else they try;
* unreachable — hold with a note and a call-back date; later release (review again) or
  cancel (``service.cancel_order``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import ConcurrentUpdate, InvalidInput, NotFound
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.review.auto import held_order_ids
from app.review.errors import NotInQueue
from app.review.keys import address_key, email_key, phone_key
from app.review.kit import (
    ActionResult,
    action_result,
    audit,
    cancel_in_session,
    close_exception_records,
    close_tasks,
    draft,
    new_task,
    order_for_action,
    require_reason,
    resolve_intake_conflicts,
    review_one,
)
from app.review.messages import MessageKind
from app.review.model import ReviewSettings
from app.review.reasons import why
from app.review.verbs import BEFORE_ALLOCATION, REVIEWABLE, require_verb
from app.uow import UnitOfWork
from app.workflow import (
    CustomerStatus,
    ExceptionState,
    OrderStatus,
    bump_version,
    change_status,
    require_move,
)
from app.workflow import OrderStatus as OS
from db.models import Address, BlockListEntry, Customer, ExceptionRecord, Order

# --------------------------------------------------------------------------- duplicates


@dataclass(frozen=True)
class DuplicateResolution:
    kept: ActionResult
    cancelled: tuple[ActionResult, ...]


def resolve_duplicates(
    uow: UnitOfWork,
    actor: Actor,
    *,
    keep_order_id: int,
    cancel_order_ids: Sequence[int],
    expected_versions: Mapping[int, int],
    settings: ReviewSettings | None = None,
) -> DuplicateResolution:
    """Keep one order; cancel the others as its duplicates; review the kept one again."""
    require(actor, Permission.REVIEW_ORDERS)
    cancel_ids = sorted(set(cancel_order_ids) - {keep_order_id})
    if not cancel_ids:
        raise InvalidInput("duplicates", list(cancel_order_ids), "at least one other order")
    with uow:
        session = uow.session
        keep = _versioned(session, keep_order_id, expected_versions)
        require_verb(actor, keep.id, keep.status, "resolve_duplicates")
        others = [_versioned(session, oid, expected_versions) for oid in cancel_ids]
        for order in others:
            if order.status not in BEFORE_ALLOCATION:
                raise NotInQueue(
                    order_number(order.id), order.status, "cancel as a duplicate", BEFORE_ALLOCATION
                )
            if order.customer_id != keep.customer_id:
                raise InvalidInput(
                    "duplicates", order_number(order.id), "orders of the same customer"
                )
        kept_number = order_number(keep.id)
        cancelled = tuple(_cancel_duplicate(session, actor, order, kept_number) for order in others)
        close_exception_records(
            session, actor, keep.id, "kept", "cancelled: " + ", ".join(c.number for c in cancelled)
        )
        review = None
        if keep.status in REVIEWABLE and keep.id not in held_order_ids(session, [keep.id]):
            review = review_one(session, actor, keep, settings)
        else:
            bump_version(keep)
        audit(session, actor, keep, "duplicates_resolved", cancelled=[c.number for c in cancelled])
        uow.commit()
        return DuplicateResolution(action_result(keep, review), cancelled)


def _versioned(session: Session, order_id: int, versions: Mapping[int, int]) -> Order:
    if order_id not in versions:
        raise InvalidInput("expected version", order_number(order_id), "the version shown")
    return order_for_action(session, order_id, versions[order_id])


def _cancel_duplicate(
    session: Session, actor: Actor, order: Order, kept_number: str
) -> ActionResult:
    if not _has_open_record(session, order.id):
        _new_record(session, actor, order, "duplicate", f"desk {actor.username}: duplicate")
    result = cancel_in_session(
        session,
        actor,
        order,
        f"duplicate of {kept_number}",
        None,
        record_result="cancelled_duplicate",
    )
    message = draft(session, actor, order, MessageKind.CANCELLED_DUPLICATE, kept=kept_number)
    return ActionResult(**{**result.__dict__, "message_id": message.id})


def keep_stored_version(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    note: str = "",
    settings: ReviewSettings | None = None,
) -> ActionResult:
    """The channel sent the order again with other content: ours stands; review again."""
    require(actor, Permission.REVIEW_ORDERS)
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "keep_stored")
        resolved = resolve_intake_conflicts(session, actor, order.id, "kept_stored")
        if not resolved:
            raise NotInQueue(
                order_number(order.id),
                order.status,
                "keep the stored order",
                ("an open intake conflict",),
            )
        close_exception_records(session, actor, order.id, "kept", note, states=("open",))
        audit(session, actor, order, "intake_conflict_kept", note, conflicts=resolved)
        review = review_one(session, actor, order, settings)
        uow.commit()
        return action_result(order, review)


# --------------------------------------------------------------------------- malicious


@dataclass(frozen=True)
class BanResult:
    customer_id: int
    cancelled: tuple[str, ...]  # order numbers
    not_cancelled: tuple[str, ...]  # allocated or further on: the warehouse must stop them
    block_list_added: int


def ban_customer(
    uow: UnitOfWork,
    actor: Actor,
    customer_id: int,
    *,
    reason: str,
    order_id: int | None = None,
    expected_version: int | None = None,
) -> BanResult:
    """Ban the account, cancel its open orders, put its identifiers on the block list.

    ``order_id``/``expected_version`` name the order the supervisor was looking at: if
    another desk changed it meanwhile, nothing is done.
    """
    require(actor, Permission.BAN_CUSTOMERS)
    reason = require_reason(reason)
    with uow:
        session = uow.session
        if order_id is not None:
            if expected_version is None:
                raise InvalidInput("expected version", order_number(order_id), "the version shown")
            order_for_action(session, order_id, expected_version)
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise NotFound("customer", customer_id)
        previous = customer.status
        if previous != CustomerStatus.BANNED:  # banned again: the ban stands, no move
            ref = f"customer {customer.id}"
            require_move("customer", ref, previous, CustomerStatus.BANNED, actor)
        customer.status = CustomerStatus.BANNED
        record_event(
            session,
            actor,
            entity_type="customer",
            entity_id=customer.id,
            action="ban",
            from_state=previous,
            to_state="banned",
            reason=reason,
        )
        orders = list(
            session.scalars(
                select(Order).where(Order.customer_id == customer.id).order_by(Order.id)
            )
        )
        cancelled = []
        for order in orders:
            if order.status in BEFORE_ALLOCATION:
                # No message: a fraudster is not told which check caught them.
                cancel_in_session(
                    session, actor, order, f"customer banned: {reason}", None, "banned"
                )
                cancelled.append(order)
        added = _block_identifiers(session, actor, customer, cancelled or orders, reason, order_id)
        uow.commit()
        left = [o for o in orders if o.status in (OS.ALLOCATED,)]
        return BanResult(
            customer.id,
            tuple(order_number(o.id) for o in cancelled),
            tuple(order_number(o.id) for o in left),
            added,
        )


def _block_identifiers(
    session: Session,
    actor: Actor,
    customer: Customer,
    orders: Sequence[Order],
    reason: str,
    order_id: int | None,
) -> int:
    wanted: dict[tuple[str, str], str] = {("customer", str(customer.id)): customer.name}
    if email_key(customer.email):
        wanted[("email", email_key(customer.email))] = customer.email or ""
    addresses = list(session.scalars(select(Address).where(Address.customer_id == customer.id)))
    home = next((a.country_code for a in addresses if a.country_code), "")
    phones = [(customer.phone, home)] + [(a.phone, a.country_code) for a in addresses]
    phones += [(o.ship_phone, o.ship_country) for o in orders]
    for phone, country in phones:
        if phone_key(phone, country):
            wanted[("phone", phone_key(phone, country))] = phone or ""
    places = [(a.line1, a.postal_code, a.country_code, a.city) for a in addresses]
    places += [(o.ship_line1, o.ship_postal_code, o.ship_country, o.ship_city) for o in orders]
    for line1, postal, country, city in places:
        if (line1 or "").strip():
            shown = ", ".join(p for p in (line1, postal, city, country) if p)
            wanted[("address", address_key(line1, postal, country, city))] = shown
    existing = {
        (kind, key)
        for kind, key in session.execute(
            select(BlockListEntry.kind, BlockListEntry.value_key).where(
                BlockListEntry.value_key.in_([key for _, key in wanted])
            )
        )
    }
    new = [
        (kind, key, shown) for (kind, key), shown in wanted.items() if (kind, key) not in existing
    ]
    for kind, key, shown in new:
        session.add(
            BlockListEntry(
                kind=kind,
                value_key=key[:300],
                shown=shown[:300],
                reason=reason,
                customer_id=customer.id,
                order_id=order_id,
                added_by_id=actor.user_id,
                added_by_name=actor.username,
            )
        )
    return len(new)


# --------------------------------------------------------------------------- unreachable


def hold_order(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    note: str,
    callback_at: dt.datetime,
) -> ActionResult:
    """The customer cannot be reached and the data is wrong: hold until the call-back."""
    require(actor, Permission.REVIEW_ORDERS)
    note = require_reason(note, "note")
    if callback_at.tzinfo is None:
        raise InvalidInput("call-back", callback_at, "a date and time with its time zone")
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "hold")
        held = _held_record(session, order.id)
        if order.status == OS.ON_HOLD:
            bump_version(order)
        else:  # straight from its queue: one move, one event
            said = why("review.held", note=note)
            change_status(
                session,
                actor,
                order,
                OrderStatus.ON_HOLD,
                reason=said.english(),
                detail=said.detail(),
            )
        plan = f"call back {callback_at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"
        if held is None:
            held = _new_record(
                session, actor, order, "unreachable", f"desk {actor.username}: unreachable"
            )
            ref = order_number(order.id)
            require_move("exception", ref, held.state, ExceptionState.HELD, actor)
            held.state = ExceptionState.HELD
        held.note, held.callback_at, held.plan = note, callback_at, plan
        held.handled_by_id, held.handled_by_name = actor.user_id, actor.username
        close_tasks(
            session,
            actor,
            order.id,
            kinds=("unreachable",),
            state="cancelled",
            outcome="rescheduled",
        )
        task = new_task(session, actor, order, "unreachable", note, due_at=callback_at)
        audit(session, actor, order, "hold", note, callback_at=callback_at.isoformat())
        uow.commit()
        return action_result(order, task_id=task.id)


def release_hold(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    note: str = "",
    settings: ReviewSettings | None = None,
) -> ActionResult:
    """The customer was reached: end the hold and review the order again."""
    require(actor, Permission.REVIEW_ORDERS)
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        if order.status != OS.ON_HOLD or _held_record(session, order.id) is None:
            raise NotInQueue(order_number(order.id), order.status, "release", ("on hold",))
        close_exception_records(session, actor, order.id, "released", note, states=("held",))
        close_tasks(
            session, actor, order.id, kinds=("unreachable",), answer="reached", outcome=note
        )
        audit(session, actor, order, "release_hold", note)
        review = review_one(session, actor, order, settings)
        uow.commit()
        return action_result(order, review)


def _held_record(session: Session, order_id: int) -> ExceptionRecord | None:
    return session.scalars(
        select(ExceptionRecord).where(
            ExceptionRecord.order_id == order_id, ExceptionRecord.state == "held"
        )
    ).first()


def _has_open_record(session: Session, order_id: int) -> bool:
    found = session.scalar(
        select(ExceptionRecord.id).where(
            ExceptionRecord.order_id == order_id, ExceptionRecord.state.in_(("open", "held"))
        )
    )
    return found is not None


def _new_record(
    session: Session, actor: Actor, order: Order, kind: str, how_found: str
) -> ExceptionRecord:
    record = ExceptionRecord(
        order_id=order.id,
        customer_id=order.customer_id,
        kind=kind,
        how_found=how_found,
        state="open",
        opened_by_name=actor.username,
    )
    session.add(record)
    session.flush()
    return record


# --------------------------------------------------------------------------- plan


def set_exception_plan(
    uow: UnitOfWork, actor: Actor, exception_id: int, *, expected_version: int, plan: str
) -> None:
    """Write down what will be done about an exception (and who is on it)."""
    require(actor, Permission.REVIEW_ORDERS)
    plan = plan.strip()
    if not plan:
        raise InvalidInput("plan", plan, "a plan in words")
    with uow:
        session = uow.session
        record = session.get(ExceptionRecord, exception_id)
        if record is None:
            raise NotFound("exception", exception_id)
        if record.version != expected_version:
            raise ConcurrentUpdate(f"Exception #{exception_id}")
        record.plan = plan
        record.handled_by_id, record.handled_by_name = actor.user_id, actor.username
        record_event(
            session,
            actor,
            entity_type="order",
            entity_id=record.order_id,
            action="exception_plan",
            reason=plan,
            detail={"exception": record.id},
        )
        uow.commit()
