"""Tracking numbers: each carrier's published format and check digit, and our own fleet's.

Pure: ``check_tracking_number("ups", text)`` returns the number as it is stored (spaces
dropped, upper case) or raises ``TrackingNumberRefused`` saying what was wrong — a wrong
check digit, or the format of another carrier (named), or no known format at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.gtin import gtin_valid
from app.i18n import N_
from app.shipping.carriers import CARRIER_NAMES
from app.shipping.errors import TrackingNumberRefused

OWN_FLEET_PREFIX = "OD"


def normalise(text: str) -> str:
    return re.sub(r"[\s-]", "", text).upper()


def gs1_check_digit(digits: str) -> int:
    """Mod 10 with weights 3,1 from the right (GS1 / USPS IMpb / FedEx Ground)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def ups_check_digit(body: str) -> int:
    """UPS 1Z: the 15 characters after 1Z (letters as (A=2 … I=0, J=1 …) mod 10); odd
    positions once, even positions twice."""
    values = [int(c) if c.isdigit() else (ord(c) - ord("A") + 2) % 10 for c in body]
    total = sum(v * (2 if i % 2 == 1 else 1) for i, v in enumerate(values))
    return (10 - total % 10) % 10


def fedex_express_check_digit(body: str) -> int:
    """FedEx Express 12 digits: weights 1,3,7 from the right over the first 11; mod 11."""
    weights = (1, 3, 7)
    total = sum(int(d) * weights[i % 3] for i, d in enumerate(reversed(body)))
    return total % 11 % 10


def s10_check_digit(serial: str) -> int:
    """UPU S10 (postal, e.g. EA123456785US): weights 8,6,4,2,3,5,9,7; 11 - sum mod 11."""
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def dhl_express_check_digit(body: str) -> int:
    """DHL Express 10-digit waybill: the first nine digits as a number, mod 7."""
    return int(body) % 7


# Each carrier's formats: (pattern, check digit function over the match's groups or None).
# A carrier with no published check digit (SF Express) is checked by format only.
_Check = Callable[[re.Match[str]], bool]


def _ups(m: re.Match[str]) -> bool:
    return ups_check_digit(m.group(1)) == int(m.group(2))


def _gs1(m: re.Match[str]) -> bool:
    return gs1_check_digit(m.group(1)) == int(m.group(2))


def _s10(m: re.Match[str]) -> bool:
    return s10_check_digit(m.group(1)) == int(m.group(2))


def _fedex12(m: re.Match[str]) -> bool:
    return fedex_express_check_digit(m.group(1)) == int(m.group(2))


def _dhl(m: re.Match[str]) -> bool:
    return dhl_express_check_digit(m.group(1)) == int(m.group(2))


FORMATS: dict[str, tuple[tuple[re.Pattern[str], _Check | None], ...]] = {
    "ups": ((re.compile(r"^1Z([0-9A-Z]{15})([0-9])$"), _ups),),
    "usps": (
        # Intelligent Mail package barcode: 20 or 22 digits starting 9, mod 10 check.
        (re.compile(r"^(9\d{18}|9\d{20})(\d)$"), _gs1),
        (re.compile(r"^[A-Z]{2}(\d{8})(\d)US$"), _s10),
    ),
    "fedex": (
        (re.compile(r"^(\d{11})(\d)$"), _fedex12),  # Express
        (re.compile(r"^(\d{14})(\d)$"), _gs1),  # Ground
    ),
    "dhl_express": ((re.compile(r"^(\d{9})(\d)$"), _dhl),),
    "sf_express": ((re.compile(r"^SF\d{13}$"), None), (re.compile(r"^\d{12}$"), None)),
    "own_fleet": ((re.compile(rf"^{OWN_FLEET_PREFIX}(\d{{10}})(\d)$"), _gs1),),
}


def _matches(carrier_code: str, number: str) -> tuple[bool, bool]:
    """(the format matches, and its check digit too)."""
    for pattern, check in FORMATS.get(carrier_code, ()):
        match = pattern.match(number)
        if match:
            return True, check is None or check(match)
    return False, False


def carriers_for(number: str) -> list[str]:
    """The carriers whose format and check digit this number passes."""
    return [code for code in FORMATS if _matches(code, number) == (True, True)]


def looks_like_tracking_number(text: str) -> bool:
    """Shaped like some carrier's tracking number (check digit right or not) and not a
    product's barcode (a valid GTIN is an item, even where a carrier's format allows it)."""
    number = normalise(text)
    if gtin_valid(number):
        return False
    return any(_matches(code, number)[0] for code in FORMATS)


def check_tracking_number(carrier_code: str, text: str, carrier_name: str = "") -> str:
    number = normalise(text)
    name = carrier_name or CARRIER_NAMES.get(carrier_code, carrier_code)
    if carrier_code not in FORMATS:
        if not re.fullmatch(r"[0-9A-Z]{6,40}", number):
            raise TrackingNumberRefused(
                text, name, N_("6 to 40 letters and digits for this carrier")
            )
        return number
    shaped, checked = _matches(carrier_code, number)
    if shaped and checked:
        return number
    if shaped:
        raise TrackingNumberRefused(text, name, N_("a correct check digit (a typo or misread?)"))
    others = [code for code in carriers_for(number) if code != carrier_code]
    if others:
        other = CARRIER_NAMES.get(others[0], others[0])
        raise TrackingNumberRefused.other_carrier(text, name, other)
    raise TrackingNumberRefused(text, name, N_(EXPECTED[carrier_code]))


EXPECTED: dict[str, str] = {
    "ups": N_("1Z followed by 16 letters and digits"),
    "usps": N_("22 or 20 digits starting with 9, or 2 letters, 9 digits and US"),
    "fedex": N_("12 or 15 digits"),
    "dhl_express": N_("10 digits"),
    "sf_express": N_("SF and 13 digits, or 12 digits"),
    "own_fleet": N_("OD and 11 digits"),
}


def own_fleet_tracking_number(parcel_id: int) -> str:
    """Our own fleet's number for a parcel: OD, the parcel id in ten digits, a check digit."""
    body = f"{parcel_id:010d}"
    if len(body) > 10:
        raise ValueError(f"parcel id {parcel_id} does not fit ten digits")
    return f"{OWN_FLEET_PREFIX}{body}{gs1_check_digit(body)}"


def example_tracking_number(carrier_code: str, serial: int) -> str:
    """A number in the carrier's format with a right check digit, for demos and tests
    (the demo has no carrier account to get real ones from)."""
    if carrier_code == "ups":
        body = f"OD000103{serial % 10**7:07d}"
        return f"1Z{body}{ups_check_digit(body)}"
    if carrier_code == "fedex":
        body = f"{7 * 10**10 + serial % 10**10:011d}"
        return f"{body}{fedex_express_check_digit(body)}"
    if carrier_code == "dhl_express":
        body = f"{5 * 10**8 + serial % 10**8:09d}"
        return f"{body}{dhl_express_check_digit(body)}"
    if carrier_code == "usps":
        body = f"9400{serial % 10**17:017d}"
        return f"{body}{gs1_check_digit(body)}"
    if carrier_code == "sf_express":
        return f"SF{serial % 10**13:013d}"
    if carrier_code == "own_fleet":
        return own_fleet_tracking_number(serial)
    raise ValueError(f"no example format for carrier {carrier_code!r}")
