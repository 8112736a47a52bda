"""Helpers for the format tests: small files written in the real formats."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.formats.common import IncomingOrder, RejectedOrder

FIXTURES = Path(__file__).parent / "fixtures"


def split(items) -> tuple[dict[str, IncomingOrder], list[RejectedOrder]]:
    orders: dict[str, IncomingOrder] = {}
    rejected: list[RejectedOrder] = []
    for item in items:
        if isinstance(item, IncomingOrder):
            orders[item.channel_order_id] = item
        else:
            rejected.append(item)
    return orders, rejected


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES
