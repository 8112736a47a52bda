"""Stock tables of issue 11 (migration 0008_stock): reorder rules and pick-face minimums.

Quantities live in ``stock_quants`` and every change in ``stock_moves`` (db.models); these
tables hold what a supervisor sets up: when a product counts as low in a warehouse, and
how full a pick-face bin should be kept from the overflow.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class ReorderRule(Base):
    """Low-stock threshold of one product in one warehouse, and how purchasing orders it.

    Low when available (on hand less reserved) falls below ``min_quantity``; a suggested
    order is rounded up to whole ``pack_size`` packs.
    """

    __tablename__ = "reorder_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    min_quantity: Mapped[int] = mapped_column(Integer)
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("product_id", "warehouse_id", name="uq_reorder_rules_product_warehouse"),
        CheckConstraint("min_quantity >= 0", name="min_not_negative"),
        CheckConstraint("pack_size >= 1", name="pack_size_positive"),
        Index("ix_reorder_rules_warehouse", "warehouse_id"),
    )


class PickFaceRule(Base):
    """A pick-face bin keeps at least ``min_quantity`` of a product, refilled to ``max``."""

    __tablename__ = "pick_face_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    min_quantity: Mapped[int] = mapped_column(Integer)
    max_quantity: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        UniqueConstraint("bin_id", "product_id", name="uq_pick_face_rules_bin_product"),
        CheckConstraint("min_quantity >= 0", name="min_not_negative"),
        CheckConstraint("max_quantity >= min_quantity", name="max_not_below_min"),
        Index("ix_pick_face_rules_product", "product_id"),
    )
