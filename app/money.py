"""Money is integer minor units plus an ISO 4217 code; this turns it into text and back."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from app.errors import InvalidInput

# Currencies whose minor unit is not the cent. Everything else has two decimals.
MINOR_UNIT_DIGITS = {"JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "HUF": 2, "BHD": 3, "KWD": 3, "JOD": 3}
SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "CNY": "¥", "JPY": "¥", "CAD": "CA$", "AUD": "A$"}
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


def parse_amount(text: str, currency: str, field: str = "amount") -> int:
    """A plain decimal (``"12.50"``) → minor units; anything ambiguous is refused.

    ``"12,50"`` and ``"€12.50"`` are refused rather than guessed: a wrong guess is a
    wrong charge.
    """
    cleaned = text.strip()
    if not _PLAIN_AMOUNT.match(cleaned):
        raise InvalidInput(field, text, "a plain decimal amount such as 12.50")
    digits = minor_digits(currency)
    try:
        value = Decimal(cleaned) * (10**digits)
    except InvalidOperation as exc:  # pragma: no cover - guarded by the pattern
        raise InvalidInput(field, text, "a plain decimal amount such as 12.50") from exc
    if value != value.to_integral_value():
        raise InvalidInput(field, text, f"at most {digits} decimal places for {currency}")
    return int(value)
