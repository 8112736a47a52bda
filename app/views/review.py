"""Read side of the review desk: queue counts, queue pages, one order in review detail.

Queues are work lists, so they are served oldest first (first come, first served), by
keyset on the primary key within a status (``ix_orders_status_id``): the first page of a
million-order queue costs what the first page of ten does. The exception queue and the
on-hold queue are both orders in status ``on_hold``; an order is "on hold" when an exception
record holds it until a call-back, and "an exception" otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, exists, func, or_, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from app.errors import DatabaseUnavailable, InvalidInput
from app.numbers import order_number, parse_number
from app.permissions import Actor, Permission, require
from app.review.batch import review_batch
from app.review.loading import RunCache, fill_stock, load_batch
from app.review.model import ReviewSettings
from app.review.verbs import REVIEWABLE, OrderFacts, VerbState, verb_states
from app.views.orders import OrderDetail, order_detail
from app.views.search import LIKE_ESCAPE, contains_pattern, search_text
from db.models import (
    ContactTask,
    Customer,
    CustomerMessage,
    ExceptionRecord,
    IntakeConflict,
    Order,
    OrderLine,
    Product,
    ReviewFinding,
    utcnow,
)

if TYPE_CHECKING:
    from app.database import Database
    from app.review.stock_short import ShortLine


class ReviewQueue(StrEnum):
    TO_REVIEW = "to_review"
    NEEDS_INFO = "needs_info"
    STOCK_SHORT = "stock_short"
    PAYMENT_PROBLEM = "payment_problem"
    EXCEPTION = "exception"
    ON_HOLD = "on_hold"


STATUS_OF_QUEUE = {
    ReviewQueue.TO_REVIEW: "received",
    ReviewQueue.NEEDS_INFO: "needs_info",
    ReviewQueue.STOCK_SHORT: "stock_short",
    ReviewQueue.PAYMENT_PROBLEM: "payment_problem",
    ReviewQueue.EXCEPTION: "on_hold",
    ReviewQueue.ON_HOLD: "on_hold",
}


def _held():
    return exists().where(ExceptionRecord.order_id == Order.id, ExceptionRecord.state == "held")


def queue_condition(queue: ReviewQueue):
    status = Order.status == STATUS_OF_QUEUE[queue]
    if queue is ReviewQueue.EXCEPTION:
        return and_(status, ~_held())
    if queue is ReviewQueue.ON_HOLD:
        return and_(status, _held())
    return status


def queue_of(status: str, held: bool) -> ReviewQueue | None:
    if status == "on_hold":
        return ReviewQueue.ON_HOLD if held else ReviewQueue.EXCEPTION
    return next((q for q, s in STATUS_OF_QUEUE.items() if s == status), None)


# --------------------------------------------------------------------------- counts


@dataclass(frozen=True)
class QueueCounts:
    to_review: int = 0
    needs_info: int = 0
    stock_short: int = 0
    payment_problem: int = 0
    exception: int = 0
    on_hold: int = 0

    def of(self, queue: ReviewQueue) -> int:
        return getattr(self, queue.value)


def queue_counts(session: Session, actor: Actor) -> QueueCounts:
    """Orders per queue: one grouped count over the status index, one for the held ones."""
    require(actor, Permission.VIEW_ORDERS)
    statuses = sorted(set(STATUS_OF_QUEUE.values()))
    per_status = dict(
        session.execute(
            select(Order.status, func.count())
            .where(Order.status.in_(statuses))
            .group_by(Order.status)
        ).all()
    )
    held = session.scalar(
        select(func.count(func.distinct(ExceptionRecord.order_id)))
        .join(Order, Order.id == ExceptionRecord.order_id)
        .where(ExceptionRecord.state == "held", Order.status == "on_hold")
    )
    on_hold_total = per_status.get("on_hold", 0)
    return QueueCounts(
        to_review=per_status.get("received", 0),
        needs_info=per_status.get("needs_info", 0),
        stock_short=per_status.get("stock_short", 0),
        payment_problem=per_status.get("payment_problem", 0),
        exception=on_hold_total - (held or 0),
        on_hold=held or 0,
    )


# --------------------------------------------------------------------------- queue pages


@dataclass(frozen=True)
class ReviewRow:
    id: int
    number: str
    status: str
    customer: str
    ship_country: str
    total_cents: int
    currency: str
    received_at: dt.datetime
    version: int
    blocking: int
    warnings: int
    first_problem: str  # the first blocking finding's message, or the first warning
    reviewed: bool = True  # False: the rules have never run on it (nothing is known yet)


_ROW_COLUMNS = (
    Order.id,
    Order.status,
    Customer.name,
    Order.ship_country,
    Order.total_cents,
    Order.currency,
    Order.received_at,
    Order.version,
    Order.reviewed_at,
)


def _base(conditions: list) -> Select:
    query = select(*_ROW_COLUMNS).outerjoin(Customer, Customer.id == Order.customer_id)
    return query.where(and_(*conditions))


@dataclass
class QueueQuery:
    """One queue, paged oldest first; findings summarised for the rows of each page."""

    session: Session
    queue: ReviewQueue
    text: str = ""  # the desk's search: the same forgiving search as the Orders list
    _conditions: list = field(default_factory=list)

    def __post_init__(self) -> None:
        self._conditions = [queue_condition(self.queue)]
        if self.text.strip():
            from app.views.orders import OrderFilter, filter_conditions

            self._conditions += filter_conditions(self.session, OrderFilter(text=self.text))

    def count(self) -> int:
        query = select(func.count()).select_from(Order).where(*self._conditions)
        return self.session.scalar(query) or 0

    def page_after(self, after_id: int | None, limit: int) -> list[ReviewRow]:
        conditions = list(self._conditions)
        if after_id is not None:
            conditions.append(Order.id > after_id)
        rows = self.session.execute(_base(conditions).order_by(Order.id).limit(limit)).all()
        return self._rows(rows)

    def page_at(self, offset: int, limit: int, total: int) -> list[ReviewRow]:
        """Rows ``offset`` … ``offset + limit`` of ``total``, counted from the nearer end."""
        offset = max(0, min(offset, total))
        limit = max(0, min(limit, total - offset))
        if limit == 0:
            return []
        from_end = total - offset - limit
        if offset <= from_end:
            query = _base(self._conditions).order_by(Order.id).offset(offset).limit(limit)
            return self._rows(self.session.execute(query).all())
        query = _base(self._conditions).order_by(Order.id.desc()).offset(from_end).limit(limit)
        return self._rows(list(reversed(self.session.execute(query).all())))

    def _rows(self, rows) -> list[ReviewRow]:
        summary = _finding_summary(self.session, [row[0] for row in rows])
        return [
            ReviewRow(
                id=oid,
                number=order_number(oid),
                status=status,
                customer=name or "",
                ship_country=country,
                total_cents=total,
                currency=currency,
                received_at=received,
                version=version,
                reviewed=reviewed_at is not None,
                **summary.get(oid, {"blocking": 0, "warnings": 0, "first_problem": ""}),
            )
            for oid, status, name, country, total, currency, received, version, reviewed_at in rows
        ]


def _finding_summary(session: Session, order_ids: list[int]) -> dict[int, dict]:
    if not order_ids:
        return {}
    found: dict[int, dict] = {}
    query = (
        select(ReviewFinding.order_id, ReviewFinding.severity, ReviewFinding.message)
        .where(ReviewFinding.order_id.in_(order_ids))
        .order_by(ReviewFinding.order_id, ReviewFinding.id)
    )
    for order_id, severity, message in session.execute(query):
        entry = found.setdefault(order_id, {"blocking": 0, "warnings": 0, "first_problem": ""})
        if severity == "block":
            if not entry["blocking"]:
                entry["first_problem"] = message
            entry["blocking"] += 1
        else:
            entry["warnings"] += 1
            entry["first_problem"] = entry["first_problem"] or message
    return found


def open_queue(session: Session, actor: Actor, queue: ReviewQueue) -> QueueQuery:
    require(actor, Permission.VIEW_ORDERS)
    return QueueQuery(session, queue)


class QueuePages:
    """A queue for a screen's lazy table: every count or page in its own short read."""

    def __init__(
        self, database: Database, actor: Actor, queue: ReviewQueue, text: str = ""
    ) -> None:
        require(actor, Permission.VIEW_ORDERS)
        self._database = database
        self.queue = queue
        self.text = text

    def count(self) -> int:
        with self._reading() as session:
            return QueueQuery(session, self.queue, self.text).count()

    def page_after(self, after_id: int | None, limit: int) -> list[ReviewRow]:
        with self._reading() as session:
            return QueueQuery(session, self.queue, self.text).page_after(after_id, limit)

    def page_at(self, offset: int, limit: int, total: int) -> list[ReviewRow]:
        with self._reading() as session:
            return QueueQuery(session, self.queue, self.text).page_at(offset, limit, total)

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        try:
            with self._database.unit_of_work() as uow:
                yield uow.session
        except sa_exc.OperationalError as exc:
            reason = (str(exc.orig).strip().splitlines() or [type(exc).__name__])[0]
            raise DatabaseUnavailable(self._database.description, reason) from exc


# --------------------------------------------------------------------------- detail


@dataclass(frozen=True)
class FindingView:
    code: str
    severity: str
    field: str
    message: str
    queue: str
    detail: tuple[tuple[str, object], ...]


@dataclass(frozen=True)
class LineStock:
    line_no: int
    sku: str
    wanted: int
    warehouses: tuple[tuple[str, int], ...]  # (code, on hand less reserved) that ship it
    promised: int  # to approved orders not yet allocated
    available: int


@dataclass(frozen=True)
class PastOrder:
    number: str
    status: str
    received_at: dt.datetime
    total_cents: int
    currency: str


@dataclass(frozen=True)
class CustomerHistory:
    customer_id: int
    name: str
    status: str
    language: str
    since: dt.datetime | None
    order_count: int
    by_status: tuple[tuple[str, int], ...]
    recent: tuple[PastOrder, ...]
    exceptions: int  # exception records ever opened on the customer's orders


@dataclass(frozen=True)
class TaskView:
    id: int
    kind: str
    state: str
    what_needed: str
    due_at: dt.datetime | None
    answer: str | None
    wait_until: dt.date | None
    outcome: str
    created_by: str


@dataclass(frozen=True)
class MessageView:
    id: int
    kind: str
    language: str
    state: str
    recipient: str
    subject: str
    body: str
    created_at: dt.datetime


@dataclass(frozen=True)
class ExceptionView:
    id: int
    version: int
    kind: str
    state: str
    how_found: str
    plan: str
    note: str
    callback_at: dt.datetime | None
    handled_by: str
    result: str | None
    related: tuple[str, ...]
    related_ids: tuple[int, ...]
    opened_at: dt.datetime


@dataclass(frozen=True)
class ConflictView:
    id: int
    created_at: dt.datetime
    incoming_total_minor: int | None
    incoming_items: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ShipToView:
    name: str
    phone: str
    line1: str
    line2: str
    city: str
    region: str
    postal_code: str
    country: str


@dataclass(frozen=True)
class RelatedOrder:
    """An order an exception names (a duplicate's twin), as the desk saw it."""

    id: int
    number: str
    status: str
    version: int
    total_cents: int
    currency: str
    received_at: dt.datetime


@dataclass(frozen=True)
class ReviewDetail:
    order: OrderDetail
    ship: ShipToView
    queue: ReviewQueue | None
    findings: tuple[FindingView, ...]
    stock: tuple[LineStock, ...]
    customer: CustomerHistory | None
    tasks: tuple[TaskView, ...]
    messages: tuple[MessageView, ...]
    exceptions: tuple[ExceptionView, ...]
    conflicts: tuple[ConflictView, ...]
    short_lines: tuple[ShortLine, ...]
    related: tuple[RelatedOrder, ...]
    verbs: tuple[VerbState, ...]  # what the desk shows for this order, each runnable or why not
    reviewed: bool = True  # the rules have run on it (received orders wait for the first run)
    # The findings were worked out now, not stored by a review (never reviewed yet, or
    # put in its queue without a record of why): shown as such, stored by the next review.
    findings_now: bool = False

    @property
    def actions(self) -> frozenset[str]:
        """The verbs that can run now."""
        return frozenset(v.key for v in self.verbs if v.enabled)

    def verb(self, key: str) -> VerbState | None:
        return next((v for v in self.verbs if v.key == key), None)

    @property
    def version(self) -> int:
        return self.order.version

    def by_field(self) -> dict[str, list[FindingView]]:
        grouped: dict[str, list[FindingView]] = defaultdict(list)
        for finding in self.findings:
            grouped[finding.field].append(finding)
        return dict(grouped)

    def findings_on(self, field_name: str) -> tuple[FindingView, ...]:
        """Findings about a field or any of its parts (``ship_to`` covers ``ship_to.city``)."""
        return tuple(
            f
            for f in self.findings
            if f.field == field_name or f.field.startswith(field_name + ".")
        )


HISTORY_ROWS = 10


def review_detail(
    session: Session, actor: Actor, order_id: int, settings: ReviewSettings | None = None
) -> ReviewDetail:
    require(actor, Permission.VIEW_ORDERS)
    detail = order_detail(session, actor, order_id)
    order = session.get(Order, order_id)
    assert order is not None  # order_detail raised NotFound otherwise
    exceptions = _exceptions(session, order_id)
    held = any(e.state == "held" for e in exceptions)
    queue = queue_of(order.status, held)
    conflicts = _conflicts(session, order_id)
    findings = _findings(session, order_id)
    reviewed = order.reviewed_at is not None or order.status != "received"
    findings_now = False
    if order.status in REVIEWABLE and not findings and not held:
        # Never reviewed, or queued without findings on record: say what the rules find now.
        findings = findings_now_for(session, order, settings)
        findings_now = True
    short: tuple = ()
    if order.status == "stock_short":
        from app.review.stock_short import short_lines

        short = tuple(short_lines(session, order, settings))
    return ReviewDetail(
        order=detail,
        ship=ShipToView(
            order.ship_name,
            order.ship_phone or "",
            order.ship_line1,
            order.ship_line2,
            order.ship_city,
            order.ship_region,
            order.ship_postal_code,
            order.ship_country,
        ),
        queue=queue,
        findings=findings,
        stock=_line_stock(session, order_id),
        customer=_history(session, order.customer_id) if order.customer_id else None,
        tasks=_tasks(session, order_id),
        messages=_messages(session, order_id),
        exceptions=exceptions,
        conflicts=conflicts,
        short_lines=short,
        related=_related(session, exceptions),
        verbs=verb_states(
            actor,
            OrderFacts(
                status=order.status,
                held=held,
                reviewed=reviewed,
                blocking=tuple(f.message for f in findings if f.severity == "block"),
                open_exception_kinds=frozenset(e.kind for e in exceptions if e.state != "closed"),
                open_conflicts=bool(conflicts),
                open_info_task=_open_info_task(session, order_id),
                has_customer=order.customer_id is not None,
            ),
        ),
        reviewed=reviewed,
        findings_now=findings_now,
    )


def findings_now_for(
    session: Session, order: Order, settings: ReviewSettings | None = None
) -> tuple[FindingView, ...]:
    """The review rules run now on one order, read only: nothing stored, nothing moved."""
    cache = RunCache(settings or ReviewSettings())
    batch = load_batch(session, [order], cache, utcnow())
    found = review_batch(batch.facts, batch.world, cache.ledger)[0].findings
    return tuple(
        FindingView(f.code, f.severity.value, f.field, f.message, f.queue.value, tuple(f.detail))
        for f in found
    )


def _open_info_task(session: Session, order_id: int) -> bool:
    return (
        session.scalar(
            select(ContactTask.id)
            .where(
                ContactTask.order_id == order_id,
                ContactTask.kind == "request_info",
                ContactTask.state == "open",
            )
            .limit(1)
        )
        is not None
    )


def _related(session: Session, exceptions: tuple[ExceptionView, ...]) -> tuple[RelatedOrder, ...]:
    ids = sorted({i for e in exceptions if e.state != "closed" for i in e.related_ids})
    if not ids:
        return ()
    rows = session.execute(
        select(
            Order.id,
            Order.status,
            Order.version,
            Order.total_cents,
            Order.currency,
            Order.received_at,
        )
        .where(Order.id.in_(ids))
        .order_by(Order.id)
    ).all()
    return tuple(
        RelatedOrder(oid, order_number(oid), status, version, total, currency, received)
        for oid, status, version, total, currency, received in rows
    )


def _findings(session: Session, order_id: int) -> tuple[FindingView, ...]:
    rows = session.scalars(
        select(ReviewFinding).where(ReviewFinding.order_id == order_id).order_by(ReviewFinding.id)
    )
    return tuple(
        FindingView(
            r.code,
            r.severity,
            r.field,
            r.message,
            r.queue,
            tuple(tuple(pair) for pair in r.detail or ()),  # type: ignore[misc]
        )
        for r in rows
    )


def _line_stock(session: Session, order_id: int) -> tuple[LineStock, ...]:
    lines = session.execute(
        select(OrderLine.line_no, OrderLine.sku, OrderLine.quantity, Product.id, Product.category)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == order_id)
        .order_by(OrderLine.line_no)
    ).all()
    cache = RunCache()
    fill_stock(session, cache, [row[3] for row in lines])
    result = []
    for line_no, sku, quantity, product_id, category in lines:
        position = cache.ledger[product_id]
        result.append(
            LineStock(
                line_no,
                sku,
                quantity,
                tuple((w.warehouse_code, w.available) for w in position.shipping(category)),
                position.committed,
                position.available(category),
            )
        )
    return tuple(result)


def _history(session: Session, customer_id: int) -> CustomerHistory | None:
    customer = session.get(Customer, customer_id)
    if customer is None:
        return None
    by_status = session.execute(
        select(Order.status, func.count())
        .where(Order.customer_id == customer_id)
        .group_by(Order.status)
        .order_by(Order.status)
    ).all()
    recent = session.execute(
        select(Order.id, Order.status, Order.received_at, Order.total_cents, Order.currency)
        .where(Order.customer_id == customer_id)
        .order_by(Order.id.desc())
        .limit(HISTORY_ROWS)
    ).all()
    exceptions = session.scalar(
        select(func.count())
        .select_from(ExceptionRecord)
        .where(ExceptionRecord.customer_id == customer_id)
    )
    return CustomerHistory(
        customer_id=customer.id,
        name=customer.name,
        status=customer.status,
        language=customer.language,
        since=customer.created_at,
        order_count=sum(count for _, count in by_status),
        by_status=tuple((status, count) for status, count in by_status),
        recent=tuple(
            PastOrder(order_number(oid), status, received, total, currency)
            for oid, status, received, total, currency in recent
        ),
        exceptions=exceptions or 0,
    )


def _tasks(session: Session, order_id: int) -> tuple[TaskView, ...]:
    rows = session.scalars(
        select(ContactTask).where(ContactTask.order_id == order_id).order_by(ContactTask.id)
    )
    return tuple(
        TaskView(
            t.id,
            t.kind,
            t.state,
            t.what_needed,
            t.due_at,
            t.answer,
            t.wait_until,
            t.outcome,
            t.created_by_name,
        )
        for t in rows
    )


def _messages(session: Session, order_id: int) -> tuple[MessageView, ...]:
    rows = session.scalars(
        select(CustomerMessage)
        .where(CustomerMessage.order_id == order_id)
        .order_by(CustomerMessage.id)
    )
    return tuple(
        MessageView(m.id, m.kind, m.language, m.state, m.recipient, m.subject, m.body, m.created_at)
        for m in rows
    )


def _exceptions(session: Session, order_id: int) -> tuple[ExceptionView, ...]:
    rows = session.scalars(
        select(ExceptionRecord)
        .where(ExceptionRecord.order_id == order_id)
        .order_by(ExceptionRecord.id)
    )
    return tuple(_exception_view(r) for r in rows)


def _exception_view(r: ExceptionRecord) -> ExceptionView:
    return ExceptionView(
        id=r.id,
        version=r.version,
        kind=r.kind,
        state=r.state,
        how_found=r.how_found,
        plan=r.plan,
        note=r.note,
        callback_at=r.callback_at,
        handled_by=r.handled_by_name,
        result=r.result,
        related=tuple(order_number(i) for i in r.related_order_ids or ()),
        related_ids=tuple(r.related_order_ids or ()),
        opened_at=r.opened_at,
    )


def _conflicts(session: Session, order_id: int) -> tuple[ConflictView, ...]:
    rows = session.scalars(
        select(IntakeConflict)
        .where(IntakeConflict.order_id == order_id, IntakeConflict.resolved_at.is_(None))
        .order_by(IntakeConflict.id)
    )
    views = []
    for conflict in rows:
        incoming = conflict.incoming if isinstance(conflict.incoming, dict) else {}
        total = incoming.get("total_minor")
        lines = incoming.get("lines") if isinstance(incoming.get("lines"), list) else []
        items = tuple(
            (str(line.get("sku", "")), int(line.get("quantity", 0) or 0))
            for line in lines
            if isinstance(line, dict)
        )
        views.append(
            ConflictView(
                conflict.id, conflict.created_at, total if isinstance(total, int) else None, items
            )
        )
    return tuple(views)


# --------------------------------------------------------------------------- exception search


@dataclass(frozen=True)
class ExceptionFilter:
    kind: str | None = None
    state: str | None = None
    text: str = ""  # order number, or words in how found / plan / note / result / handler
    opened_from: dt.datetime | None = None
    opened_before: dt.datetime | None = None


@dataclass(frozen=True)
class ExceptionRow:
    id: int
    order_id: int
    order_number: str
    customer: str
    kind: str
    state: str
    how_found: str
    plan: str
    handled_by: str
    result: str | None
    opened_at: dt.datetime
    closed_at: dt.datetime | None


EXCEPTION_KINDS = ("duplicate", "malicious", "unreachable", "account", "other")
EXCEPTION_STATES = ("open", "held", "closed")


def search_exceptions(
    session: Session,
    actor: Actor,
    flt: ExceptionFilter,
    *,
    before_id: int | None = None,
    limit: int = 50,
) -> list[ExceptionRow]:
    """Exception records, open or long closed, newest first (keyset on the id)."""
    require(actor, Permission.VIEW_ORDERS)
    if flt.kind and flt.kind not in EXCEPTION_KINDS:
        raise InvalidInput("kind", flt.kind, " / ".join(EXCEPTION_KINDS))
    if flt.state and flt.state not in EXCEPTION_STATES:
        raise InvalidInput("state", flt.state, " / ".join(EXCEPTION_STATES))
    conditions = _exception_conditions(flt)
    if before_id is not None:
        conditions.append(ExceptionRecord.id < before_id)
    query = (
        select(ExceptionRecord, Customer.name)
        .outerjoin(Customer, Customer.id == ExceptionRecord.customer_id)
        .where(*conditions)
        .order_by(ExceptionRecord.id.desc())
        .limit(limit)
    )
    return [
        ExceptionRow(
            id=r.id,
            order_id=r.order_id,
            order_number=order_number(r.order_id),
            customer=name or "",
            kind=r.kind,
            state=r.state,
            how_found=r.how_found,
            plan=r.plan,
            handled_by=r.handled_by_name,
            result=r.result,
            opened_at=r.opened_at,
            closed_at=r.closed_at,
        )
        for r, name in session.execute(query)
    ]


def _exception_conditions(flt: ExceptionFilter) -> list:
    conditions: list = []
    if flt.kind:
        conditions.append(ExceptionRecord.kind == flt.kind)
    if flt.state:
        conditions.append(ExceptionRecord.state == flt.state)
    if flt.opened_from:
        conditions.append(ExceptionRecord.opened_at >= flt.opened_from)
    if flt.opened_before:
        conditions.append(ExceptionRecord.opened_at < flt.opened_before)
    text = search_text(flt.text)
    if text:
        number = parse_number(text)
        if number and number[0] == "order":
            conditions.append(ExceptionRecord.order_id == number[1])
        else:
            pattern = contains_pattern(text)
            conditions.append(
                or_(
                    *(
                        func.lower(column).like(pattern, escape=LIKE_ESCAPE)
                        for column in (
                            ExceptionRecord.how_found,
                            ExceptionRecord.plan,
                            ExceptionRecord.note,
                            ExceptionRecord.result_note,
                            ExceptionRecord.handled_by_name,
                        )
                    )
                )
            )
    return conditions
