"""Money is integer minor units plus an ISO 4217 code; this turns it into text and back.

Two written forms: ``format_money`` is the record form (``1,234.56 EUR``), the same in
every language, for text that is stored, logged or written to files; ``display_money`` is
what a person reads, formatted for the desk's language as CLDR defines it (Babel), with
one declared override per currency where staff expect another form.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from app.errors import InvalidInput
from app.i18n import N_, _, current_language

# Currencies whose minor unit is not the cent. Everything else has two decimals.
MINOR_UNIT_DIGITS = {"JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3, "JOD": 3}
_PLAIN_AMOUNT = re.compile(r"^-?\d+(\.\d+)?$")


def minor_digits(currency: str) -> int:
    return MINOR_UNIT_DIGITS.get(currency.upper(), 2)


def format_money(amount_minor: int, currency: str) -> str:
    """``format_money(123456, "EUR")`` → ``"1,234.56 EUR"``: the code is always shown."""
    digits = minor_digits(currency)
    sign = "-" if amount_minor < 0 else ""
    whole, fraction = divmod(abs(amount_minor), 10**digits)
    text = f"{whole:,}" + (f".{fraction:0{digits}d}" if digits else "")
    return f"{sign}{text} {currency.upper()}"


# ISO 4217 "no currency": an order from a report without prices and no price list to
# price it from (app.intake.matching); it has no amount to show, not 0.00.
UNKNOWN_CURRENCY = "XXX"

# Where the staff of a language expect another symbol than CLDR's (zh_TW writes TWD as "$").
CURRENCY_SYMBOL_OVERRIDES = {("zh_TW", "TWD"): "NT$"}


def display_money(amount_minor: int, currency: str, language: str | None = None) -> str:
    """``(123456, "EUR", "en")`` → ``"€1,234.56"``; ``(…, "TWD", "zh_TW")`` → ``"NT$1,234.56"``."""
    from babel.numbers import format_currency, get_currency_symbol

    language = language or current_language()
    code = currency.upper()
    if code == UNKNOWN_CURRENCY:
        return _("amount unknown")
    amount = Decimal(amount_minor).scaleb(-minor_digits(code))
    try:
        text = format_currency(amount, code, locale=language)
    except ValueError:  # a code CLDR does not know: the record form says it plainly
        return format_money(amount_minor, currency)
    override = CURRENCY_SYMBOL_OVERRIDES.get((language, code))
    if override:
        symbol = get_currency_symbol(code, locale=language)
        if symbol in text and override not in text:
            text = text.replace(symbol, override, 1)
    return text


def format_number(value: int | float | Decimal, language: str | None = None) -> str:
    """A count or quantity with the language's grouping (``12,345``)."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=language or current_language())


def parse_amount(text: str, currency: str, field: str = "amount") -> int:
    """A plain decimal (``"12.50"``) → minor units; anything ambiguous is refused.

    ``"12,50"`` and ``"€12.50"`` are refused rather than guessed: a wrong guess is a
    wrong charge.
    """
    cleaned = text.strip()
    if not _PLAIN_AMOUNT.match(cleaned):
        raise InvalidInput(field, text, N_("a plain decimal amount such as 12.50"))
    digits = minor_digits(currency)
    try:
        value = Decimal(cleaned) * (10**digits)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the pattern
        raise InvalidInput(field, text, N_("a plain decimal amount such as 12.50")) from exc
    if value != value.to_integral_value():
        raise InvalidInput(field, text, f"at most {digits} decimal places for {currency}")
    return int(value)
