"""Normalised keys for comparing identifiers: block lists, duplicates, "a different address".

The same function makes the key when an identifier is put on the block list and when an
order is checked against it, so "Ann@Example.com " and "ann@example.com" are one person.
Pure functions; they never raise on odd input.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

import phonenumbers

_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)
_NOT_DIGIT = re.compile(r"\D+")


def _fold(text: str) -> str:
    # NFKC folds full-width digits and letters (common in CJK input) to their plain form.
    return unicodedata.normalize("NFKC", text or "").casefold()


def email_key(email: str | None) -> str:
    return _fold(email or "").strip()


class PhoneReading(NamedTuple):
    valid: bool  # a number that can exist (phonenumbers' is_valid_number)
    region: str  # the country the number belongs to, "" when unknown
    key: str  # E.164 when readable (``+4930123456``), else its digits


@lru_cache(maxsize=131_072)
def read_phone(phone: str | None, country: str = "") -> PhoneReading:
    """One parse per distinct (number, destination): review batches repeat customers."""
    raw = _fold(phone or "").strip()
    if not raw:
        return PhoneReading(False, "", "")
    region = (country or "").strip().upper()
    try:
        parsed = phonenumbers.parse(
            raw, region if region in phonenumbers.SUPPORTED_REGIONS else None
        )
    except phonenumbers.NumberParseException:
        return PhoneReading(False, "", _NOT_DIGIT.sub("", raw))
    region, valid = _region_and_validity(parsed)
    return PhoneReading(
        valid,
        region or "",
        phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
    )


def _region_and_validity(parsed: phonenumbers.PhoneNumber) -> tuple[str | None, bool]:
    """``region_code_for_number`` and ``is_valid_number`` in one pass.

    The library answers each by matching the number against every pattern of its
    region, and ``is_valid_number`` first finds the region again: three full pattern
    matches per number, most of a review's time. This walks the regions of the calling
    code exactly as ``region_code_for_number`` does and keeps the match it made (a
    region found by its patterns is one the number is valid for).
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(parsed.country_code)
    if not regions:
        return None, False
    if len(regions) == 1:
        return regions[0], phonenumbers.is_valid_number_for_region(parsed, regions[0])
    national = phonenumbers.national_significant_number(parsed)
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if _leading_digits(metadata.leading_digits).match(national):
                return region, phonenumbers.is_valid_number_for_region(parsed, region)
        elif phonenumbers.is_valid_number_for_region(parsed, region):
            return region, True
    return None, False


@lru_cache(maxsize=1024)
def _leading_digits(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def phone_key(phone: str | None, country: str = "") -> str:
    """The number as E.164 when it can be read, else its digits: the block-list key."""
    return read_phone(phone, country).key


def address_key(line1: str, postal_code: str, country: str, city: str = "") -> str:
    """Street, postcode and country with case, spaces and punctuation folded away.

    The city is only used when there is no postcode: spellings of a city vary more than
    postcodes do ("München" / "Munich").
    """
    parts = [line1, postal_code if postal_code.strip() else city, country]
    return "|".join(_NOT_WORD.sub("", _fold(part)) for part in parts)


@lru_cache(maxsize=65_536)
def _sku_key(sku: str) -> str:
    return _fold(sku).strip()


def items_key(items: Iterable[tuple[str, int]]) -> tuple[tuple[str, int], ...]:
    """The multiset of (SKU, quantity) of an order, in one canonical order."""
    totals: dict[str, int] = {}
    for sku, quantity in items:
        key = _sku_key(sku)
        totals[key] = totals.get(key, 0) + quantity
    return tuple(sorted(totals.items()))
