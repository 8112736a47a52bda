"""Read side of orders: what the Orders screen and ``orderdesk orders`` show.

Pages are fetched newest first by primary key. Neighbouring pages use keyset paging
(``id < last seen``); a jump deep into the list counts from whichever end is nearer, so
the first and the last page of a million orders cost the same few milliseconds.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from app.bulk.among import one_of
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.search.customers import matching_customer_ids
from app.search.filters import Before, Choice, Equals, Filters, From, Text
from app.search.keys import read_query
from app.search.paging import page_window, short_read
from app.workflow import OrderStatus
from db.models import Customer, Order

if TYPE_CHECKING:
    from app.database import Database

# More matched customers than this: pages walk the primary key instead of sorting matches.
PK_SCAN_CUSTOMERS = 200
# Pages this far from both ends of a list are found by an estimated key.
EXACT_OFFSET_ROWS = 5000
# Pages this far from both ends read a common name's matches by index, not by walking ids.
PK_WALK_ROWS = 500


@dataclass(frozen=True)
class OrderFilter:
    """What the person asked to see. Empty fields do not filter."""

    text: str = ""
    status: str | None = None
    channel: str | None = None
    received_from: dt.datetime | None = None
    received_before: dt.datetime | None = None


ORDER_FILTERS = Filters(
    Choice("status", Order.status, tuple(OrderStatus)),
    Equals("channel", Order.channel),
    From("received_from", Order.received_at),
    Before("received_before", Order.received_at),
    # An order number finds that order; other text: customers, channel ids (``_conditions``).
    Text("text", number=("order", Order.id)),
)


@dataclass(frozen=True)
class OrderRow:
    id: int
    number: str
    channel: str
    channel_order_id: str
    status: str
    customer: str
    ship_country: str
    total_cents: int
    currency: str
    received_at: dt.datetime
    version: int


ROW_COLUMNS = (
    Order.id,
    Order.channel,
    Order.channel_order_id,
    Order.status,
    Customer.name,
    Order.ship_country,
    Order.total_cents,
    Order.currency,
    Order.received_at,
    Order.version,
)


def order_row(values, row_type: type[OrderRow] = OrderRow, **more) -> OrderRow:
    """One row of ``ROW_COLUMNS`` as ``row_type`` (an ``OrderRow`` or a list's own kind of
    it, with the ``more`` it adds)."""
    (oid, channel, channel_order_id, status, name, country, total, currency, received, version) = (
        values
    )
    return row_type(
        id=oid,
        number=order_number(oid),
        channel=channel,
        channel_order_id=channel_order_id,
        status=status,
        customer=name or "",
        ship_country=country,
        total_cents=total,
        currency=currency,
        received_at=received,
        version=version,
        **more,
    )


def rows_query(conditions: list, *more_columns) -> Select:
    """``ROW_COLUMNS`` (and ``more_columns``) of the orders meeting ``conditions``."""
    query = select(*ROW_COLUMNS, *more_columns).outerjoin(
        Customer, Customer.id == Order.customer_id
    )
    return query.where(and_(*conditions)) if conditions else query


# --------------------------------------------------------------------------- filtering


def _conditions(session: Session, flt: OrderFilter) -> tuple[list, bool, list]:
    """The filter as SQL conditions, whether a customer search was cut short, and the
    same conditions as pages read them (see ``PK_SCAN_CUSTOMERS``)."""
    where = ORDER_FILTERS.where(flt)
    conditions = where.conditions
    cut = False
    page_conditions: list | None = None
    if where.text:
        query = read_query(where.text)
        customer_ids, cut = matching_customer_ids(session, where.text)
        # A channel's order id, whole or its first part ("403-1111111"): an index range.
        either = [Order.channel_order_id.between(query.channel_id, query.channel_id + "\uffff")]
        if query.order_id is not None:
            either.append(Order.id == query.order_id)  # "5037" for SO-005037
        if customer_ids:
            if len(customer_ids) > PK_SCAN_CUSTOMERS:
                # A common name: its orders are everywhere, so the newest page is found
                # sooner walking the primary key than by sorting every match (``+ 0``
                # keeps the planner off the customer index); the count still uses it.
                walked = one_of(session, Order.customer_id + 0, customer_ids)
                page_conditions = [*conditions, or_(*either, walked)]
            either.append(one_of(session, Order.customer_id, customer_ids))
        conditions.append(or_(*either))
    return conditions, cut, page_conditions if page_conditions is not None else conditions


def filter_conditions(session: Session, flt: OrderFilter) -> list:
    """The filter's conditions on ``orders`` (for other lists that search orders alike)."""
    return _conditions(session, flt)[0]


# --------------------------------------------------------------------------- paging


@dataclass
class OrderQuery:
    """A filter resolved once (customer matches looked up) and then paged many times.

    The screen's table model keeps one of these per filter, so scrolling never repeats
    the customer search.
    """

    session: Session
    flt: OrderFilter
    _conditions: list = field(default_factory=list)

    customers_cut: bool = False  # more customers matched than MAX_MATCHED_CUSTOMERS
    _page_conditions: list = field(default_factory=list)
    # Facts read once per list and shared by the copies ``OrderPages`` makes per read.
    _memo: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._conditions, self.customers_cut, self._page_conditions = _conditions(
            self.session, self.flt
        )

    def count(self) -> int:
        query = select(func.count()).select_from(Order)
        if self._conditions:
            query = query.where(and_(*self._conditions))
        return self.session.scalar(query) or 0

    def page_after(self, after_id: int | None, limit: int) -> list[OrderRow]:
        """The next ``limit`` rows older than ``after_id`` (keyset; None = from the top)."""
        conditions = list(self._page_conditions)
        if after_id is not None:
            conditions.append(Order.id < after_id)
        query = rows_query(conditions).order_by(Order.id.desc()).limit(limit)
        return [order_row(values) for values in self.session.execute(query)]

    def page_at(self, offset: int, limit: int, total: int) -> list[OrderRow]:
        """Rows ``offset`` … ``offset + limit`` of ``total``, counted from the nearer end.

        Deep in a long list (a scroll bar dragged to the middle of a million) the rows are
        found by an estimated key instead: counting through half a million rows takes
        seconds, the estimate a few index probes.
        """
        offset, limit, from_end = page_window(offset, limit, total)
        if limit == 0:
            return []
        if min(offset, from_end) > EXACT_OFFSET_ROWS:
            return self._page_by_estimate(offset, limit, total)
        # Walking the primary key suits the ends of a long list (the newest page of a common
        # name); further in, the matches are read through their indexes and sorted.
        conditions = self._page_conditions
        if min(offset, from_end) > PK_WALK_ROWS:
            conditions = self._conditions
        if offset <= from_end:
            query = rows_query(conditions).order_by(Order.id.desc())
            query = query.offset(offset).limit(limit)
            return [order_row(values) for values in self.session.execute(query)]
        query = rows_query(conditions).order_by(Order.id.asc())
        query = query.offset(from_end).limit(limit)
        return [order_row(values) for values in reversed(self.session.execute(query).all())]

    def _page_by_estimate(self, offset: int, limit: int, total: int) -> list[OrderRow]:
        """The key at that position is estimated from the range of matching ids (spread
        evenly, as order ids are dense and filters cut across them), and the rows are read
        from there by key. The rows shown are the ones that belong there, give or take."""
        id_range = self._id_range()
        if id_range is None:
            return []
        low, high = id_range
        step = (high - low) / max(total - 1, 1)
        start = round(high - offset * step)
        query = rows_query([*self._page_conditions, Order.id <= start])
        rows = [
            order_row(v) for v in self.session.execute(query.order_by(Order.id.desc()).limit(limit))
        ]
        if len(rows) < limit:  # the estimate fell among the oldest: show the last rows
            query = rows_query(self._page_conditions).order_by(Order.id.asc()).limit(limit)
            rows = [order_row(values) for values in reversed(self.session.execute(query).all())]
        return rows

    def _id_range(self) -> tuple[int, int] | None:
        """Lowest and highest matching id, read once per list (the count is fixed too).

        Two statements on purpose: SQLite answers a lone ``min()`` or ``max()`` with one
        index probe, but ``SELECT min(id), max(id)`` reads every row (0.4 s at a million).
        """
        if "id_range" not in self._memo:
            where = and_(*self._conditions) if self._conditions else None
            low_q, high_q = select(func.min(Order.id)), select(func.max(Order.id))
            if where is not None:
                low_q, high_q = low_q.where(where), high_q.where(where)
            low, high = self.session.scalar(low_q), self.session.scalar(high_q)
            self._memo["id_range"] = None if low is None or high is None else (low, high)
        return self._memo["id_range"]


def open_order_query(session: Session, actor: Actor, flt: OrderFilter) -> OrderQuery:
    require(actor, Permission.VIEW_ORDERS)
    return OrderQuery(session, flt)


def list_orders(session: Session, actor: Actor, flt: OrderFilter, limit: int) -> list[OrderRow]:
    return open_order_query(session, actor, flt).page_after(None, limit)


def list_channels(session: Session) -> list[str]:
    """The channels orders came from, in name order.

    A loose index scan: each step seeks the next name through ``ix_orders_channel_id``, one
    probe per channel. A GROUP BY read the whole index: 70 ms at a million orders, paid
    every time the Orders screen opens.
    """
    channels: list[str] = []
    query = select(Order.channel).order_by(Order.channel).limit(1)
    found = session.scalar(query)
    while found is not None:
        channels.append(found)
        found = session.scalar(query.where(Order.channel > found))
    return channels


# --------------------------------------------------------------------------- screens


class OrderPages:
    """An order list for a screen's lazy table: the filter resolved once, each read short
    (``short_read``). The customer search is resolved once, when the filter is set, and
    reused for every page."""

    def __init__(self, database: Database, actor: Actor, flt: OrderFilter) -> None:
        self._database = database
        self.flt = flt
        with short_read(self._database) as session:
            self._query = open_order_query(session, actor, flt)

    @property
    def customers_cut(self) -> bool:
        """True when the text matched more customers than one list shows (say so)."""
        return self._query.customers_cut

    def count(self) -> int:
        with short_read(self._database) as session:
            return self._on(session).count()

    def page_after(self, after_id: int | None, limit: int) -> list[OrderRow]:
        with short_read(self._database) as session:
            return self._on(session).page_after(after_id, limit)

    def page_at(self, offset: int, limit: int, total: int) -> list[OrderRow]:
        with short_read(self._database) as session:
            return self._on(session).page_at(offset, limit, total)

    def _on(self, session: Session) -> OrderQuery:
        # The resolved conditions are plain SQL expressions, valid on any session.
        query = copy.copy(self._query)
        query.session = session
        return query
