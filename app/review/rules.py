"""The review rules: one small named function per check, each returning findings.

Every rule has the same shape, ``rule(order, world) -> list[Finding]``, so ``RULES`` is
just a tuple and ``review_order`` runs them all. Rules never raise on odd data (empty
fields, absurd numbers, foreign currencies, any Unicode): a doubt becomes a finding.
Messages are plain English sentences for the reviewer; the code says which rule spoke.

Pure: no database, no Qt. The service loads the facts in bulk and stores what comes back.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable

import phonenumbers

from app.cards import brand_for_number, card_in_identifier, holds_mask, plausible_card_number
from app.i18n import N_
from app.i18n import Sentence as S
from app.money import format_money
from app.review.keys import address_key, email_key, items_key, phone_key, read_phone
from app.review.model import (
    COLLECTED_IN_STORE,
    F_CARD,
    F_CHANNEL_ORDER,
    F_CITY,
    F_COUNTRY,
    F_CUSTOMER,
    F_CUSTOMER_EMAIL,
    F_CUSTOMER_NAME,
    F_CUSTOMER_STATUS,
    F_LINES,
    F_PAYMENT,
    F_PAYMENT_AMOUNT,
    F_PAYMENT_METHOD,
    F_PAYMENT_STATUS,
    F_PHONE,
    F_POSTAL_CODE,
    F_REGION,
    F_SHIP_NAME,
    F_SHIP_TO,
    F_STREET,
    F_TOTAL,
    Finding,
    LineFacts,
    OrderFacts,
    PaymentFacts,
    ProductFacts,
    Queue,
    ReviewWorld,
    Severity,
    line_field,
)

log = logging.getLogger(__name__)

Rule = Callable[[OrderFacts, ReviewWorld], list[Finding]]

BLOCK, WARN = Severity.BLOCK, Severity.WARN


_LETTER_OR_DIGIT = re.compile(r"[^\W_]")


def _has_text(value: str | None) -> bool:
    """True when a value holds a letter or digit, not just spaces or invisible marks."""
    return bool(value and _LETTER_OR_DIGIT.search(value))


# Which the channel and our catalogue disagree on: a model number or a spec.
_SPEC_MISMATCH = {
    "model": N_(
        "Line {line}: the channel says model {given!r}, {sku} is model {ours!r}. Confirm "
        "which the customer wants."
    ),
    "spec": N_(
        "Line {line}: the channel says spec {given!r}, {sku} is spec {ours!r}. Confirm "
        "which the customer wants."
    ),
}


def _money(amount: int, currency: str) -> str:
    code = currency if _has_text(currency) else "?"
    return format_money(amount, code)


# --------------------------------------------------------------------------- customer


def customer_linked(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    if order.customer is not None:
        return []
    return [
        Finding(
            "customer.missing",
            BLOCK,
            F_CUSTOMER,
            S("No customer account is linked to this order."),
            Queue.NEEDS_INFO,
        )
    ]


def customer_name_present(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    account_name = order.customer.name if order.customer else ""
    if _has_text(order.ship_to.name):
        return []
    if _has_text(account_name):
        return [
            Finding(
                "customer.recipient_missing",
                WARN,
                F_SHIP_NAME,
                S(
                    "The ship-to has no recipient name; the account name {name!r} will be "
                    "printed on the label.",
                    name=account_name,
                ),
                Queue.NEEDS_INFO,
            )
        ]
    return [
        Finding(
            "customer.name_missing",
            BLOCK,
            F_CUSTOMER_NAME,
            S("The order has no customer name: the parcel cannot be addressed."),
            Queue.NEEDS_INFO,
        )
    ]


def phone_valid_for_destination(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    phone = (order.ship_to.phone or (order.customer.phone if order.customer else "")).strip()
    country = order.ship_to.country.strip().upper()
    if not _has_text(phone):
        return [
            Finding(
                "phone.missing",
                BLOCK,
                F_PHONE,
                S("There is no phone number for the carrier to call."),
                Queue.NEEDS_INFO,
            )
        ]
    valid, region, _ = read_phone(phone, country)
    if not valid:
        message = (
            S(
                "The phone number {phone!r} is not a valid number for {country}.",
                phone=phone,
                country=country,
            )
            if is_known_country(country)
            else S("The phone number {phone!r} is not a valid number.", phone=phone)
        )
        return [
            Finding(
                "phone.invalid",
                BLOCK,
                F_PHONE,
                message,
                Queue.NEEDS_INFO,
            )
        ]
    if is_known_country(country) and region and region != country:
        return [
            Finding(
                "phone.foreign",
                WARN,
                F_PHONE,
                S(
                    "The phone number is a {region} number; the parcel goes to {country}.",
                    region=region,
                    country=country,
                ),
                Queue.NEEDS_INFO,
                (("phone_region", region),),
            )
        ]
    return []


# Postal code formats and whether the country's addresses need a region (state, province,
# prefecture). ``None`` = the country has no postal codes. Countries not listed are
# checked for street, city and country only, and a missing postal code is a warning.
POSTAL_CODE_FORMATS: dict[str, str | None] = {
    "US": r"\d{5}(-\d{4})?",
    "CA": r"[A-Z]\d[A-Z] ?\d[A-Z]\d",
    "GB": r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}",
    "IE": r"[A-Z]\d[\dW] ?[A-Z\d]{4}",
    "DE": r"\d{5}",
    "FR": r"\d{5}",
    "IT": r"\d{5}",
    "ES": r"\d{5}",
    "NL": r"\d{4} ?[A-Z]{2}",
    "BE": r"\d{4}",
    "LU": r"(L-)?\d{4}",
    "AT": r"\d{4}",
    "CH": r"\d{4}",
    "DK": r"\d{4}",
    "NO": r"\d{4}",
    "SE": r"\d{3} ?\d{2}",
    "FI": r"\d{5}",
    "PL": r"\d{2}-\d{3}",
    "CZ": r"\d{3} ?\d{2}",
    "PT": r"\d{4}-\d{3}",
    "CN": r"\d{6}",
    "TW": r"\d{3}(\d{2,3})?",
    "JP": r"\d{3}-?\d{4}",
    "KR": r"\d{5}",
    "SG": r"\d{6}",
    "IN": r"\d{6}",
    "AU": r"\d{4}",
    "NZ": r"\d{4}",
    "BR": r"\d{5}-?\d{3}",
    "MX": r"\d{5}",
    "HK": None,
    "MO": None,
    "AE": None,
    "QA": None,
}
_POSTAL_PATTERNS = {
    country: re.compile(rf"^{pattern}$") if pattern else None
    for country, pattern in POSTAL_CODE_FORMATS.items()
}
REGION_REQUIRED = frozenset({"US", "CA", "AU", "CN", "JP", "IN", "BR", "MX"})
# City-states: the city line is the country itself and often left empty.
CITY_OPTIONAL = frozenset({"SG", "HK", "MO", "MC"})


def is_known_country(country: str) -> bool:
    return country in phonenumbers.SUPPORTED_REGIONS


def _postal_code_findings(country: str, postal_code: str) -> list[Finding]:
    code = postal_code.strip().upper()
    if country in _POSTAL_PATTERNS and _POSTAL_PATTERNS[country] is None:
        return []
    if not _has_text(code):
        known = country in _POSTAL_PATTERNS
        return [
            Finding(
                "address.postal_code_missing",
                BLOCK if known else WARN,
                F_POSTAL_CODE,
                S("The address has no postal code (required in {country}).", country=country),
                Queue.NEEDS_INFO,
            )
        ]
    pattern = _POSTAL_PATTERNS.get(country)
    if pattern is not None and not pattern.match(code):
        return [
            Finding(
                "address.postal_code_format",
                BLOCK,
                F_POSTAL_CODE,
                S(
                    "{code!r} is not a postal code of the form used in {country}.",
                    code=postal_code,
                    country=country,
                ),
                Queue.NEEDS_INFO,
            )
        ]
    return []


def address_complete(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    if order.requested_service == COLLECTED_IN_STORE:
        return []  # taken away at the shop counter: nothing is shipped
    ship = order.ship_to
    country = ship.country.strip().upper()
    if not _has_text(country):
        return [
            _address_finding(
                "address.country_missing", F_COUNTRY, S("The ship-to address has no country.")
            )
        ]
    if not is_known_country(country):
        return [
            _address_finding(
                "address.country_unknown",
                F_COUNTRY,
                S(
                    "The ship-to address has a country code {country!r} we do not know.",
                    country=country,
                ),
            )
        ]
    findings: list[Finding] = []
    if not _has_text(ship.line1):
        findings.append(
            _address_finding(
                "address.street_missing", F_STREET, S("The ship-to address has no street.")
            )
        )
    if not _has_text(ship.city) and country not in CITY_OPTIONAL:
        findings.append(
            _address_finding("address.city_missing", F_CITY, S("The ship-to address has no city."))
        )
    findings.extend(_postal_code_findings(country, ship.postal_code))
    if country in REGION_REQUIRED and not _has_text(ship.region):
        findings.append(
            _address_finding(
                "address.region_missing",
                F_REGION,
                S(
                    "The ship-to address has no state/province/region (needed in {country}).",
                    country=country,
                ),
            )
        )
    return findings


def _address_finding(code: str, field: str, message: str) -> Finding:
    return Finding(code, BLOCK, field, message, Queue.NEEDS_INFO)


_ACCOUNT_STATUS_FINDINGS = {
    "arrears": (
        "customer.arrears",
        Queue.PAYMENT_PROBLEM,
        N_("The customer's account is in arrears: settle what is owed first."),
    ),
    "frozen": (
        "customer.frozen",
        Queue.EXCEPTION,
        N_("The customer's account is frozen."),
    ),
    "banned": (
        "customer.banned",
        Queue.EXCEPTION,
        N_("The customer's account is banned."),
    ),
}


def account_in_good_standing(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    if order.customer is None or order.customer.status == "active":
        return []
    status = order.customer.status
    code, queue, message = _ACCOUNT_STATUS_FINDINGS.get(
        status,
        (
            "customer.status_unknown",
            Queue.EXCEPTION,
            S("The customer's account has an unknown status {status!r}.", status=status),
        ),
    )
    return [Finding(code, BLOCK, F_CUSTOMER_STATUS, S(message), queue, (("status", status),))]


# --------------------------------------------------------------------------- products


def sku_known_and_active(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    findings: list[Finding] = []
    for line in order.lines:
        field = line_field(line.line_no, "sku")
        product = world.products.get(line.sku)
        if not _has_text(line.sku):
            findings.append(
                Finding(
                    "line.sku_missing",
                    BLOCK,
                    field,
                    S("Line {line} has no SKU.", line=line.line_no),
                    Queue.NEEDS_INFO,
                )
            )
        elif product is None:
            findings.append(
                Finding(
                    "line.sku_unknown",
                    BLOCK,
                    field,
                    S(
                        "Line {line}: SKU {sku!r} is not in our catalogue.",
                        line=line.line_no,
                        sku=line.sku,
                    ),
                    Queue.NEEDS_INFO,
                )
            )
        elif not product.active:
            findings.append(
                Finding(
                    "line.sku_inactive",
                    BLOCK,
                    field,
                    S(
                        "Line {line}: {sku} is no longer sold; offer a substitute.",
                        line=line.line_no,
                        sku=line.sku,
                    ),
                    Queue.STOCK_SHORT,
                )
            )
    if not order.lines:
        findings.append(
            Finding(
                "order.no_lines", BLOCK, F_LINES, S("The order has no lines."), Queue.NEEDS_INFO
            )
        )
    return findings


def quantity_sane(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    limit = world.settings.max_line_quantity
    findings: list[Finding] = []
    for line in order.lines:
        field = line_field(line.line_no, "quantity")
        quantity = line.quantity
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            findings.append(
                Finding(
                    "line.quantity_not_positive",
                    BLOCK,
                    field,
                    S(
                        "Line {line}: quantity {quantity!r} is not a positive whole number.",
                        line=line.line_no,
                        quantity=quantity,
                    ),
                    Queue.NEEDS_INFO,
                )
            )
        elif quantity > limit:
            findings.append(
                Finding(
                    "line.quantity_excessive",
                    BLOCK,
                    field,
                    S(
                        "Line {line}: {quantity:,} units is more than the {limit:,} we sell on "
                        "one line without confirming with the customer.",
                        line=line.line_no,
                        quantity=quantity,
                        limit=limit,
                    ),
                    Queue.NEEDS_INFO,
                    (("quantity", quantity), ("limit", limit)),
                )
            )
    return findings


_MODEL_TOKEN = re.compile(r"\b([A-Za-z]{1,6})[- ]?(\d{2,}[A-Za-z\d]*)\b")


def _squash(text: str) -> str:
    """Case, spaces and punctuation folded away: "X-200 Pro" == "x200pro"."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _model_mentions(text: str) -> list[tuple[str, str]]:
    return [(prefix.casefold(), digits.casefold()) for prefix, digits in _MODEL_TOKEN.findall(text)]


def product_text_consistent(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    findings: list[Finding] = []
    for line in order.lines:
        product = world.products.get(line.sku)
        if product is None:
            continue
        findings.extend(_given_spec_findings(line, product))
        findings.extend(_text_model_findings(line, product))
    return findings


def _given_spec_findings(line: LineFacts, product: ProductFacts) -> list[Finding]:
    findings = []
    for attribute, given, ours in (
        ("model", line.channel_model, product.model),
        ("spec", line.channel_spec, product.spec),
    ):
        if _has_text(given) and _has_text(ours) and _squash(given) != _squash(ours):
            findings.append(
                Finding(
                    f"line.{attribute}_mismatch",
                    BLOCK,
                    line_field(line.line_no, attribute),
                    S(
                        _SPEC_MISMATCH[attribute],
                        line=line.line_no,
                        given=given,
                        sku=product.sku,
                        ours=ours,
                    ),
                    Queue.NEEDS_INFO,
                )
            )
    return findings


def _text_model_findings(line: LineFacts, product: ProductFacts) -> list[Finding]:
    """The channel's text names a sibling model (same letters, other number) of ours."""
    if _has_text(line.channel_model) or not (_has_text(product.model) and line.product_text):
        return []
    ours = _squash(product.model)
    if ours in _squash(line.product_text):
        return []
    our_mentions = _model_mentions(product.model)
    if not our_mentions:
        return []
    our_prefix = our_mentions[0][0]
    others = [
        prefix + digits
        for prefix, digits in _model_mentions(line.product_text)
        if prefix == our_prefix and prefix + digits != ours
    ]
    if not others:
        return []
    return [
        Finding(
            "line.text_names_other_model",
            WARN,
            line_field(line.line_no, "model"),
            S(
                "Line {line}: the channel's text mentions {mentioned}, but {sku} is model {model}.",
                line=line.line_no,
                mentioned=others[0].upper(),
                sku=product.sku,
                model=product.model,
            ),
            Queue.NEEDS_INFO,
        )
    ]


# --------------------------------------------------------------------------- stock


def _demand_by_sku(order: OrderFacts, world: ReviewWorld) -> dict[str, tuple[int, int]]:
    """SKU → (units wanted over all its lines, first line number), for sellable lines."""
    demand: dict[str, tuple[int, int]] = {}
    for line in order.lines:
        product = world.products.get(line.sku)
        if product is None or not product.active:
            continue
        if not isinstance(line.quantity, int) or line.quantity <= 0:
            continue
        units, first = demand.get(line.sku, (0, line.line_no))
        demand[line.sku] = (units + line.quantity, first)
    return demand


def stock_available(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    findings: list[Finding] = []
    for sku, (wanted, line_no) in _demand_by_sku(order, world).items():
        product = world.products[sku]
        position = world.stock.get(product.id)
        available = position.available(product.category) if position else 0
        if available >= wanted:
            continue
        shipping = position.shipping(product.category) if position else ()
        where = ", ".join(f"{w.warehouse_code} {max(0, w.available)}" for w in shipping)
        committed = position.committed if position else 0
        values = {"sku": sku, "wanted": wanted, "available": available}
        values.update(short=wanted - available, committed=committed)
        values["where"] = where or S("none in any warehouse")
        template = (
            N_(
                "{sku}: {wanted} wanted, {available} available — short {short} (on hand less "
                "reserved: {where}; {committed} promised to approved orders)."
            )
            if committed
            else N_(
                "{sku}: {wanted} wanted, {available} available — short {short} (on hand less "
                "reserved: {where})."
            )
        )
        findings.append(
            Finding(
                "stock.short",
                BLOCK,
                line_field(line_no, "quantity"),
                S(template, **values),
                Queue.STOCK_SHORT,
                (
                    ("sku", sku),
                    ("wanted", wanted),
                    ("available", available),
                    ("short", wanted - available),
                    *((f"warehouse:{w.warehouse_code}", max(0, w.available)) for w in shipping),
                ),
            )
        )
    return findings


# --------------------------------------------------------------------------- price


def _promotion_price(price: int, promotion, currency: str) -> int | None:
    if promotion.percent_off is not None:
        percent = min(100, max(0, promotion.percent_off))
        # Half-up rounding of price × (100 − p) / 100 in integers: no floats for money.
        return (price * (100 - percent) * 2 + 100) // 200
    if promotion.amount_off_cents is not None:
        if promotion.currency and promotion.currency != currency:
            return None
        return max(0, price - max(0, promotion.amount_off_cents))
    return None


def expected_unit_prices(
    product: ProductFacts, world: ReviewWorld, moment: dt.datetime, currency: str
) -> dict[int, str]:
    """Each acceptable unit price → why (the list price, or the promotion that gives it)."""
    prices = {product.price_cents: "list price"}
    for promotion in world.promotions_for(product):
        if not promotion.valid_at(moment):
            continue
        price = _promotion_price(product.price_cents, promotion, currency)
        if price is not None:
            prices.setdefault(price, f"promotion {promotion.name}")
    return prices


def line_adds_up(line: LineFacts) -> bool:
    """Quantity × unit price gives the line total, before or after the line's discount.

    Channels differ: some send a unit price, some (Amazon) a total for the quantity from
    which the unit price is derived and rounded, so half a minor unit per unit is allowed.
    """
    gross = line.quantity * line.unit_price_cents
    rounding = abs(line.quantity) // 2 + 1
    return (
        abs(line.line_total_cents - gross) <= rounding
        or abs(line.line_total_cents - (gross - line.discount_cents)) <= rounding
    )


def charged_amounts(line: LineFacts) -> tuple[int, ...]:
    """What the customer may have paid for the line: its total, or that less its discount.

    A channel's line discount can include a shipping promotion, so the gross amount
    matching the list price is as good an answer as the net amount matching a promotion.
    """
    if line.discount_cents:
        return (line.line_total_cents, line.line_total_cents - line.discount_cents)
    return (line.line_total_cents,)


def price_matches(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    if order.amounts_source != "channel":
        return []  # priced by us (or not at all) until the channel's amounts arrive
    findings: list[Finding] = []
    for line in order.lines:
        product = world.products.get(line.sku)
        if product is None or not isinstance(line.quantity, int) or line.quantity <= 0:
            continue
        finding = _line_price_finding(order, line, product, world)
        if finding is not None:
            findings.append(finding)
    return findings


def _line_price_finding(
    order: OrderFacts, line: LineFacts, product: ProductFacts, world: ReviewWorld
) -> Finding | None:
    field = line_field(line.line_no, "unit_price")
    if line.unit_price_cents < 0 or line.line_total_cents < 0:
        return _price_finding(
            "price.negative", field, S("Line {line} has a negative price.", line=line.line_no)
        )
    if product.currency != order.currency:
        return _price_finding(
            "price.other_currency",
            field,
            S(
                "Line {line}: the order is in {currency} but {sku} is priced in {priced_in}; the "
                "price cannot be checked.",
                line=line.line_no,
                currency=order.currency or "?",
                sku=product.sku,
                priced_in=product.currency or "?",
            ),
        )
    if not line_adds_up(line):
        return _price_finding(
            "price.line_total_wrong",
            line_field(line.line_no, "line_total"),
            S(
                "Line {line}: {quantity} × {price} does not add up to {total}.",
                line=line.line_no,
                quantity=line.quantity,
                price=_money(line.unit_price_cents, order.currency),
                total=_money(line.line_total_cents, order.currency),
            ),
        )
    expected = expected_unit_prices(product, world, order.placed_at, order.currency)
    tolerance = world.settings.price_tolerance_cents * line.quantity
    matches = {
        charged: reason
        for charged in charged_amounts(line)
        for price, reason in expected.items()
        if abs(charged - price * line.quantity) <= tolerance
    }
    if matches:
        return _unexplained_discount(line, order, matches)
    if line.price_override_reason:
        return Finding(
            "price.counter_override",
            WARN,
            field,
            f"Line {line.line_no}: {_money(line.unit_price_cents, order.currency)} a unit "
            f"instead of the list price {_money(product.price_cents, order.currency)}, "
            f"given at the counter by {line.price_override_by}: {line.price_override_reason}",
            Queue.PAYMENT_PROBLEM,
        )
    charged = line.line_total_cents - line.discount_cents
    list_price = _money(product.price_cents, order.currency)
    per_unit = _money(charged // line.quantity, order.currency)
    code = "price.zero" if charged == 0 else "price.mismatch"
    return _price_finding(
        code,
        field,
        S(
            "Line {line}: charged {per_unit} a unit; the list price is {list_price} and no "
            "promotion valid at the time of purchase gives that price.",
            line=line.line_no,
            per_unit=per_unit,
            list_price=list_price,
        ),
        (("charged_cents", charged), ("list_price_cents", product.price_cents)),
    )


def _unexplained_discount(
    line: LineFacts, order: OrderFacts, matches: dict[int, str]
) -> Finding | None:
    """A discount that no promotion explains: shown, since it may be a shipping offer."""
    if not line.discount_cents or (line.line_total_cents - line.discount_cents) in matches:
        return None
    return Finding(
        "price.unexplained_discount",
        WARN,
        line_field(line.line_no, "discount"),
        S(
            "Line {line}: a discount of {discount} that no promotion explains (a shipping "
            "offer, or a price given away?).",
            line=line.line_no,
            discount=_money(line.discount_cents, order.currency),
        ),
        Queue.PAYMENT_PROBLEM,
    )


def _price_finding(code: str, field: str, message: str, detail=()) -> Finding:
    return Finding(code, BLOCK, field, message, Queue.PAYMENT_PROBLEM, detail)


def order_totals_consistent(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    """The order's own totals add up (prices may or may not include the tax)."""
    lines_after_discount = sum(line.line_total_cents for line in order.lines)
    lines_before_discount = sum(line.quantity * line.unit_price_cents for line in order.lines)
    subtotal_ok = order.subtotal_cents in (lines_after_discount, lines_before_discount)
    base = order.subtotal_cents + order.shipping_cents - order.discount_cents
    total_ok = order.total_cents in (base, base + order.tax_cents)
    if subtotal_ok and total_ok and order.total_cents >= 0:
        return []
    money = order.currency
    return [
        Finding(
            "order.totals_inconsistent",
            BLOCK,
            F_TOTAL,
            S(
                "The order's totals do not add up: subtotal {subtotal}, shipping {shipping}, "
                "tax {tax}, discount {discount}, total {total}.",
                subtotal=_money(order.subtotal_cents, money),
                shipping=_money(order.shipping_cents, money),
                tax=_money(order.tax_cents, money),
                discount=_money(order.discount_cents, money),
                total=_money(order.total_cents, money),
            ),
            Queue.PAYMENT_PROBLEM,
        )
    ]


# --------------------------------------------------------------------------- payment


KNOWN_PAYMENT_METHODS = frozenset({"card", "cash", "bank_transfer", "marketplace", "paypal"})


def payment_settled(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    payments = order.payments
    if any(p.status == "captured" for p in payments):
        return []
    if not payments:
        return [_payment_finding("payment.missing", F_PAYMENT, S("The order has no payment."))]
    if any(p.status == "pending" for p in payments):
        return [
            _payment_finding(
                "payment.pending",
                F_PAYMENT_STATUS,
                S("The payment is still pending: not yet paid."),
            )
        ]
    if any(p.status == "failed" for p in payments):
        return [_payment_finding("payment.failed", F_PAYMENT_STATUS, S("The payment failed."))]
    return [
        _payment_finding(
            "payment.not_captured",
            F_PAYMENT_STATUS,
            S("No payment for this order is captured."),
        )
    ]


def paid_amount_matches_total(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    captured = [p for p in order.payments if p.status == "captured"]
    if not captured:
        return []
    foreign = sorted({p.currency for p in captured if p.currency != order.currency})
    if foreign:
        return [
            _payment_finding(
                "payment.currency_mismatch",
                F_PAYMENT_AMOUNT,
                S(
                    "Paid in {paid_in}, but the order is in {currency}.",
                    paid_in=", ".join(c or "?" for c in foreign),
                    currency=order.currency or "?",
                ),
            )
        ]
    paid = sum(p.amount_cents for p in captured)
    if paid == order.total_cents:
        return []
    template = (
        N_("Paid {paid}, less than the order total {total}.")
        if paid < order.total_cents
        else N_("Paid {paid}, more than the order total {total}.")
    )
    return [
        _payment_finding(
            "payment.amount_mismatch",
            F_PAYMENT_AMOUNT,
            S(
                template,
                paid=_money(paid, order.currency),
                total=_money(order.total_cents, order.currency),
            ),
            (("paid_cents", paid), ("total_cents", order.total_cents)),
        )
    ]


def payment_method_valid(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    findings: list[Finding] = []
    for payment in order.payments:
        if payment.method not in KNOWN_PAYMENT_METHODS:
            findings.append(
                _payment_finding(
                    "payment.method_unknown",
                    F_PAYMENT_METHOD,
                    S("{method!r} is not a payment method we accept.", method=payment.method),
                )
            )
        elif payment.method == "card" and payment.status in ("captured", "pending"):
            findings.extend(card_findings(payment, order.placed_at))
    return findings


def _payment_finding(code: str, field: str, message: str, detail=()) -> Finding:
    return Finding(code, BLOCK, field, message, Queue.PAYMENT_PROBLEM, detail)


BRAND_ALIASES = {"mc": "mastercard", "master": "mastercard", "american express": "amex"}


def _normal_brand(brand: str) -> str:
    name = brand.strip().casefold()
    return BRAND_ALIASES.get(name, name)


def _expiry_year(year: int) -> int:
    return year + 2000 if 0 <= year < 100 else year


def card_findings(payment: PaymentFacts, purchased_at: dt.datetime) -> list[Finding]:
    findings = _expiry_findings(payment, purchased_at)
    number = payment.entered_card_number
    if number is not None:
        findings.extend(_entered_number_findings(payment, number.replace(" ", "")))
    return findings


def _expiry_findings(payment: PaymentFacts, purchased_at: dt.datetime) -> list[Finding]:
    month, year = payment.card_exp_month, payment.card_exp_year
    if month is None or year is None:
        return [
            Finding(
                "payment.card_expiry_unknown",
                WARN,
                F_CARD,
                S("The card's expiry date is not known."),
                Queue.PAYMENT_PROBLEM,
            )
        ]
    if not 1 <= month <= 12 or not 0 <= year <= 9999:
        return [
            _payment_finding(
                "payment.card_expiry_invalid",
                F_CARD,
                S("{month}/{year} is not a card expiry date.", month=month, year=year),
            )
        ]
    # A card is valid to the end of its expiry month.
    if (_expiry_year(year), month) < (purchased_at.year, purchased_at.month):
        return [
            _payment_finding(
                "payment.card_expired",
                F_CARD,
                S(
                    "The card expired {month:02d}/{year}, before the purchase on {day}.",
                    month=month,
                    year=_expiry_year(year),
                    day=purchased_at.strftime("%Y-%m-%d"),
                ),
            )
        ]
    return []


def _entered_number_findings(payment: PaymentFacts, number: str) -> list[Finding]:
    # Messages name only the last four digits: a full number never reaches a log or screen.
    tail = number[-4:]
    if not plausible_card_number(number):
        return [
            _payment_finding(
                "payment.card_luhn",
                F_CARD,
                S("The card number ending {last4} is mistyped (Luhn).", last4=tail),
            )
        ]
    findings = []
    brand = brand_for_number(number)
    stated = _normal_brand(payment.card_brand)
    if stated and brand and stated != brand:
        findings.append(
            _payment_finding(
                "payment.card_brand_mismatch",
                F_CARD,
                S(
                    "The card ending {last4} is a {brand} number, not {stated}.",
                    last4=tail,
                    brand=brand,
                    stated=payment.card_brand,
                ),
            )
        )
    if payment.card_last4 and payment.card_last4 != tail:
        findings.append(
            _payment_finding(
                "payment.card_last4_mismatch",
                F_CARD,
                S(
                    "The card number ends {last4}, the payment record says {recorded}.",
                    last4=tail,
                    recorded=payment.card_last4,
                ),
            )
        )
    return findings


# --------------------------------------------------------------------------- card numbers

# Where a card number can have been removed on the way in, in the words a person uses.
_CARD_TEXT_PLACES = (
    (F_SHIP_NAME, "the recipient's name", ("name",)),
    (F_STREET, "the delivery address", ("line1", "line2", "line3", "city", "region")),
    (F_POSTAL_CODE, "the delivery address", ("postal_code",)),
    (F_PHONE, "the delivery phone number", ("phone",)),
)


def card_numbers_removed(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    """A card number arrived in the order (removed from the text, or an identifier that is
    one): a person contacts the customer, who has exposed their card."""
    findings: list[Finding] = []

    def removed(field: str, where: str) -> None:
        findings.append(
            Finding(
                "card_number.removed",
                BLOCK,
                field,
                f"A card number was removed from {where}: contact the customer, ask for "
                "the details again and tell them never to send card numbers.",
                Queue.NEEDS_INFO,
            )
        )

    def identifier(field: str, what: str) -> None:
        findings.append(
            Finding(
                "card_number.in_identifier",
                BLOCK,
                field,
                f"{what} is a card number (kept: it is the channel's key): contact the "
                "customer and the channel.",
                Queue.NEEDS_INFO,
            )
        )

    ship = order.ship_to
    for field, where, attributes in _CARD_TEXT_PLACES:
        if any(holds_mask(getattr(ship, name)) for name in attributes):
            removed(field, where)
    customer = order.customer
    if customer is not None:
        for field, where, value in (
            (F_CUSTOMER_NAME, "the customer's name", customer.name),
            (F_CUSTOMER_EMAIL, "the customer's e-mail", customer.email),
            (F_CUSTOMER, "the customer's phone number", customer.phone),
        ):
            if holds_mask(value):
                removed(field, where)
        if card_in_identifier(customer.channel_buyer_id):
            identifier(F_CUSTOMER, "The customer's buyer id")
    if card_in_identifier(order.channel_order_id):
        identifier(F_CHANNEL_ORDER, "The channel's order id")
    for line in order.lines:
        if holds_mask(line.product_text):
            removed(
                line_field(line.line_no, "product_name"), f"the product name on line {line.line_no}"
            )
        if card_in_identifier(line.sku) or card_in_identifier(line.channel_line_id):
            identifier(
                line_field(line.line_no, "sku"), f"The SKU or item id on line {line.line_no}"
            )
    return findings


# --------------------------------------------------------------------------- exceptions


def intake_conflicts(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    return [
        Finding(
            "duplicate.channel_conflict",
            BLOCK,
            F_CHANNEL_ORDER,
            S(
                "The channel sent order {order} again with other content: {conflict}",
                order=order.channel_order_id,
                conflict=conflict,
            ),
            Queue.EXCEPTION,
        )
        for conflict in order.intake_conflicts
    ]


def ship_to_key(order: OrderFacts) -> str:
    ship = order.ship_to
    return address_key(ship.line1, ship.postal_code, ship.country, ship.city)


def order_items_key(order: OrderFacts) -> tuple[tuple[str, int], ...]:
    return items_key((line.sku, line.quantity) for line in order.lines)


MAX_TWINS_NAMED = 20


def duplicate_suspect(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    if not order.lines or order.customer is None or not order.recent_orders:
        return []
    window = world.settings.duplicate_window
    mine_items, mine_address = order_items_key(order), ship_to_key(order)
    twins = sorted(
        other.order_id
        for other in order.recent_orders
        if other.order_id != order.order_id
        and other.status != "cancelled"
        and abs(other.placed_at - order.placed_at) <= window
        and other.items_key == mine_items
        and other.ship_to_key == mine_address
    )
    if not twins:
        return []
    hours = window.total_seconds() / 3600
    return [
        Finding(
            "duplicate.suspect",
            BLOCK,
            F_CHANNEL_ORDER,
            S(
                "Same customer, same items and same ship-to within {hours:g} h as other "
                "orders (how many: {count}): keep one, cancel the others.",
                count=len(twins),
                hours=hours,
            ),
            Queue.EXCEPTION,
            # The first few are enough to act on; a reseller may have thousands of twins.
            (("count", len(twins)), *(("order_id", twin) for twin in twins[:MAX_TWINS_NAMED])),
        )
    ]


def block_listed(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    blocked = world.block_list
    customer = order.customer
    country = order.ship_to.country.strip().upper()
    hits: list[tuple[str, str]] = []
    if customer is not None and customer.id in blocked.customer_ids:
        hits.append((F_CUSTOMER, N_("The customer account is on the block list.")))
    if customer is not None and email_key(customer.email) in blocked.emails - {""}:
        hits.append((F_CUSTOMER_EMAIL, N_("The e-mail address is on the block list.")))
    phones = {order.ship_to.phone, customer.phone if customer else ""}
    if blocked.phones and any(phone_key(p, country) in blocked.phones - {""} for p in phones if p):
        hits.append((F_PHONE, N_("The phone number is on the block list.")))
    if (
        blocked.addresses
        and _has_text(order.ship_to.line1)
        and ship_to_key(order) in blocked.addresses
    ):
        hits.append((F_SHIP_TO, N_("The ship-to address is on the block list.")))
    return [
        Finding(
            "malicious.block_listed",
            BLOCK,
            field,
            S(what),
            Queue.EXCEPTION,
        )
        for field, what in hits
    ]


def order_burst(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    settings = world.settings
    if order.customer is None:
        return []
    window = settings.burst_window
    nearby = 1 + sum(
        1
        for other in order.recent_orders
        if other.order_id != order.order_id and abs(other.placed_at - order.placed_at) <= window
    )
    if nearby < settings.burst_orders:
        return []
    minutes = window.total_seconds() / 60
    return [
        Finding(
            "malicious.burst",
            BLOCK,
            F_CUSTOMER,
            S(
                "{count} orders from this customer within {minutes:g} min of each other.",
                count=nearby,
                minutes=minutes,
            ),
            Queue.EXCEPTION,
            (("orders", nearby),),
        )
    ]


def new_account_high_value(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    settings = world.settings
    customer = order.customer
    if customer is None or customer.created_at is None or not customer.addresses:
        return []
    if order.total_cents < settings.high_value_cents:
        return []
    age = order.placed_at - customer.created_at
    if age >= settings.new_account_age:
        return []
    destination = ship_to_key(order)
    used_before = {other.ship_to_key for other in order.recent_orders}
    on_file = {address_key(*address) for address in customer.addresses}
    if destination in on_file or destination in used_before:
        return []
    return [
        Finding(
            "malicious.new_account_high_value",
            BLOCK,
            F_SHIP_TO,
            S(
                "{total} from a new account (age in days: {days}), to an address the account "
                "has never used.",
                total=_money(order.total_cents, order.currency),
                days=max(0, age.days),
            ),
            Queue.EXCEPTION,
        )
    ]


# --------------------------------------------------------------------------- all rules


RULES: tuple[Rule, ...] = (
    customer_linked,
    customer_name_present,
    phone_valid_for_destination,
    address_complete,
    account_in_good_standing,
    sku_known_and_active,
    quantity_sane,
    product_text_consistent,
    stock_available,
    price_matches,
    order_totals_consistent,
    payment_settled,
    paid_amount_matches_total,
    payment_method_valid,
    card_numbers_removed,
    intake_conflicts,
    duplicate_suspect,
    block_listed,
    order_burst,
    new_account_high_value,
)


def review_order(
    order: OrderFacts, world: ReviewWorld, rules: Iterable[Rule] = RULES
) -> tuple[Finding, ...]:
    """Every rule's findings for one order.

    A rule that raises is a bug, but one bug must not stop a batch of thousands: the order
    gets a blocking finding that sends it to a person, and the error is logged.
    """
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(rule(order, world))
        except Exception:
            log.exception("review rule %s failed on order %s", rule.__name__, order.order_id)
            findings.append(
                Finding(
                    "review.rule_failed",
                    BLOCK,
                    F_CUSTOMER,
                    S(
                        "The check {check} could not be run on this order; a person must "
                        "review it.",
                        check=rule.__name__,
                    ),
                    Queue.EXCEPTION,
                )
            )
    return tuple(findings)
