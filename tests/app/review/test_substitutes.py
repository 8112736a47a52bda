"""Substitutes for a short line, and when the missing units arrive."""

from __future__ import annotations

import dataclasses
import datetime as dt

from app.review.substitutes import expected_arrival, suggest_substitutes
from tests.app.review.facts import KETTLE


def kettle(sku: str, price: int, **changes):
    return dataclasses.replace(KETTLE, id=hash(sku) % 1000, sku=sku, price_cents=price, **changes)


def test_up_to_three_of_the_same_category_at_a_similar_price_closest_first():
    candidates = [
        (kettle("K-A", 2300), 10),  # +301: within 20 %
        (kettle("K-B", 1900), 10),  # −99
        (kettle("K-C", 2050), 10),  # +51
        (kettle("K-D", 1700), 10),  # −299
        (kettle("K-E", 2500), 10),  # +501: outside 20 % (399)
    ]
    found = suggest_substitutes(KETTLE, 2, candidates)
    assert [s.product.sku for s in found] == ["K-C", "K-B", "K-D"]
    assert found[0].price_difference_cents == 51


def test_a_substitute_must_have_the_units_be_active_same_category_and_currency():
    candidates = [
        (kettle("K-FEW", 2000), 1),
        (kettle("K-OFF", 2000, active=False), 50),
        (kettle("K-TOOL", 2000, category="garden"), 50),
        (kettle("K-USD", 2000, currency="USD"), 50),
        (KETTLE, 50),  # the short product itself
    ]
    assert suggest_substitutes(KETTLE, 2, candidates) == []


def test_among_equal_prices_the_one_with_most_stock_comes_first():
    found = suggest_substitutes(KETTLE, 1, [(kettle("K-1", 2000), 3), (kettle("K-2", 2000), 30)])
    assert [s.product.sku for s in found] == ["K-2", "K-1"]


def test_the_arrival_is_the_date_incoming_stock_covers_the_shortfall():
    incoming = [(dt.date(2026, 4, 2), 3), (dt.date(2026, 3, 20), 2), (dt.date(2026, 5, 1), 10)]
    assert expected_arrival(2, incoming) == dt.date(2026, 3, 20)
    assert expected_arrival(4, incoming) == dt.date(2026, 4, 2)
    assert expected_arrival(6, incoming) == dt.date(2026, 5, 1)
    assert expected_arrival(100, incoming) is None
    assert expected_arrival(0, incoming) is None
