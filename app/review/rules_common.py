"""What every review rule shares: the rule shape, severities, and text helpers.

Pure: no database, no Qt.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache

from app.i18n import N_
from app.money import format_money
from app.review.model import (
    Finding,
    OrderFacts,
    ReviewWorld,
    Severity,
)

log = logging.getLogger(__name__)

Rule = Callable[[OrderFacts, ReviewWorld], list[Finding]]

BLOCK, WARN = Severity.BLOCK, Severity.WARN


LETTER_OR_DIGIT = re.compile(r"[^\W_]")


@lru_cache(maxsize=65_536)
def has_text(value: str | None) -> bool:
    """True when a value holds a letter or digit, not just spaces or invisible marks.

    Remembered: a run asks it some sixteen times an order, mostly of the same few texts
    (country codes, cities, SKUs)."""
    return bool(value and LETTER_OR_DIGIT.search(value))


# Which the channel and our catalogue disagree on: a model number or a spec.
SPEC_MISMATCH = {
    "model": N_(
        "Line {line}: the channel says model {given!r}, {sku} is model {ours!r}. Confirm "
        "which the customer wants."
    ),
    "spec": N_(
        "Line {line}: the channel says spec {given!r}, {sku} is spec {ours!r}. Confirm "
        "which the customer wants."
    ),
}


def money_text(amount: int, currency: str) -> str:
    code = currency if has_text(currency) else "?"
    return format_money(amount, code)
