"""What finance's refund desk reads and offers: refunds page by page with their order's
balance, and which of the declared verbs (``REFUND_VERBS``) a refund shows, enabled or with
the reason it cannot run. The verb states are pure (plain data in, plain data out); the
page is one read (refunds, their requesters, and the orders' sums in two ``IN`` queries).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from app.i18n import N_
from app.numbers import entity_number
from app.permissions import Actor
from app.refunds.model import REFUND_VERBS, Balance, RefundStatus, RefundVerb
from app.refunds.service import refund_number
from db.models import Order, Payment, User
from db.models_refunds import Refund

PAGE = 200


@dataclass(frozen=True)
class RefundDeskRow:
    id: int
    number: str
    order_id: int
    order: str
    amount_cents: int
    currency: str
    status: str
    reason: str
    requested_by_id: int | None
    requested_by: str
    requested_at: dt.datetime
    decision_note: str
    payment_reference: str
    version: int
    balance: Balance


@dataclass(frozen=True)
class RefundVerbState:
    key: str
    label: str  # N_-marked
    enabled: bool
    why_not: str  # N_-marked, "" when enabled
    needs: str | None


def refund_verb_states(row: RefundDeskRow, actor: Actor) -> list[RefundVerbState]:
    """The verbs a refund in its status shows (the declaration decides which); enabled when
    ``actor`` may run them, else with the reason: the role, or their own request."""
    states = []
    for verb in REFUND_VERBS.values():
        if row.status not in verb.from_states:
            continue
        why = _why_not(verb, row, actor)
        states.append(RefundVerbState(verb.name, verb.label, not why, why, verb.needs))
    return states


def _why_not(verb: RefundVerb, row: RefundDeskRow, actor: Actor) -> str:
    if not actor.may(verb.permission):
        return N_("your role may not do this")
    own = row.requested_by_id is not None and row.requested_by_id == actor.user_id
    if verb.name == "approve" and own:
        return N_("you requested it: another person approves it")
    return ""


def refund_desk_page(
    session, *, status: str | None = None, limit: int = PAGE
) -> list[RefundDeskRow]:
    """The newest refunds (of one status, or all), each with its order's balance."""
    query = (
        select(Refund, User.username)
        .outerjoin(User, User.id == Refund.requested_by)
        .order_by(Refund.id.desc())
        .limit(limit)
    )
    if status:
        query = query.where(Refund.status == status)
    found = session.execute(query).all()
    balances = order_balances(session, {refund.order_id for refund, _name in found})
    return [
        RefundDeskRow(
            refund.id,
            refund_number(refund.id),
            refund.order_id,
            entity_number("order", refund.order_id),
            refund.amount_cents,
            refund.currency,
            refund.status,
            refund.reason,
            refund.requested_by,
            name or "",
            refund.requested_at,
            refund.decision_note or "",
            refund.payment_reference or "",
            refund.version,
            balances[refund.order_id],
        )
        for refund, name in found
    ]


def order_balances(session, order_ids: set[int]) -> dict[int, Balance]:
    """Paid, being refunded and refunded per order, for many orders in two queries."""
    if not order_ids:
        return {}
    ids = sorted(order_ids)
    currencies = dict(
        session.execute(select(Order.id, Order.currency).where(Order.id.in_(ids))).all()
    )
    paid = {
        (order_id, currency): int(total or 0)
        for order_id, currency, total in session.execute(
            select(Payment.order_id, Payment.currency, func.sum(Payment.amount_cents))
            .where(Payment.order_id.in_(ids), Payment.status == "captured")
            .group_by(Payment.order_id, Payment.currency)
        )
    }
    sums: dict[int, dict[str, int]] = {}
    for order_id, refund_status, total in session.execute(
        select(Refund.order_id, Refund.status, func.sum(Refund.amount_cents))
        .where(Refund.order_id.in_(ids))
        .group_by(Refund.order_id, Refund.status)
    ):
        sums.setdefault(order_id, {})[refund_status] = int(total or 0)
    balances = {}
    for order_id in ids:
        currency = currencies.get(order_id, "EUR")
        by_status = sums.get(order_id, {})
        balances[order_id] = Balance(
            currency,
            paid.get((order_id, currency), 0),  # captured in the order's currency
            by_status.get(RefundStatus.REQUESTED, 0) + by_status.get(RefundStatus.APPROVED, 0),
            by_status.get(RefundStatus.PAID, 0),
        )
    return balances
