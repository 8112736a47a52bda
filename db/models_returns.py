"""After-sales goods movements (issue 13, migration 0038_returns): reships and returns.

A **reship** ties a case to the new shipment it sent at no charge; the shipment itself is an
ordinary one that goes through allocation, picking, packing and hand-over. A **return**
(RMA) is booked after shipment with its reason and the fee the policy allows; its lines say
what comes back and, once inspected, whether each unit went back to stock or was written off.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class Reship(Base):
    __tablename__ = "reships"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), unique=True)
    replaces_shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (Index("ix_reships_case", "case_id"), Index("ix_reships_order", "order_id"))


class Return(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    status: Mapped[str] = mapped_column(String(12), default="booked")
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    currency: Mapped[str] = mapped_column(String(3))
    goods_cents: Mapped[int] = mapped_column(Integer, default=0)  # what the units were sold for
    fee_cents: Mapped[int] = mapped_column(Integer, default=0)  # agreed, within the policy
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    refund_id: Mapped[int | None] = mapped_column(ForeignKey("refunds.id"))
    booked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    inspected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    inspected_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("status IN ('booked','received','inspected','cancelled')", name="status"),
        CheckConstraint("fee_cents >= 0 AND fee_cents <= goods_cents", name="fee_within_goods"),
        Index("ix_returns_order", "order_id"),
        Index("ix_returns_case", "case_id"),
        Index("ix_returns_status_id", "status", "id"),
    )


class ReturnLine(Base):
    __tablename__ = "return_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("returns.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    resellable: Mapped[int] = mapped_column(Integer, default=0)  # back to stock
    written_off: Mapped[int] = mapped_column(Integer, default=0)  # damaged
    bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint(
            "resellable >= 0 AND written_off >= 0 AND resellable + written_off <= quantity",
            name="inspected_within_quantity",
        ),
        Index("ix_return_lines_return", "return_id"),
    )
