"""Price rules: each line matches the price list or a promotion valid at purchase time (or a
counter override by someone allowed), and the totals add up.

Each rule is ``rule(order, world) -> list[Finding]``; see ``rules.py``. Pure: no database,
no Qt.
"""

from __future__ import annotations

import datetime as dt

from app.i18n import Sentence as S
from app.review.model import (
    F_TOTAL,
    Finding,
    LineFacts,
    OrderFacts,
    ProductFacts,
    Queue,
    ReviewWorld,
    line_field,
)
from app.review.rules_common import (
    BLOCK,
    WARN,
    money_text,
)

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
                price=money_text(line.unit_price_cents, order.currency),
                total=money_text(line.line_total_cents, order.currency),
            ),
        )
    tolerance = world.settings.price_tolerance_cents * line.quantity
    list_total = product.price_cents * line.quantity
    if not line.discount_cents and line.line_total_cents == list_total and tolerance >= 0:
        # The list price to the cent, as most lines are: the list price is always among the
        # expected ones, so no promotion need be looked at.
        return None
    expected = expected_unit_prices(product, world, order.placed_at, order.currency)
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
            f"Line {line.line_no}: {money_text(line.unit_price_cents, order.currency)} a unit "
            f"instead of the list price {money_text(product.price_cents, order.currency)}, "
            f"given at the counter by {line.price_override_by}: {line.price_override_reason}",
            Queue.PAYMENT_PROBLEM,
        )
    charged = line.line_total_cents - line.discount_cents
    list_price = money_text(product.price_cents, order.currency)
    per_unit = money_text(charged // line.quantity, order.currency)
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
            discount=money_text(line.discount_cents, order.currency),
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
                subtotal=money_text(order.subtotal_cents, money),
                shipping=money_text(order.shipping_cents, money),
                tax=money_text(order.tax_cents, money),
                discount=money_text(order.discount_cents, money),
                total=money_text(order.total_cents, money),
            ),
            Queue.PAYMENT_PROBLEM,
        )
    ]
