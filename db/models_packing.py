"""Packing tables (issue 12, migration 0016_packing): package types, the package rules a
supervisor edits, products' packing facts, and every scan at the packing station.

A package rule says which package type suits a parcel's items (fragile → foam-lined carton,
soft goods → poly bag, size by total volume and weight); the first active rule by rank
whose conditions all hold is suggested, and the packer may choose another. Each scan at the
station is a row of ``pack_scans``: an accepted item scan puts one unit in a parcel (what
undo takes back), a refused one says why and changes nothing else.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class PackageType(Base):
    """A box or bag the station stocks; ``code`` is what a packer scans to choose it."""

    __tablename__ = "package_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(16), default="carton")
    inner_volume_cm3: Mapped[int] = mapped_column(Integer)
    max_weight_g: Mapped[int] = mapped_column(Integer)
    tare_g: Mapped[int] = mapped_column(Integer, default=0)  # the empty package's weight
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("kind IN ('carton','foam_carton','poly_bag','envelope')", name="kind"),
        CheckConstraint("inner_volume_cm3 > 0 AND max_weight_g > 0 AND tare_g >= 0", name="sizes"),
    )


class PackageRule(Base):
    """When (fragile / soft goods / volume / weight; NULL = any) → which package type."""

    __tablename__ = "package_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, default=100)  # lower is tried first
    fragile: Mapped[bool | None] = mapped_column(Boolean)
    soft: Mapped[bool | None] = mapped_column(Boolean)
    max_volume_cm3: Mapped[int | None] = mapped_column(Integer)
    max_weight_g: Mapped[int | None] = mapped_column(Integer)
    package_type_id: Mapped[int] = mapped_column(ForeignKey("package_types.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (Index("ix_package_rules_rank", "rank", "id"),)


class ProductPacking(Base):
    """A product's outer size and whether it is soft goods (packs in a bag); a product
    without a row packs by weight alone."""

    __tablename__ = "product_packing"

    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True
    )
    length_mm: Mapped[int] = mapped_column(Integer)
    width_mm: Mapped[int] = mapped_column(Integer)
    height_mm: Mapped[int] = mapped_column(Integer)
    soft: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (
        CheckConstraint("length_mm > 0 AND width_mm > 0 AND height_mm > 0", name="dimensions"),
    )


class PackScan(Base):
    """One scan at the packing station. ``kind``: ``item`` (one unit of ``product_id`` into
    ``parcel_id``) or ``refused``; ``undone`` once taken back."""

    __tablename__ = "pack_scans"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(80), default="")
    undone: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        CheckConstraint("kind IN ('item','refused')", name="kind"),
        Index("ix_pack_scans_shipment", "shipment_id", "id"),
        Index("ix_pack_scans_parcel", "parcel_id"),
    )
