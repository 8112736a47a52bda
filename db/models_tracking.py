"""Tracking events (issue 13, migration 0021_tracking): what carriers report per parcel.

One row per event, keyed by ``event_key`` (a hash of the event's content), so importing a
file twice or receiving a webhook again never stores an event twice. An event belongs to a
shipment, and to the parcel whose tracking number it names where parcels exist.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class TrackingEvent(Base):
    __tablename__ = "tracking_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    parcel_id: Mapped[int | None] = mapped_column(ForeignKey("parcels.id", ondelete="CASCADE"))
    tracking_number: Mapped[str] = mapped_column(String(64))
    carrier: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20))
    carrier_status: Mapped[str] = mapped_column(String(64), default="")
    location: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(16), default="file")
    event_key: Mapped[str] = mapped_column(String(40), unique=True)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_tracking_events_shipment_time", "shipment_id", "occurred_at"),
        Index("ix_tracking_events_parcel_time", "parcel_id", "occurred_at"),
    )
