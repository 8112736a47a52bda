"""Read side of orders: what the Orders screen and ``orderdesk orders`` show.

Pages are fetched newest first by primary key. Neighbouring pages use keyset paging
(``id < last seen``); a jump deep into the list counts from whichever end is nearer, so
the first and the last page of a million orders cost the same few milliseconds.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import (
    Integer,
    Select,
    String,
    and_,
    any_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from app.errors import DatabaseUnavailable, NotFound
from app.numbers import entity_number, order_number, parse_number
from app.permissions import Actor, Permission, require
from app.views.search import LIKE_ESCAPE, contains_pattern, search_text
from app.views.search_keys import read_query
from db.models import (
    AuditEvent,
    Customer,
    Order,
    OrderLine,
    Payment,
    Shipment,
    ShipmentLine,
    Warehouse,
)

if TYPE_CHECKING:
    from app.database import Database

# A name search that matches more customers than this is too vague to be useful; the
# newest orders of the first matches are shown and the count says so.
MAX_MATCHED_CUSTOMERS = 2000
# More matched customers than this: pages walk the primary key instead of sorting matches.
PK_SCAN_CUSTOMERS = 200
# Pages this far from both ends of a list are found by an estimated key.
EXACT_OFFSET_ROWS = 5000
# Pages this far from both ends read a common name's matches by index, not by walking ids.
PK_WALK_ROWS = 500
TRIGRAM = 3  # the trigram index finds words of three characters or more


@dataclass(frozen=True)
class OrderFilter:
    """What the person asked to see. Empty fields do not filter."""

    text: str = ""
    status: str | None = None
    channel: str | None = None
    received_from: dt.datetime | None = None
    received_before: dt.datetime | None = None


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


_ROW_COLUMNS = (
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


def _row(values) -> OrderRow:
    (oid, channel, channel_order_id, status, name, country, total, currency, received, version) = (
        values
    )
    return OrderRow(
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
    )


# --------------------------------------------------------------------------- filtering


def matching_customer_ids(session: Session, text: str) -> tuple[list[int], bool]:
    """Customers a clerk may mean by ``text``, and whether there were more than shown.

    Folded the way the stored keys are (app/views/search_keys.py): every word is found
    somewhere in name or e-mail (a trigram index finds substrings: FTS5 on SQLite,
    pg_trgm on PostgreSQL); a phone number in any form is found by its national digits.
    """
    condition = customer_search_condition(session, text)
    if condition is None:
        return [], False
    found = list(
        session.scalars(select(Customer.id).where(condition).limit(MAX_MATCHED_CUSTOMERS + 1))
    )
    return found[:MAX_MATCHED_CUSTOMERS], len(found) > MAX_MATCHED_CUSTOMERS


def customer_search_condition(session: Session, text: str):
    """The SQL condition for customers a clerk may mean by ``text`` (None: nothing to find).

    Shared by every search box that finds customers (Orders, Review, the shop counter).
    """
    query = read_query(text)
    if query.phone:
        return or_(
            *(
                Customer.search_phone.between(phone, phone + "~")
                for phone in (query.phone, *query.other_phones)
            )
        )
    if query.tokens:
        return and_(*_text_conditions(session, query.tokens))
    return None


def _text_conditions(session: Session, tokens: tuple[str, ...]) -> list:
    conditions = []
    long_words = [t for t in tokens if len(t) >= TRIGRAM]
    if long_words and session.get_bind().dialect.name == "sqlite":
        # FTS5 trigram: each word a quoted phrase, all of them, as substrings.
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_words)
        conditions.append(
            Customer.id.in_(
                select(literal_column("rowid"))
                .select_from(text("customer_search_fts"))
                .where(text("customer_search_fts MATCH :fts_match").bindparams(fts_match=match))
            )
        )
        tokens = tuple(t for t in tokens if len(t) < TRIGRAM)
    conditions += [
        Customer.search_text.like(contains_pattern(t), escape=LIKE_ESCAPE) for t in tokens
    ]
    return conditions


def _conditions(session: Session, flt: OrderFilter) -> tuple[list, bool, list]:
    """The filter as SQL conditions, whether a customer search was cut short, and the
    same conditions as pages read them (see ``PK_SCAN_CUSTOMERS``)."""
    conditions: list = []
    cut = False
    page_conditions: list | None = None
    if flt.status:
        conditions.append(Order.status == flt.status)
    if flt.channel:
        conditions.append(Order.channel == flt.channel)
    if flt.received_from:
        conditions.append(Order.received_at >= flt.received_from)
    if flt.received_before:
        conditions.append(Order.received_at < flt.received_before)
    text_typed = search_text(flt.text)
    if text_typed:
        number = parse_number(text_typed)
        if number and number[0] == "order":
            conditions.append(Order.id == number[1])
        else:
            query = read_query(text_typed)
            customer_ids, cut = matching_customer_ids(session, text_typed)
            # A channel's order id, whole or its first part ("403-1111111"): an index range.
            either = [Order.channel_order_id.between(query.channel_id, query.channel_id + "\uffff")]
            if query.order_id is not None:
                either.append(Order.id == query.order_id)  # "5037" for SO-005037
            if customer_ids:
                if len(customer_ids) > PK_SCAN_CUSTOMERS:
                    # A common name: its orders are everywhere, so the newest page is found
                    # sooner walking the primary key than by sorting every match (``+ 0``
                    # keeps the planner off the customer index); the count still uses it.
                    walked = _one_of(session, Order.customer_id + 0, customer_ids)
                    page_conditions = [*conditions, or_(*either, walked)]
                either.append(_one_of(session, Order.customer_id, customer_ids))
            conditions.append(or_(*either))
    return conditions, cut, page_conditions if page_conditions is not None else conditions


def _one_of(session: Session, column, ids: list[int]):
    """``column IN ids`` with the ids as one bound value (a JSON text on SQLite, an array
    on PostgreSQL): two thousand separate parameters cost more to render, bind and parse
    than the search itself (SQLite: 34 ms against 13 ms for a common surname's count)."""
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        values = func.json_each(bindparam(None, json.dumps(ids), type_=String)).table_valued(
            "value"
        )
        return column.in_(select(values.c.value))
    if dialect == "postgresql":
        return column == any_(bindparam(None, ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def filter_conditions(session: Session, flt: OrderFilter) -> list:
    """The filter's conditions on ``orders`` (for other lists that search orders alike)."""
    return _conditions(session, flt)[0]


def _base_query(conditions: list) -> Select:
    query = select(*_ROW_COLUMNS).outerjoin(Customer, Customer.id == Order.customer_id)
    return query.where(and_(*conditions)) if conditions else query


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
        query = _base_query(conditions).order_by(Order.id.desc()).limit(limit)
        return [_row(values) for values in self.session.execute(query)]

    def page_at(self, offset: int, limit: int, total: int) -> list[OrderRow]:
        """Rows ``offset`` … ``offset + limit`` of ``total``, counted from the nearer end.

        Deep in a long list (a scroll bar dragged to the middle of a million) the rows are
        found by an estimated key instead: counting through half a million rows takes
        seconds, the estimate a few index probes.
        """
        offset = max(0, min(offset, total))
        limit = max(0, min(limit, total - offset))
        if limit == 0:
            return []
        from_end = total - offset - limit
        if min(offset, from_end) > EXACT_OFFSET_ROWS:
            return self._page_by_estimate(offset, limit, total)
        # Walking the primary key suits the ends of a long list (the newest page of a common
        # name); further in, the matches are read through their indexes and sorted.
        conditions = self._page_conditions
        if min(offset, from_end) > PK_WALK_ROWS:
            conditions = self._conditions
        if offset <= from_end:
            query = _base_query(conditions).order_by(Order.id.desc())
            query = query.offset(offset).limit(limit)
            return [_row(values) for values in self.session.execute(query)]
        query = _base_query(conditions).order_by(Order.id.asc())
        query = query.offset(from_end).limit(limit)
        return [_row(values) for values in reversed(self.session.execute(query).all())]

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
        query = _base_query([*self._page_conditions, Order.id <= start])
        rows = [_row(v) for v in self.session.execute(query.order_by(Order.id.desc()).limit(limit))]
        if len(rows) < limit:  # the estimate fell among the oldest: show the last rows
            query = _base_query(self._page_conditions).order_by(Order.id.asc()).limit(limit)
            rows = [_row(values) for values in reversed(self.session.execute(query).all())]
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


# --------------------------------------------------------------------------- detail


@dataclass(frozen=True)
class LineView:
    line_no: int
    sku: str
    product_name: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    known_product: bool


@dataclass(frozen=True)
class PaymentView:
    method: str
    status: str
    amount_cents: int
    currency: str
    card: str  # "VISA ····4242 exp 03/27", never more of the number
    reference: str
    paid_at: dt.datetime | None


@dataclass(frozen=True)
class ShipmentView:
    id: int
    number: str
    status: str
    warehouse: str
    carrier: str
    tracking_number: str
    units: int


@dataclass(frozen=True)
class AuditView:
    at: dt.datetime
    actor: str
    entity: str
    action: str
    from_state: str | None
    to_state: str | None
    reason: str
    why: dict | None = None  # the reason as a code and values, where the desk stored one


@dataclass(frozen=True)
class OrderDetail:
    id: int
    number: str
    version: int
    channel: str
    channel_order_id: str
    status: str
    priority: int
    requested_service: str
    currency: str
    subtotal_cents: int
    shipping_cents: int
    tax_cents: int
    discount_cents: int
    total_cents: int
    customer_name: str
    customer_email: str
    customer_phone: str
    customer_status: str
    ship_to: tuple[str, ...]
    purchased_at: dt.datetime | None
    received_at: dt.datetime
    ship_by_at: dt.datetime | None
    stage_times: tuple[tuple[str, dt.datetime], ...]
    lines: tuple[LineView, ...]
    payments: tuple[PaymentView, ...]
    shipments: tuple[ShipmentView, ...]
    audit: tuple[AuditView, ...]
    purchase_order_number: str | None = None  # a business buyer's PO, as the channel sent it
    amounts_source: str = "channel"  # "estimated" from our price list, or "unknown"
    buyer_requested_cancellation: bool = False


def find_order_id(session: Session, actor: Actor, text: str) -> int:
    """An order by its number (SO-000123) or the channel's order id."""
    require(actor, Permission.VIEW_ORDERS)
    number = parse_number(text)
    if number and number[0] == "order":
        found = session.get(Order, number[1])
        if found is not None:
            return found.id
    matches = list(session.scalars(select(Order.id).where(Order.channel_order_id == text.strip())))
    if len(matches) == 1:
        return matches[0]
    raise NotFound("order", text)


def order_detail(session: Session, actor: Actor, order_id: int) -> OrderDetail:
    require(actor, Permission.VIEW_ORDERS)
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("order", order_number(order_id))
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    shipments = _shipments(session, order_id)
    return OrderDetail(
        id=order.id,
        number=order_number(order.id),
        version=order.version,
        channel=order.channel,
        channel_order_id=order.channel_order_id,
        status=order.status,
        priority=order.priority,
        requested_service=order.requested_service,
        currency=order.currency,
        subtotal_cents=order.subtotal_cents,
        shipping_cents=order.shipping_cents,
        tax_cents=order.tax_cents,
        discount_cents=order.discount_cents,
        total_cents=order.total_cents,
        customer_name=customer.name if customer else "",
        customer_email=(customer.email or "") if customer else "",
        customer_phone=(customer.phone or "") if customer else "",
        customer_status=customer.status if customer else "",
        ship_to=_ship_to(order),
        purchased_at=order.purchased_at,
        received_at=order.received_at,
        ship_by_at=order.ship_by_at,
        stage_times=_stage_times(order),
        lines=_lines(session, order_id),
        payments=_payments(session, order_id),
        shipments=shipments,
        audit=_audit(session, order_id, [s.id for s in shipments]),
        purchase_order_number=order.purchase_order_number,
        amounts_source=order.amounts_source,
        buyer_requested_cancellation=order.buyer_requested_cancellation,
    )


def _why(detail) -> dict | None:
    why = detail.get("why") if isinstance(detail, dict) else None
    return why if isinstance(why, dict) else None


def _ship_to(order: Order) -> tuple[str, ...]:
    parts = (
        order.ship_name,
        order.ship_line1,
        order.ship_line2,
        order.ship_line3,
        " ".join(p for p in (order.ship_postal_code, order.ship_city) if p),
        order.ship_region,
        order.ship_country,
        order.ship_phone or "",
    )
    return tuple(part for part in parts if part)


def _stage_times(order: Order) -> tuple[tuple[str, dt.datetime], ...]:
    stages = (
        ("purchased", order.purchased_at),
        ("received", order.received_at),
        ("reviewed", order.reviewed_at),
        ("approved", order.approved_at),
        ("allocated", order.allocated_at),
        ("shipped", order.shipped_at),
        ("delivered", order.delivered_at),
        ("cancelled", order.cancelled_at),
    )
    return tuple((name, at) for name, at in stages if at is not None)


def _lines(session: Session, order_id: int) -> tuple[LineView, ...]:
    rows = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
    )
    return tuple(
        LineView(
            line_no=line.line_no,
            sku=line.sku,
            product_name=line.product_name,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
            line_total_cents=line.line_total_cents,
            known_product=line.product_id is not None,
        )
        for line in rows
    )


def describe_card(brand: str | None, last4: str | None, month: int | None, year: int | None) -> str:
    if not last4:
        return ""
    expiry = f" exp {month:02d}/{year % 100:02d}" if month and year else ""
    return f"{(brand or 'card').upper()} ····{last4}{expiry}"


def _payments(session: Session, order_id: int) -> tuple[PaymentView, ...]:
    rows = session.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id))
    return tuple(
        PaymentView(
            method=p.method,
            status=p.status,
            amount_cents=p.amount_cents,
            currency=p.currency,
            card=describe_card(p.card_brand, p.card_last4, p.card_exp_month, p.card_exp_year),
            reference=p.processor_token or "",
            paid_at=p.paid_at,
        )
        for p in rows
    )


def _shipments(session: Session, order_id: int) -> tuple[ShipmentView, ...]:
    # Correlated, so only this order's shipment lines are summed (through their index);
    # a grouped subquery joined afterwards summed every shipment line in the database.
    units = (
        select(func.sum(ShipmentLine.quantity))
        .where(ShipmentLine.shipment_id == Shipment.id)
        .correlate(Shipment)
        .scalar_subquery()
    )
    query = (
        select(Shipment, Warehouse.code, units)
        .join(Warehouse, Warehouse.id == Shipment.warehouse_id)
        .where(Shipment.order_id == order_id)
        .order_by(Shipment.id)
    )
    return tuple(
        ShipmentView(
            id=shipment.id,
            number=entity_number("shipment", shipment.id),
            status=shipment.status,
            warehouse=warehouse_code,
            carrier=shipment.carrier or "",
            tracking_number=shipment.tracking_number or "",
            units=int(unit_count or 0),
        )
        for shipment, warehouse_code, unit_count in session.execute(query)
    )


def _audit(session: Session, order_id: int, shipment_ids: list[int]) -> tuple[AuditView, ...]:
    about_order = and_(AuditEvent.entity_type == "order", AuditEvent.entity_id == order_id)
    about_shipments = and_(
        AuditEvent.entity_type == "shipment", AuditEvent.entity_id.in_(shipment_ids)
    )
    condition = or_(about_order, about_shipments) if shipment_ids else about_order
    events = session.scalars(select(AuditEvent).where(condition).order_by(AuditEvent.id))
    return tuple(
        AuditView(
            at=event.at,
            actor=event.actor_name,
            entity=entity_number(event.entity_type, event.entity_id),
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            reason=event.reason,
            why=_why(event.detail),
        )
        for event in events
    )


# --------------------------------------------------------------------------- screens


class OrderPages:
    """An order list for a screen's lazy table: the filter resolved once, each read short.

    A screen shows a list for minutes or hours. Holding one session open that long would
    pin a read snapshot (SQLite's WAL cannot checkpoint past it; PostgreSQL keeps an idle
    transaction open), so every count or page opens a unit of work, reads and closes it.
    The customer search is resolved once, when the filter is set, and reused for every page.
    """

    def __init__(self, database: Database, actor: Actor, flt: OrderFilter) -> None:
        self._database = database
        self.flt = flt
        with self._reading() as session:
            self._query = open_order_query(session, actor, flt)

    @property
    def customers_cut(self) -> bool:
        """True when the text matched more customers than one list shows (say so)."""
        return self._query.customers_cut

    def count(self) -> int:
        with self._reading() as session:
            return self._on(session).count()

    def page_after(self, after_id: int | None, limit: int) -> list[OrderRow]:
        with self._reading() as session:
            return self._on(session).page_after(after_id, limit)

    def page_at(self, offset: int, limit: int, total: int) -> list[OrderRow]:
        with self._reading() as session:
            return self._on(session).page_at(offset, limit, total)

    def _on(self, session: Session) -> OrderQuery:
        # The resolved conditions are plain SQL expressions, valid on any session.
        query = copy.copy(self._query)
        query.session = session
        return query

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        try:
            with self._database.unit_of_work() as uow:
                yield uow.session
        except sa_exc.OperationalError as exc:
            # A lost server or a locked file: a sentence for the screen, not a traceback.
            reason = (str(exc.orig).strip().splitlines() or [type(exc).__name__])[0]
            raise DatabaseUnavailable(self._database.description, reason) from exc
