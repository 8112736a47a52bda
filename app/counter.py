"""Shop-counter order entry: a customer at the desk, products scanned, paid there and then.

The counter form reads through ``find_customers``, ``find_products``, ``product_for_code``
and ``list_price``, and saves with one command, ``place_counter_order``. The order lands
like any channel's: status ``received``, channel ``shop``, its own copy of the address,
an ``entered`` audit event — the review desk judges it like every other order.

The checks of a draft are pure (``check_draft``, ``refuse_card_numbers``, ``next_counter_id``)
and run before anything is written; then everything is one transaction. The channel
order id ``SHOP-<STORE>-<6-digit sequence>`` is the store's highest so far plus one: two
counters saving at once may pick the same number, the ``(channel, channel_order_id)``
unique constraint refuses the second, and its whole transaction is tried again.

Cards: brand, last four, expiry and the terminal's reference only. A full card number
typed or scanned into any field (or split over two fields next to each other) is refused
with ``FullCardNumber``, which carries only the last four digits — the number never reaches
the database, a log or a message. What a card number is: ``app.cards``, the one scrubber
every reader and typed field passes through.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.audit import record_event
from app.cards import card_number_across, card_number_in
from app.errors import DatabaseBusy, DraftProblems, FullCardNumber, InvalidInput, NotFound
from app.formats.common import normalise_email, normalise_phone
from app.i18n import CUSTOMER_LANGUAGES, customer_language, normalize_language
from app.money import format_money, parse_amount
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.review.model import COLLECTED_IN_STORE
from app.uow import UnitOfWork
from app.views.search import LIKE_ESCAPE, contains_pattern, search_text
from app.views.search_keys import customer_search_keys
from db.models import Address, Customer, Order, OrderLine, Payment, Product, utcnow

log = logging.getLogger(__name__)

CHANNEL = "shop"
PAYMENT_METHODS = ("card", "cash", "bank_transfer")
CARD_BRANDS = ("visa", "mastercard", "amex", "maestro", "discover", "jcb", "unionpay", "diners")
LANGUAGES = CUSTOMER_LANGUAGES  # customer messages are written in these
SEARCH_LIMIT = 20
MIN_SEARCH_CHARS = 2
MAX_QUANTITY = 999
MAX_CARD_YEARS_AHEAD = 20
SAVE_ATTEMPTS = 5  # tries when another counter takes the same number, or the database is busy
BUSY_PAUSE_S = 0.2
SEQUENCE_DIGITS = 6

_STORE_CODE = re.compile(r"^[A-Z0-9]{2,8}$")
STORE_CODE_PATTERN = _STORE_CODE
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LAST4 = re.compile(r"^[0-9]{4}$")
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]{4,}$")
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{2}|\d{4})\s*$")


# --------------------------------------------------------------------------- read side


@dataclass(frozen=True)
class AddressFields:
    """An address as the form shows and sends it."""

    recipient: str = ""
    line1: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""
    postal_code: str = ""
    country_code: str = ""
    phone: str = ""

    def __repr__(self) -> str:  # free text: could hold anything a person typed
        return "AddressFields(…)"


@dataclass(frozen=True)
class CustomerMatch:
    id: int
    name: str
    phone: str
    email: str
    language: str
    status: str
    address: AddressFields | None  # the default (or latest) address, to prefill the form


@dataclass(frozen=True)
class ProductMatch:
    id: int
    sku: str
    name: str
    spec: str
    barcode: str
    price_cents: int
    currency: str


def find_customers(
    session: Session, actor: Actor, text: str, limit: int = SEARCH_LIMIT
) -> list[CustomerMatch]:
    """Customers a clerk means by ``text``: the forgiving search of every desk (part of a
    name or e-mail, accents and Chinese script folded, a phone number in any form)."""
    from app.views.orders import customer_search_condition

    require(actor, Permission.IMPORT_ORDERS)
    needle = search_text(text).lower()
    # One Chinese character is a surname worth searching; one Latin letter is not.
    if not needle or (len(needle) < MIN_SEARCH_CHARS and needle.isascii()):
        return []
    condition = customer_search_condition(session, needle)
    if condition is None:
        return []
    order_by = Customer.name
    customers = session.execute(
        select(
            Customer.id,
            Customer.name,
            Customer.phone,
            Customer.email,
            Customer.language,
            Customer.status,
        )
        .where(condition)
        .order_by(order_by, Customer.id)
        .limit(limit)
    ).all()
    addresses = _latest_addresses(session, [row.id for row in customers])
    return [
        CustomerMatch(
            id=row.id,
            name=row.name,
            phone=row.phone or "",
            email=row.email or "",
            language=row.language,
            status=row.status,
            address=addresses.get(row.id),
        )
        for row in customers
    ]


def _latest_addresses(session: Session, customer_ids: list[int]) -> dict[int, AddressFields]:
    if not customer_ids:
        return {}
    found: dict[int, AddressFields] = {}
    rows = session.scalars(
        select(Address)
        .where(Address.customer_id.in_(customer_ids))
        # The default first, then the newest: the first seen per customer wins.
        .order_by(Address.customer_id, Address.is_default.desc(), Address.id.desc())
    )
    for address in rows:
        found.setdefault(
            address.customer_id,
            AddressFields(
                recipient=address.recipient,
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country_code=address.country_code,
                phone=address.phone or "",
            ),
        )
    return found


_PRODUCT_COLUMNS = (
    Product.id,
    Product.sku,
    Product.name,
    Product.spec,
    Product.barcode,
    Product.price_cents,
    Product.currency,
)


def _product(row) -> ProductMatch:
    return ProductMatch(
        id=row.id,
        sku=row.sku,
        name=row.name,
        spec=row.spec,
        barcode=row.barcode or "",
        price_cents=row.price_cents,
        currency=row.currency,
    )


def product_for_code(session: Session, actor: Actor, code: str) -> ProductMatch | None:
    """The active product a scanned barcode or a typed SKU names exactly, if any."""
    require(actor, Permission.IMPORT_ORDERS)
    code = code.strip()
    if not code:
        return None
    condition = Product.barcode == code if code.isdigit() else Product.sku == code.upper()
    row = session.execute(
        select(*_PRODUCT_COLUMNS).where(condition, Product.active.is_(True))
    ).first()
    if row is None and code.isdigit():  # an all-digit SKU
        row = session.execute(
            select(*_PRODUCT_COLUMNS).where(Product.sku == code, Product.active.is_(True))
        ).first()
    return _product(row) if row else None


def find_products(
    session: Session, actor: Actor, text: str, limit: int = SEARCH_LIMIT
) -> list[ProductMatch]:
    """Active products: an exact barcode, then SKUs starting with ``text``, then names
    containing it (the catalogue is thousands of rows, not millions)."""
    require(actor, Permission.IMPORT_ORDERS)
    needle = search_text(text)
    if not needle:
        return []
    found: dict[int, ProductMatch] = {}
    exact = product_for_code(session, actor, needle)
    if exact is not None:
        found[exact.id] = exact
    sku = needle.upper()
    for condition in (
        Product.sku.between(sku, sku + "\uffff"),
        func.lower(Product.name).like(contains_pattern(needle), escape=LIKE_ESCAPE),
    ):
        if len(found) >= limit:
            break
        rows = session.execute(
            select(*_PRODUCT_COLUMNS)
            .where(condition, Product.active.is_(True))
            .order_by(Product.sku)
            .limit(limit)
        )
        for row in rows:
            found.setdefault(row.id, _product(row))
    return list(found.values())[:limit]


def list_price(session: Session, actor: Actor, product_id: int) -> tuple[int, str]:
    """(price in minor units, currency) from the price list."""
    require(actor, Permission.IMPORT_ORDERS)
    row = session.execute(
        select(Product.price_cents, Product.currency).where(Product.id == product_id)
    ).first()
    if row is None:
        raise NotFound("product", product_id)
    return row.price_cents, row.currency


# --------------------------------------------------------------------------- the draft


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
    address: AddressFields | None = None  # None: collected in store

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


# --------------------------------------------------------------------------- pure checks


def _text_fields(value: object, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from _text_fields(getattr(value, item.name), _join(path, item.name))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value, start=1):
            yield from _text_fields(item, f"{path}[{index}]")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def refuse_card_numbers(draft: CounterOrderDraft) -> None:
    """Raise ``FullCardNumber`` naming the first field that holds a full card number, or
    the two fields next to each other on the form that hold one between them."""
    fields = list(_text_fields(draft, ""))
    for name, text in fields:
        last4 = card_number_in(text)
        if last4 is not None:
            raise FullCardNumber(_FIELD_NAMES.get(name, name), last4)
    for (first, before), (second, after) in itertools.pairwise(fields):
        last4 = card_number_across((before, after))
        if last4 is not None:
            names = f"{_FIELD_NAMES.get(first, first)} + {_FIELD_NAMES.get(second, second)}"
            raise FullCardNumber(names, last4)


# Draft attribute paths → the field names errors carry (what the form labels).
_FIELD_NAMES = {
    "new_customer.name": "customer.name",
    "new_customer.phone": "customer.phone",
    "new_customer.email": "customer.email",
    "new_customer.language": "customer.language",
    "payment.card_brand": "payment.card_brand",
    "payment.card_last4": "payment.card_last4",
    "payment.processor_reference": "payment.processor_reference",
}


def refuse_card_number(field_name: str, text: str) -> None:
    """For a field the form parses before the draft is made (amount, expiry, quantity)."""
    last4 = card_number_in(text)
    if last4 is not None:
        raise FullCardNumber(field_name, last4)


def parse_expiry(text: str) -> tuple[int, int]:
    """``"03/28"`` or ``"3/2028"`` → ``(3, 2028)``; the month is not checked here."""
    refuse_card_number("payment.card_expiry", text)
    match = _EXPIRY.match(text)
    if not match:
        raise InvalidInput("payment.card_expiry", text, "month/year such as 03/28")
    year = int(match.group(2))
    return int(match.group(1)), year + 2000 if year < 100 else year


def parse_counter_amount(field_name: str, text: str, currency: str) -> int:
    """A typed amount → minor units, refusing a card number before anything echoes it."""
    refuse_card_number(field_name, text)
    return parse_amount(text, currency, field_name)


def next_counter_id(store_code: str, last_id: str | None) -> str:
    """``SHOP-BER-000041`` after ``SHOP-BER-000040``; the first is ``SHOP-BER-000001``."""
    prefix = f"SHOP-{store_code}-"
    sequence = int(last_id[len(prefix) :]) + 1 if last_id else 1
    if sequence >= 10**SEQUENCE_DIGITS:
        raise InvalidInput("store_code", store_code, "a store with order numbers left")
    return f"{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


@dataclass(frozen=True)
class CheckedLine:
    product_id: int
    quantity: int
    unit_price_cents: int | None
    price_reason: str


@dataclass(frozen=True)
class CheckedDraft:
    """A draft whose every field is known to be well formed (not yet that ids exist)."""

    store_code: str
    customer_id: int | None
    new_customer: NewCustomer | None  # normalised phone and e-mail
    address: AddressFields | None
    lines: tuple[CheckedLine, ...]
    payment: CounterPayment


def check_draft(draft: CounterOrderDraft, today: dt.date) -> CheckedDraft:
    """Every field of ``draft`` well formed, or ``DraftProblems`` naming every one that is not.

    A person at the counter sees all that is wrong after one press of Save, not one
    problem per press.
    """
    refuse_card_numbers(draft)  # first, and alone: no other message may echo a card number
    problems: list[InvalidInput] = []

    def checked(check, *args):
        try:
            return check(*args)
        except DraftProblems as several:
            problems.extend(several.problems)
            return None
        except InvalidInput as problem:
            problems.append(problem)
            return None

    store = draft.store_code.strip().upper()
    if not _STORE_CODE.match(store):
        problems.append(
            InvalidInput("store_code", draft.store_code, "2 to 8 letters or digits, e.g. BER")
        )
    new_customer = checked(_checked_customer, draft)
    address = checked(_checked_address, draft.address, new_customer)
    lines = tuple(checked(_checked_line, n, line) for n, line in enumerate(draft.lines, start=1))
    if not lines:
        problems.append(InvalidInput("lines", "", "at least one product"))
    payment = checked(_checked_payment, draft.payment, today)
    if problems:
        raise problems[0] if len(problems) == 1 else DraftProblems(tuple(problems))
    return CheckedDraft(
        store_code=store,
        customer_id=draft.customer_id,
        new_customer=new_customer,
        address=address,
        lines=lines,  # type: ignore[arg-type]
        payment=payment,  # type: ignore[arg-type]
    )


def _checked_customer(draft: CounterOrderDraft) -> NewCustomer | None:
    if (draft.customer_id is None) == (draft.new_customer is None):
        raise InvalidInput("customer", "", "an existing customer or a new customer's details")
    new = draft.new_customer
    if new is None:
        return None
    name = new.name.strip()
    if not name or len(name) > 200:
        raise InvalidInput("customer.name", new.name, "the customer's name (up to 200 characters)")
    email = new.email.strip()
    if email and (not _EMAIL.match(email) or len(email) > 254):
        raise InvalidInput("customer.email", new.email, "an e-mail address such as ana@example.com")
    phone = normalise_phone(new.phone.strip()) or ""
    digits = phone.lstrip("+")
    if new.phone.strip() and not (6 <= len(digits) <= 15 and digits.isdigit()):
        raise InvalidInput("customer.phone", new.phone, "a phone number of 6 to 15 digits")
    if not phone and not email:
        raise InvalidInput("customer.phone", "", "a phone number or an e-mail address")
    raw = new.language.strip()
    if raw.lower() != "zh" and normalize_language(raw, LANGUAGES) is None:
        raise InvalidInput("customer.language", new.language, " / ".join(LANGUAGES))
    language = customer_language(raw)
    return NewCustomer(name, phone, normalise_email(email) or "", language)


_ADDRESS_LIMITS = {
    "recipient": 200,
    "line1": 200,
    "line2": 200,
    "city": 120,
    "region": 120,
    "postal_code": 20,
    "phone": 40,
}


def _checked_address(
    address: AddressFields | None, new_customer: NewCustomer | None
) -> AddressFields | None:
    if address is None:
        return None
    values = {name: getattr(address, name).strip() for name in _ADDRESS_LIMITS}
    found: list[InvalidInput] = []
    for name, limit in _ADDRESS_LIMITS.items():
        if len(values[name]) > limit:
            found.append(
                InvalidInput(f"address.{name}", values[name], f"at most {limit} characters")
            )
    for name, what in (("line1", "the street and number"), ("city", "the city")):
        if not values[name]:
            found.append(InvalidInput(f"address.{name}", "", what))
    country = address.country_code.strip().upper()
    if not _COUNTRY.match(country):
        found.append(
            InvalidInput("address.country_code", address.country_code, "a code such as DE")
        )
    elif not values["postal_code"] and country not in ("HK", "IE", "AE"):
        found.append(InvalidInput("address.postal_code", "", "the postal code"))
    _raise_all(found)
    if not values["recipient"] and new_customer is not None:
        values["recipient"] = new_customer.name
    return AddressFields(country_code=country, **values)


def _raise_all(found: list[InvalidInput]) -> None:
    if len(found) == 1:
        raise found[0]
    if found:
        raise DraftProblems(tuple(found))


def _checked_line(line_no: int, line: DraftLine) -> CheckedLine:
    where = f"lines[{line_no}]"
    if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_QUANTITY:
        raise InvalidInput(f"{where}.quantity", line.quantity, f"1 to {MAX_QUANTITY}")
    price = line.unit_price_cents
    if price is not None and (not isinstance(price, int) or price < 0):
        raise InvalidInput(f"{where}.unit_price", price, "a price of zero or more")
    reason = line.price_reason.strip()
    if len(reason) > 500:
        raise InvalidInput(f"{where}.price_reason", reason[:40], "at most 500 characters")
    return CheckedLine(line.product_id, line.quantity, price, reason)


def _checked_payment(payment: CounterPayment, today: dt.date) -> CounterPayment:
    method = payment.method.strip().lower()
    if method not in PAYMENT_METHODS:
        raise InvalidInput("payment.method", payment.method, " / ".join(PAYMENT_METHODS))
    if not isinstance(payment.amount_cents, int) or payment.amount_cents < 0:
        raise InvalidInput("payment.amount", payment.amount_cents, "an amount of zero or more")
    if method != "card":
        return CounterPayment(method, payment.amount_cents, part_payment=payment.part_payment)
    found: list[InvalidInput] = []
    brand = payment.card_brand.strip().lower()
    if brand not in CARD_BRANDS:
        found.append(InvalidInput("payment.card_brand", payment.card_brand, "the card's brand"))
    last4 = payment.card_last4.strip()
    if not _LAST4.match(last4):
        found.append(InvalidInput("payment.card_last4", last4, "the card's last four digits"))
    reference = payment.processor_reference.strip()
    if not reference or len(reference) > 120:
        found.append(
            InvalidInput(
                "payment.processor_reference", reference[:40], "the card terminal's reference"
            )
        )
    month, year = payment.card_exp_month, payment.card_exp_year
    if month is None or year is None or not 1 <= month <= 12:
        found.append(
            InvalidInput("payment.card_expiry", f"{month}/{year}", "a month 1–12 and a year")
        )
    _raise_all(found)
    assert month is not None and year is not None
    if year < 100:
        year += 2000
    # A card is valid to the end of its expiry month.
    if (year, month) < (today.year, today.month):
        raise InvalidInput(
            "payment.card_expiry", f"{month:02d}/{year}", "a card that has not expired"
        )
    if year > today.year + MAX_CARD_YEARS_AHEAD:
        raise InvalidInput("payment.card_expiry", f"{month:02d}/{year}", "a real expiry year")
    return CounterPayment(
        method, payment.amount_cents, brand, last4, month, year, reference, payment.part_payment
    )


# --------------------------------------------------------------------------- the command


class _NumberTaken(Exception):
    """Another counter saved the same SHOP number first: try the whole action again."""


def place_counter_order(
    uow: UnitOfWork,
    actor: Actor,
    draft: CounterOrderDraft,
    *,
    now: dt.datetime | None = None,
) -> PlacedOrder:
    """Save a counter sale as a received order; one transaction, retried on a number race."""
    require(actor, Permission.IMPORT_ORDERS)
    now = now or utcnow()
    checked = check_draft(draft, now.astimezone().date())
    for attempt in range(1, SAVE_ATTEMPTS + 1):
        try:
            return _place(uow, actor, checked, now)
        except _NumberTaken:
            log.info("counter order number taken at another desk; attempt %d", attempt)
        except sa_exc.OperationalError as error:
            if not _is_busy(error):
                raise
            log.info("database busy while saving a counter order; attempt %d", attempt)
        if attempt < SAVE_ATTEMPTS:
            time.sleep(BUSY_PAUSE_S * attempt)  # a short, growing pause: the others finish
    raise DatabaseBusy(SAVE_ATTEMPTS)


def _is_busy(error: sa_exc.OperationalError) -> bool:
    """SQLite's "database is locked" (past its busy timeout), PostgreSQL's lock timeouts."""
    text = str(error.orig).lower()
    return any(word in text for word in ("database is locked", "busy", "lock timeout"))


def _place(uow: UnitOfWork, actor: Actor, checked: CheckedDraft, now: dt.datetime) -> PlacedOrder:
    with uow:
        session = uow.session
        products = _products_for(session, checked.lines)
        currency = _one_currency(checked.lines, products)
        priced = _priced_lines(checked.lines, products, currency)
        total = sum(quantity * price for _, quantity, price, _ in priced)
        _check_amount(checked.payment, total, currency)
        customer, created = _customer_for(session, checked)
        address = checked.address
        if address is not None:
            _remember_address(session, customer, address)
        channel_order_id = next_counter_id(
            checked.store_code, _last_counter_id(session, checked.store_code)
        )
        order = _order(checked, customer, address, channel_order_id, currency, total, now)
        session.add(order)
        try:
            uow.flush()
        except sa_exc.IntegrityError as error:
            if _is_number_race(error):
                raise _NumberTaken() from None
            raise
        for line_no, (product, quantity, price, _reason) in enumerate(priced, start=1):
            session.add(
                OrderLine(
                    order_id=order.id,
                    line_no=line_no,
                    product_id=product.id,
                    sku=product.sku,
                    product_name=product.name,
                    quantity=quantity,
                    unit_price_cents=price,
                    line_total_cents=quantity * price,
                )
            )
        session.add(_payment(order.id, checked.payment, currency, now))
        if address is None:
            _take_from_store(session, actor, order.id, checked.store_code)
        overrides = _overrides(priced, currency, actor.may(Permission.OVERRIDE_PRICES))
        record_event(
            session,
            actor,
            entity_type="order",
            entity_id=order.id,
            action="entered",
            to_state="received",
            reason="; ".join(item["text"] for item in overrides),
            detail={
                "store": checked.store_code,
                "customer_created": created,
                "payment_method": checked.payment.method,
                "collected_in_store": address is None,
                "price_overrides": [
                    {k: v for k, v in item.items() if k != "text"} for item in overrides
                ],
            },
        )
        try:
            uow.commit()
        except sa_exc.IntegrityError as error:
            if _is_number_race(error):
                raise _NumberTaken() from None
            raise
        return PlacedOrder(
            order_id=order.id,
            number=order_number(order.id),
            channel_order_id=channel_order_id,
            customer_id=customer.id,
            customer_name=customer.name,
            customer_created=created,
            total_cents=total,
            paid_cents=checked.payment.amount_cents,
            currency=currency,
            status=order.status,
        )


def _take_from_store(session: Session, actor: Actor, order_id: int, store_code: str) -> None:
    """Collected in the store: the units are taken now, under the stock lock every desk
    uses, so two counters cannot sell the last unit twice (issue 11)."""
    from app.picking.service import take_at_counter

    session.flush()
    short = take_at_counter(session, actor, order_id, store_code)
    if short:
        line_no, sku, wanted, available = short[0]
        raise InvalidInput(
            f"lines[{line_no}].quantity",
            wanted,
            f"at most {available} of {sku} (what the store has free now)",
        )


def _products_for(session: Session, lines: Sequence[CheckedLine]) -> dict[int, Product]:
    ids = {line.product_id for line in lines}
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_(ids)))}
    for line_no, line in enumerate(lines, start=1):
        product = products.get(line.product_id)
        if product is None or not product.active:
            raise InvalidInput(f"lines[{line_no}].product", line.product_id, "an active product")
    return products


def _one_currency(lines: Sequence[CheckedLine], products: dict[int, Product]) -> str:
    currencies = sorted({products[line.product_id].currency for line in lines})
    if len(currencies) > 1:
        raise InvalidInput("lines", ", ".join(currencies), "products priced in one currency")
    return currencies[0]


def _priced_lines(
    lines: Sequence[CheckedLine], products: dict[int, Product], currency: str
) -> list[tuple[Product, int, int, str]]:
    """(product, quantity, unit price, reason); a price off the list needs its reason."""
    priced = []
    for line_no, line in enumerate(lines, start=1):
        product = products[line.product_id]
        price = product.price_cents if line.unit_price_cents is None else line.unit_price_cents
        if price != product.price_cents and not line.price_reason:
            raise InvalidInput(
                f"lines[{line_no}].price_reason",
                "",
                f"a reason for {format_money(price, currency)} instead of the list price "
                f"{format_money(product.price_cents, currency)}",
            )
        priced.append((product, line.quantity, price, line.price_reason))
    return priced


def _overrides(
    priced: list[tuple[Product, int, int, str]], currency: str, allowed: bool = False
) -> list[dict]:
    """Prices off the list, with their reasons; ``allowed``: the person may give them."""
    overrides = []
    for line_no, (product, _quantity, price, reason) in enumerate(priced, start=1):
        if price == product.price_cents:
            continue
        text = (
            f"line {line_no} {product.sku}: {format_money(price, currency)} instead of "
            f"{format_money(product.price_cents, currency)} — {reason}"
        )
        overrides.append(
            {
                "line_no": line_no,
                "sku": product.sku,
                "list_price_cents": product.price_cents,
                "unit_price_cents": price,
                "reason": reason,
                "allowed": allowed,
                "text": text,
            }
        )
    return overrides


def _check_amount(payment: CounterPayment, total: int, currency: str) -> None:
    if payment.amount_cents > total:
        raise InvalidInput(
            "payment.amount",
            format_money(payment.amount_cents, currency),
            f"at most the order total {format_money(total, currency)} (give the change back)",
        )
    if total > 0 and payment.amount_cents == 0 and payment.method != "bank_transfer":
        raise InvalidInput("payment.amount", format_money(0, currency), "the amount taken")
    if (
        payment.amount_cents < total
        and payment.method != "bank_transfer"
        and not payment.part_payment
    ):
        raise InvalidInput(
            "payment.amount",
            format_money(payment.amount_cents, currency),
            f"the order total {format_money(total, currency)}, "
            "or tick part payment to record the rest as owed",
        )


def _customer_for(session: Session, checked: CheckedDraft) -> tuple[Customer, bool]:
    """(customer, created): the one chosen, the one with the same e-mail, or a new one.

    The e-mail is a key: the new customer is inserted with ``ON CONFLICT DO NOTHING`` and
    read back, so two counters saving the same new customer at once make one. A phone is
    not a key (households and offices share one): the screen's search offers customers
    with that phone, and the person at the counter chooses.
    """
    if checked.customer_id is not None:
        customer = session.get(Customer, checked.customer_id)
        if customer is None:
            raise InvalidInput("customer", checked.customer_id, "an existing customer")
        return customer, False
    new = checked.new_customer
    assert new is not None
    table = Customer.__table__
    dialect = session.get_bind().dialect.name
    dialect_insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    region = checked.address.country_code if checked.address else None
    keys = customer_search_keys(new.name, new.email, new.phone, region)
    created_id = session.execute(
        dialect_insert(table)
        .values(
            name=new.name,
            phone=new.phone or None,
            email=new.email or None,
            language=new.language,
            status="active",
            created_at=utcnow(),
            version=1,
            **keys.as_row(),
        )
        .on_conflict_do_nothing()
        .returning(table.c.id)
    ).scalar()
    if created_id is not None:
        return session.get_one(Customer, created_id), True
    existing = session.scalar(select(Customer).where(func.lower(Customer.email) == new.email))
    if existing is None:  # only an e-mail can conflict; it was there a moment ago
        raise InvalidInput("customer.email", new.email, "an e-mail address no desk is changing")
    return existing, False


def _remember_address(session: Session, customer: Customer, address: AddressFields) -> None:
    known = session.scalars(select(Address).where(Address.customer_id == customer.id)).all()
    same = any(
        (a.line1, a.postal_code, a.country_code)
        == (address.line1, address.postal_code, address.country_code)
        for a in known
    )
    if not same:
        session.add(
            Address(
                customer_id=customer.id,
                recipient=address.recipient or customer.name,
                line1=address.line1,
                line2=address.line2,
                city=address.city,
                region=address.region,
                postal_code=address.postal_code,
                country_code=address.country_code,
                phone=address.phone or customer.phone,
                is_default=not known,
            )
        )


def _last_counter_id(session: Session, store_code: str) -> str | None:
    prefix = f"SHOP-{store_code}-"
    width = len(prefix) + SEQUENCE_DIGITS
    lowest, highest = prefix + "0" * SEQUENCE_DIGITS, prefix + "9" * SEQUENCE_DIGITS
    # Descending over uq_orders_channel_order (channel_order_id, channel), which holds the
    # channel too: the first row of the right shape is it. ``channel || ''`` keeps SQLite
    # (no statistics) from preferring ix_orders_channel_id, which would sort every shop order.
    return session.scalar(
        select(Order.channel_order_id)
        .where(
            Order.channel_order_id.between(lowest, highest),
            func.length(Order.channel_order_id) == width,
            Order.channel + "" == CHANNEL,
        )
        .order_by(Order.channel_order_id.desc())
        .limit(1)
    )


def _is_number_race(error: sa_exc.IntegrityError) -> bool:
    text = str(error.orig)
    return "uq_orders_channel_order" in text or "orders.channel_order_id" in text


def _order(
    checked: CheckedDraft,
    customer: Customer,
    address: AddressFields | None,
    channel_order_id: str,
    currency: str,
    total: int,
    now: dt.datetime,
) -> Order:
    ship = address or AddressFields()
    return Order(
        channel=CHANNEL,
        channel_order_id=channel_order_id,
        customer_id=customer.id,
        status="received",
        priority=0,
        requested_service=COLLECTED_IN_STORE if address is None else "standard",
        currency=currency,
        subtotal_cents=total,
        shipping_cents=0,
        tax_cents=0,
        discount_cents=0,
        total_cents=total,
        ship_name=ship.recipient or customer.name,
        ship_phone=ship.phone or customer.phone,
        ship_line1=ship.line1,
        ship_line2=ship.line2,
        ship_city=ship.city,
        ship_region=ship.region,
        ship_postal_code=ship.postal_code,
        ship_country=ship.country_code,
        purchased_at=now,
        received_at=now,
        status_changed_at=now,
    )


def _payment(order_id: int, payment: CounterPayment, currency: str, now: dt.datetime) -> Payment:
    card = payment.method == "card"
    # A transfer is promised at the counter, not yet received: the review desk waits for it.
    pending = payment.method == "bank_transfer"
    return Payment(
        order_id=order_id,
        method=payment.method,
        status="pending" if pending else "captured",
        amount_cents=payment.amount_cents,
        currency=currency,
        card_brand=payment.card_brand if card else None,
        card_last4=payment.card_last4 if card else None,
        card_exp_month=payment.card_exp_month if card else None,
        card_exp_year=payment.card_exp_year if card else None,
        processor_token=payment.processor_reference if card else None,
        paid_at=None if pending else now,
    )
