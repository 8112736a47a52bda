"""Human numbers people read, type and scan: SO-000123, SH-000123, PL-000123, CS-000123,
RT-000123 (a return).

They are the primary key with a prefix, so they never need storing, never collide, and a
scanned number is found through the primary key index.
"""

from __future__ import annotations

import re

PREFIXES = {"order": "SO", "shipment": "SH", "pick_list": "PL", "case": "CS", "return": "RT"}
_KIND_BY_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}
_NUMBER = re.compile(r"^\s*([A-Za-z]{2})-?(\d{1,12})\s*$")


def entity_number(kind: str, entity_id: int) -> str:
    return f"{PREFIXES[kind]}-{entity_id:06d}"


def order_number(order_id: int) -> str:
    return entity_number("order", order_id)


def parse_number(text: str) -> tuple[str, int] | None:
    """``"so-000123"`` → ``("order", 123)``; anything else → ``None``."""
    match = _NUMBER.match(text)
    if not match:
        return None
    kind = _KIND_BY_PREFIX.get(match.group(1).upper())
    if kind is None:
        return None
    return kind, int(match.group(2))
