"""The one shape every reader returns: header, size for progress, and the orders."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from app.formats.common import ReadItem


@dataclass
class OrderStream:
    """Orders of one file, read lazily; iterate once.

    ``total_units`` is what progress counts against: data rows for the delimited
    formats, orders for JSON (where one order is one unit).
    """

    format: str
    header: tuple[str, ...]
    total_units: int
    items: Iterator[ReadItem]

    def __iter__(self) -> Iterator[ReadItem]:
        return self.items
