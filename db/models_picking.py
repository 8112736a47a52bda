"""Picking tables (issue 11, migration 0009_picking): reservations, routing, totes, pick lists.

A reservation holds units of one quant for one order line (and, once allocated, one
shipment line). ``quantity`` is what it holds now: picking moves units to ``picked``,
releasing to ``released``; a closed reservation holds 0. So ``StockQuant.reserved`` is
always the sum of ``quantity`` over the quant's reservations — ``orderdesk stock check``
verifies it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class Reservation(Base):
    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    quant_id: Mapped[int] = mapped_column(ForeignKey("stock_quants.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    shipment_line_id: Mapped[int | None] = mapped_column(ForeignKey("shipment_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # held now
    picked: Mapped[int] = mapped_column(Integer, default=0)
    released: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(8), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("quantity >= 0 AND picked >= 0 AND released >= 0", name="quantities"),
        CheckConstraint("state IN ('open','picked','released')", name="state"),
        CheckConstraint("state = 'open' OR quantity = 0", name="closed_holds_nothing"),
        Index("ix_reservations_quant_state", "quant_id", "state"),
        Index("ix_reservations_order_state", "order_id", "state"),
        Index("ix_reservations_shipment_line", "shipment_line_id"),
    )


class RoutingRule(Base):
    """``category``: a product category may ship from this warehouse (rules for a category
    replace ``Warehouse.categories`` for it); ``country``: orders to this destination
    prefer this warehouse (lower ``rank`` first)."""

    __tablename__ = "routing_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    key: Mapped[str] = mapped_column(String(60))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    rank: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ('category','country')", name="kind"),
        UniqueConstraint("kind", "key", "warehouse_id", name="uq_routing_rules_kind_key_wh"),
    )


class Tote(Base):
    __tablename__ = "totes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PickList(Base):
    __tablename__ = "pick_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    kind: Mapped[str] = mapped_column(String(8))  # single, batch
    status: Mapped[str] = mapped_column(String(10), default="open")
    carrier: Mapped[str] = mapped_column(String(40), default="")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    picker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    picker_name: Mapped[str] = mapped_column(String(64), default="")
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Where the picker stands: the bin scanned at the current stop, and whether a
    # fragile / high-value stop was confirmed.
    current_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    confirmed_stop: Mapped[int | None] = mapped_column(Integer)
    wrong_scans: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("kind IN ('single','batch')", name="kind"),
        CheckConstraint("status IN ('open','claimed','finished','cancelled')", name="status"),
        Index("ix_pick_lists_warehouse_status", "warehouse_id", "status", "id"),
    )


class PickListShipment(Base):
    """A shipment on a list, in its tote slot; ``outcome`` after a short pick."""

    __tablename__ = "pick_list_shipments"

    pick_list_id: Mapped[int] = mapped_column(
        ForeignKey("pick_lists.id", ondelete="CASCADE"), primary_key=True
    )
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), primary_key=True)
    slot: Mapped[int] = mapped_column(Integer)
    tote_id: Mapped[int | None] = mapped_column(ForeignKey("totes.id"))
    outcome: Mapped[str] = mapped_column(String(12), default="")

    __table_args__ = (Index("ix_pick_list_shipments_shipment", "shipment_id"),)


class PickTask(Base):
    """Take ``quantity`` of a product from a bin for one shipment line (one reservation)."""

    __tablename__ = "pick_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id", ondelete="CASCADE"))
    stop: Mapped[int] = mapped_column(Integer)  # walk order within the list, 1-based
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"))
    shipment_line_id: Mapped[int] = mapped_column(ForeignKey("shipment_lines.id"))
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"))
    quant_id: Mapped[int] = mapped_column(ForeignKey("stock_quants.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    picked: Mapped[int] = mapped_column(Integer, default=0)
    short: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (
        CheckConstraint("quantity > 0 AND picked >= 0 AND short >= 0", name="quantities"),
        CheckConstraint("picked + short <= quantity", name="within_quantity"),
        Index("ix_pick_tasks_list_stop", "pick_list_id", "stop"),
        Index("ix_pick_tasks_reservation", "reservation_id"),
    )


class PickScan(Base):
    """Every scan at a list: what it did (for undo) or why it was refused (counted)."""

    __tablename__ = "pick_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    pick_list_id: Mapped[int] = mapped_column(ForeignKey("pick_lists.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(80), default="")
    stop: Mapped[int | None] = mapped_column(Integer)
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    # task id → units, for an item or quantity scan; what undo gives back.
    effect: Mapped[dict | None] = mapped_column(JSON)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_pick_scans_list", "pick_list_id", "id"),
        Index("ix_pick_scans_actor_refused", "actor_name", "refused"),
    )
