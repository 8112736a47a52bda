"""Folded search keys: what a clerk types and what is stored meet in one form.

Pure functions, no database: every writer of customers (intake, the shop counter, the demo)
calls ``customer_search_keys`` and writes the keys in the same statement as the customer,
and the search folds what was typed with the same rules.

* Text: Traditional Chinese as Simplified (OpenCC ``t2s``: 張 finds 张), accents removed
  (Müller → muller), case folded (ß → ss), punctuation other than ``@ . + - _`` turned into
  spaces. Name and e-mail go into one text, so part of an e-mail finds the customer too.
* Phone: the national significant number (digits without the country code or trunk
  prefix), so ``+86 138 9342 7221``, ``13893427221``, ``0049 160 …`` and ``0160 …`` meet.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

_NOT_KEPT = re.compile(r"[^\w@.+\-]+", re.UNICODE)
_SPACES = re.compile(r"\s+")
MAX_TEXT_KEY = 500
MAX_PHONE_KEY = 20


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC

    return OpenCC("t2s")


def _has_han(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


def fold_text(text: str | None) -> str:
    """Lower case, no accents, Simplified Chinese, single spaces."""
    if not text:
        return ""
    if text.isascii():  # most names and every e-mail: no accents, no Chinese
        return _SPACES.sub(" ", _NOT_KEPT.sub(" ", text.lower())).strip()
    if _has_han(text):
        text = _t2s().convert(text)
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = _NOT_KEPT.sub(" ", plain.casefold())
    return _SPACES.sub(" ", folded).strip()


def phone_key(phone: str | None, region: str | None = None) -> str:
    """The national significant number of ``phone`` (digits), or "" when there is none."""
    if not phone:
        return ""
    text = phone.strip()
    digits = re.sub(r"\D", "", text)
    if not digits:
        return ""
    if text.startswith("00"):
        text, digits = "+" + digits[2:], digits[2:]
    if text.startswith("+"):
        # Fast path (stored numbers are E.164): drop the country calling code.
        for length in (1, 2, 3):
            if int(digits[:length] or 0) in COUNTRY_CODE_TO_REGION_CODE:
                return digits[length:].lstrip("0")[:MAX_PHONE_KEY]
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else (region or None))
        national = str(number.national_number)
        if national:
            return national[:MAX_PHONE_KEY]
    except phonenumbers.NumberParseException:
        pass
    return digits.lstrip("0")[:MAX_PHONE_KEY]


@dataclass(frozen=True)
class CustomerKeys:
    search_text: str
    search_phone: str

    def as_row(self) -> dict[str, str]:
        return {"search_text": self.search_text, "search_phone": self.search_phone}


def customer_search_keys(
    name: str | None, email: str | None, phone: str | None, region: str | None = None
) -> CustomerKeys:
    """The stored keys of one customer (columns ``search_text`` and ``search_phone``)."""
    text = " ".join(part for part in (fold_text(name), fold_text(email)) if part)
    return CustomerKeys(text[:MAX_TEXT_KEY], phone_key(phone, region))


# --------------------------------------------------------------------------- what was typed


@dataclass(frozen=True)
class SearchQuery:
    """What a clerk typed, read every way it could be meant."""

    tokens: tuple[str, ...]  # folded words, each to be found somewhere in the text key
    phone: str  # a national number to find as a prefix of the phone key, or ""
    order_id: int | None  # a bare order number ("5037" for SO-005037)
    channel_id: str  # the text as a channel order id (or its first part)
    # Other readings of the same digits: typed with the country code but without + or 00.
    other_phones: tuple[str, ...] = ()


def read_query(text: str) -> SearchQuery:
    raw = text.strip()
    # "Surname, Given" and "Given Surname" are the same words in another order.
    tokens = tuple(dict.fromkeys(t for t in fold_text(raw.replace(",", " ")).split(" ") if t))
    if raw.isdigit():
        tokens = ()  # a bare number is an order number or a phone, not part of a name
    digits = re.sub(r"\D", "", raw)
    phone_like = bool(re.fullmatch(r"\+?[\d\s().\-/]{5,}", raw)) and len(digits) >= 5
    order_id = int(raw) if raw.isdigit() and len(raw) <= 9 else None
    phone = phone_key(raw) if phone_like else ""
    others: list[str] = []
    if phone and not raw.startswith(("+", "00")):
        for length in (1, 2, 3):
            code = digits[:length]
            if int(code) in COUNTRY_CODE_TO_REGION_CODE and len(digits) - length >= 4:
                others.append(digits[length:].lstrip("0"))
    return SearchQuery(
        tokens=tokens,
        phone=phone,
        order_id=order_id,
        channel_id=raw,
        other_phones=tuple(p for p in dict.fromkeys(others) if p and p != phone),
    )
