"""Payment rules: captured, right amount and currency, valid card."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from app.cards import brand_for_number, plausible_card_number
from app.review import rules
from app.review.model import F_CARD, Queue, Severity
from tests.app.review.facts import card, codes, customer, line, order, ship_to, world

TOTAL = 3998  # the default order: two kettles


def test_a_captured_card_payment_of_the_total_passes():
    good = order()
    for rule in (
        rules.payment_settled,
        rules.paid_amount_matches_total,
        rules.payment_method_valid,
    ):
        assert rule(good, world()) == [], rule.__name__


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        ((), "payment.missing"),
        (("pending",), "payment.pending"),
        (("failed",), "payment.failed"),
        (("failed", "pending"), "payment.pending"),
        (("refunded",), "payment.not_captured"),
    ],
)
def test_an_order_without_a_captured_payment_is_a_payment_problem(statuses, code):
    payments = [card(TOTAL, status=status) for status in statuses]
    [finding] = rules.payment_settled(order(payments=payments), world())
    assert (finding.code, finding.queue, finding.severity) == (
        code,
        Queue.PAYMENT_PROBLEM,
        Severity.BLOCK,
    )


def test_a_failed_attempt_followed_by_a_captured_one_is_paid():
    payments = [card(TOTAL, status="failed"), card(TOTAL)]
    assert rules.payment_settled(order(payments=payments), world()) == []


@pytest.mark.parametrize("paid", [TOTAL - 1, TOTAL + 1, 0])
def test_a_paid_amount_other_than_the_total_is_named(paid):
    [finding] = rules.paid_amount_matches_total(order(payments=[card(paid)]), world())
    assert finding.code == "payment.amount_mismatch"
    assert dict(finding.detail) == {"paid_cents": paid, "total_cents": TOTAL}


def test_split_payments_that_add_up_to_the_total_pass():
    payments = [card(1000), card(TOTAL - 1000, method="cash")]
    assert rules.paid_amount_matches_total(order(payments=payments), world()) == []


def test_a_payment_in_another_currency_is_named():
    [finding] = rules.paid_amount_matches_total(
        order(payments=[card(TOTAL, currency="USD")]), world()
    )
    assert finding.code == "payment.currency_mismatch"


def test_an_unknown_payment_method_is_refused():
    [finding] = rules.payment_method_valid(order(payments=[card(TOTAL, method="iou")]), world())
    assert finding.code == "payment.method_unknown"


def test_a_card_expired_before_the_purchase_is_refused():
    expired = order(payments=[card(TOTAL, card_exp_month=1, card_exp_year=2026)])
    [finding] = rules.payment_method_valid(expired, world())
    assert (finding.code, finding.field) == ("payment.card_expired", F_CARD)


def test_a_card_is_valid_to_the_end_of_its_expiry_month():
    # Purchased 10 March 2026; a card expiring 03/2026 is still good, 02/26 is not.
    assert (
        rules.payment_method_valid(
            order(payments=[card(TOTAL, card_exp_month=3, card_exp_year=2026)]), world()
        )
        == []
    )
    two_digit = order(payments=[card(TOTAL, card_exp_month=2, card_exp_year=26)])
    assert codes(rules.payment_method_valid(two_digit, world())) == ["payment.card_expired"]


def test_expiry_is_judged_at_purchase_time_not_now():
    bought_last_year = order(
        purchased_at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
        payments=[card(TOTAL, card_exp_month=12, card_exp_year=2025)],
    )
    assert rules.payment_method_valid(bought_last_year, world()) == []


@pytest.mark.parametrize(("month", "year"), [(0, 2028), (13, 2028), (-1, 2028), (5, -3)])
def test_an_impossible_expiry_date_is_refused(month, year):
    odd = order(payments=[card(TOTAL, card_exp_month=month, card_exp_year=year)])
    assert codes(rules.payment_method_valid(odd, world())) == ["payment.card_expiry_invalid"]


def test_an_unknown_expiry_is_only_a_warning():
    [finding] = rules.payment_method_valid(
        order(payments=[card(TOTAL, card_exp_month=None, card_exp_year=None)]), world()
    )
    assert finding.severity is Severity.WARN


@pytest.mark.parametrize(
    ("number", "ok"),
    [
        ("4242424242424242", True),
        ("4242 4242 4242 4242", True),
        ("4242424242424241", False),
        ("79927398713", False),  # valid Luhn but too short for a card number
        ("4242-4242-4242-4242", False),
        ("", False),
        ("٤٢٤٢٤٢٤٢٤٢٤٢٤٢٤٢", False),  # Arabic-Indic digits are not a card number
    ],
)
def test_a_typed_card_number_is_plausible_by_length_and_luhn(number, ok):
    assert plausible_card_number(number.replace(" ", "")) is ok


def test_a_mistyped_card_number_entered_at_the_counter_is_refused_without_echoing_it():
    typed = order(payments=[card(TOTAL, entered_card_number="4242424242424241", card_last4="4241")])
    [finding] = rules.payment_method_valid(typed, world())
    assert finding.code == "payment.card_luhn"
    assert "424242424242" not in finding.message


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "discover"),
        ("3566002020360505", "jcb"),
        ("6200000000000005", "unionpay"),
        ("30569309025904", "diners"),
    ],
)
def test_the_brand_is_read_from_the_number_prefix(number, brand):
    assert brand_for_number(number) == brand


def test_a_brand_that_does_not_match_the_number_is_refused():
    typed = order(payments=[card(TOTAL, card_brand="amex", entered_card_number="4242424242424242")])
    assert codes(rules.payment_method_valid(typed, world())) == ["payment.card_brand_mismatch"]


def test_brand_names_are_compared_loosely():
    typed = order(
        payments=[
            card(
                TOTAL,
                card_brand="MasterCard",
                card_last4="4444",
                entered_card_number="5555555555554444",
            )
        ]
    )
    assert rules.payment_method_valid(typed, world()) == []


def test_last_four_digits_must_match_the_number_entered():
    typed = order(payments=[card(TOTAL, card_last4="1111", entered_card_number="4242424242424242")])
    assert codes(rules.payment_method_valid(typed, world())) == ["payment.card_last4_mismatch"]


def test_card_checks_are_skipped_for_failed_attempts():
    payments = [card(TOTAL, status="failed", card_exp_month=1, card_exp_year=2020), card(TOTAL)]
    assert rules.payment_method_valid(order(payments=payments), world()) == []


# card_numbers_removed looks at all of an order's texts joined before it looks at each:
# a mask or a card-shaped identifier in any one of them must still be found.
_MASKED_TEXT = "Invalidenstraße •••• 1111"
_CARD_ID = "4111111111111111"


@pytest.mark.parametrize(
    "change",
    [
        {"ship_to": {"recipient": _MASKED_TEXT}},
        {"ship_to": {"line1": _MASKED_TEXT}},
        {"ship_to": {"line2": _MASKED_TEXT}},
        {"ship_to": {"line3": _MASKED_TEXT}},
        {"ship_to": {"city": _MASKED_TEXT}},
        {"ship_to": {"region": _MASKED_TEXT}},
        {"ship_to": {"postal_code": "•••• 1111"}},
        {"ship_to": {"phone": "•••• 1111"}},
        {"customer": {"name": _MASKED_TEXT}},
        {"customer": {"email": "•••• 1111@example.com"}},
        {"customer": {"phone": "•••• 1111"}},
        {"line": {"product_text": "Kettle •••• 1111"}},
    ],
)
def test_a_mask_left_in_any_text_of_the_order_is_found(change):
    assert "card_number.removed" in codes(rules.card_numbers_removed(_changed(change), world()))


@pytest.mark.parametrize(
    "change",
    [
        {"channel_order_id": _CARD_ID},
        {"customer": {"channel_buyer_id": _CARD_ID}},
        {"line": {"sku": _CARD_ID}},
        {"line": {"channel_line_id": _CARD_ID}},
    ],
)
def test_a_card_number_as_any_identifier_of_the_order_is_found(change):
    found = codes(rules.card_numbers_removed(_changed(change), world()))
    assert "card_number.in_identifier" in found


def test_an_order_without_masks_or_card_numbers_has_no_card_finding():
    assert rules.card_numbers_removed(order(line(), line(line_no=2)), world()) == []


def _changed(change: dict):
    """The default order with a second line, one part of it changed."""
    second = dataclasses.replace(line(line_no=2), **change.get("line", {}))
    return order(
        line(),
        second,
        ship_to=ship_to(**change.get("ship_to", {})),
        customer=customer(**change.get("customer", {})),
        **{k: v for k, v in change.items() if k not in ("line", "ship_to", "customer")},
    )
