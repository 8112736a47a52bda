"""Refund verbs, one transaction each: request (customer service), approve, reject, pay
(finance). The order's balance is changed by one conditional UPDATE under the database's
row lock, so concurrent requests are decided one after the other, never both on the same
money."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import ConcurrentUpdate, InvalidInput, NotFound
from app.i18n import N_
from app.live import notify
from app.money import display_money
from app.numbers import entity_number
from app.permissions import Actor, Permission, require
from app.refunds.errors import (
    OwnRefundApproval,
    RefundExceedsBalance,
    RefundNeeds,
    RefundNotAllowed,
)
from app.refunds.model import HOLDS_BALANCE, REFUND_VERBS, RefundStatus
from app.workflow import OrderStatus, change_status, may_transition
from db.models import Order, Payment
from db.models_refunds import OrderBalance, Refund

REFUNDS = "refunds"  # the live topic finance's list follows
MAX_REASON = 2000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def refund_number(refund_id: int) -> str:
    return f"RF-{refund_id:06d}"


def captured_cents(session: Session, order: Order) -> int:
    """What was taken for the order, in its currency (captured payments)."""
    total = session.scalar(
        select(func.coalesce(func.sum(Payment.amount_cents), 0)).where(
            Payment.order_id == order.id,
            Payment.status == "captured",
            Payment.currency == order.currency,
        )
    )
    return int(total or 0)


def request_refund(
    database,
    actor: Actor,
    order_id: int,
    amount_cents: int,
    reason: str,
    *,
    case_id: int | None = None,
) -> int:
    """Ask finance to give ``amount_cents`` back; returns the refund's id. Refused when it
    would give back more than was paid minus earlier refunds (requested ones count)."""
    require(actor, Permission.HANDLE_CASES)
    ref = entity_number("order", order_id)
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput(N_("amount"), amount_cents, N_("an amount above zero"))
    reason = " ".join(reason.split())[:MAX_REASON]
    if not reason:
        raise RefundNeeds(ref, N_("a reason"))
    with database.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        if order is None:
            raise NotFound(N_("order"), ref)
        refund_id = add_refund_request(uow.session, actor, order, amount_cents, reason, case_id)
        uow.commit()
        return refund_id


def left_to_refund_cents(session: Session, order: Order) -> int:
    """What can still be given back: captured less refunds requested, approved or paid."""
    paid = captured_cents(session, order)
    promised = session.scalar(
        select(OrderBalance.refunded_cents).where(OrderBalance.order_id == order.id)
    )
    return max(paid - int(promised or 0), 0)


def add_refund_request(
    session: Session,
    actor: Actor,
    order: Order,
    amount_cents: int,
    reason: str,
    case_id: int | None = None,
) -> int:
    """The request in the caller's transaction (a return's inspection asks for its refund in
    the same transaction); the balance is taken by the same conditional UPDATE."""
    ref = entity_number("order", order.id)
    order_id = order.id
    paid = captured_cents(session, order)
    _ensure_balance(session, order, paid)
    taken = session.execute(
        update(OrderBalance)
        .where(
            OrderBalance.order_id == order_id,
            OrderBalance.refunded_cents + amount_cents <= paid,
        )
        .values(refunded_cents=OrderBalance.refunded_cents + amount_cents, paid_cents=paid)
    )
    if taken.rowcount != 1:
        already = session.scalar(
            select(OrderBalance.refunded_cents).where(OrderBalance.order_id == order_id)
        )
        raise RefundExceedsBalance(
            ref,
            display_money(amount_cents, order.currency),
            display_money(max(paid - (already or 0), 0), order.currency),
        )
    refund = Refund(
        order_id=order_id, case_id=case_id, amount_cents=amount_cents, currency=order.currency,
        reason=reason, requested_by=actor.user_id, requested_at=_now(),
    )  # fmt: skip
    session.add(refund)
    session.flush()
    record_event(
        session, actor, entity_type="refund", entity_id=refund.id, action="request",
        to_state=RefundStatus.REQUESTED, reason=reason,
        detail={"order_id": order_id, "amount_cents": amount_cents, "currency": order.currency},
    )  # fmt: skip
    notify(session, REFUNDS)
    return refund.id


def _ensure_balance(session: Session, order: Order, paid: int) -> None:
    """The order's balance row, made once; two desks making it at once is harmless."""
    values = {
        "order_id": order.id,
        "currency": order.currency,
        "paid_cents": paid,
        "refunded_cents": 0,
    }
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(
        insert(OrderBalance).values(**values).on_conflict_do_nothing(index_elements=["order_id"])
    )


def decide(
    database,
    actor: Actor,
    refund_id: int,
    verb_name: str,
    *,
    note: str = "",
    reference: str = "",
    expected_version: int | None = None,
) -> int:
    """Approve, reject or record the payment of a refund; returns its new version."""
    verb = REFUND_VERBS[verb_name]
    ref = refund_number(refund_id)
    with database.unit_of_work() as uow:
        session = uow.session
        refund = session.get(Refund, refund_id)
        if refund is None:
            raise NotFound(N_("refund"), ref)
        if expected_version is not None and refund.version != expected_version:
            raise ConcurrentUpdate(ref)
        if refund.status not in verb.from_states:
            raise RefundNotAllowed(ref, verb.label, STATUS_WORDS[RefundStatus(refund.status)])
        require(actor, verb.permission)
        if (
            verb_name == "approve"
            and refund.requested_by is not None
            and refund.requested_by == actor.user_id
        ):
            raise OwnRefundApproval(ref)
        note = " ".join(note.split())[:MAX_REASON]
        reference = reference.strip()[:80]
        if verb.needs == "reason" and not note:
            raise RefundNeeds(ref, N_("a reason"))
        if verb.needs == "reference" and not reference:
            raise RefundNeeds(
                ref, N_("the payment reference (Amazon's adjustment id for Amazon orders)")
            )
        before = refund.status
        if verb.to_state not in HOLDS_BALANCE and before in HOLDS_BALANCE:
            session.execute(
                update(OrderBalance)
                .where(OrderBalance.order_id == refund.order_id)
                .values(refunded_cents=OrderBalance.refunded_cents - refund.amount_cents)
            )
        refund.status = verb.to_state
        refund.decided_by = actor.user_id if verb_name != "pay" else refund.decided_by
        refund.decided_at = _now() if verb_name != "pay" else refund.decided_at
        refund.decision_note = note or refund.decision_note
        if verb_name == "pay":
            refund.payment_reference = reference
            refund.paid_at = _now()
        record_event(
            session, actor, entity_type="refund", entity_id=refund.id, action=verb_name,
            from_state=before, to_state=refund.status, reason=note or reference,
        )  # fmt: skip
        if verb_name == "pay":
            _refunded_when_all_paid_back(session, actor, refund.order_id)
        notify(session, REFUNDS)
        uow.commit()
        return refund.version


def _refunded_when_all_paid_back(session: Session, actor: Actor, order_id: int) -> None:
    order = session.get(Order, order_id)
    paid_back = session.scalar(
        select(func.coalesce(func.sum(Refund.amount_cents), 0)).where(
            Refund.order_id == order_id, Refund.status == RefundStatus.PAID
        )
    )
    if order is None or not may_transition("order", order.status, OrderStatus.REFUNDED):
        return
    if paid_back >= captured_cents(session, order) > 0:
        change_status(session, actor, order, OrderStatus.REFUNDED, reason="refund")


STATUS_WORDS = {
    RefundStatus.REQUESTED: N_("requested"),
    RefundStatus.APPROVED: N_("approved"),
    RefundStatus.REJECTED: N_("rejected"),
    RefundStatus.PAID: N_("paid"),
}
