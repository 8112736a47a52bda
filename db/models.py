"""Typed SQLAlchemy models: the shape of the shared database, no business rules.

Money is integer minor units plus an ISO 4217 code; times are timezone-aware UTC.
Rows that two desks may edit at once carry a ``version`` column used by SQLAlchemy's
optimistic locking (``version_id_col``): an UPDATE that finds another version raises
``StaleDataError``, which the unit of work turns into ``app.errors.ConcurrentUpdate``.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Named constraints so Alembic batch migrations on SQLite can find them again.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Stores aware datetimes as UTC and always returns aware UTC datetimes.

    SQLite has no time zone type, so without this a value read back would be naive and
    comparisons with ``datetime.now(UTC)`` would fail.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; orderdesk stores aware UTC times only")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect):  # type: ignore[override]
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# --------------------------------------------------------------------------- people


user_roles = Table(
    "user_roles",
    Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role_id", ForeignKey("roles.id", ondelete="CASCADE"), primary_key=True),
)


class Role(Base):
    __tablename__ = "roles"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    description: Mapped[str] = mapped_column(String(200), default="")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200), default="")
    # "scrypt$n$r$p$salt$hash" -- never the password itself.
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    login_blocked_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # The desk's language for this person (zh_TW, zh_CN, en); None: the system's.
    language: Mapped[str | None] = mapped_column(String(16))

    roles: Mapped[list[Role]] = relationship(secondary=user_roles, lazy="selectin")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEvent(Base):
    """Append-only: who did what to which record, from which state to which, and why.

    The migrations add triggers that refuse UPDATE, DELETE and (SQLite) INSERT OR REPLACE
    on this table; rows are written only through ``app.audit``, which chains them.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_name: Mapped[str] = mapped_column(String(64))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(48))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    reason: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict | None] = mapped_column(JSON)
    # The hash chain (app/audit/rules.py): the previous event's hash and this event's own.
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_events_entity", "entity_type", "entity_id", "id"),)


# --------------------------------------------------------------------------- customers


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    # Channel's own buyer reference (e.g. Amazon buyer e-mail proxy), for matching imports.
    channel_buyer_id: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[str] = mapped_column(String(16), default="active")
    language: Mapped[str] = mapped_column(String(8), default="en")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Folded search keys (app/search/keys.py), written with the customer.
    search_text: Mapped[str] = mapped_column(String(500), default="", server_default="")
    search_phone: Mapped[str] = mapped_column(String(20), default="", server_default="")

    addresses: Mapped[list[Address]] = relationship(back_populates="customer")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("status IN ('active','arrears','frozen','banned')", name="status"),
        # Expression indexes serve case-insensitive prefix searches as index range scans.
        Index("ix_customers_name_lower", func.lower(name)),
        Index("ix_customers_phone", "phone"),
        # Customer identity (0005): one customer per channel buyer id (which carries its
        # channel as a prefix) and per e-mail; the e-mail key also serves prefix searches.
        Index("uq_customers_channel_buyer_id", "channel_buyer_id", unique=True),
        Index("uq_customers_email_lower", func.lower(email), unique=True),
        Index("ix_customers_search_phone", "search_phone"),
        # Searches of one or two characters scan this instead of the rows (0014).
        Index("ix_customers_search_text", "search_text"),
    )


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"))
    recipient: Mapped[str] = mapped_column(String(200), default="")
    line1: Mapped[str] = mapped_column(String(200), default="")
    line2: Mapped[str] = mapped_column(String(200), default="")
    line3: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(120), default="")
    region: Mapped[str] = mapped_column(String(120), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country_code: Mapped[str] = mapped_column(String(2), default="")
    phone: Mapped[str | None] = mapped_column(String(40))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)

    customer: Mapped[Customer] = relationship(back_populates="addresses")

    __table_args__ = (Index("ix_addresses_customer", "customer_id"),)


# --------------------------------------------------------------------------- catalogue


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    spec: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str] = mapped_column(String(100), default="")
    category: Mapped[str] = mapped_column(String(60))
    price_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    weight_g: Mapped[int] = mapped_column(Integer)
    barcode: Mapped[str | None] = mapped_column(String(32), unique=True)
    fragile: Mapped[bool] = mapped_column(Boolean, default=False)
    high_value: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # What a customs declaration says of it (0036_shipgaps): the Harmonized System tariff
    # number and the ISO country it was made in; NULL until someone sets them.
    hs_code: Mapped[str | None] = mapped_column(String(12))
    origin_country: Mapped[str | None] = mapped_column(String(2))

    __table_args__ = (
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        CheckConstraint("weight_g >= 0", name="weight_not_negative"),
        Index("ix_products_category", "category"),
    )


# --------------------------------------------------------------------------- stock


class Warehouse(Base):
    __tablename__ = "warehouses"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    country_code: Mapped[str] = mapped_column(String(2))
    city: Mapped[str] = mapped_column(String(120), default="")
    # Comma-separated product categories this warehouse stocks; empty = all.
    categories: Mapped[str] = mapped_column(String(400), default="")


class Bin(Base):
    __tablename__ = "bins"

    id: Mapped[int] = mapped_column(primary_key=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    code: Mapped[str] = mapped_column(String(32))
    # Walking order through the warehouse: pick lists sort by it.
    pick_sequence: Mapped[int] = mapped_column(Integer)
    # What the bin is for (migration 0008_stock): receiving, storage, pick_face, overflow.
    kind: Mapped[str] = mapped_column(String(12), default="storage", server_default="storage")
    # Set by a short pick (0009_picking): allocation skips the bin until it is counted.
    needs_count: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")

    __table_args__ = (
        CheckConstraint("kind IN ('receiving','storage','pick_face','overflow')", name="bin_kind"),
        UniqueConstraint("warehouse_id", "code", name="uq_bins_warehouse_code"),
        Index("ix_bins_warehouse_sequence", "warehouse_id", "pick_sequence"),
    )


class StockQuant(Base):
    """A quantity of one product in one bin, received on one date (for FIFO)."""

    __tablename__ = "stock_quants"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    bin_id: Mapped[int] = mapped_column(ForeignKey("bins.id"))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reserved: Mapped[int] = mapped_column(Integer, default=0)
    received_date: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("reserved >= 0", name="reserved_not_negative"),
        CheckConstraint("reserved <= on_hand", name="reserved_within_on_hand"),
        Index("ix_stock_quants_product", "product_id", "warehouse_id", "received_date"),
        Index("ix_stock_quants_bin", "bin_id"),
    )


class StockMove(Base):
    """Every change of a stock quantity, append-only, with who and why."""

    __tablename__ = "stock_moves"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    from_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    to_bin_id: Mapped[int | None] = mapped_column(ForeignKey("bins.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))  # receipt, reserve, release, pick, adjust
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index("ix_stock_moves_product", "product_id", "at"),
        Index("ix_stock_moves_order", "order_id"),
    )


# --------------------------------------------------------------------------- orders


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(40))
    channel_order_id: Mapped[str] = mapped_column(String(80))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    status: Mapped[str] = mapped_column(String(24), default="received")
    priority: Mapped[int] = mapped_column(Integer, default=0)
    requested_service: Mapped[str] = mapped_column(String(24), default="standard")
    currency: Mapped[str] = mapped_column(String(3))
    subtotal_cents: Mapped[int] = mapped_column(Integer, default=0)
    shipping_cents: Mapped[int] = mapped_column(Integer, default=0)
    tax_cents: Mapped[int] = mapped_column(Integer, default=0)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)
    total_cents: Mapped[int] = mapped_column(Integer, default=0)

    # The order keeps its own copy of the ship-to address, as the channel sent it.
    ship_name: Mapped[str] = mapped_column(String(200), default="")
    ship_phone: Mapped[str | None] = mapped_column(String(40))
    ship_line1: Mapped[str] = mapped_column(String(200), default="")
    ship_line2: Mapped[str] = mapped_column(String(200), default="")
    ship_line3: Mapped[str] = mapped_column(String(200), default="")
    ship_city: Mapped[str] = mapped_column(String(120), default="")
    ship_region: Mapped[str] = mapped_column(String(120), default="")
    ship_postal_code: Mapped[str] = mapped_column(String(20), default="")
    ship_country: Mapped[str] = mapped_column(String(2), default="")

    # Stage timestamps (UTC): channel's purchase time, then our own milestones.
    purchased_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    ship_by_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # What the channel told us beyond the address (Amazon's order reports, migration 0013).
    # "channel": its own amounts; "estimated": from our price list (a report without
    # prices); "unknown": no price list for its marketplace (amounts are 0, currency XXX).
    amounts_source: Mapped[str] = mapped_column(
        String(12), default="channel", server_default="channel"
    )
    is_business_order: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    purchase_order_number: Mapped[str | None] = mapped_column(String(80))
    buyer_requested_cancellation: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="0"
    )
    # A gift (0036_shipgaps): the slip carries the message and no prices.
    is_gift: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    gift_message: Mapped[str] = mapped_column(Text, default="", server_default="")
    # When the channel last updated the order, as its file said (0040_gaps): an older
    # file's word imported later is ignored as stale (app/intake/channel_updates.py).
    channel_updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    allocated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.line_no"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        # Channel order id first: it also serves the search by that id alone and the shop
        # counter's highest number per store, so no separate index is paid for on insert.
        UniqueConstraint("channel_order_id", "channel", name="uq_orders_channel_order"),
        CheckConstraint("total_cents >= 0", name="total_not_negative"),
        # Keyset paging newest-first, optionally within a status / channel / customer.
        Index("ix_orders_status_id", "status", "id"),
        Index("ix_orders_channel_id", "channel", "id"),
        Index("ix_orders_customer_id", "customer_id", "id"),
        Index("ix_orders_received_at", "received_at"),
    )


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    line_no: Mapped[int] = mapped_column(Integer)
    # NULL when the channel's SKU is not in our catalogue: the review desk flags it.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id"))
    sku: Mapped[str] = mapped_column(String(64))
    product_name: Mapped[str] = mapped_column(String(300), default="")
    channel_line_id: Mapped[str | None] = mapped_column(String(80))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    line_total_cents: Mapped[int] = mapped_column(Integer)
    tax_cents: Mapped[int] = mapped_column(Integer, default=0)
    discount_cents: Mapped[int] = mapped_column(Integer, default=0)

    order: Mapped[Order] = relationship(back_populates="lines")

    __table_args__ = (
        UniqueConstraint("order_id", "line_no", name="uq_order_lines_order_line_no"),
        Index("ix_order_lines_product", "product_id"),
    )


class Payment(Base):
    """How an order was paid. Cards: brand, last four, expiry and processor token only."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(24))  # card, cash, bank_transfer, marketplace
    status: Mapped[str] = mapped_column(String(16), default="captured")
    amount_cents: Mapped[int] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3))
    card_brand: Mapped[str | None] = mapped_column(String(20))
    card_last4: Mapped[str | None] = mapped_column(String(4))
    card_exp_month: Mapped[int | None] = mapped_column(Integer)
    card_exp_year: Mapped[int | None] = mapped_column(Integer)
    processor_token: Mapped[str | None] = mapped_column(String(120))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending','captured','failed','refunded')", name="payment_status"
        ),
        CheckConstraint(
            "card_last4 IS NULL OR length(card_last4) = 4", name="card_last4_is_four_digits"
        ),
        Index("ix_payments_order", "order_id"),
    )


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("warehouses.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    carrier: Mapped[str | None] = mapped_column(String(40))
    service: Mapped[str | None] = mapped_column(String(40))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    weight_g: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    lines: Mapped[list[ShipmentLine]] = relationship(back_populates="shipment")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_shipments_order", "order_id"),)


class ShipmentLine(Base):
    __tablename__ = "shipment_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id", ondelete="CASCADE"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id"))
    quantity: Mapped[int] = mapped_column(Integer)

    shipment: Mapped[Shipment] = relationship(back_populates="lines")

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_shipment_lines_shipment", "shipment_id"),
    )


# --------------------------------------------------------------------------- review (issue 4)
# Added by migration 0003_review. What the review desk found and decided, the exceptions it
# handles, what it asked customer service to do and the messages it drafted, and the data
# its rules read (promotions, incoming stock, the block list).


class ReviewFinding(Base):
    """One finding of an order's latest review; a new review replaces the order's findings.

    The history of outcomes is in the audit trail; these rows say what stands now, so the
    screen can mark the fields and ``approve`` can refuse while a blocking one stands.
    """

    __tablename__ = "review_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(48))
    severity: Mapped[str] = mapped_column(String(8))
    field: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    queue: Mapped[str] = mapped_column(String(16))
    detail: Mapped[list | None] = mapped_column(JSON)
    found_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("severity IN ('block','warn')", name="severity"),
        CheckConstraint(
            "queue IN ('needs_info','stock_short','payment_problem','exception')", name="queue"
        ),
        Index("ix_review_findings_order", "order_id"),
        # "Which orders are short of stock / have this problem": statistics and searches.
        Index("ix_review_findings_code_order", "code", "order_id"),
    )


class ExceptionRecord(Base):
    """An order in the exception queue: what kind, how it was found, the plan, the result.

    Records are never deleted, so exceptions stay searchable after they are closed.
    ``state``: open (waiting for a decision), held (on hold until ``callback_at``), closed.
    """

    __tablename__ = "exception_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(16))
    how_found: Mapped[str] = mapped_column(Text, default="")
    related_order_ids: Mapped[list | None] = mapped_column(JSON)
    plan: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(8), default="open")
    note: Mapped[str] = mapped_column(Text, default="")
    callback_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_by_name: Mapped[str] = mapped_column(String(64), default="")
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    handled_by_name: Mapped[str] = mapped_column(String(64), default="")
    result: Mapped[str | None] = mapped_column(String(24))
    result_note: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint(
            "kind IN ('duplicate','malicious','unreachable','account','other')", name="kind"
        ),
        CheckConstraint("state IN ('open','held','closed')", name="state"),
        CheckConstraint(
            "result IS NULL OR result IN ('kept','cancelled_duplicate','banned','released',"
            "'cancelled','approved')",
            name="result",
        ),
        # The exception and on-hold queues, and an order's own records.
        Index("ix_exception_records_state_order", "state", "order_id"),
        Index("ix_exception_records_order", "order_id"),
        Index("ix_exception_records_kind_opened", "kind", "opened_at"),
        Index("ix_exception_records_customer", "customer_id"),
    )


class Promotion(Base):
    """A price cut on one SKU or one category, valid from ``starts_at`` until ``ends_at``."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    sku: Mapped[str | None] = mapped_column(String(64))
    category: Mapped[str | None] = mapped_column(String(60))
    percent_off: Mapped[int | None] = mapped_column(Integer)
    amount_off_cents: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str | None] = mapped_column(String(3))
    starts_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("sku IS NOT NULL OR category IS NOT NULL", name="has_target"),
        CheckConstraint(
            "(percent_off IS NULL) <> (amount_off_cents IS NULL)", name="one_kind_of_cut"
        ),
        CheckConstraint("percent_off IS NULL OR percent_off BETWEEN 0 AND 100", name="percent"),
        CheckConstraint(
            "amount_off_cents IS NULL OR (amount_off_cents >= 0 AND currency IS NOT NULL)",
            name="amount",
        ),
        CheckConstraint("ends_at IS NULL OR ends_at > starts_at", name="ends_after_start"),
        Index("ix_promotions_sku", "sku"),
        Index("ix_promotions_category", "category"),
    )


class IncomingStock(Base):
    """Stock on its way (a purchase order or transfer): what the desk promises a customer."""

    __tablename__ = "incoming_stock"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("warehouses.id"))
    quantity: Mapped[int] = mapped_column(Integer)
    expected_date: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(12), default="expected")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("status IN ('expected','received','cancelled')", name="status"),
        Index("ix_incoming_stock_product", "product_id", "status", "expected_date"),
    )


class BlockListEntry(Base):
    """An identifier the company will not sell to, stored as its normalised key.

    ``value_key`` is made by ``app.review.keys`` (the same function the rules use), so a
    differently typed e-mail or phone still matches; ``shown`` is what a person typed.
    """

    __tablename__ = "block_list_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))
    value_key: Mapped[str] = mapped_column(String(300))
    shown: Mapped[str] = mapped_column(String(300), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    added_by_name: Mapped[str] = mapped_column(String(64), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    __table_args__ = (
        CheckConstraint("kind IN ('customer','email','phone','address')", name="kind"),
        # One entry per identifier; also the index every review batch looks keys up in.
        UniqueConstraint("kind", "value_key", name="uq_block_list_entries_kind_value"),
    )


class ContactTask(Base):
    """Work for customer service: reach the customer about an order, record the answer."""

    __tablename__ = "contact_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    kind: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(12), default="open")
    what_needed: Mapped[str] = mapped_column(Text, default="")  # English, or a person's note
    # What the program asks for as a code and values, said in the reader's language
    # (app.review.task_text); NULL for a person's own words.
    what_code: Mapped[str | None] = mapped_column(String(48))
    what_values: Mapped[dict | None] = mapped_column(JSON)
    due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_by_name: Mapped[str] = mapped_column(String(64), default="")
    # The customer's answer: wait / substitute / decline / corrected / paid_again / …
    answer: Mapped[str | None] = mapped_column(String(16))
    wait_until: Mapped[dt.date | None] = mapped_column(Date)
    outcome: Mapped[str] = mapped_column(Text, default="")
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    closed_by_name: Mapped[str] = mapped_column(String(64), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint(
            "kind IN ('request_info','stock_short','payment_problem','unreachable')", name="kind"
        ),
        CheckConstraint("state IN ('open','done','cancelled')", name="state"),
        Index("ix_contact_tasks_state_id", "state", "id"),
        Index("ix_contact_tasks_order", "order_id"),
    )


class CustomerMessage(Base):
    """The outbox: a message to a customer drafted by a desk, sent by the service desk."""

    __tablename__ = "customer_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    contact_task_id: Mapped[int | None] = mapped_column(ForeignKey("contact_tasks.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(24))
    language: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(254), default="")
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="draft")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_name: Mapped[str] = mapped_column(String(64), default="")
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    # The outbox: a queued message is sent when SMTP is set up; a failed send keeps the
    # reason and is tried again later, a bounded number of times.
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("state IN ('draft','queued','sent','failed','discarded')", name="state"),
        Index("ix_customer_messages_state_id", "state", "id"),
        Index("ix_customer_messages_order", "order_id"),
    )


# Tables of later capabilities live in their own modules; importing them here completes
# the metadata that Alembic and the tests compare against.
import db.models_auth  # noqa: E402, F401, RUF100  (login_throttles)
import db.models_auth_tokens  # noqa: E402, F401, RUF100  (login tokens for the CLI)
import db.models_cases  # noqa: E402, F401, RUF100  (issue 13: cases, notes, deadline targets)
import db.models_changes  # noqa: E402, F401, RUF100  (issue 13: cancellations to report)
import db.models_intake  # noqa: E402, F401, RUF100  (imports, conflicts, price lists)
import db.models_packing  # noqa: E402, F401, RUF100  (issue 12: packing station)
import db.models_picking  # noqa: E402, F401, RUF100  (issue 11: picking tables)
import db.models_privacy  # noqa: E402, F401, RUF100  (issue 13: buyer data removed)
import db.models_refunds  # noqa: E402, F401, RUF100  (issue 13: refunds, order balances)
import db.models_returns  # noqa: E402, F401, RUF100  (issue 13: reships, returns)
import db.models_shipping  # noqa: E402, F401, RUF100  (issue 12: carriers, parcels, labels)
import db.models_stock  # noqa: E402, F401, RUF100  (issue 11: stock tables)
import db.models_tracking  # noqa: E402, F401, RUF100  (issue 13: tracking events)

# Names that lived here before their tables moved to a capability's module.
from db.models_intake import ImportBatch, IntakeConflict, OrderImport  # noqa: E402, F401
