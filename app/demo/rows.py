"""The rows the demo writes: column order per table, parents before children, the demo
users, and epoch seconds as the text the database stores."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sqlalchemy import Table
from sqlalchemy.orm import Session

from app.auth import QUICK_COST, ensure_roles, hash_password
from app.demo.paths import _DAY
from app.demo.tables import readable_password
from app.permissions import Role
from db.models import (
    Address,
    AuditEvent,
    Bin,
    Customer,
    Order,
    OrderLine,
    Payment,
    Product,
    Shipment,
    ShipmentLine,
    StockMove,
    StockQuant,
    User,
    Warehouse,
    user_roles,
)
from db.models_picking import Reservation

# --------------------------------------------------------------------------- rows

# Column order of the tuples the builder makes, per table.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "users": (
        "id",
        "username",
        "full_name",
        "password_hash",
        "active",
        "failed_logins",
        "created_at",
        "version",
    ),
    "user_roles": ("user_id", "role_id"),
    "warehouses": ("id", "code", "name", "country_code", "city", "categories"),
    "bins": ("id", "warehouse_id", "code", "pick_sequence"),
    "products": (
        "id",
        "sku",
        "name",
        "spec",
        "model",
        "category",
        "price_cents",
        "currency",
        "weight_g",
        "barcode",
        "fragile",
        "high_value",
        "active",
    ),
    "customers": (
        "id",
        "name",
        "email",
        "phone",
        "channel_buyer_id",
        "status",
        "language",
        "created_at",
        "version",
        "search_text",
        "search_phone",
    ),
    "addresses": (
        "id",
        "customer_id",
        "recipient",
        "phone",
        "line1",
        "line2",
        "line3",
        "city",
        "region",
        "postal_code",
        "country_code",
        "is_default",
    ),
    "orders": (
        "id",
        "channel",
        "channel_order_id",
        "customer_id",
        "status",
        "priority",
        "requested_service",
        "currency",
        "subtotal_cents",
        "shipping_cents",
        "tax_cents",
        "discount_cents",
        "total_cents",
        "ship_name",
        "ship_phone",
        "ship_line1",
        "ship_line2",
        "ship_line3",
        "ship_city",
        "ship_region",
        "ship_postal_code",
        "ship_country",
        "purchased_at",
        "received_at",
        "ship_by_at",
        "reviewed_at",
        "approved_at",
        "allocated_at",
        "shipped_at",
        "delivered_at",
        "cancelled_at",
        "status_changed_at",
        "version",
    ),
    "order_lines": (
        "id",
        "order_id",
        "line_no",
        "product_id",
        "sku",
        "product_name",
        "channel_line_id",
        "quantity",
        "unit_price_cents",
        "line_total_cents",
        "tax_cents",
        "discount_cents",
    ),
    "payments": (
        "id",
        "order_id",
        "method",
        "status",
        "amount_cents",
        "currency",
        "card_brand",
        "card_last4",
        "card_exp_month",
        "card_exp_year",
        "processor_token",
        "paid_at",
    ),
    "shipments": (
        "id",
        "order_id",
        "warehouse_id",
        "status",
        "carrier",
        "service",
        "tracking_number",
        "weight_g",
        "created_at",
        "shipped_at",
        "delivered_at",
        "status_changed_at",
        "version",
    ),
    "shipment_lines": ("id", "shipment_id", "order_line_id", "quantity"),
    "audit_events": (
        "id",
        "at",
        "actor_id",
        "actor_name",
        "entity_type",
        "entity_id",
        "action",
        "from_state",
        "to_state",
        "reason",
        "prev_hash",
        "hash",
    ),
    "reservations": (
        "id",
        "quant_id",
        "product_id",
        "warehouse_id",
        "order_id",
        "order_line_id",
        "shipment_line_id",
        "quantity",
        "picked",
        "released",
        "state",
        "created_at",
    ),
    "stock_quants": (
        "id",
        "product_id",
        "warehouse_id",
        "bin_id",
        "on_hand",
        "reserved",
        "received_date",
        "version",
    ),
    "stock_moves": (
        "id",
        "at",
        "product_id",
        "warehouse_id",
        "from_bin_id",
        "to_bin_id",
        "quantity",
        "kind",
        "order_id",
        "actor_id",
        "reason",
    ),
}
# Parents before children, so foreign keys hold at every insert.
_TABLES: dict[str, Table] = {
    str(table.name): table  # plain str (not quoted_name): the names go through marshal
    for table in (
        User.__table__, user_roles, Warehouse.__table__, Bin.__table__, Product.__table__,
        Customer.__table__, Address.__table__, Order.__table__, OrderLine.__table__,
        Payment.__table__, Shipment.__table__, ShipmentLine.__table__, AuditEvent.__table__,
        StockQuant.__table__, StockMove.__table__, Reservation.__table__,
    )
}  # fmt: skip


@dataclass(frozen=True)
class _NewUser:
    username: str
    full_name: str
    role: str
    password: str = field(repr=False)
    password_hash: str = field(repr=False)


_DEMO_STAFF: tuple[tuple[Role, str, str], ...] = (
    (Role.CUSTOMER_SERVICE, "cs", "Lena Fischer"),
    (Role.WAREHOUSE, "warehouse", "Tomasz Nowak"),
    (Role.FINANCE, "finance", "Claire Dubois"),
    (Role.SUPERVISOR, "supervisor", "Marco Rossi"),
    (Role.ADMIN, "admin", "Priya Shah"),
)


def _demo_users() -> list[_NewUser]:
    users = []
    for role, username, full_name in _DEMO_STAFF:
        password = readable_password()
        # Throwaway accounts: hashed quickly, upgraded to the full cost at their first login.
        password_hash = hash_password(password, QUICK_COST)
        users.append(_NewUser(username, full_name, role.value, password, password_hash))
    return users


def _flushed_roles(session: Session) -> dict:
    roles = ensure_roles(session)
    session.flush()
    return roles


class _Timestamps:
    """Epoch seconds → the text the database stores for a UTC time.

    SQLite: what ``UTCDateTime`` writes (naive UTC, microseconds); PostgreSQL: a
    ``timestamptz`` literal for COPY. Millions of calls over a few hundred days: the date
    is cached per day and the time of day is one of 86,400 ready-made strings, so a stamp
    is one concatenation (``walk`` inlines even the call).
    """

    def __init__(self, dialect: str) -> None:
        suffix = ".000000" if dialect == "sqlite" else "+00"
        self.clock = [
            f"{h:02d}:{m:02d}:{s:02d}{suffix}"
            for h in range(24)
            for m in range(60)
            for s in range(60)
        ]
        self.days: dict[int, str] = {}

    def __call__(self, epoch_s: int) -> str:
        day, rest = divmod(epoch_s, _DAY)
        return (self.days.get(day) or self.date(day)) + self.clock[rest]

    def date(self, day: int) -> str:
        """ "YYYY-MM-DD " of the day ``day`` days after 1970-01-01."""
        text_ = self.days.get(day)
        if text_ is None:
            text_ = self.days[day] = time.strftime("%Y-%m-%d ", time.gmtime(day * _DAY))
        return text_
