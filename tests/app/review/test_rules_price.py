"""Price rules: list price or a promotion valid at purchase time; totals that add up."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.review import rules
from app.review.model import ProductFacts, PromotionFacts, Queue, ReviewSettings, Severity
from tests.app.review.facts import KETTLE, NOW, TOASTER, codes, line, order, world

SPRING = PromotionFacts(
    id=1,
    name="Spring kettles",
    starts_at=NOW - dt.timedelta(days=5),
    ends_at=NOW + dt.timedelta(days=5),
    sku=KETTLE.sku,
    percent_off=15,
)


def priced(unit_cents: int, quantity: int = 2, product: ProductFacts = KETTLE, **changes):
    return order(
        line(
            product, quantity, unit_price_cents=unit_cents, line_total_cents=unit_cents * quantity
        ),
        **changes,
    )


def test_the_list_price_passes():
    assert rules.price_matches(order(), world()) == []


def test_a_price_below_the_list_without_a_promotion_is_a_payment_problem():
    [finding] = rules.price_matches(priced(1500), world())
    assert (finding.code, finding.queue, finding.field) == (
        "price.mismatch",
        Queue.PAYMENT_PROBLEM,
        "lines[1].unit_price",
    )
    assert dict(finding.detail)["list_price_cents"] == 1999


def test_a_price_above_the_list_is_also_a_mismatch():
    assert codes(rules.price_matches(priced(2500), world())) == ["price.mismatch"]


def test_a_percent_promotion_valid_at_purchase_time_explains_the_price():
    # 1999 × 85 % = 1699.15 → 1699
    assert rules.price_matches(priced(1699), world(promotions=(SPRING,))) == []


def test_a_promotion_not_yet_started_or_already_over_does_not_count():
    before = priced(1699, purchased_at=SPRING.starts_at - dt.timedelta(seconds=1))
    after = priced(1699, purchased_at=SPRING.ends_at)
    assert codes(rules.price_matches(before, world(promotions=(SPRING,)))) == ["price.mismatch"]
    assert codes(rules.price_matches(after, world(promotions=(SPRING,)))) == ["price.mismatch"]


def test_the_purchase_time_not_the_review_time_decides():
    # Bought during the promotion, reviewed a month later: still the promotion price.
    expired = dataclasses.replace(SPRING, ends_at=NOW - dt.timedelta(days=1))
    bought = priced(1699, purchased_at=NOW - dt.timedelta(days=2))
    assert rules.price_matches(bought, world(promotions=(expired,))) == []


def test_a_category_promotion_with_an_amount_off_applies_to_every_sku_in_it():
    category = PromotionFacts(
        id=2,
        name="Kitchen −5",
        starts_at=NOW - dt.timedelta(days=1),
        category="kitchen",
        amount_off_cents=500,
        currency="EUR",
    )
    assert rules.price_matches(priced(2499, product=TOASTER), world(promotions=(category,))) == []
    assert rules.price_matches(priced(1499), world(promotions=(category,))) == []


def test_an_amount_off_in_another_currency_does_not_apply():
    dollars = PromotionFacts(
        id=3,
        name="USD",
        starts_at=NOW - dt.timedelta(days=1),
        sku=KETTLE.sku,
        amount_off_cents=500,
        currency="USD",
    )
    assert codes(rules.price_matches(priced(1499), world(promotions=(dollars,)))) == [
        "price.mismatch"
    ]


def test_a_promotion_for_another_sku_does_not_apply():
    other = dataclasses.replace(SPRING, sku=TOASTER.sku)
    assert codes(rules.price_matches(priced(1699), world(promotions=(other,)))) == [
        "price.mismatch"
    ]


def test_rounding_within_the_tolerance_passes_and_beyond_it_does_not():
    assert rules.price_matches(priced(1998), world()) == []
    strict = world(settings=ReviewSettings(price_tolerance_cents=0))
    assert codes(rules.price_matches(priced(1998), strict)) == ["price.mismatch"]
    assert codes(rules.price_matches(priced(1997), world())) == ["price.mismatch"]


def test_a_line_discount_counts_towards_the_price_charged():
    discounted = order(
        line(KETTLE, 2, unit_price_cents=1999, line_total_cents=3998, discount_cents=600)
    )
    # 3998 − 600 = 3398 = 2 × 1699: the spring promotion price.
    assert rules.price_matches(discounted, world(promotions=(SPRING,))) == []


def test_a_discount_no_promotion_explains_is_shown_as_a_warning():
    # The gross matches the list price (the discount may be a shipping offer): not blocked.
    discounted = order(
        line(KETTLE, 2, unit_price_cents=1999, line_total_cents=3998, discount_cents=600)
    )
    [finding] = rules.price_matches(discounted, world())
    assert (finding.code, finding.severity, finding.field) == (
        "price.unexplained_discount",
        Severity.WARN,
        "lines[1].discount",
    )


def test_a_discount_that_neither_gross_nor_net_explains_blocks():
    off = order(line(KETTLE, 2, unit_price_cents=1900, line_total_cents=3800, discount_cents=100))
    assert codes(rules.price_matches(off, world())) == ["price.mismatch"]


def test_a_unit_price_rounded_from_a_channel_line_total_adds_up():
    # Amazon sends 5997 for three; the unit price 1999 is derived, 3 × 1999 = 5997.
    # A total of 5998 for three gives a rounded unit of 1999 too and still adds up.
    odd_total = order(line(KETTLE, 3, unit_price_cents=1999, line_total_cents=5998))
    assert codes(rules.price_matches(odd_total, world())) == []


def test_a_free_item_is_named_as_zero_price():
    assert codes(rules.price_matches(priced(0), world())) == ["price.zero"]


def test_a_full_promotion_makes_a_free_item_right():
    free = dataclasses.replace(SPRING, percent_off=100)
    assert rules.price_matches(priced(0), world(promotions=(free,))) == []


def test_a_negative_price_is_always_wrong():
    assert codes(rules.price_matches(priced(-100), world())) == ["price.negative"]


def test_a_line_in_another_currency_than_the_price_list_cannot_be_checked():
    assert codes(rules.price_matches(priced(1999, currency="USD"), world())) == [
        "price.other_currency"
    ]


def test_a_line_whose_total_does_not_add_up_is_named():
    broken = order(line(KETTLE, 2, line_total_cents=1000))
    [finding] = rules.price_matches(broken, world())
    assert (finding.code, finding.field) == ("price.line_total_wrong", "lines[1].line_total")


@pytest.mark.parametrize(
    ("changes", "ok"),
    [
        ({}, True),
        ({"shipping_cents": 495, "total_cents": 3998 + 495}, True),
        ({"tax_cents": 760, "total_cents": 3998 + 760}, True),  # prices without tax
        ({"tax_cents": 760, "total_cents": 3998}, True),  # prices including tax
        ({"discount_cents": 500, "total_cents": 3498}, True),
        ({"total_cents": 5000}, False),
        ({"subtotal_cents": 100}, False),
    ],
)
def test_the_order_totals_must_add_up(changes, ok):
    findings = rules.order_totals_consistent(order(line(KETTLE, 2), **changes), world())
    assert (findings == []) is ok
    if not ok:
        assert findings[0].code == "order.totals_inconsistent"


def test_the_list_price_passes_while_a_promotion_is_on():
    assert rules.price_matches(order(), world(promotions=(SPRING,))) == []


def test_a_negative_tolerance_matches_no_price_not_even_the_list_price():
    # The list price to the cent skips the promotions; it must not skip the tolerance.
    odd = world(settings=ReviewSettings(price_tolerance_cents=-1))
    assert codes(rules.price_matches(order(), odd)) == ["price.mismatch"]
