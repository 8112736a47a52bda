"""What a review rule sees, and what it says: plain frozen dataclasses, no database, no Qt.

The service turns rows into these facts in bulk (one batch of orders at a time); the rules
in ``rules.py`` read them and return ``Finding``s; ``decide.py`` turns findings into an
outcome. Because nothing here touches a session, every rule is tested with plain data in
microseconds and the benchmark measures the rules and the database separately.

Money is integer minor units plus an ISO 4217 code; times are aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from app.address import PostalAddress
from app.i18n import N_


class Severity(StrEnum):
    BLOCK = "block"  # the order may not be approved while this stands (unless overridden)
    WARN = "warn"  # shown to the reviewer; does not stop approval


class Queue(StrEnum):
    """Where a person deals with a blocking finding (``exception`` = status ``on_hold``)."""

    NEEDS_INFO = "needs_info"
    STOCK_SHORT = "stock_short"
    PAYMENT_PROBLEM = "payment_problem"
    EXCEPTION = "exception"


# Field names findings point at, so the screen can mark the widget that shows them.
# Lines are ``lines[<line_no>].<attribute>`` (see ``line_field``).
F_CUSTOMER = "customer"
F_CUSTOMER_NAME = "customer.name"
F_CUSTOMER_STATUS = "customer.status"
F_CUSTOMER_EMAIL = "customer.email"
F_PHONE = "ship_to.phone"
F_SHIP_NAME = "ship_to.name"
F_STREET = "ship_to.line1"
F_CITY = "ship_to.city"
F_POSTAL_CODE = "ship_to.postal_code"
F_REGION = "ship_to.region"
F_COUNTRY = "ship_to.country"
F_SHIP_TO = "ship_to"
F_LINES = "lines"
F_TOTAL = "order.total"
F_CHANNEL_ORDER = "order.channel_order_id"
F_PAYMENT = "payment"
F_PAYMENT_AMOUNT = "payment.amount"
F_PAYMENT_STATUS = "payment.status"
F_PAYMENT_METHOD = "payment.method"
F_CARD = "payment.card"


def line_field(line_no: int, attribute: str) -> str:
    return f"lines[{line_no}].{attribute}"


Detail = tuple[tuple[str, str | int], ...]


@dataclass(frozen=True)
class Finding:
    """One thing a rule noticed: what, how bad, on which field, for which desk."""

    code: str
    severity: Severity
    field: str
    message: str
    queue: Queue
    # Structured facts behind the message (units short, other order ids …), for screens.
    detail: Detail = ()

    @property
    def blocks(self) -> bool:
        return self.severity is Severity.BLOCK


# --------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class ReviewSettings:
    """Every tunable of the review, declared once with its default."""

    # Send orders with no blocking finding to a person (left in "to review") instead of
    # approving them automatically.
    everything_to_person: bool = False
    # Allocate what a run approves in the same transaction, as the system (approval
    # promised the stock; the shipments follow). Off: approved orders wait for the
    # picking desk's Allocate.
    allocate_approved: bool = True
    # Above this many units on one line the quantity is confirmed with the customer.
    max_line_quantity: int = 100
    # Rounding allowed between the charged and the expected price, per unit.
    price_tolerance_cents: int = 1
    # Same customer, same items, same ship-to within this time: a duplicate suspect.
    duplicate_window: dt.timedelta = dt.timedelta(hours=24)
    # This many orders or more from one customer within the window: a burst.
    burst_window: dt.timedelta = dt.timedelta(hours=1)
    burst_orders: int = 5
    # A high-value order from an account younger than this, to an address it has never
    # used, is checked by a person. Value in the order currency's minor units.
    new_account_age: dt.timedelta = dt.timedelta(days=7)
    high_value_cents: int = 50_000
    # Substitutes for a short line: same category, price within this band, in stock.
    substitute_price_band_percent: int = 20

    @property
    def history_window(self) -> dt.timedelta:
        """How far back the service must load a customer's orders for these rules."""
        return max(self.duplicate_window, self.burst_window)


# --------------------------------------------------------------------------- the order


@dataclass(frozen=True)
class CustomerFacts:
    id: int
    name: str = ""
    email: str = ""
    phone: str = ""
    status: str = "active"  # active, arrears, frozen, banned
    language: str = "en"
    created_at: dt.datetime | None = None
    # Every address on file for the account: (street, postal code, country, city).
    addresses: tuple[tuple[str, str, str, str], ...] = ()
    channel_buyer_id: str = ""  # the channel's key for the buyer (e.g. amazon:<e-mail>)


@dataclass(frozen=True)
class LineFacts:
    line_no: int
    sku: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    discount_cents: int = 0
    # The channel's own description of the item, and its spec/model where it gave them.
    product_text: str = ""
    channel_spec: str = ""
    channel_model: str = ""
    channel_line_id: str = ""  # the channel's key for the line (Amazon's order-item-id)
    # A price set at the shop counter off the list, with its reason, by someone allowed
    # to (OVERRIDE_PRICES): review accepts that price and shows the reason.
    price_override_reason: str = ""
    price_override_by: str = ""


@dataclass(frozen=True)
class PaymentFacts:
    method: str
    status: str
    amount_cents: int
    currency: str
    card_brand: str = ""
    card_last4: str = ""
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    # A full card number exists only while a desk types one in at the counter; it is
    # checked then and never stored (DESIGN: cards are brand, last four, expiry, token).
    entered_card_number: str | None = None


@dataclass(frozen=True)
class RecentOrder:
    """Another order of the same customer, within ``ReviewSettings.history_window``."""

    order_id: int
    placed_at: dt.datetime
    status: str
    ship_to_key: str
    items_key: tuple[tuple[str, int], ...]


# requested_service of an order taken away at the shop counter: nothing is shipped.
COLLECTED_IN_STORE = "in_store"


@dataclass(frozen=True)
class OrderFacts:
    order_id: int
    channel: str
    channel_order_id: str
    currency: str
    received_at: dt.datetime
    purchased_at: dt.datetime | None = None
    priority: int = 0
    requested_service: str = "standard"
    subtotal_cents: int = 0
    shipping_cents: int = 0
    tax_cents: int = 0
    discount_cents: int = 0
    total_cents: int = 0
    # "channel": the channel's amounts; "estimated" (our price list) or "unknown": a report
    # without prices (app.intake.matching), so prices cannot be checked against the list.
    amounts_source: str = "channel"
    customer: CustomerFacts | None = None
    # The stored ship-to address; its country code as the channel sent it (rules check it).
    ship_to: PostalAddress = field(default_factory=PostalAddress)
    lines: tuple[LineFacts, ...] = ()
    payments: tuple[PaymentFacts, ...] = ()
    recent_orders: tuple[RecentOrder, ...] = ()
    # Conflicts intake recorded for this order (same channel order id, other content).
    intake_conflicts: tuple[str, ...] = ()

    @property
    def placed_at(self) -> dt.datetime:
        """When the customer ordered: the channel's purchase time, else when we got it."""
        return self.purchased_at or self.received_at


# --------------------------------------------------------------------------- the world


@dataclass(frozen=True)
class ProductFacts:
    id: int
    sku: str
    name: str = ""
    spec: str = ""
    model: str = ""
    category: str = ""
    price_cents: int = 0
    currency: str = ""
    active: bool = True


@dataclass(frozen=True)
class WarehouseStock:
    warehouse_id: int
    warehouse_code: str
    available: int  # on hand minus reserved
    # Categories the warehouse stocks; empty means all (as ``Warehouse.categories``).
    categories: frozenset[str] = frozenset()

    def ships(self, category: str) -> bool:
        return not self.categories or category in self.categories


@dataclass(frozen=True)
class StockPosition:
    product_id: int
    warehouses: tuple[WarehouseStock, ...] = ()
    # Units promised to approved orders that are not allocated yet: not reserved in the
    # bins, but no longer free for the next order either.
    committed: int = 0

    def shipping(self, category: str) -> tuple[WarehouseStock, ...]:
        return tuple(w for w in self.warehouses if w.ships(category))

    def available(self, category: str) -> int:
        free = sum(
            w.available
            for w in self.warehouses
            if w.available > 0 and (not w.categories or category in w.categories)
        )
        return max(0, free - self.committed)


@dataclass(frozen=True)
class PromotionFacts:
    """A price cut on one SKU or one category, valid in ``[starts_at, ends_at)``."""

    id: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None = None
    sku: str | None = None
    category: str | None = None
    percent_off: int | None = None  # whole percent, 0–100
    amount_off_cents: int | None = None
    currency: str | None = None  # of ``amount_off_cents``

    def valid_at(self, moment: dt.datetime) -> bool:
        return self.starts_at <= moment and (self.ends_at is None or moment < self.ends_at)


@dataclass(frozen=True)
class BlockList:
    """Identifiers of people the company will not sell to, normalised (see ``keys``)."""

    customer_ids: frozenset[int] = frozenset()
    emails: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    addresses: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ReviewWorld:
    """Everything shared by the orders of a batch: catalogue, stock, promotions, lists."""

    now: dt.datetime
    products: Mapping[str, ProductFacts] = field(default_factory=dict)  # by SKU
    stock: Mapping[int, StockPosition] = field(default_factory=dict)  # by product id
    promotions: tuple[PromotionFacts, ...] = ()
    block_list: BlockList = BlockList()
    settings: ReviewSettings = ReviewSettings()
    _promotions_by_target: Mapping[str, tuple[PromotionFacts, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Indexed once per batch so a line looks at its own promotions, not all of them.
        index: dict[str, list[PromotionFacts]] = {}
        for promotion in self.promotions:
            if promotion.sku:
                index.setdefault("sku:" + promotion.sku, []).append(promotion)
            if promotion.category:
                index.setdefault("category:" + promotion.category, []).append(promotion)
        frozen = MappingProxyType({key: tuple(value) for key, value in index.items()})
        object.__setattr__(self, "_promotions_by_target", frozen)

    def promotions_for(self, product: ProductFacts) -> tuple[PromotionFacts, ...]:
        by_sku = self._promotions_by_target.get("sku:" + product.sku, ())
        by_category = self._promotions_by_target.get("category:" + product.category, ())
        return by_sku + by_category


# How each review queue's count reads in a summary line (CLI, demo): one place for the words.
QUEUE_COUNT_WORDS = {
    "to_review": N_("{count} to review"),
    "needs_info": N_("{count} needs information"),
    "stock_short": N_("{count} stock short"),
    "payment_problem": N_("{count} payment problem"),
    "exception": N_("{count} exception"),
    "on_hold": N_("{count} on hold"),
}
