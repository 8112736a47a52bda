"""The one card-number scrubber (app/cards.py): what is a card number, what is left of one."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.cards import (
    MASK,
    brand_for_number,
    card_in_identifier,
    card_number_across,
    card_number_in,
    gtin_valid,
    holds_mask,
    is_card_number,
    luhn_valid,
    scrub,
)

# Test numbers the card schemes publish: every one passes Luhn.
CARDS = (
    "4111111111111111",  # visa
    "4012888888881881",  # visa
    "5555555555554444",  # mastercard
    "2223003122003222",  # mastercard 2-series
    "378282246310005",  # amex
    "371449635398431",  # amex
    "6011111111111117",  # discover
    "6500000000000002",  # discover 65
    "3566002020360505",  # jcb
    "30569309025904",  # diners
    "36227206271667",  # diners 36
    "6200000000000005",  # unionpay
    "6759649826438453",  # maestro
    "4222222222222",  # 13-digit visa
    "6304000000000000000",  # 19-digit maestro
)
SEPARATORS = (" ", "  ", "\u00a0", "\u202f", "-", ".", "/", "_", " - ", "\u3000")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def printed(number: str, separator: str) -> str:
    """As printed on the card: Amex 4-6-5, Diners 4-6-4, else fours."""
    if len(number) in (14, 15) and number[:2] in ("34", "37", "30", "36", "38"):
        return separator.join((number[:4], number[4:10], number[10:]))
    return separator.join(number[i : i + 4] for i in range(0, len(number), 4))


@st.composite
def written_cards(draw) -> tuple[str, str]:
    """(how the card number is written, its digits) in every form a person or file uses."""
    number = draw(st.sampled_from(CARDS))
    text = draw(
        st.one_of(
            st.just(number),
            st.sampled_from(SEPARATORS).map(lambda sep: printed(number, sep)),
        )
    )
    if draw(st.booleans()):
        text = text.translate(FULL_WIDTH)
    if draw(st.booleans()):
        text = "+" + text
    return text, number


def test_luhn_checks_digits_only_and_leaves_length_to_the_card_rules():
    assert luhn_valid("79927398713") and not luhn_valid("79927398710")
    assert not luhn_valid("") and not luhn_valid("4111 1111") and not luhn_valid("٤١١١")
    assert all(luhn_valid(number) for number in CARDS)
    assert not is_card_number("79927398713")  # Luhn's example is too short for a card


def test_brands_are_read_from_the_issuer_prefix():
    assert [brand_for_number(n) for n in CARDS[:4]] == ["visa", "visa", "mastercard", "mastercard"]
    assert brand_for_number("378282246310005") == "amex"
    assert brand_for_number("3566002020360505") == "jcb"
    assert brand_for_number("9999999999999995") is None


@given(written_cards(), st.sampled_from(["", "Hauptstr. 5, ", "card: ", "王芳 "]))
def test_a_card_number_in_any_written_form_is_found_and_replaced_by_its_last_four(card, before):
    written, number = card
    text = f"{before}{written} thanks"
    assert card_number_in(text) == number[-4:]
    cleaned, count = scrub(text)
    assert count == 1
    assert cleaned == f"{before}{MASK} {number[-4:]} thanks"
    assert holds_mask(cleaned)


@pytest.mark.parametrize(
    "text",
    [
        "115918-0000000044",  # a partner's order id
        "4006381333931",  # an EAN-13 barcode
        "+4915112345678",  # a German mobile number
        "+8613800138000",
        "123-1234567-1234567",  # an Amazon order id
        "12345678901234",  # an Amazon order-item id
        "4111111111111112",  # fails Luhn
        "8815329842815468",  # a terminal reference: no issuer starts with 88
        "Flat 12, 4 Elm Road, 2024/25",
        "",
    ],
)
def test_phone_numbers_barcodes_and_ids_are_not_card_numbers(text):
    assert card_number_in(text) is None
    assert scrub(text) == (text, 0)


def test_a_gtin_with_a_right_check_digit_is_not_a_card_even_if_luhn_passes():
    assert gtin_valid("4000000000006") and luhn_valid("4000000000006")
    assert card_number_in("4000000000006") is None


def test_an_expiry_and_security_code_written_with_the_number_go_with_it():
    cleaned, _ = scrub("Hauptstr 5, 4111 1111 1111 1111 12/27 123, Berlin")
    assert cleaned == f"Hauptstr 5, {MASK} 1111, Berlin"
    cleaned, _ = scrub("visa 4111111111111111 exp 12/27 cvv 123")
    assert "123" not in cleaned.replace("1111", "") and cleaned.startswith(f"visa {MASK} 1111")


def test_two_card_numbers_in_one_text_are_both_removed():
    cleaned, count = scrub("4111111111111111 and 5555-5555-5555-4444")
    assert count == 2 and cleaned == f"{MASK} 1111 and {MASK} 4444"


def test_a_number_split_over_two_fields_is_found_together():
    assert card_number_across(["Unter den Linden 4111 1111", "1111 1111"]) == "1111"
    assert card_number_across(["Unter den Linden 5", "10117 Berlin"]) is None


def test_a_channels_14_digit_item_id_is_not_taken_for_a_card_number():
    # Amazon order-item ids have 14 digits; these pass Luhn with JCB and Diners prefixes.
    assert card_number_in("35526748181933") is None  # JCB issues 16-19 digits
    assert card_in_identifier("36227206271667") is None  # 14 digits: an id before a card
    assert card_number_in("36227206271667") == "1667"  # in free text, a Diners number
    assert card_in_identifier("4111111111111111") == "1111"
    assert card_in_identifier("SO-4111-1111-1111-1111") == "1111"
    assert card_in_identifier("115918-0000000044") is None
