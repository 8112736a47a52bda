"""Customer rules: an account is linked, the name, phone and address are there and plausible, the
account is in good standing.

Each rule is ``rule(order, world) -> list[Finding]``; see ``rules.py``. Pure: no database,
no Qt.
"""

from __future__ import annotations

import re

import phonenumbers

from app.i18n import N_
from app.i18n import Sentence as S
from app.review.keys import read_phone
from app.review.model import (
    COLLECTED_IN_STORE,
    F_CITY,
    F_COUNTRY,
    F_CUSTOMER,
    F_CUSTOMER_NAME,
    F_CUSTOMER_STATUS,
    F_PHONE,
    F_POSTAL_CODE,
    F_REGION,
    F_SHIP_NAME,
    F_STREET,
    Finding,
    OrderFacts,
    Queue,
    ReviewWorld,
)
from app.review.rules_common import (
    BLOCK,
    WARN,
    has_text,
)

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
    if has_text(order.ship_to.recipient):
        return []
    if has_text(account_name):
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
    country = order.ship_to.country_code.strip().upper()
    if not has_text(phone):
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
    if not has_text(code):
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
    country = ship.country_code.strip().upper()
    if not has_text(country):
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
    if not has_text(ship.line1):
        findings.append(
            _address_finding(
                "address.street_missing", F_STREET, S("The ship-to address has no street.")
            )
        )
    if not has_text(ship.city) and country not in CITY_OPTIONAL:
        findings.append(
            _address_finding("address.city_missing", F_CITY, S("The ship-to address has no city."))
        )
    findings.extend(_postal_code_findings(country, ship.postal_code))
    if country in REGION_REQUIRED and not has_text(ship.region):
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
