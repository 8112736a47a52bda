"""Reads of refunds: an order's balance, and refunds by status for finance."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from app.numbers import entity_number
from app.refunds.model import Balance, RefundStatus
from app.refunds.service import captured_cents, refund_number
from app.search.filters import Choice, Filters
from db.models import Order
from db.models_refunds import Refund


def order_balance(session, order_id: int) -> Balance | None:
    """Paid, being refunded and refunded for one order: always shown beside the order."""
    order = session.get(Order, order_id)
    if order is None:
        return None
    sums = dict(
        session.execute(
            select(Refund.status, func.sum(Refund.amount_cents))
            .where(Refund.order_id == order_id)
            .group_by(Refund.status)
        ).all()
    )
    refunding = int(sums.get(RefundStatus.REQUESTED, 0) or 0) + int(
        sums.get(RefundStatus.APPROVED, 0) or 0
    )
    return Balance(
        order.currency,
        captured_cents(session, order),
        refunding,
        int(sums.get(RefundStatus.PAID, 0) or 0),
    )


@dataclass(frozen=True)
class RefundRow:
    id: int
    number: str
    order: str
    amount_cents: int
    currency: str
    status: str
    reason: str
    version: int

    def as_json(self) -> dict:
        return {
            "number": self.number,
            "order": self.order,
            "amount_cents": self.amount_cents,
            "currency": self.currency,
            "status": self.status,
            "reason": self.reason,
        }


REFUND_FILTERS = Filters(Choice("status", Refund.status, tuple(RefundStatus)))


def list_refunds(session, *, status: str | None = None, limit: int = 50) -> list[RefundRow]:
    query = select(
        Refund.id, Refund.order_id, Refund.amount_cents, Refund.currency, Refund.status,
        Refund.reason, Refund.version,
    )  # fmt: skip
    query = query.where(*REFUND_FILTERS.conditions({"status": status}))
    rows = session.execute(query.order_by(Refund.id.desc()).limit(limit))
    return [
        RefundRow(
            rid,
            refund_number(rid),
            entity_number("order", oid),
            amount,
            currency,
            st,
            reason,
            version,
        )
        for rid, oid, amount, currency, st, reason, version in rows
    ]


def order_currency(database, order_id: int) -> str:
    """The currency an amount typed for this order is in (EUR when the order is unknown:
    the refund is then refused by name)."""
    with database.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        return order.currency if order else "EUR"
