"""The one GTIN check digit the project keeps (EAN-13, UPC-A, EAN-8, GTIN-14).

GS1's rule: weights 3 and 1 alternate from the rightmost digit of the body, the check digit
rounds the sum up to a multiple of ten. The counter (is a scanned number a product?), the
demo data (making valid EANs) and the labels (never print a barcode whose check digit is
wrong) all ask here.
"""

from __future__ import annotations

GTIN_LENGTHS = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """The check digit for ``body`` (a GTIN without its last digit)."""
    if not body.isascii() or not body.isdigit():
        raise ValueError(f"a GTIN body is digits only, got {body!r}")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_valid(digits: str) -> bool:
    """True when ``digits`` is a GTIN-8/12/13/14 whose last digit is its check digit."""
    if len(digits) not in GTIN_LENGTHS or not digits.isascii() or not digits.isdigit():
        return False
    return gtin_check_digit(digits[:-1]) == int(digits[-1])
