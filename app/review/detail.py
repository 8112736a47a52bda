"""Read side of the review desk, one order: its findings on their fields, stock per line,
payment, customer history, tasks, messages, exception records and related orders.

Returned as plain frozen dataclasses (``ReviewDetail``) for the screen and the CLI.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.address import PostalAddress, order_address
from app.numbers import order_number
from app.orders.detail import OrderDetail, order_detail
from app.permissions import Actor, Permission, require
from app.review.batch import review_batch
from app.review.loading import RunCache, fill_stock, load_batch
from app.review.model import ReviewSettings
from app.review.queries import ReviewQueue, queue_of
from app.review.task_text import task_words
from app.review.verbs import REVIEWABLE, OrderFacts, VerbState, verb_states
from app.workflow import OrderStatus as OS
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
    from app.review.stock_short import ShortLine

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
    what_code: str | None = None
    what_values: dict | None = None

    def what(self) -> str:
        """What the task asks for, in the current language (read where it is shown)."""
        return task_words(self.what_needed, self.what_code, self.what_values)


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
    ship: PostalAddress
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
    reviewed = order.reviewed_at is not None or order.status != OS.RECEIVED
    findings_now = False
    if order.status in REVIEWABLE and not findings and not held:
        # Never reviewed, or queued without findings on record: say what the rules find now.
        findings = findings_now_for(session, order, settings)
        findings_now = True
    short: tuple = ()
    if order.status == OS.STOCK_SHORT:
        from app.review.stock_short import short_lines

        short = tuple(short_lines(session, order, settings))
    return ReviewDetail(
        order=detail,
        ship=order_address(order),
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
            t.what_code,
            t.what_values,
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
