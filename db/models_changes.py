"""Cancellations the channel must be told of (issue 13, migration 0024_changes).

An Amazon order we cancel is reported back to Amazon in the order-cancellation upload file;
each row is written once (``exported_at``), so a file made again never repeats it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class ChannelCancellation(Base):
    __tablename__ = "channel_cancellations"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    channel: Mapped[str] = mapped_column(String(40))
    channel_order_id: Mapped[str] = mapped_column(String(80))
    channel_line_id: Mapped[str | None] = mapped_column(String(80))  # None: the whole order
    reason_code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    exported_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_channel_cancellations_channel_exported", "channel", "exported_at"),
        Index("ix_channel_cancellations_order", "order_id"),
    )
