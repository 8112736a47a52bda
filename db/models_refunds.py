"""Refunds (issue 13, migration 0023_refunds): requested by customer service, approved or
rejected by finance, paid with a payment reference.

``order_balances`` holds, per order, what was paid and how much of it is promised back
(refunds requested, approved or paid; a rejected one gives its amount back). A request adds
its amount with one conditional UPDATE, and the CHECK constraint makes "never more back than
was paid" a database fact: two desks refunding the same order at the same instant cannot
both take the last euro.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class OrderBalance(Base):
    __tablename__ = "order_balances"

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    currency: Mapped[str] = mapped_column(String(3))
    paid_cents: Mapped[int] = mapped_column(Integer, default=0)
    refunded_cents: Mapped[int] = mapped_column(Integer, default=0)  # requested + approved + paid

    __table_args__ = (
        CheckConstraint("paid_cents >= 0", name="paid_not_negative"),
        CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= paid_cents", name="refunds_within_paid"
        ),
    )


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="requested")
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    payment_reference: Mapped[str | None] = mapped_column(String(80))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("status IN ('requested','approved','rejected','paid')", name="status"),
        CheckConstraint(
            "status != 'paid' OR payment_reference IS NOT NULL", name="paid_has_reference"
        ),
        Index("ix_refunds_order", "order_id"),
        Index("ix_refunds_status_id", "status", "id"),
        Index("ix_refunds_case", "case_id"),
    )
