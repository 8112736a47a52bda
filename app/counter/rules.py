"""The pure checks of a counter draft: every problem at once, no database, no Qt.

``draft_problems`` is the one validation: the screen runs it on Save before it calls the
service, the service runs it again inside its transaction with the catalogue it read
(list prices, currencies, what the store has free), so a person sees every mistake after
one press, each beside its field, whichever of the two found it. Problems are
``InvalidInput`` errors whose ``expected`` is a translatable sentence.

Cards: a full card number typed or scanned into any field (or split over two fields next
to each other) is refused alone, as ``FullCardNumber`` carrying only the last four digits,
before any other problem could echo the number (``app.cards`` is the one scrubber).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence

from app.address import PostalAddress
from app.cards import card_number_across, card_number_in
from app.counter.model import (
    CARD_BRANDS,
    LANGUAGES,
    MAX_CARD_YEARS_AHEAD,
    MAX_QUANTITY,
    PAYMENT_METHODS,
    SEQUENCE_DIGITS,
    STORE_CODE_PATTERN,
    CheckedDraft,
    CheckedLine,
    CounterOrderDraft,
    CounterPayment,
    DraftLine,
    NewCustomer,
    ProductFacts,
)
from app.errors import DraftProblems, FullCardNumber, InvalidInput
from app.formats.common import normalise_email, normalise_phone
from app.i18n import N_, customer_language, normalize_language
from app.i18n import Sentence as S
from app.money import format_money, parse_amount

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LAST4 = re.compile(r"^[0-9]{4}$")
_EXPIRY = re.compile(r"^\s*(\d{1,2})\s*[/.-]\s*(\d{2}|\d{4})\s*$")
_NO_POSTAL_CODES = ("HK", "IE", "AE")
_ADDRESS_LIMITS = {
    "recipient": 200,
    "line1": 200,
    "line2": 200,
    "city": 120,
    "region": 120,
    "postal_code": 20,
    "phone": 40,
}

Catalogue = Mapping[int, ProductFacts]
_MOST_UNITS = f"{MAX_QUANTITY:,}"


# --------------------------------------------------------------------------- card numbers


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


# Draft attribute paths → the field names errors carry (what the form labels).
_FIELD_NAMES = {
    "new_customer.name": "customer.name",
    "new_customer.phone": "customer.phone",
    "new_customer.email": "customer.email",
    "new_customer.language": "customer.language",
}


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


def refuse_card_number(field_name: str, text: str) -> None:
    """For a field the form parses before the draft is made (amount, expiry, quantity)."""
    last4 = card_number_in(text)
    if last4 is not None:
        raise FullCardNumber(field_name, last4)


# --------------------------------------------------------------------------- typed values


def parse_expiry(text: str) -> tuple[int, int]:
    """``"03/28"`` or ``"3/2028"`` → ``(3, 2028)``; the month is not checked here."""
    refuse_card_number("payment.card_expiry", text)
    match = _EXPIRY.match(text)
    if not match:
        raise InvalidInput("payment.card_expiry", text, N_("month/year such as 03/28"))
    year = int(match.group(2))
    return int(match.group(1)), year + 2000 if year < 100 else year


def parse_counter_amount(field_name: str, text: str, currency: str) -> int:
    """A typed amount → minor units, refusing a card number before anything echoes it."""
    refuse_card_number(field_name, text)
    return parse_amount(text, currency, field_name)


def quantity_problem(line_no: int, text: str) -> InvalidInput | None:
    """A quantity as typed into a line: checked at once, so a wrong one never reaches the
    total (100,000 is flagged as it is typed, not at Save)."""
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= MAX_QUANTITY:
        return None
    return InvalidInput(
        f"lines[{line_no}].quantity",
        text,
        S("a whole number from 1 to {most}", most=_MOST_UNITS),
    )


def change_due(method: str, paid_cents: int, total_cents: int) -> int:
    """What is handed back: only cash is given back, and only what was paid over the total."""
    return max(0, paid_cents - total_cents) if method == "cash" else 0


def next_counter_id(store_code: str, last_id: str | None) -> str:
    """``SHOP-BER-000041`` after ``SHOP-BER-000040``; the first is ``SHOP-BER-000001``."""
    prefix = f"SHOP-{store_code}-"
    sequence = int(last_id[len(prefix) :]) + 1 if last_id else 1
    if sequence >= 10**SEQUENCE_DIGITS:
        raise InvalidInput("store_code", store_code, N_("a store with order numbers left"))
    return f"{prefix}{sequence:0{SEQUENCE_DIGITS}d}"


# --------------------------------------------------------------------------- the draft


def check_draft(
    draft: CounterOrderDraft, today: dt.date, catalogue: Catalogue | None = None
) -> CheckedDraft:
    """``draft`` checked, or ``DraftProblems`` naming every problem (one: ``InvalidInput``)."""
    checked, problems = _check(draft, today, catalogue)
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise DraftProblems(tuple(problems))
    assert checked is not None
    return checked


def draft_problems(
    draft: CounterOrderDraft, today: dt.date, catalogue: Catalogue | None = None
) -> tuple[InvalidInput, ...]:
    """Every problem of ``draft``, in the order of the form; empty when it may be saved.

    Without ``catalogue`` only what the draft itself shows is checked; with it (every
    line's product) also prices, currency, the store's free stock and the amount paid
    against the total.
    """
    return tuple(_check(draft, today, catalogue)[1])


def _check(
    draft: CounterOrderDraft, today: dt.date, catalogue: Catalogue | None
) -> tuple[CheckedDraft | None, list[InvalidInput]]:
    try:
        refuse_card_numbers(draft)  # first, and alone: no other message may echo a number
    except FullCardNumber as card:
        return None, [card]
    problems: list[InvalidInput] = []
    collect = _collector(problems)
    store = draft.store_code.strip().upper()
    if not STORE_CODE_PATTERN.match(store):
        problems.append(
            InvalidInput("store_code", draft.store_code, N_("2 to 8 letters or digits, e.g. BER"))
        )
    new_customer = collect(_checked_customer, draft)
    address = collect(_checked_address, draft.address, new_customer)
    lines = tuple(collect(_checked_line, n, line) for n, line in enumerate(draft.lines, start=1))
    if not lines:
        problems.append(InvalidInput("lines", "", N_("at least one product")))
    payment = collect(_checked_payment, draft.payment, today)
    if catalogue is not None:
        # The amount is judged against the total when the quantities, method and amount are
        # readable, whatever else is wrong with the card details.
        raw = draft.payment
        payment_known = raw.method.strip().lower() in PAYMENT_METHODS and (
            isinstance(raw.amount_cents, int) and raw.amount_cents >= 0
        )
        totals_known = payment_known and all(line is not None for line in lines)
        problems.extend(_catalogue_problems(draft, catalogue, totals_known))
    if problems:
        return None, problems
    checked = CheckedDraft(
        store_code=store,
        customer_id=draft.customer_id,
        new_customer=new_customer,
        address=address,
        lines=lines,  # type: ignore[arg-type]
        payment=payment,  # type: ignore[arg-type]
    )
    return checked, []


def _collector(problems: list[InvalidInput]) -> Callable:
    def collect(check: Callable, *args):
        try:
            return check(*args)
        except DraftProblems as several:
            problems.extend(several.problems)
        except InvalidInput as problem:
            problems.append(problem)
        return None

    return collect


def _raise_all(found: list[InvalidInput]) -> None:
    if len(found) == 1:
        raise found[0]
    if found:
        raise DraftProblems(tuple(found))


def _checked_customer(draft: CounterOrderDraft) -> NewCustomer | None:
    if (draft.customer_id is None) == (draft.new_customer is None):
        raise InvalidInput("customer", "", N_("an existing customer or a new customer's details"))
    new = draft.new_customer
    if new is None:
        return None
    found: list[InvalidInput] = []
    name = new.name.strip()
    if not name:
        found.append(InvalidInput("customer.name", new.name, N_("the customer's name")))
    elif len(name) > 200:
        found.append(
            InvalidInput("customer.name", name[:40], S("at most {limit} characters", limit=200))
        )
    email = new.email.strip()
    if email and (not _EMAIL.match(email) or len(email) > 254):
        found.append(
            InvalidInput(
                "customer.email", new.email, N_("an e-mail address such as ana@example.com")
            )
        )
    phone = normalise_phone(new.phone.strip()) or ""
    digits = phone.lstrip("+")
    if new.phone.strip() and not (6 <= len(digits) <= 15 and digits.isdigit()):
        found.append(
            InvalidInput("customer.phone", new.phone, N_("a phone number of 6 to 15 digits"))
        )
    elif not phone and not email:
        found.append(InvalidInput("customer.phone", "", N_("a phone number or an e-mail address")))
    raw = new.language.strip()
    if raw.lower() != "zh" and normalize_language(raw, LANGUAGES) is None:
        found.append(InvalidInput("customer.language", new.language, " / ".join(LANGUAGES)))
    _raise_all(found)
    return NewCustomer(name, phone, normalise_email(email) or "", customer_language(raw))


def _checked_address(
    address: PostalAddress | None, new_customer: NewCustomer | None
) -> PostalAddress | None:
    if address is None:
        return None
    values = {name: getattr(address, name).strip() for name in _ADDRESS_LIMITS}
    found: list[InvalidInput] = []
    for name, limit in _ADDRESS_LIMITS.items():
        if len(values[name]) > limit:
            found.append(
                InvalidInput(
                    f"address.{name}", values[name], S("at most {limit} characters", limit=limit)
                )
            )
    for name, what in (("line1", N_("the street and number")), ("city", N_("the city"))):
        if not values[name]:
            found.append(InvalidInput(f"address.{name}", "", what))
    country = address.country_code.strip().upper()
    if not _COUNTRY.match(country):
        found.append(
            InvalidInput("address.country_code", address.country_code, N_("a code such as DE"))
        )
    elif not values["postal_code"] and country not in _NO_POSTAL_CODES:
        found.append(InvalidInput("address.postal_code", "", N_("the postal code")))
    _raise_all(found)
    if not values["recipient"] and new_customer is not None:
        values["recipient"] = new_customer.name
    return PostalAddress(country_code=country, **values)


def _checked_line(line_no: int, line: DraftLine) -> CheckedLine:
    where = f"lines[{line_no}]"
    found: list[InvalidInput] = []
    if not isinstance(line.quantity, int) or not 1 <= line.quantity <= MAX_QUANTITY:
        found.append(
            InvalidInput(
                f"{where}.quantity",
                line.quantity,
                S("a whole number from 1 to {most}", most=_MOST_UNITS),
            )
        )
    price = line.unit_price_cents
    if price is not None and (not isinstance(price, int) or price < 0):
        found.append(InvalidInput(f"{where}.unit_price", price, N_("a price of zero or more")))
    reason = line.price_reason.strip()
    if len(reason) > 500:
        found.append(
            InvalidInput(f"{where}.price_reason", reason[:40], N_("at most 500 characters"))
        )
    _raise_all(found)
    return CheckedLine(line.product_id, line.quantity, price, reason)


def _checked_payment(payment: CounterPayment, today: dt.date) -> CounterPayment:
    method = payment.method.strip().lower()
    if method not in PAYMENT_METHODS:
        raise InvalidInput("payment.method", payment.method, " / ".join(PAYMENT_METHODS))
    if not isinstance(payment.amount_cents, int) or payment.amount_cents < 0:
        raise InvalidInput("payment.amount", payment.amount_cents, N_("an amount of zero or more"))
    if method != "card":
        return CounterPayment(method, payment.amount_cents, part_payment=payment.part_payment)
    found: list[InvalidInput] = []
    brand = payment.card_brand.strip().lower()
    if brand not in CARD_BRANDS:
        found.append(InvalidInput("payment.card_brand", payment.card_brand, N_("the card's brand")))
    last4 = payment.card_last4.strip()
    if not _LAST4.match(last4):
        found.append(InvalidInput("payment.card_last4", last4, N_("the card's last four digits")))
    reference = payment.processor_reference.strip()
    if not reference or len(reference) > 120:
        found.append(
            InvalidInput(
                "payment.processor_reference", reference[:40], N_("the card terminal's reference")
            )
        )
    expiry = _expiry_problem(payment.card_exp_month, payment.card_exp_year, today)
    if expiry is not None:
        found.append(expiry)
    _raise_all(found)
    month, year = payment.card_exp_month, payment.card_exp_year
    assert month is not None and year is not None
    year = year + 2000 if year < 100 else year
    return CounterPayment(
        method, payment.amount_cents, brand, last4, month, year, reference, payment.part_payment
    )


def _expiry_problem(month: int | None, year: int | None, today: dt.date) -> InvalidInput | None:
    if month is None or year is None or not 1 <= month <= 12:
        return InvalidInput("payment.card_expiry", f"{month}/{year}", N_("a month 1–12 and a year"))
    if year < 100:
        year += 2000
    shown = f"{month:02d}/{year}"
    # A card is valid to the end of its expiry month.
    if (year, month) < (today.year, today.month):
        return InvalidInput("payment.card_expiry", shown, N_("a card that has not expired"))
    if year > today.year + MAX_CARD_YEARS_AHEAD:
        return InvalidInput("payment.card_expiry", shown, N_("a real expiry year"))
    return None


# --------------------------------------------------------------------------- with the catalogue


def _catalogue_problems(
    draft: CounterOrderDraft, catalogue: Catalogue, totals_known: bool
) -> list[InvalidInput]:
    """What needs the products' facts: each line's product, price and stock, one currency,
    and the amount paid against the total."""
    found: list[InvalidInput] = []
    known: list[tuple[DraftLine, ProductFacts]] = []
    for line_no, line in enumerate(draft.lines, start=1):
        product = catalogue.get(line.product_id)
        if product is None or not product.active:
            found.append(
                InvalidInput(f"lines[{line_no}].product", line.product_id, N_("an active product"))
            )
            continue
        known.append((line, product))
        found.extend(_line_problems(line_no, line, product))
    currencies = sorted({product.currency for _, product in known})
    if len(currencies) > 1:
        found.append(
            InvalidInput("lines", ", ".join(currencies), N_("products priced in one currency"))
        )
    elif currencies and len(known) == len(draft.lines) and totals_known:
        total = sum(line.quantity * unit_price(line, product) for line, product in known)
        problem = amount_problem(draft.payment, total, currencies[0])
        if problem is not None:
            found.append(problem)
    return found


def unit_price(line: DraftLine, product: ProductFacts) -> int:
    return product.price_cents if line.unit_price_cents is None else line.unit_price_cents


def _line_problems(line_no: int, line: DraftLine, product: ProductFacts) -> list[InvalidInput]:
    found = []
    price = unit_price(line, product)
    if price != product.price_cents and not line.price_reason.strip():
        found.append(
            InvalidInput(
                f"lines[{line_no}].price_reason",
                "",
                S(
                    "a reason for {price} instead of the list price {list_price}",
                    price=format_money(price, product.currency),
                    list_price=format_money(product.price_cents, product.currency),
                ),
            )
        )
    available = product.available
    if available is not None and isinstance(line.quantity, int) and line.quantity > available:
        found.append(short_in_store(line_no, line.quantity, product.sku, available))
    return found


def short_in_store(line_no: int, wanted: int, sku: str, available: int) -> InvalidInput:
    return InvalidInput(
        f"lines[{line_no}].quantity",
        wanted,
        S(
            "at most {available} of {sku} (what the store has free now)",
            available=available,
            sku=sku,
        ),
    )


def amount_problem(payment: CounterPayment, total: int, currency: str) -> InvalidInput | None:
    """Paid more than the total (cash gives the change back first), nothing taken, or less
    than the total without it being recorded as a part payment."""
    amount, method = payment.amount_cents, payment.method.strip().lower()
    if amount > total:
        return InvalidInput(
            "payment.amount",
            format_money(amount, currency),
            S(
                "at most the order total {total} (give the change back)",
                total=format_money(total, currency),
            ),
        )
    if total > 0 and amount == 0 and method != "bank_transfer":
        return InvalidInput("payment.amount", format_money(0, currency), N_("the amount taken"))
    if amount < total and method != "bank_transfer" and not payment.part_payment:
        return InvalidInput(
            "payment.amount",
            format_money(amount, currency),
            S(
                "the order total {total}, or tick part payment to record the rest as owed",
                total=format_money(total, currency),
            ),
        )
    return None


def price_overrides(
    lines: Sequence[CheckedLine], catalogue: Catalogue, given_by: str, allowed: bool
) -> list[dict[str, object]]:
    """Prices off the list, with who gave them and why, as the order's "entered" audit
    event keeps them for review; ``allowed``: that person holds OVERRIDE_PRICES."""
    overrides: list[dict[str, object]] = []
    for line_no, line in enumerate(lines, start=1):
        product = catalogue[line.product_id]
        price = product.price_cents if line.unit_price_cents is None else line.unit_price_cents
        if price == product.price_cents:
            continue
        overrides.append(
            {
                "line_no": line_no,
                "sku": product.sku,
                "list_price_cents": product.price_cents,
                "unit_price_cents": price,
                "currency": product.currency,
                "reason": line.price_reason,
                "given_by": given_by,
                "allowed": allowed,
            }
        )
    return overrides
