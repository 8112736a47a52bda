"""Plain data of the shop counter: what the form sends, what the reads return, the limits."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from app.address import PostalAddress
from app.i18n import CUSTOMER_LANGUAGES

CHANNEL = "shop"
PAYMENT_METHODS = ("card", "cash", "bank_transfer")
CARD_BRANDS = ("visa", "mastercard", "amex", "maestro", "discover", "jcb", "unionpay", "diners")
LANGUAGES = CUSTOMER_LANGUAGES  # customer messages are written in these
SEARCH_LIMIT = 20
MIN_SEARCH_CHARS = 2
MAX_QUANTITY = 999
MAX_CARD_YEARS_AHEAD = 20
SEQUENCE_DIGITS = 6

STORE_CODE_PATTERN = re.compile(r"^[A-Z0-9]{2,8}$")


@dataclass(frozen=True)
class CustomerMatch:
    id: int
    name: str
    phone: str
    email: str
    language: str
    status: str
    address: PostalAddress | None  # the default (or latest) address, to prefill the form


@dataclass(frozen=True)
class ProductMatch:
    id: int
    sku: str
    name: str
    spec: str
    barcode: str
    price_cents: int
    currency: str


@dataclass(frozen=True)
class ProductFacts:
    """What the checks of a draft need to know about a product on one of its lines."""

    id: int
    sku: str
    price_cents: int
    currency: str
    active: bool = True
    # Units the store has free now; None when the store keeps no stock of its own.
    available: int | None = None


@dataclass(frozen=True, repr=False)
class NewCustomer:
    name: str
    phone: str = ""
    email: str = ""
    language: str = "en"

    def __repr__(self) -> str:
        return "NewCustomer(…)"


@dataclass(frozen=True)
class DraftLine:
    product_id: int
    quantity: int
    # None: the list price. Another price needs a reason, recorded in the audit trail.
    unit_price_cents: int | None = None
    price_reason: str = field(default="", repr=False)


@dataclass(frozen=True, repr=False)
class CounterPayment:
    method: str
    amount_cents: int
    card_brand: str = ""
    card_last4: str = ""
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    processor_reference: str = ""
    # Less than the total taken on purpose: recorded as a part payment, the rest owed.
    part_payment: bool = False

    def __repr__(self) -> str:
        return f"CounterPayment({self.method}, {self.amount_cents})"


@dataclass(frozen=True, repr=False)
class CounterOrderDraft:
    """What the counter form sends: plain values, as typed (trimmed by the checks)."""

    store_code: str
    lines: Sequence[DraftLine]
    payment: CounterPayment
    customer_id: int | None = None
    new_customer: NewCustomer | None = None
    address: PostalAddress | None = None  # None: collected in store

    def __repr__(self) -> str:
        # Free text stays out of reprs: a card number typed by mistake must not be logged.
        return f"CounterOrderDraft(store={self.store_code!r}, lines={len(self.lines)})"


@dataclass(frozen=True)
class PlacedOrder:
    order_id: int
    number: str
    channel_order_id: str
    customer_id: int
    customer_name: str
    customer_created: bool
    total_cents: int
    paid_cents: int
    currency: str
    status: str

    @property
    def owed_cents(self) -> int:
        return self.total_cents - self.paid_cents


@dataclass(frozen=True)
class CheckedLine:
    product_id: int
    quantity: int
    unit_price_cents: int | None
    price_reason: str


@dataclass(frozen=True)
class CheckedDraft:
    """A draft whose every field is known to be well formed (and, when the catalogue was
    given, priced, in one currency, paid as the rules allow)."""

    store_code: str
    customer_id: int | None
    new_customer: NewCustomer | None  # normalised phone and e-mail
    address: PostalAddress | None
    lines: tuple[CheckedLine, ...]
    payment: CounterPayment
