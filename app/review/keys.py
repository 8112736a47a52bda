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
from phonenumbers import PhoneMetadata, PhoneNumberDesc

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
    walks per number, most of a review's time. This walks the regions of the calling
    code as ``region_code_for_number`` does and keeps the match it made (a region found
    by its patterns is one the number is valid for). ``tests/app/review/test_keys.py``
    holds it to the library's own answers.
    """
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(parsed.country_code)
    if not regions:
        return None, False
    if len(regions) == 1:
        return regions[0], _valid_for_region(parsed, regions[0])
    national = phonenumbers.national_significant_number(parsed)
    for region in regions:
        metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
        if metadata is None:
            continue
        if metadata.leading_digits is not None:
            if _pattern(metadata.leading_digits).match(national):
                return region, _valid_for_region(parsed, region)
        elif _has_a_type(national, metadata):
            return region, True
    return None, False


def _valid_for_region(parsed: phonenumbers.PhoneNumber, region: str) -> bool:
    """``phonenumbers.is_valid_number_for_region``, through ``_has_a_type``."""
    metadata = PhoneMetadata.metadata_for_region_or_calling_code(
        parsed.country_code, region.upper()
    )
    if metadata is None or (
        region != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY
        and parsed.country_code != phonenumbers.country_code_for_valid_region(region)
    ):
        return False
    return _has_a_type(phonenumbers.national_significant_number(parsed), metadata)


# The kinds of number a region lists, the common ones first: a number is valid when it
# fits the region's general pattern and any kind's; the library tries the rare kinds
# first because it wants to know which kind, and validity only needs one.
_KINDS = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost", "voip",
    "personal_number", "pager", "uan", "voicemail",
)  # fmt: skip


def _has_a_type(national: str, metadata: PhoneMetadata) -> bool:
    """The library's ``number_type(...) != UNKNOWN`` for a national number."""
    if not _fits(national, metadata.general_desc):
        return False
    for kind in _KINDS:
        # With the same pattern for both, the library never asks the mobile one.
        if kind == "mobile" and metadata.same_mobile_and_fixed_line_pattern:
            continue
        if _fits(national, getattr(metadata, kind)):
            return True
    return False


def _fits(national: str, desc: PhoneNumberDesc | None) -> bool:
    if desc is None or not desc.national_number_pattern:
        return False
    if desc.possible_length and len(national) not in desc.possible_length:
        return False
    return _pattern(desc.national_number_pattern).fullmatch(national) is not None


@lru_cache(maxsize=4096)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def phone_key(phone: str | None, country: str = "") -> str:
    """The number as E.164 when it can be read, else its digits: the block-list key."""
    return read_phone(phone, country).key


@lru_cache(maxsize=65_536)
def address_key(line1: str, postal_code: str, country: str, city: str = "") -> str:
    """Street, postcode and country with case, spaces and punctuation folded away.

    The city is only used when there is no postcode: spellings of a city vary more than
    postcodes do ("München" / "Munich"). Remembered: a run asks again for each order of a
    customer's recent history, batch after batch.
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
