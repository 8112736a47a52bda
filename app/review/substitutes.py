"""What to tell a customer whose order is short: when stock arrives, what else would do.

Pure functions over plain data; the service loads the candidates and incoming stock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from app.review.model import ProductFacts

MAX_SUBSTITUTES = 3


@dataclass(frozen=True)
class Substitute:
    product: ProductFacts
    available: int
    price_difference_cents: int  # substitute price minus the original's


def suggest_substitutes(
    original: ProductFacts,
    needed: int,
    candidates: Iterable[tuple[ProductFacts, int]],
    *,
    band_percent: int = 20,
    limit: int = MAX_SUBSTITUTES,
) -> list[Substitute]:
    """Up to ``limit`` products of the same category, at a similar price, with the units.

    Similar price = within ``band_percent`` of the original's list price, same currency.
    Closest price first; among equals, the one with most stock (least likely to run out).
    """
    band = original.price_cents * max(0, band_percent) // 100
    found = [
        Substitute(product, available, product.price_cents - original.price_cents)
        for product, available in candidates
        if product.sku != original.sku
        and product.active
        and product.category == original.category
        and product.currency == original.currency
        and abs(product.price_cents - original.price_cents) <= band
        and available >= max(1, needed)
    ]
    found.sort(key=lambda s: (abs(s.price_difference_cents), -s.available, s.product.sku))
    return found[: max(0, limit)]


def expected_arrival(short_units: int, incoming: Iterable[tuple[dt.date, int]]) -> dt.date | None:
    """The first date by which incoming deliveries cover the shortfall, if any do."""
    if short_units <= 0:
        return None
    arrived = 0
    for day, quantity in sorted(incoming):
        arrived += max(0, quantity)
        if arrived >= short_units:
            return day
    return None
