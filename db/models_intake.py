"""Intake tables (migration 0013_intake): price lists per marketplace, and which
marketplace each channel account sells on.

A channel report without prices (Amazon's Unshipped Orders) is priced from the price list
of the order's marketplace, as an estimate (``orders.amounts_source``), until the
channel's real amounts arrive.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class PriceList(Base):
    """What a marketplace charges for our products, in its currency (kept by a supervisor)."""

    __tablename__ = "price_lists"

    id: Mapped[int] = mapped_column(primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(8), unique=True)  # e.g. "UK", "DE", "US"
    currency: Mapped[str] = mapped_column(String(3))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(80), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PriceListPrice(Base):
    __tablename__ = "price_list_prices"

    price_list_id: Mapped[int] = mapped_column(
        ForeignKey("price_lists.id", ondelete="CASCADE"), primary_key=True
    )
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), primary_key=True)
    unit_price_cents: Mapped[int] = mapped_column(Integer)

    __table_args__ = (CheckConstraint("unit_price_cents >= 0", name="price_not_negative"),)


class ChannelMarketplace(Base):
    """The marketplace a channel account sells on (``amazon-uk`` → ``UK``); a channel not
    listed here is priced by the marketplace of the buyer's ship-to country."""

    __tablename__ = "channel_marketplaces"

    channel: Mapped[str] = mapped_column(String(40), primary_key=True)
    marketplace: Mapped[str] = mapped_column(String(8))
