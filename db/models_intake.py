"""Intake tables: the file imports and what they brought (migration 0002_intake: import
batches, order provenance, conflicts), price lists per marketplace and which marketplace
each channel account sells on (migration 0013_intake).

A channel report without prices (Amazon's Unshipped Orders) is priced from the price list
of the order's marketplace, as an estimate (``orders.amounts_source``), until the
channel's real amounts arrive.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow

# Provenance of imported orders lives beside the order, not in it: the Order model stays the
# same for every channel, shop-counter orders included.


class ImportBatch(Base):
    """One run of a file import: who, which file, how far it got, what came of it.

    Work is committed in batches of orders; ``units_done`` and the counts are updated with
    each commit, so a run that was killed shows how far it came (status ``interrupted``
    once its process is found gone).
    """

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    format: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str | None] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="running")
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    units_total: Mapped[int] = mapped_column(Integer, default=0)
    units_done: Mapped[int] = mapped_column(Integer, default=0)
    new_orders: Mapped[int] = mapped_column(Integer, default=0)
    already_present: Mapped[int] = mapped_column(Integer, default=0)
    conflicts: Mapped[int] = mapped_column(Integer, default=0)
    not_for_warehouse: Mapped[int] = mapped_column(Integer, default=0)
    rejected_orders: Mapped[int] = mapped_column(Integer, default=0)
    rejected_rows: Mapped[int] = mapped_column(Integer, default=0)
    # Which process runs the import, and when it last committed: a batch left "running"
    # by a process that is gone is marked "interrupted" (app.intake.mark_interrupted).
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(
            "status IN ('running','done','cancelled','failed','interrupted')",
            name="import_status",
        ),
        Index("ix_import_batches_started_at", "started_at"),
    )


class OrderImport(Base):
    """How an order came in by file: its content fingerprint and the batch that brought it.

    Re-importing compares fingerprints: the same one means already present; another one
    means the channel sent different content, which becomes an ``IntakeConflict``.
    ``source_digest`` hashes the raw rows the order was read from, so the same rows seen
    again are recognised without parsing them (NULL for JSON, which has no raw rows).
    """

    __tablename__ = "order_imports"

    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", ondelete="CASCADE"), primary_key=True
    )
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    fingerprint: Mapped[str] = mapped_column(String(32))
    source_digest: Mapped[str | None] = mapped_column(String(32))

    __table_args__ = (Index("ix_order_imports_batch", "import_batch_id"),)


class IntakeConflict(Base):
    """An order already in the database arrived again with different content.

    Nothing is overwritten: the review desk compares ``incoming`` (the order as read, plain
    JSON) with the stored order and decides. One row per distinct incoming content.
    """

    __tablename__ = "intake_conflicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    import_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batches.id"))
    stored_fingerprint: Mapped[str | None] = mapped_column(String(32))
    incoming_fingerprint: Mapped[str] = mapped_column(String(32))
    incoming: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolution: Mapped[str | None] = mapped_column(String(24))

    __table_args__ = (
        UniqueConstraint(
            "order_id", "incoming_fingerprint", name="uq_intake_conflicts_order_content"
        ),
        # The review desk's queue: open conflicts, oldest first.
        Index("ix_intake_conflicts_open", "resolved_at", "id"),
    )


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
