"""What every order reader produces: plain data, no database, no Qt.

A reader turns a file into a stream of ``IncomingOrder`` (an order it could read whole)
and ``RejectedOrder`` (an order with at least one unreadable row: rejected whole, with the
reason for each of its rows). Intake keeps what the channel sent; it rejects only what it
cannot read. Judging the content (unknown SKU, odd address, price off) is the review
desk's job, so doubts a reader has are passed on as ``notes``, not as rejections.

Text rule for everything read from a file (hostile content is kept as text, never run):
control characters are removed (tabs and line breaks inside a field become one space),
surrounding white space is stripped, and a value longer than the column that stores it is
cut to that length, with a note on the order saying which field was cut. Identifiers
(order id, SKU, order item id) are never cut: an id that is too long rejects its row,
because a shortened id would name another order.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from app.address import PostalAddress
from app.errors import InvalidInput, OrderdeskError
from app.i18n import N_
from app.i18n import Sentence as S
from app.money import minor_digits, parse_amount

# --------------------------------------------------------------------------- errors


class FormatError(OrderdeskError):
    """The file as a whole cannot be read (nothing in it is imported)."""


class UnreadableFile(FormatError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(N_("{path} cannot be read: {reason}."), path=path, reason=reason)
        self.path = path
        self.reason = reason


class MissingColumns(FormatError):
    def __init__(self, path: str, columns: list[str]) -> None:
        template = (
            N_("{path} has no {names} columns; the file cannot be imported.")
            if len(columns) > 1
            else N_("{path} has no {names} column; the file cannot be imported.")
        )
        super().__init__(template, path=path, names=", ".join(columns))
        self.path = path
        self.columns = columns


class UnknownFormat(FormatError):
    def __init__(self, path: str, reason: str) -> None:
        super().__init__(
            N_("{path} is not an order file orderdesk knows: {reason}."), path=path, reason=reason
        )
        self.path = path
        self.reason = reason


class SettlementReport(UnknownFormat):
    """An Amazon settlement report (payments, fees, refunds): money, not orders to ship."""

    def __init__(self, path: str) -> None:
        FormatError.__init__(
            self,
            N_(
                "{path} is an Amazon settlement report (payments and fees), not an order "
                "report: it is not imported here; it belongs to finance's settlement import."
            ),
            path=path,
        )
        self.path = path
        self.reason = "an Amazon settlement report"


class RowError(Exception):
    """One row cannot be read; carries the sentence that goes into the rejection."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- the data

# Lengths of the database columns the values end up in (db/models.py), the cut rule above.
MAX_LENGTHS = {
    "channel_order_id": 80,
    "channel_line_id": 80,
    "sku": 64,
    "product_name": 300,
    "name": 200,
    "email": 254,
    "phone": 40,
    "channel_buyer_id": 120,
    "line": 200,
    "city": 120,
    "region": 120,
    "postal_code": 20,
    "country_code": 2,
    "service": 80,
    "purchase_order_number": 80,
    "gift_message": 1000,
}
# A whole cell longer than this is refused before anything else looks at it: no order
# field is anywhere near, and it keeps a hostile file from filling memory one cell at a time.
MAX_CELL_CHARS = 10_000


@dataclass(frozen=True)
class Buyer:
    name: str = ""
    email: str | None = None
    phone: str | None = None
    # The channel's own reference for this buyer (Amazon: the buyer e-mail proxy).
    channel_buyer_id: str | None = None

    @property
    def is_identified(self) -> bool:
        return bool(self.channel_buyer_id or self.email or self.phone)


@dataclass(frozen=True)
class IncomingLine:
    row: int
    sku: str
    product_name: str
    quantity: int
    # Amazon's item-price: the amount for the whole quantity, not a unit price.
    line_total_minor: int
    tax_minor: int = 0
    shipping_minor: int = 0
    shipping_tax_minor: int = 0
    discount_minor: int = 0  # item + shipping promotions, as a positive amount
    gift_wrap_minor: int = 0
    channel_line_id: str | None = None

    @property
    def unit_price_minor(self) -> int:
        # Display only: the line total is what was charged; half a cent rounds up.
        return (self.line_total_minor + self.quantity // 2) // self.quantity


@dataclass(frozen=True)
class IncomingOrder:
    channel: str
    channel_order_id: str
    currency: str
    lines: tuple[IncomingLine, ...]
    buyer: Buyer = Buyer()
    ship_to: PostalAddress = field(default_factory=PostalAddress)
    purchased_at: dt.datetime | None = None
    ship_by_at: dt.datetime | None = None
    paid_at: dt.datetime | None = None
    is_paid: bool = False
    requested_service: str = "standard"
    # Prices include tax (EU/UK/JP VAT style) or tax comes on top (US/CA sales tax).
    tax_included: bool = False
    # Explicit channel total (SP-API OrderTotal); None: computed from the lines.
    channel_total_minor: int | None = None
    fulfilled_by_channel: bool = False  # Amazon-fulfilled (AFN): not our warehouse's work
    cancelled: bool = False
    # A business buyer's purchase-order number goes on screen and on the packing slip.
    is_business_order: bool = False
    purchase_order_number: str | None = None
    # The buyer asked the channel to cancel: the service desk decides (Amazon reports it).
    buyer_requested_cancellation: bool = False
    # The channel warns that the order is about to ship late: it goes first.
    verge_of_late_shipment: bool = False
    # A gift: the packing slip carries the buyer's message and no prices.
    is_gift: bool = False
    gift_message: str = ""
    # When the channel last updated the order, as the file says (last-updated-date,
    # reporting-date, LastUpdateDate); None: the file does not say. Newer word wins.
    channel_updated_at: dt.datetime | None = None
    rows: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def for_our_warehouse(self) -> bool:
        return not (self.fulfilled_by_channel or self.cancelled)

    # The amounts are read several times (checks, order row, payment): summed once.
    @cached_property
    def subtotal_minor(self) -> int:
        return sum(line.line_total_minor for line in self.lines)

    @cached_property
    def shipping_minor(self) -> int:
        return sum(line.shipping_minor + line.gift_wrap_minor for line in self.lines)

    @cached_property
    def tax_minor(self) -> int:
        return sum(line.tax_minor + line.shipping_tax_minor for line in self.lines)

    @cached_property
    def discount_minor(self) -> int:
        return sum(line.discount_minor for line in self.lines)

    @cached_property
    def total_minor(self) -> int:
        if self.channel_total_minor is not None:
            return self.channel_total_minor
        added_tax = 0 if self.tax_included else self.tax_minor
        return max(0, self.subtotal_minor + self.shipping_minor + added_tax - self.discount_minor)

    @cached_property
    def fingerprint(self) -> str:
        """Stable hash of what would be stored: same content, same fingerprint.

        Row numbers, notes and the file it came from are left out, so the same order in
        another file (or a re-download) is recognised as the same.
        """
        return content_fingerprint(self)


@dataclass(frozen=True)
class RejectedRow:
    row: int  # line number in the file (the header is line 1); 0 when there is no line
    order_id: str | None
    reason: str
    cells: tuple[str, ...] = field(default=(), compare=False)


@dataclass(frozen=True)
class RejectedOrder:
    order_id: str | None
    rows: tuple[RejectedRow, ...]

    @property
    def reason(self) -> str:
        return self.rows[0].reason if self.rows else ""


ReadItem = IncomingOrder | RejectedOrder


def reject_whole(
    order_id: str | None, rows: list[tuple[int, tuple[str, ...]]], bad_row: int, reason: str
) -> RejectedOrder:
    """Every row of an order goes to the rejected list: the bad one with its own reason,
    the others saying why they were not imported either."""
    rejected = []
    for row, cells in rows:
        text = (
            reason
            if row == bad_row
            else S("not imported: row {row} of this order: {reason}", row=bad_row, reason=reason)
        )
        rejected.append(RejectedRow(row, order_id, text, cells))
    return RejectedOrder(order_id, tuple(rejected))


# The database stores amounts as 32-bit integers (PostgreSQL ``integer``): 21,474,836.47
# in a two-decimal currency. Nothing a shop sells comes near; a bigger amount is corrupt.
MAX_AMOUNT_MINOR = 2_000_000_000


def checked_amounts(order: IncomingOrder) -> IncomingOrder:
    """Refuse what cannot be a real order's money (and could not be stored)."""
    for line in order.lines:
        if line.line_total_minor < 0:
            raise RowError(S("the price of {sku} is negative", sku=line.sku))
    if order.channel_total_minor is not None and order.channel_total_minor < 0:
        raise RowError(S("the order total is negative"))
    amounts = [order.subtotal_minor, order.shipping_minor, order.tax_minor, order.total_minor]
    amounts.append(order.discount_minor)
    if any(abs(amount) > MAX_AMOUNT_MINOR for amount in amounts):
        raise RowError(S("the amounts are too large to be a real order"))
    return order


# --------------------------------------------------------------------------- fingerprint


def _time_text(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).isoformat() if value else ""


# Unit and record separators cannot occur in values (clean_text removes control
# characters), so joining with them is unambiguous and much cheaper than JSON.
_UNIT, _RECORD = "\x1f", "\x1e"


def content_fingerprint(order: IncomingOrder) -> str:
    lines = _RECORD.join(
        _UNIT.join(
            (
                line.channel_line_id or "",
                line.sku,
                line.product_name,
                str(line.quantity),
                str(line.line_total_minor),
                str(line.tax_minor),
                str(line.shipping_minor),
                str(line.shipping_tax_minor),
                str(line.discount_minor),
                str(line.gift_wrap_minor),
            )
        )
        for line in order.lines
    )
    buyer, ship = order.buyer, order.ship_to
    parts = (
        "v1",
        order.channel,
        order.channel_order_id,
        order.currency,
        buyer.name,
        buyer.email or "",
        buyer.phone or "",
        buyer.channel_buyer_id or "",
        ship.recipient,
        ship.line1,
        ship.line2,
        ship.line3,
        ship.city,
        ship.region,
        ship.postal_code,
        ship.country_code,
        ship.phone or "",
        _time_text(order.purchased_at),
        _time_text(order.ship_by_at),
        str(order.is_paid),
        order.requested_service,
        str(order.tax_included),
        "" if order.channel_total_minor is None else str(order.channel_total_minor),
        str(order.fulfilled_by_channel),
        str(order.cancelled),
        lines,
        *_later_fields(order),
    )
    text = _UNIT.join(parts)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


def _later_fields(order: IncomingOrder) -> tuple[str, ...]:
    """Fields added after orders were first stored: only when set, so an order read
    before they existed keeps its fingerprint (a re-import is not a conflict)."""
    extra = (
        ("business", order.is_business_order),
        ("po", order.purchase_order_number),
        ("buyer-cancel", order.buyer_requested_cancellation),
        ("late", order.verge_of_late_shipment),
    )
    return tuple(f"{name}={value}" for name, value in extra if value)


# --------------------------------------------------------------------------- values

# Control characters, line/paragraph separators, BOMs and lone surrogates (JSON can carry
# "\ud800"; no database can store it).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")
# The same, less the tab: a tab-separated line is checked once, before it is split.
CONTROL_BUT_TAB = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\ufeff\ud800-\udfff]")
_BREAKS = re.compile(r"[\t\r\n\u2028\u2029]+")


def clean_text(value: str) -> str:
    """Control characters out, white space trimmed. Fast path for the usual clean cell."""
    if _CONTROL.search(value):
        value = _CONTROL.sub("", _BREAKS.sub(" ", value))
    return value.strip()


def fit(value: str, kind: str, notes: list[str], label: str) -> str:
    """Cut ``value`` to the column length of ``kind``; say so in ``notes``."""
    limit = MAX_LENGTHS[kind]
    if len(value) <= limit:
        return value
    notes.append(f"{label} was {len(value)} characters; kept the first {limit}")
    return value[:limit]


def require_id(value: str, kind: str, label: str) -> str:
    if not value:
        raise RowError(S("{label} is empty", label=label))
    if len(value) > MAX_LENGTHS[kind]:
        raise RowError(
            S(
                "{label} is {length} characters long; at most {limit}",
                label=label,
                length=len(value),
                limit=MAX_LENGTHS[kind],
            )
        )
    return value


def parse_quantity(text: str, label: str = "quantity") -> int:
    cleaned = text.strip()
    if not cleaned.isdigit() or not cleaned.isascii():
        raise RowError(S("{label} {text!r} is not a whole number", label=label, text=text))
    quantity = int(cleaned)
    if quantity < 1:
        raise RowError(S("{label} {text!r} must be at least 1", label=label, text=text))
    if quantity > 100_000:
        raise RowError(S("{label} {text!r} is not a plausible quantity", label=label, text=text))
    return quantity


@lru_cache(maxsize=8192)
def _amount(text: str, currency: str) -> int:
    return parse_amount(text, currency)


# The everyday shape "1234.56" in a two-decimal currency, read without Decimal: the
# same result parse_amount gives, for the one shape that is never ambiguous.
_TWO_DECIMALS = re.compile(r"-?\d{1,15}\.\d\d")


def parse_money(text: str, currency: str, label: str) -> int:
    """A plain decimal in the order's currency → minor units; empty → 0.

    ``12,50`` and ``€12.50`` are refused (``app.money.parse_amount``): a wrong guess is a
    wrong charge. Prices repeat a lot in a file, hence the cache.
    """
    if not text:
        return 0
    if _TWO_DECIMALS.fullmatch(text) and minor_digits(currency) == 2:
        return int(text[:-3] + text[-2:])
    try:
        return _amount(text, currency)
    except InvalidInput as error:
        raise RowError(
            S("{label} {text!r} is not a plain amount such as 12.50", label=label, text=text)
        ) from error


_UTC_SUFFIX = re.compile(r"\s*(UTC|GMT|Z)$", re.IGNORECASE)
EARLIEST_PLAUSIBLE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def parse_time(text: str, label: str) -> dt.datetime | None:
    """ISO 8601 with any offset (``Z`` too), or ``2020-05-08 18:06:46 UTC``; empty → None.

    A time without an offset is refused: the same text is a different moment in Seattle
    and in Berlin. A date alone means midnight UTC.
    """
    text = text.strip()
    if not text:
        return None
    probe = _UTC_SUFFIX.sub("+00:00", text) if not text.endswith("+00:00") else text
    try:
        if len(probe) == 10:
            return dt.datetime.fromisoformat(probe).replace(tzinfo=dt.UTC)
        value = dt.datetime.fromisoformat(probe)
    except ValueError as error:
        raise RowError(
            S("{label} {text!r} is not a date and time", label=label, text=text)
        ) from error
    if value.tzinfo is None:
        raise RowError(S("{label} {text!r} has no time zone offset", label=label, text=text))
    try:
        return value.astimezone(dt.UTC)
    except OverflowError as error:
        raise RowError(S("{label} {text!r} is out of range", label=label, text=text)) from error


def implausible_time_note(value: dt.datetime | None, label: str, now: dt.datetime) -> str | None:
    """Absurd but readable times are kept, and review is told (e.g. 1970 from a sandbox)."""
    if value is None:
        return None
    if value < EARLIEST_PLAUSIBLE or value > now + dt.timedelta(days=366):
        return f"{label} {value:%Y-%m-%d} is implausible"
    return None


_TRUE = {"true", "yes", "y", "1", "t"}
_FALSE = {"false", "no", "n", "0", "f", ""}


def parse_bool(value: object, label: str) -> bool:
    """Booleans as channels send them: ``true``, ``"false"``, ``"Yes"``, 1, empty."""
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise RowError(S("{label} {value!r} is not true or false", label=label, value=value))


_SERVICE_WORDS = (
    ("express", ("next", "nextday", "oneday", "same", "priority", "express", "overnight")),
    ("expedited", ("expedited", "second", "secondday", "twoday", "2day", "rush")),
)


@lru_cache(maxsize=256)
def requested_service(ship_service_level: str) -> str:
    """Channel service names (``Std US D2D Dom``, ``Expedited``, ``NextDay``) → ours."""
    words = re.split(r"[^a-z0-9]+", ship_service_level.lower())
    joined = "".join(words)
    for ours, markers in _SERVICE_WORDS:
        if any(marker in words or joined.startswith(marker) for marker in markers):
            return ours
    return "standard"


# Marketplaces whose item prices are quoted before sales tax; elsewhere (EU, UK, JP, IN,
# AU, BR …) the item price includes VAT and item-tax is the part of it that is tax.
TAX_ON_TOP_CURRENCIES = frozenset({"USD", "CAD"})
NO_CURRENCY = "XXX"  # ISO 4217: "no currency involved" — the report had no money columns


def prices_include_tax(currency: str) -> bool:
    return currency not in TAX_ON_TOP_CURRENCIES


_CURRENCY = re.compile(r"^[A-Z]{3}$")


def parse_currency(text: str, label: str = "currency") -> str:
    code = text.strip().upper()
    if not _CURRENCY.match(code):
        raise RowError(
            S("{label} {text!r} is not a three-letter ISO 4217 code", label=label, text=text)
        )
    return code


_COUNTRY = re.compile(r"^[A-Z]{2}$")


def country_code(text: str, notes: list[str]) -> str:
    code = text.strip().upper()
    if code and not _COUNTRY.match(code):
        notes.append(f"ship country {text!r} is not a two-letter ISO code")
        return ""
    return code


_PHONE_NOISE = re.compile(r"[^\d+]")


def normalise_phone(text: str | None) -> str | None:
    """Digits (and a leading +) only, for matching customers; None when empty."""
    if not text:
        return None
    digits = _PHONE_NOISE.sub("", text)
    if digits.startswith("+"):
        digits = "+" + digits[1:].replace("+", "")
    else:
        digits = digits.replace("+", "")
    return digits[: MAX_LENGTHS["phone"]] or None


def normalise_email(text: str | None) -> str | None:
    if not text:
        return None
    email = text.strip().lower()
    if "@" not in email or len(email) > MAX_LENGTHS["email"]:
        return None
    return email


# The ship-to address's text fields and the length rule (``fit`` kind) each one obeys.
_SHIP_TO_TEXT_FIELDS = (
    ("recipient", "name"),
    ("line1", "line"),
    ("line2", "line"),
    ("line3", "line"),
    ("city", "city"),
    ("region", "region"),
    ("postal_code", "postal_code"),
)


@dataclass(frozen=True)
class ShipToColumns:
    """Which column of a format holds each part of the ship-to address."""

    recipient: str
    line1: str
    line2: str
    line3: str
    city: str
    region: str
    postal_code: str
    country_code: str
    phone: str


def read_ship_to(
    cell: Callable[[str], str], columns: ShipToColumns, notes: list[str]
) -> PostalAddress:
    """The ship-to address of one row, every part cleaned and fitted as in every format."""
    parts = {
        attribute: fit(cell(getattr(columns, attribute)), kind, notes, getattr(columns, attribute))
        for attribute, kind in _SHIP_TO_TEXT_FIELDS
    }
    return PostalAddress(
        **parts,
        country_code=country_code(cell(columns.country_code), notes),
        phone=fit(cell(columns.phone), "phone", notes, columns.phone),
    )
