"""Customer rules: name, phone for the destination, address for its country, account status."""

from __future__ import annotations

import pytest

from app.review import rules
from app.review.model import (
    COLLECTED_IN_STORE,
    F_CUSTOMER_STATUS,
    F_PHONE,
    F_POSTAL_CODE,
    Queue,
    Severity,
)
from tests.app.review.facts import codes, customer, order, ship_to, world


def test_a_good_order_has_no_customer_findings():
    good = order()
    for rule in (
        rules.customer_linked,
        rules.customer_name_present,
        rules.phone_valid_for_destination,
        rules.address_complete,
        rules.account_in_good_standing,
    ):
        assert rule(good, world()) == [], rule.__name__


def test_an_order_without_a_customer_account_needs_information():
    [finding] = rules.customer_linked(order(customer=None), world())
    assert (finding.code, finding.severity, finding.queue) == (
        "customer.missing",
        Severity.BLOCK,
        Queue.NEEDS_INFO,
    )


def test_no_name_anywhere_blocks_the_order():
    nameless = order(customer=customer(name=" "), ship_to=ship_to(recipient="\u200b"))
    assert codes(rules.customer_name_present(nameless, world())) == ["customer.name_missing"]


def test_an_account_name_stands_in_for_a_missing_recipient_with_a_warning():
    [finding] = rules.customer_name_present(order(ship_to=ship_to(recipient="")), world())
    assert finding.code == "customer.recipient_missing"
    assert finding.severity is Severity.WARN


def test_a_missing_phone_blocks_the_order():
    no_phone = order(customer=customer(phone=""), ship_to=ship_to(phone=""))
    [finding] = rules.phone_valid_for_destination(no_phone, world())
    assert (finding.code, finding.field) == ("phone.missing", F_PHONE)


def test_the_account_phone_is_used_when_the_ship_to_has_none():
    assert rules.phone_valid_for_destination(order(ship_to=ship_to(phone="")), world()) == []


@pytest.mark.parametrize("phone", ["12345", "not a number", "+49 0000", "+999 123 456"])
def test_an_invalid_phone_blocks_the_order(phone):
    findings = rules.phone_valid_for_destination(order(ship_to=ship_to(phone=phone)), world())
    assert codes(findings) == ["phone.invalid"]
    assert findings[0].severity is Severity.BLOCK


def test_a_national_number_is_read_in_the_destination_country():
    domestic = order(ship_to=ship_to(phone="030 901820"))
    assert rules.phone_valid_for_destination(domestic, world()) == []
    # The same digits are not a valid number in the United States.
    abroad = order(
        ship_to=ship_to(
            phone="030 901820", country_code="US", region="NY", city="New York", postal_code="10001"
        )
    )
    assert codes(rules.phone_valid_for_destination(abroad, world())) == ["phone.invalid"]


def test_a_valid_foreign_number_is_only_a_warning():
    foreign = order(ship_to=ship_to(phone="+44 20 7946 0018"))
    [finding] = rules.phone_valid_for_destination(foreign, world())
    assert finding.code == "phone.foreign"
    assert finding.severity is Severity.WARN
    assert ("phone_region", "GB") in finding.detail


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"country_code": ""}, ["address.country_missing"]),
        ({"country_code": "XX"}, ["address.country_unknown"]),
        ({"line1": ""}, ["address.street_missing"]),
        ({"city": "  "}, ["address.city_missing"]),
        ({"postal_code": ""}, ["address.postal_code_missing"]),
        ({"postal_code": "1011"}, ["address.postal_code_format"]),
        ({"postal_code": "ABCDE"}, ["address.postal_code_format"]),
    ],
)
def test_an_incomplete_german_address_is_named_field_by_field(changes, expected):
    findings = rules.address_complete(order(ship_to=ship_to(**changes)), world())
    assert codes(findings) == expected
    assert all(f.severity is Severity.BLOCK and f.queue is Queue.NEEDS_INFO for f in findings)


@pytest.mark.parametrize(
    ("country", "postal_code", "region", "city", "ok"),
    [
        ("GB", "SW1A 1AA", "", "London", True),
        ("GB", "SW1A1AA", "", "London", True),
        ("GB", "12345", "", "London", False),
        ("NL", "1012 AB", "", "Amsterdam", True),
        ("US", "94043", "CA", "Mountain View", True),
        ("US", "94043-1351", "CA", "Mountain View", True),
        ("US", "9404", "CA", "Mountain View", False),
        ("CA", "K1A 0B1", "ON", "Ottawa", True),
        ("CN", "100000", "北京市", "北京", True),
        ("CN", "10000", "北京市", "北京", False),
        ("JP", "100-0001", "東京都", "千代田区", True),
        ("HK", "", "", "Hong Kong", True),  # no postal codes in Hong Kong
        ("SG", "018956", "", "", True),  # a city-state needs no city line
        ("PL", "00-950", "", "Warszawa", True),
        ("PL", "00950", "", "Warszawa", False),
    ],
)
def test_postal_codes_follow_the_format_of_their_country(country, postal_code, region, city, ok):
    address = ship_to(country_code=country, postal_code=postal_code, region=region, city=city)
    findings = rules.address_complete(order(ship_to=address), world())
    assert (findings == []) is ok, codes(findings)
    if not ok:
        assert findings[0].field == F_POSTAL_CODE


@pytest.mark.parametrize("country", ["US", "CA", "AU", "CN", "JP"])
def test_countries_that_need_a_region_get_a_finding_without_one(country):
    address = ship_to(country_code=country, region="", postal_code="")
    assert "address.region_missing" in codes(
        rules.address_complete(order(ship_to=address), world())
    )


def test_a_missing_postal_code_in_a_country_we_do_not_know_well_is_only_a_warning():
    address = ship_to(country_code="KE", postal_code="", city="Nairobi")
    [finding] = rules.address_complete(order(ship_to=address), world())
    assert finding.code == "address.postal_code_missing"
    assert finding.severity is Severity.WARN


def test_lower_case_country_codes_and_postal_codes_are_accepted():
    address = ship_to(country_code="gb", postal_code="sw1a 1aa", city="London")
    assert rules.address_complete(order(ship_to=address), world()) == []


@pytest.mark.parametrize(
    ("status", "code", "queue"),
    [
        ("arrears", "customer.arrears", Queue.PAYMENT_PROBLEM),
        ("frozen", "customer.frozen", Queue.EXCEPTION),
        ("banned", "customer.banned", Queue.EXCEPTION),
        ("suspicious", "customer.status_unknown", Queue.EXCEPTION),
    ],
)
def test_an_account_not_in_good_standing_blocks_the_order(status, code, queue):
    [finding] = rules.account_in_good_standing(order(customer=customer(status=status)), world())
    assert (finding.code, finding.queue, finding.field) == (code, queue, F_CUSTOMER_STATUS)
    assert finding.severity is Severity.BLOCK


def test_an_order_collected_in_store_needs_no_ship_to_address():
    empty = ship_to(line1="", city="", postal_code="", country_code="")
    collected = order(ship_to=empty, requested_service=COLLECTED_IN_STORE)
    assert rules.address_complete(collected, world()) == []
    assert rules.address_complete(order(ship_to=empty), world()) != []
