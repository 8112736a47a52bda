"""Payment rules: settled, the amount paid equals the total, a valid method; card checks (Luhn,
expiry, brand); card numbers found in free text.

Each rule is ``rule(order, world) -> list[Finding]``; see ``rules.py``. Pure: no database,
no Qt.
"""

from __future__ import annotations

import datetime as dt

from app.cards import (
    MASK,
    brand_for_number,
    card_in_identifier,
    holds_mask,
    plausible_card_number,
)
from app.i18n import N_
from app.i18n import Sentence as S
from app.review.model import (
    F_CARD,
    F_CHANNEL_ORDER,
    F_CUSTOMER,
    F_CUSTOMER_EMAIL,
    F_CUSTOMER_NAME,
    F_PAYMENT,
    F_PAYMENT_AMOUNT,
    F_PAYMENT_METHOD,
    F_PAYMENT_STATUS,
    F_PHONE,
    F_POSTAL_CODE,
    F_SHIP_NAME,
    F_STREET,
    Finding,
    OrderFacts,
    PaymentFacts,
    Queue,
    ReviewWorld,
    line_field,
)
from app.review.rules_common import (
    BLOCK,
    WARN,
    money_text,
)

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
                paid=money_text(paid, order.currency),
                total=money_text(order.total_cents, order.currency),
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
    (F_SHIP_NAME, "the recipient's name", ("recipient",)),
    (F_STREET, "the delivery address", ("line1", "line2", "line3", "city", "region")),
    (F_POSTAL_CODE, "the delivery address", ("postal_code",)),
    (F_PHONE, "the delivery phone number", ("phone",)),
)


def card_numbers_removed(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    """A card number arrived in the order (removed from the text, or an identifier that is
    one): a person contacts the customer, who has exposed their card."""
    if not _may_hold_card(order):
        return []
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


def _may_hold_card(order: OrderFacts) -> bool:
    """False when no text of the order holds a mask and no identifier a card number.

    Almost every order has neither: the texts are looked at joined, at C speed, instead
    of a dozen calls (a mask is ``••••`` and four digits, which no NUL joins up).
    """
    ship, customer = order.ship_to, order.customer
    texts = [
        ship.recipient, ship.line1, ship.line2, ship.line3, ship.city, ship.region,
        ship.postal_code, ship.phone,
    ]  # fmt: skip
    identifiers = [order.channel_order_id]
    if customer is not None:
        texts += (customer.name, customer.email, customer.phone)
        identifiers.append(customer.channel_buyer_id)
    for line in order.lines:
        texts.append(line.product_text)
        identifiers += (line.sku, line.channel_line_id)
    if MASK in "\0".join(filter(None, texts)):
        return True
    return any(card_in_identifier(value) for value in identifiers)
