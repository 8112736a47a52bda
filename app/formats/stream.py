"""The one shape every reader returns: header, size for progress, and the orders."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from app.formats.common import IncomingOrder, ReadItem


@dataclass(slots=True)
class SourceOrder:
    """One order's rows as found in the file, before they are parsed.

    ``digest`` hashes the raw rows, so an order already imported from the very same rows
    is recognised without parsing them again (that is what makes a re-import cheap).
    It is None where there are no raw rows to hash (JSON: parsed as a whole).
    """

    channel: str | None
    order_id: str | None
    digest: str | None
    units: int
    parse: Callable[[], ReadItem]


def rows_digest(format: str, channel: str, rows: Sequence[Sequence[str]]) -> str:
    text = "\x1e".join("\x1f".join(cells) for cells in rows)
    data = f"{format}\x1d{channel}\x1d{text}".encode("utf-8", "surrogatepass")
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def parsed(item: ReadItem) -> SourceOrder:
    """An order that was parsed as a whole already (JSON), as a source."""
    if isinstance(item, IncomingOrder):
        return SourceOrder(item.channel, item.channel_order_id, None, 1, lambda: item)
    return SourceOrder(None, item.order_id, None, 1, lambda: item)


@dataclass
class OrderStream:
    """Orders of one file, read lazily; iterate once.

    ``total_units`` is what progress counts against: data rows for the delimited
    formats, orders for JSON (where one order is one unit; 0 when not known up front).
    Iterating gives parsed orders; ``sources`` gives them unparsed, for intake to skip
    what it already has.
    """

    format: str
    header: tuple[str, ...]
    total_units: int
    sources: Iterator[SourceOrder]

    def __iter__(self) -> Iterator[ReadItem]:
        return (source.parse() for source in self.sources)
