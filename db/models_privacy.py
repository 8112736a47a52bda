"""Removal of marketplace buyers' personal data (issue 13, migration 0025_privacy).

One row per order whose buyer data was removed: when, and after which retention period.
What tax records need (amounts, currency, country, region, postal code and city, dates)
stays on the order; the name, street lines and phone go, and with the buyer's last order
the customer's name, e-mail, phone and addresses.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class PersonalDataRemoval(Base):
    __tablename__ = "personal_data_removals"

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    removed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    retention_days: Mapped[int] = mapped_column(Integer)
