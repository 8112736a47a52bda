"""Tracking numbers are checked against the carrier's format and check digit."""

from __future__ import annotations

import pytest

from app.shipping.errors import TrackingNumberRefused
from app.shipping.tracking_numbers import (
    carriers_for,
    check_tracking_number,
    own_fleet_tracking_number,
)

VALID = {
    "ups": "1Z999AA10123456784",  # UPS's published example
    "usps": "EA123456785US",  # UPU S10 example
    "fedex": "123456789012",  # FedEx's published test number
    "dhl_express": "1234567891",  # 123456789 mod 7 = 1
    "sf_express": "SF1234567890123",
    "own_fleet": "OD00000000420",
}


@pytest.mark.parametrize(("carrier", "number"), VALID.items())
def test_a_valid_number_of_each_carrier_is_accepted(carrier, number):
    assert check_tracking_number(carrier, number) == number


def test_spaces_and_lower_case_are_normalised():
    assert check_tracking_number("ups", "1z 999 aa1 0123 4567 84") == "1Z999AA10123456784"


def test_a_usps_impb_number_with_its_mod_10_digit_is_accepted():
    body = "940011189922310000000"
    from app.shipping.tracking_numbers import gs1_check_digit

    number = body + str(gs1_check_digit(body))
    assert check_tracking_number("usps", number) == number
    wrong = body + str((gs1_check_digit(body) + 1) % 10)
    with pytest.raises(TrackingNumberRefused, match="check digit"):
        check_tracking_number("usps", wrong)


@pytest.mark.parametrize(
    ("carrier", "number"),
    [
        ("ups", "1Z999AA10123456785"),
        ("usps", "EA123456784US"),
        ("fedex", "123456789013"),
        ("dhl_express", "1234567892"),
        ("own_fleet", "OD00000000421"),
    ],
)
def test_a_wrong_check_digit_is_refused_saying_so(carrier, number):
    with pytest.raises(TrackingNumberRefused) as caught:
        check_tracking_number(carrier, number)
    assert "check digit" in caught.value.message
    assert number in caught.value.message


def test_another_carriers_number_is_refused_naming_that_carrier():
    with pytest.raises(TrackingNumberRefused) as caught:
        check_tracking_number("dhl_express", VALID["ups"])
    assert caught.value.looks_like == "UPS"
    assert "UPS" in caught.value.message and "DHL Express" in caught.value.message


def test_a_number_of_no_known_format_says_what_the_carrier_expects():
    with pytest.raises(TrackingNumberRefused) as caught:
        check_tracking_number("ups", "HELLO")
    assert "1Z followed by 16 letters and digits" in caught.value.message
    assert caught.value.field == "tracking_number"


def test_an_unlisted_carrier_takes_any_plain_number_but_not_rubbish():
    assert check_tracking_number("postnl", "3SABC1234567") == "3SABC1234567"
    with pytest.raises(TrackingNumberRefused):
        check_tracking_number("postnl", "a#b")


def test_own_fleet_numbers_are_generated_with_a_check_digit_and_pass_only_as_own_fleet():
    numbers = {own_fleet_tracking_number(i) for i in range(1, 500)}
    assert len(numbers) == 499
    for number in numbers:
        assert carriers_for(number) == ["own_fleet"]


def test_the_error_message_is_translated(monkeypatch):
    from app.i18n import set_language

    set_language("zh_TW")
    with pytest.raises(TrackingNumberRefused) as caught:
        check_tracking_number("ups", "1Z999AA10123456785")
    assert "1Z999AA10123456785" in caught.value.message
    assert "Tracking number" not in caught.value.message


@pytest.mark.parametrize("carrier", sorted(VALID))
def test_example_numbers_pass_their_own_carriers_check(carrier):
    from app.shipping.tracking_numbers import example_tracking_number

    for serial in (1, 42, 987_654):
        number = example_tracking_number(carrier, serial)
        assert check_tracking_number(carrier, number) == number
