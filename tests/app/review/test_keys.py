"""The phone reading's one-pass region and validity agree with phonenumbers' own answers."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from app.review.keys import _region_and_validity, read_phone

NUMBERS = [
    "+44 20 7946 0001",  # GB, shares +44 with the crown dependencies
    "+44 1624 123456",  # Isle of Man landline
    "+44 7624 123456",  # Isle of Man mobile
    "+44 1534 123456",  # Jersey
    "+44 12",  # too short
    "+1 212 555 0100",
    "+1 416 555 0100",  # Canada
    "+1 242 357 1234",  # Bahamas (leading digits)
    "+1 999 999 9999",
    "+49 30 123456",
    "+86 138 0013 8000",
    "+7 495 123 4567",
    "+7 700 123 4567",  # Kazakhstan shares +7
    "+800 1234 5678",  # non-geographic
    "+590 590 271234",
    "+61 8 9164 1234",
    "+47 79 12 34 56",  # Svalbard shares +47
]


def _library(parsed: phonenumbers.PhoneNumber) -> tuple[str | None, bool]:
    return phonenumbers.region_code_for_number(parsed), phonenumbers.is_valid_number(parsed)


@pytest.mark.parametrize("text", NUMBERS)
def test_region_and_validity_match_the_library(text: str) -> None:
    parsed = phonenumbers.parse(text, None)
    assert _region_and_validity(parsed) == _library(parsed)


def test_random_numbers_of_every_calling_code_read_as_the_library_reads_them() -> None:
    rng = random.Random(12)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    for _ in range(3000):
        digits = "".join(str(rng.randrange(10)) for _ in range(rng.randrange(4, 12)))
        try:
            parsed = phonenumbers.parse(f"+{rng.choice(codes)} {digits}", None)
        except phonenumbers.NumberParseException:
            continue
        assert _region_and_validity(parsed) == _library(parsed), digits


def test_a_jersey_number_sent_to_great_britain_is_valid_and_from_jersey() -> None:
    reading = read_phone("01534 123456", "GB")
    assert reading == (True, "JE", "+441534123456")


def test_every_regions_example_numbers_read_as_the_library_reads_them() -> None:
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in range(12):  # every PhoneNumberType the metadata gives examples of
            example = phonenumbers.example_number_for_type(region, kind)
            if example is not None:
                assert _region_and_validity(example) == _library(example), (region, kind)
