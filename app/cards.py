"""Card numbers: the one place that knows what a card number looks like.

DESIGN: a full card number is never stored, logged or shown. Everything that reads text
from outside (the order file readers, the shop counter, the review desk's payment fields)
passes it through here on its way to the database:

- ``scrub(text)`` replaces each card number in free text (an address, a name, a note) by
  its last four, ``•••• 1234``, and says that it did;
- ``card_number_in(text)`` finds one without changing anything (a desk that can refuse
  the input, because the person who typed it is there, refuses instead);
- identifiers (order, line and buyer ids, SKUs) are the channel's keys and are never
  rewritten: ``card_number_in`` tells the caller an identifier is a card number, and the
  order gets a review finding instead.

What counts as a card number: 13–19 digits with a card issuer's prefix (the IIN ranges
below, with the lengths each issues) and a valid Luhn check digit, written contiguously or
in the groups cards are printed in (4-4-4-4…, Amex 4-6-5, Diners 4-6-4) with any
separators between the groups (spaces of any width, dashes, dots, slashes, underscores),
in ASCII or full-width (or any other Unicode) digits, with or without a leading ``+``.
Not a card: a valid phone number (read internationally) and a GTIN (EAN-13, GTIN-14) whose
check digit is right — one in ten of those passes Luhn too, and counters scan barcodes
all day.

Pure: no database, no Qt. Cheap on the usual text: a value with fewer than 13 digits in a
row (separators allowed) is not looked at further (one regular-expression search).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers

from app.gtin import gtin_valid

MIN_DIGITS, MAX_DIGITS = 13, 19
MASK = "\u2022\u2022\u2022\u2022"  # ••••

# Between the digits of one number: spaces of every width, dashes, dots, slashes and
# underscores, ASCII and full-width; at most three in a row (" - ", double spaces).
_SEPARATORS = (
    " \u00a0\u1680\u2000-\u200b\u202f\u205f\u3000"  # spaces, no-break and ideographic
    "\\-\u2010-\u2015\u2212\ufe58\ufe63\uff0d"  # hyphens, dashes, minus
    ".\u00b7\u2024\u30fb\uff0e\uff61"  # dots
    "/\u2044\u2215\uff0f"  # slashes
    "_\uff3f"  # underscores
)
_SEP = f"[{_SEPARATORS}]"
# The fast path: at least 13 digits in one run. Most text fails this at C speed.
_LONG_RUN = re.compile(rf"\d(?:{_SEP}{{0,3}}\d){{12}}")
# A whole run of digits and separators, with an optional leading "+".
_RUN = re.compile(rf"(?<!\d)\+?{_SEP}{{0,2}}\d(?:{_SEP}{{0,3}}\d)*")
_GROUP = re.compile(r"\d+")
_TRAILING = re.compile(rf"(?:{_SEP}{{1,3}}\d{{1,4}}){{1,3}}(?!\d)")
# A security code next to a removed card number ("CVV 123", "cvc: 1234").
_SECURITY_CODE = re.compile(r"(?i)\b(cvv2?|cvc2?|csc|cid|security code)\W{0,3}\d{3,4}\b")


# --------------------------------------------------------------------------- checks


def luhn_valid(digits: str) -> bool:
    """True when ``digits`` (ASCII digits only, no separators) passes the Luhn check.

    Length is not judged here (``is_card_number`` does): "79927398713" is Luhn's own
    textbook example and passes.
    """
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = ord(char) - 48
        if position % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def _leading(digits: str, width: int) -> int:
    return int(digits[:width]) if len(digits) >= width else -1


_ANY = range(MIN_DIGITS, MAX_DIGITS + 1)
_16_19 = range(16, MAX_DIGITS + 1)
# Issuer prefixes (IIN ranges) per brand with the lengths they issue, most specific first.
_BRANDS: tuple[tuple[str, object, range | tuple[int, ...]], ...] = (
    ("amex", lambda d: _leading(d, 2) in (34, 37), (15,)),
    ("diners", lambda d: 300 <= _leading(d, 3) <= 305 or _leading(d, 2) in (36, 38, 39), _ANY),
    ("jcb", lambda d: 3528 <= _leading(d, 4) <= 3589, _16_19),
    ("discover", lambda d: _leading(d, 4) == 6011 or 644 <= _leading(d, 3) <= 659, _16_19),
    ("unionpay", lambda d: _leading(d, 2) in (62, 81), _16_19),
    ("mir", lambda d: 2200 <= _leading(d, 4) <= 2204, _16_19),
    ("mastercard", lambda d: 51 <= _leading(d, 2) <= 55 or 2221 <= _leading(d, 4) <= 2720, (16,)),
    ("maestro", lambda d: _leading(d, 2) in (50, 56, 57, 58, 60, 63, 67, 69), _ANY),
    ("rupay", lambda d: _leading(d, 2) in (60, 65, 82) or _leading(d, 3) == 508, (16,)),
    ("troy", lambda d: _leading(d, 4) == 9792, (16,)),
    ("visa", lambda d: _leading(d, 1) == 4, (13, 16, 19)),
    ("uatp", lambda d: _leading(d, 1) == 1, (15,)),  # airline cards
)


def brand_for_number(number: str) -> str | None:
    """The card brand a number's prefix belongs to (separators ignored), else None."""
    digits = "".join(ch for ch in number if ch.isdigit() and ch.isascii())
    for brand, test, _lengths in _BRANDS:
        if test(digits):  # type: ignore[operator]
            return brand
    return None


def _issued(digits: str) -> bool:
    return any(test(digits) and len(digits) in lengths for _, test, lengths in _BRANDS)  # type: ignore[operator]


@lru_cache(maxsize=4096)
def is_card_number(digits: str) -> bool:
    """13–19 ASCII digits with an issuer's prefix and length and a right Luhn digit, that
    are not a GTIN with a right check digit nor a valid phone number."""
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS or not luhn_valid(digits):
        return False
    if not _issued(digits):
        return False
    if len(digits) in (13, 14) and gtin_valid(digits):
        return False
    return not _is_phone(digits)


def _is_phone(digits: str) -> bool:
    if len(digits) > 15:  # E.164: a phone number has at most 15 digits
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse("+" + digits, None))
    except phonenumbers.NumberParseException:
        return False


def plausible_card_number(number: str) -> bool:
    """For a number typed into a card field: 12–19 ASCII digits with a right Luhn digit."""
    return 12 <= len(number) <= MAX_DIGITS and luhn_valid(number)


# --------------------------------------------------------------------------- finding them


@dataclass(frozen=True)
class Found:
    start: int  # span in the text, the card's digits and separators (and a leading "+")
    end: int
    last4: str
    digits: int  # how many


def _ascii(digits: str) -> str:
    if digits.isascii():
        return digits
    return "".join(str(unicodedata.decimal(ch, 0)) for ch in digits)


def _printed_shape(lengths: list[int]) -> bool:
    """Contiguous, or grouped as cards are printed: fours (the last group 1–4 digits),
    Amex/UATP 4-6-5 / 4-5-6, Diners 4-6-4."""
    if len(lengths) == 1:
        return True
    if len(lengths) >= 4 and all(n == 4 for n in lengths[:-1]) and 1 <= lengths[-1] <= 4:
        return True
    return tuple(lengths) in ((4, 6, 5), (4, 6, 4), (4, 5, 6))


def might_hold_card_number(text: str) -> bool:
    """The fast path: False means ``text`` certainly holds no card number."""
    return len(text) >= MIN_DIGITS and _LONG_RUN.search(text) is not None


def find_card_numbers(text: str, min_digits: int = MIN_DIGITS) -> list[Found]:
    """Every card number in ``text`` (of at least ``min_digits``), left to right."""
    if not might_hold_card_number(text):
        return []
    found: list[Found] = []
    for run in _RUN.finditer(text):
        groups = list(_GROUP.finditer(run.group()))
        if sum(len(g.group()) for g in groups) < min_digits:
            continue
        offset = run.start()
        index = 0
        while index < len(groups):
            end = _card_from(groups, index, min_digits)
            if end is None:
                index += 1
                continue
            digits = "".join(_ascii(g.group()) for g in groups[index:end])
            start = offset + groups[index].start()
            if index == 0 and run.group().startswith("+"):
                start = offset
            found.append(Found(start, offset + groups[end - 1].end(), digits[-4:], len(digits)))
            index = end
    return found


def _card_from(groups: list[re.Match], first: int, min_digits: int = MIN_DIGITS) -> int | None:
    """The end (exclusive group index) of a card number starting at group ``first``.

    Every printed grouping starts with four digits, so only a group of 4 (or one long
    enough to be a card on its own) can start one: order and item ids such as Amazon's
    123-1234567-1234567 are passed over without more work.
    """
    size = len(groups[first].group())
    if MIN_DIGITS <= size <= MAX_DIGITS:
        if size < min_digits:
            return None
        return first + 1 if is_card_number(_ascii(groups[first].group())) else None
    if size != 4:
        return None
    lengths: list[int] = []
    digits = ""
    for index in range(first, len(groups)):
        text = groups[index].group()
        lengths.append(len(text))
        digits += _ascii(text)
        if len(digits) > MAX_DIGITS:
            return None
        if len(digits) >= min_digits and _printed_shape(lengths) and is_card_number(digits):
            return index + 1
    return None


def card_number_in(text: str) -> str | None:
    """The last four digits of the first card number in ``text``, else None."""
    found = find_card_numbers(text)
    return found[0].last4 if found else None


# Channels' own keys are often long numbers: Amazon's order-item-id has 14 digits, and one
# in ten such numbers with a Diners or Maestro prefix passes Luhn. An identifier counts as a
# card number from 15 digits on (Amex, and the 16-digit cards almost all are).
MIN_IDENTIFIER_CARD_DIGITS = 15
# 15–19 digits in a row, or groups printed as on a card (4-4-4…, 4-6-5, 4-5-6).
_IDENTIFIER_CARD_SHAPE = re.compile(
    rf"(?<!\d)(?:\+?\d{{15,19}}|\d{{4}}{_SEP}{{1,3}}\d{{4,6}}{_SEP}{{1,3}}\d{{4,6}})(?!\d)"
)


def card_in_identifier(value: str | None) -> str | None:
    """The last four of a card number that an identifier (order, line or buyer id, SKU) is
    or holds, else None. Identifiers are never rewritten; this only tells."""
    if not value or not _IDENTIFIER_CARD_SHAPE.search(value):
        return None  # the usual id (Amazon's 123-1234567-1234567, 14-digit item ids): at C speed
    found = find_card_numbers(value, MIN_IDENTIFIER_CARD_DIGITS)
    return found[0].last4 if found else None


def card_number_across(texts: Iterable[str]) -> str | None:
    """A card number in one of ``texts`` or split over two of them next to each other
    (the first half typed into one field, the rest into the next)."""
    texts = [text for text in texts if text]
    for text in texts:
        last4 = card_number_in(text)
        if last4:
            return last4
    for before, after in itertools.pairwise(texts):
        last4 = card_number_in(f"{before.rstrip()} {after.lstrip()}")
        if last4:
            return last4
    return None


# --------------------------------------------------------------------------- removing them


def masked(last4: str) -> str:
    return f"{MASK} {last4}"


def scrub(text: str) -> tuple[str, int]:
    """``text`` with each card number replaced by ``•••• 1234``, and how many there were.

    A security code written next to a removed number ("CVV 123") goes too.
    """
    found = find_card_numbers(text)
    if not found:
        return text, 0
    parts = []
    position = 0
    for number, card in enumerate(found):
        parts.append(text[position : card.start])
        parts.append(masked(card.last4))
        position = card.end
        # An expiry and security code printed right after the number, in the same run of
        # digits ("4111 1111 1111 1111 12/27 123"), leave with it.
        limit = found[number + 1].start if number + 1 < len(found) else len(text)
        trailing = _TRAILING.match(text, position, limit)
        if trailing:
            position = trailing.end()
    parts.append(text[position:])
    return _SECURITY_CODE.sub(lambda m: f"{m.group(1)} •••", "".join(parts)), len(found)


def holds_mask(text: str | None) -> bool:
    """Whether ``text`` carries a ``•••• 1234`` left where a card number was removed."""
    return bool(text) and _MASKED.search(text) is not None  # type: ignore[arg-type]


_MASKED = re.compile(MASK + r" \d{4}")
