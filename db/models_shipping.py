"""Shipping tables (issue 12, migration 0012_parcels): carriers and their services, parcels
and every label printed for a parcel.

A shipment leaves in one or more parcels. Each parcel has its package, weight, carrier
service and tracking number, and a label history: the first print, every explicit reprint,
a failed print and a void are rows of ``parcel_labels``, so nobody prints a duplicate label
by accident and the history says who printed what. A shipment is shipped when all its
parcels are handed over.
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
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class Carrier(Base):
    """A carrier we hand parcels to. ``code`` is ours (``ups``, ``sf_express``,
    ``own_fleet``); ``amazon_code`` is the value Amazon's shipping confirmation accepts for
    it (None → the file says ``Other`` and gives ``name``). A carrier that ``issues_labels``
    (UPS, FedEx, DHL Express) prints its own routing label against the shipper's account:
    that label is imported per parcel, not drawn by us."""

    __tablename__ = "carriers"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    amazon_code: Mapped[str | None] = mapped_column(String(40))
    issues_labels: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class CarrierService(Base):
    """One service of a carrier (standard, expedited, next day) with the limits the carrier
    choice rules read: weight, destinations (None = anywhere), the order value above which a
    signature is required, and how long without a tracking event counts as an exception."""

    __tablename__ = "carrier_services"

    id: Mapped[int] = mapped_column(primary_key=True)
    carrier_id: Mapped[int] = mapped_column(ForeignKey("carriers.id"))
    code: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(16), default="standard")
    ship_method: Mapped[str | None] = mapped_column(String(80))  # as the channel names it
    max_weight_g: Mapped[int | None] = mapped_column(Integer)
    countries: Mapped[list | None] = mapped_column(JSON)  # ISO codes; None = any
    signature_above_cents: Mapped[int | None] = mapped_column(Integer)
    # 0017_shipping: insurance by value too; both thresholds are in this currency.
    insurance_above_cents: Mapped[int | None] = mapped_column(Integer)
    threshold_currency: Mapped[str] = mapped_column(String(3), default="EUR", server_default="EUR")
    transit_days: Mapped[int | None] = mapped_column(Integer)
    silent_hours: Mapped[int | None] = mapped_column(Integer)  # no event → exception
    rank: Mapped[int] = mapped_column(Integer, default=100)  # lower is preferred
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        UniqueConstraint("carrier_id", "code", name="carrier_code"),
        CheckConstraint("level IN ('standard','expedited','next_day')", name="level"),
    )


class Parcel(Base):
    """One box of a shipment. ``status``: ``open`` while packing, ``labelled`` once its
    label printed, ``handed_over`` when the carrier took it; ``voided`` when its label was
    voided (the shipment goes back from packed to picked)."""

    __tablename__ = "parcels"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    sequence: Mapped[int] = mapped_column(Integer, default=1)  # parcel n of m
    package_type: Mapped[str | None] = mapped_column(String(32))
    weight_g: Mapped[int | None] = mapped_column(Integer)
    carrier_service_id: Mapped[int | None] = mapped_column(ForeignKey("carrier_services.id"))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    labelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    handed_over_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    handed_over_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # 0017_shipping: what the carrier choice asked for this parcel (by the shipment's value).
    signature_required: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    insured: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("status IN ('open','labelled','handed_over','voided')", name="status"),
        CheckConstraint("weight_g IS NULL OR weight_g > 0", name="weight_positive"),
        UniqueConstraint("shipment_id", "sequence", name="shipment_sequence"),
        Index("ix_parcels_tracking_number", "tracking_number"),
        Index("ix_parcels_status_handed_over_at", "status", "handed_over_at"),
    )


class ParcelLabel(Base):
    """One print (or failed print, or void) of a parcel's label. ``source`` says whose
    label it is: ``drawn`` by us, or ``carrier`` (imported from the carrier's software,
    kept in ``content``). A reprint is an explicit action with its own row."""

    __tablename__ = "parcel_labels"

    id: Mapped[int] = mapped_column(primary_key=True)
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))  # print, reprint, void, import
    source: Mapped[str] = mapped_column(String(16), default="drawn")
    label_format: Mapped[str] = mapped_column(String(8))  # pdf, zpl
    printer: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(8), default="printed")
    failure: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str | None] = mapped_column(Text)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # 0017_shipping: ``import`` is a carrier-issued label brought in (not yet printed).
        CheckConstraint("action IN ('print','reprint','void','import')", name="action"),
        CheckConstraint("source IN ('drawn','carrier')", name="source"),
        CheckConstraint("label_format IN ('pdf','zpl')", name="label_format"),
        CheckConstraint("outcome IN ('printed','failed')", name="outcome"),
        Index("ix_parcel_labels_parcel", "parcel_id", "id"),
    )


# --------------------------------------------------------------------------- 0017_shipping


class ShipConfirmationExport(Base):
    """One confirmation file written for a channel (who, when, from which day)."""

    __tablename__ = "ship_confirmation_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    file_format: Mapped[str] = mapped_column(String(16))  # amazon_tsv, partner_csv
    since: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    row_count: Mapped[int] = mapped_column(Integer, default=0)


class ShipConfirmation(Base):
    """The units of one shipment line in one parcel, told to the channel under that
    parcel's tracking number. Unique per (shipment line, parcel) (0036_shipgaps; a line
    whose units went in two parcels is two rows), so a re-export for an overlapping period
    never confirms the same items twice."""

    __tablename__ = "ship_confirmations"

    id: Mapped[int] = mapped_column(primary_key=True)
    export_id: Mapped[int] = mapped_column(
        ForeignKey("ship_confirmation_exports.id", ondelete="CASCADE")
    )
    shipment_line_id: Mapped[int] = mapped_column(ForeignKey("shipment_lines.id"))
    parcel_id: Mapped[int] = mapped_column(ForeignKey("parcels.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    tracking_number: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        UniqueConstraint("shipment_line_id", "parcel_id", name="shipment_line_parcel"),
        Index("ix_ship_confirmations_export", "export_id"),
    )
