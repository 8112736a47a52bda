"""Read side of the review desk: queue counts, queue pages, one order in review detail.

Queues are work lists, so they are served oldest first (first come, first served), by
keyset on the primary key within a status (``ix_orders_status_id``): the first page of a
million-order queue costs what the first page of ten does. The exception queue and the
on-hold queue are both orders in status ``on_hold``; an order is "on hold" when an exception
record holds it until a call-back, and "an exception" otherwise.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from app.numbers import order_number
from app.orders.queries import OrderFilter, OrderRow, filter_conditions, order_row, rows_query
from app.permissions import Actor, Permission, require
from app.search.filters import Before, Choice, Filters, From, Text
from app.search.paging import page_window, short_read
from app.workflow import OrderStatus as OS
from db.models import (
    Customer,
    ExceptionRecord,
    Order,
    ReviewFinding,
)

if TYPE_CHECKING:
    from app.database import Database


class ReviewQueue(StrEnum):
    TO_REVIEW = "to_review"
    NEEDS_INFO = "needs_info"
    STOCK_SHORT = "stock_short"
    PAYMENT_PROBLEM = "payment_problem"
    EXCEPTION = "exception"
    ON_HOLD = "on_hold"


STATUS_OF_QUEUE = {
    ReviewQueue.TO_REVIEW: OS.RECEIVED,
    ReviewQueue.NEEDS_INFO: OS.NEEDS_INFO,
    ReviewQueue.STOCK_SHORT: OS.STOCK_SHORT,
    ReviewQueue.PAYMENT_PROBLEM: OS.PAYMENT_PROBLEM,
    ReviewQueue.EXCEPTION: OS.ON_HOLD,
    ReviewQueue.ON_HOLD: OS.ON_HOLD,
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
    if status == OS.ON_HOLD:
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
    on_hold_total = per_status.get(OS.ON_HOLD, 0)
    return QueueCounts(
        to_review=per_status.get(OS.RECEIVED, 0),
        needs_info=per_status.get(OS.NEEDS_INFO, 0),
        stock_short=per_status.get(OS.STOCK_SHORT, 0),
        payment_problem=per_status.get(OS.PAYMENT_PROBLEM, 0),
        exception=on_hold_total - (held or 0),
        on_hold=held or 0,
    )


# --------------------------------------------------------------------------- queue pages


@dataclass(frozen=True)
class ReviewRow(OrderRow):
    """An order of a queue with what the checks found."""

    blocking: int = 0
    warnings: int = 0
    first_problem: str = ""  # the first blocking finding's message, or the first warning
    reviewed: bool = True  # False: the rules have never run on it (nothing is known yet)


def _base(conditions: list) -> Select:
    return rows_query(conditions, Order.reviewed_at)


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
        offset, limit, from_end = page_window(offset, limit, total)
        if limit == 0:
            return []
        if offset <= from_end:
            query = _base(self._conditions).order_by(Order.id).offset(offset).limit(limit)
            return self._rows(self.session.execute(query).all())
        query = _base(self._conditions).order_by(Order.id.desc()).offset(from_end).limit(limit)
        return self._rows(list(reversed(self.session.execute(query).all())))

    def _rows(self, rows) -> list[ReviewRow]:
        summary = _finding_summary(self.session, [row[0] for row in rows])
        no_findings = {"blocking": 0, "warnings": 0, "first_problem": ""}
        return [
            order_row(
                values[:-1],
                ReviewRow,
                reviewed=values[-1] is not None,
                **summary.get(values[0], no_findings),
            )
            for values in rows
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
        with short_read(self._database) as session:
            return QueueQuery(session, self.queue, self.text).count()

    def page_after(self, after_id: int | None, limit: int) -> list[ReviewRow]:
        with short_read(self._database) as session:
            return QueueQuery(session, self.queue, self.text).page_after(after_id, limit)

    def page_at(self, offset: int, limit: int, total: int) -> list[ReviewRow]:
        with short_read(self._database) as session:
            return QueueQuery(session, self.queue, self.text).page_at(offset, limit, total)


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

EXCEPTION_FILTERS = Filters(
    Choice("kind", ExceptionRecord.kind, EXCEPTION_KINDS),
    Choice("state", ExceptionRecord.state, EXCEPTION_STATES),
    From("opened_from", ExceptionRecord.opened_at),
    Before("opened_before", ExceptionRecord.opened_at),
    Text(
        "text",
        number=("order", ExceptionRecord.order_id),
        contains=(
            ExceptionRecord.how_found,
            ExceptionRecord.plan,
            ExceptionRecord.note,
            ExceptionRecord.result_note,
            ExceptionRecord.handled_by_name,
        ),
    ),
)


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
    conditions = EXCEPTION_FILTERS.conditions(flt)
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
