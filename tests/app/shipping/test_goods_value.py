"""The goods' value read for the carrier choice, as whole cents."""

from __future__ import annotations

import decimal

from app.shipping.service import _cents


def test_the_goods_value_is_truncated_to_cents_as_a_numeric_read_would():
    assert _cents(None) == 0
    assert _cents(0) == 0
    assert _cents(decimal.Decimal("3333.3333")) == 3333
    assert _cents(3333.3333333333335) == 3333  # SQLite's division gives a float
    assert _cents(1999.9999999999998) == 2000  # through ten places, as SQLAlchemy read it
    assert _cents(6000) == 6000
