"""The one shape every reader returns: header, size for progress, and the orders."""

from __future__ import annotations

import datetime as dt
import hashlib
import operator
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from functools import partial

from app.address import PostalAddress
from app.formats.common import (
    Buyer,
    IncomingLine,
    IncomingOrder,
    ReadItem,
    RejectedOrder,
    RejectedRow,
)
from app.formats.scrubbing import scrub_item
from app.i18n import sentence_data, sentence_from_data


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

    def __post_init__(self) -> None:
        # Card numbers leave every reader's orders here, before anything can store them.
        self.sources = (_scrubbing(source) for source in self.sources)

    def __iter__(self) -> Iterator[ReadItem]:
        return (source.parse() for source in self.sources)


def _scrubbing(source: SourceOrder) -> SourceOrder:
    parse = source.parse
    source.parse = lambda: scrub_item(parse())
    return source


# --------------------------------------------------------------------------- plain tuples

# What an order is made of, in constructor order: an order read in another process crosses
# the pipe as nested tuples of str, int, bool and None (``marshal`` carries nothing else and
# is many times faster than pickle), times as ISO text (which keeps their offset exactly).
_LINE_FIELDS = tuple(f.name for f in fields(IncomingLine))
_BUYER_FIELDS = tuple(f.name for f in fields(Buyer))
_SHIP_FIELDS = tuple(f.name for f in fields(PostalAddress))
_TIME_FIELDS = ("purchased_at", "ship_by_at", "paid_at")
_ORDER_FIELDS = tuple(
    f.name for f in fields(IncomingOrder) if f.name not in {"lines", "buyer", "ship_to"}
)
# Worked out once, where the order is read (cached properties of IncomingOrder).
_COMPUTED = (
    "fingerprint",
    "subtotal_minor",
    "shipping_minor",
    "tax_minor",
    "discount_minor",
    "total_minor",
)


# Each part's values in field order, in one C call (an import turns 100,000s of orders
# into tuples in its reader worker).
_order_scalars = operator.attrgetter(*_ORDER_FIELDS)
_line_values = operator.attrgetter(*_LINE_FIELDS)
_buyer_values = operator.attrgetter(*_BUYER_FIELDS)
_ship_values = operator.attrgetter(*_SHIP_FIELDS)
_computed_values = operator.attrgetter(*_COMPUTED)
_TIME_AT = tuple(_ORDER_FIELDS.index(name) for name in _TIME_FIELDS)


def _time_text(value: dt.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def item_as_tuple(item: ReadItem) -> tuple:
    """A read order as plain nested tuples (its fingerprint too); ``item_from_tuple`` undoes it."""
    if isinstance(item, RejectedOrder):
        rows = tuple(
            (r.row, r.order_id, sentence_data(r.reason), tuple(r.cells)) for r in item.rows
        )
        return ("rejected", item.order_id, rows)
    scalars = list(_order_scalars(item))
    for at in _TIME_AT:
        scalars[at] = _time_text(scalars[at])
    return (
        "order",
        tuple(scalars),
        tuple(map(_line_values, item.lines)),
        _buyer_values(item.buyer),
        _ship_values(item.ship_to),
        _computed_values(item),
    )


def item_from_tuple(data: tuple) -> ReadItem:
    if data[0] == "rejected":
        _, order_id, rows = data
        return RejectedOrder(
            order_id,
            tuple(
                RejectedRow(row, order, sentence_from_data(reason), cells)
                for row, order, reason, cells in rows
            ),
        )
    _, scalars, lines, buyer, ship_to, computed = data
    order = _built(IncomingOrder, _ORDER_FIELDS, scalars)
    state = order.__dict__
    for name in _TIME_FIELDS:
        state[name] = _time(state[name])
    state["lines"] = tuple(_built(IncomingLine, _LINE_FIELDS, line) for line in lines)
    state["buyer"] = _built(Buyer, _BUYER_FIELDS, buyer)
    state["ship_to"] = _built(PostalAddress, _SHIP_FIELDS, ship_to)
    state.update(zip(_COMPUTED, computed, strict=True))  # worked out where it was read
    return order


def _built(kind: type, names: tuple[str, ...], values: tuple):
    """A frozen dataclass from the values of all its fields, as its ``__init__`` would make
    it, without that ``__init__``'s cost (one ``object.__setattr__`` per field)."""
    if len(values) != len(names):  # what zip(strict=True) checks, for less (120,000s a file)
        raise ValueError(f"{kind.__name__} has {len(names)} fields, not {len(values)}")
    made = _new(kind)
    made.__dict__.update(zip(names, values, strict=False))  # lengths checked above
    return made


_new = object.__new__


def source_as_tuple(source: SourceOrder) -> tuple:
    """A source with its order parsed, as plain tuples (see ``item_as_tuple``)."""
    return (
        source.channel,
        source.order_id,
        source.digest,
        source.units,
        item_as_tuple(source.parse()),
    )


def source_from_tuple(data: tuple) -> SourceOrder:
    channel, order_id, digest, units, item = data
    # Turned back into objects only if intake asks: an order already present is not.
    return SourceOrder(channel, order_id, digest, units, partial(item_from_tuple, item))
