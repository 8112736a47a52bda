"""Auto-review: orders reviewed a thousand at a time, every move planned and written in bulk.

The facts are loaded in bulk (``loading.py``), the pure rules decide (``batch.py``), and a
batch's findings, exception records, status moves (the workflow's bulk writer) and audit
events are written in one transaction. ``review_now`` does the same for the one order a
desk verb acts on, through the ORM.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.bulk.among import one_of
from app.errors import ConcurrentUpdate
from app.permissions import Actor, Permission, require, system_actor
from app.picking.model import AllocationSummary
from app.picking.service import allocate_reviewed, reserve_for_reviews
from app.review.batch import OrderReview, review_batch
from app.review.decide import Outcome, exception_kind, related_orders
from app.review.loading import ORDER_COLUMNS, RunCache, chunks, load_batch
from app.review.model import (
    ReviewSettings,
)
from app.review.verbs import REVIEWABLE
from app.uow import UnitOfWork
from app.workflow import OrderStatus as OS
from app.workflow import (
    RecordState,
    TransitionPlan,
    apply_plan,
    apply_plans_in_bulk,
    plan_review_mark,
    plan_transition,
    record_state,
)
from db.models import (
    ExceptionRecord,
    Order,
    ReviewFinding,
    utcnow,
)

if TYPE_CHECKING:
    from app.database import Database

log = logging.getLogger(__name__)

ALL_RECEIVED: Literal["all_received"] = "all_received"
# The table, not the mapped class: a select naming mapped attributes takes the ORM's
# result path, which made reading a batch's order rows about a third slower for nothing.
ORDERS = Order.__table__
BATCH_SIZE = 1000
MAX_BATCH_ATTEMPTS = 3

# --------------------------------------------------------------------------- results


@dataclass
class ReviewSummary:
    """What a review run did, counted per outcome (``--json`` prints this)."""

    reviewed: int = 0
    approved: int = 0
    to_review: int = 0
    needs_info: int = 0
    stock_short: int = 0
    payment_problem: int = 0
    exception: int = 0
    # Asked for but left alone: held orders, orders not (or no longer) awaiting review,
    # orders another desk held locked.
    on_hold: int = 0
    skipped: int = 0
    stopped: bool = False
    # What the system allocated of the approved orders (``ReviewSettings.allocate_approved``).
    allocation: AllocationSummary = field(default_factory=AllocationSummary)

    def add(self, other: ReviewSummary) -> None:
        for item in dataclasses.fields(self):
            if item.type in ("int", int):
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))
        self.allocation = self.allocation + other.allocation

    def count(self, outcome: Outcome) -> None:
        self.reviewed += 1
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def as_json(self) -> dict[str, int | bool]:
        return dataclasses.asdict(self)


# --------------------------------------------------------------------------- auto review


def review_orders(
    source: Database | Callable[[], UnitOfWork],
    actor: Actor,
    orders: Iterable[int] | Literal["all_received"],
    *,
    settings: ReviewSettings | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: Callable[[], bool] | None = None,
    batch_size: int = BATCH_SIZE,
) -> ReviewSummary:
    """Review received orders (or the given ones, re-reviewing those in a queue).

    One transaction per batch: a cancelled or failed run keeps the batches already done
    and leaves the rest as they were. ``progress(done, total)`` is called after each batch;
    ``cancel()`` is asked before each.
    """
    require(actor, Permission.REVIEW_ORDERS)
    actor = _RunActor.of(actor)
    make_uow = _uow_factory(source)
    cache = RunCache(settings or ReviewSettings())
    summary = ReviewSummary()
    # A run over all received orders takes only those still received when it locks them:
    # one another desk's run moved meanwhile is that run's, not to be reviewed again.
    takes: tuple[str, ...] = REVIEWABLE
    if orders == ALL_RECEIVED:
        total = _count_received(make_uow)
        batches: Iterator[Sequence[int]] = _received_batches(make_uow, batch_size)
        takes = (OS.RECEIVED,)
    else:
        wanted = sorted(set(orders))  # type: ignore[arg-type]
        total = len(wanted)
        batches = chunks(wanted, batch_size)
    done = 0
    with _fewer_gc_pauses():
        for ids in batches:
            if cancel is not None and cancel():
                summary.stopped = True
                break
            summary.add(_review_ids(make_uow, actor, ids, cache, takes))
            done += len(ids)
            if progress is not None:
                progress(done, max(total, done))
    return summary


@dataclass(frozen=True)
class _RunActor(Actor):
    """The same person, permissions worked out once: a run checks them twice per order."""

    granted: frozenset[Permission] = frozenset()

    @classmethod
    def of(cls, actor: Actor) -> _RunActor:
        return cls(actor.user_id, actor.username, actor.roles, actor.full_name, actor.permissions)

    @property
    def permissions(self) -> frozenset[Permission]:
        return self.granted


@contextmanager
def _fewer_gc_pauses() -> Iterator[None]:
    """A batch makes some fifty thousand short-lived objects (facts, findings, stand-ins)
    and no cycles; at the default threshold of 700 the cycle collector runs hundreds of
    times a batch and costs a fifth of the review."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _uow_factory(source) -> Callable[[], UnitOfWork]:
    unit_of_work = getattr(source, "unit_of_work", None)
    return unit_of_work if callable(unit_of_work) else source


def _count_received(make_uow: Callable[[], UnitOfWork]) -> int:
    with make_uow() as uow:
        query = select(func.count()).select_from(ORDERS).where(ORDERS.c.status == OS.RECEIVED)
        return uow.session.scalar(query) or 0


def _received_batches(make_uow: Callable[[], UnitOfWork], size: int) -> Iterator[list[int]]:
    """Ids of received orders in id order, by keyset: orders left received are passed."""
    last = 0
    while True:
        with make_uow() as uow:
            ids = list(
                uow.session.scalars(
                    select(ORDERS.c.id)
                    .where(ORDERS.c.status == OS.RECEIVED, ORDERS.c.id > last)
                    .order_by(ORDERS.c.id)
                    .limit(size)
                )
            )
        if not ids:
            return
        yield ids
        last = ids[-1]


def _review_ids(
    make_uow: Callable[[], UnitOfWork],
    actor: Actor,
    ids: Sequence[int],
    cache: RunCache,
    takes: Sequence[str] = REVIEWABLE,
) -> ReviewSummary:
    for attempt in range(1, MAX_BATCH_ATTEMPTS + 1):
        # A failed attempt must not leave its stock promises in the run's ledger.
        ledger_before = dict(cache.ledger)
        try:
            with make_uow() as uow:
                summary = _review_locked(uow.session, actor, ids, cache, takes)
                uow.commit()
            return summary
        except ConcurrentUpdate:
            cache.ledger.clear()
            cache.ledger.update(ledger_before)
            log.info("review batch of %d changed under us (attempt %d)", len(ids), attempt)
    log.warning("review batch of %d orders skipped: changed at other desks", len(ids))
    return ReviewSummary(skipped=len(ids))


def _review_locked(
    session: Session,
    actor: Actor,
    ids: Sequence[int],
    cache: RunCache,
    takes: Sequence[str] = REVIEWABLE,
) -> ReviewSummary:
    summary = ReviewSummary()
    # SKIP LOCKED (PostgreSQL): orders another desk is working on are left for later
    # rather than waited for; SQLite serialises writers and ignores the clause. The
    # status is checked again under the lock (``takes``), after any wait for it.
    rows = session.execute(
        select(*ORDER_COLUMNS)
        .where(one_of(session, ORDERS.c.id, ids), ORDERS.c.status.in_(takes))
        .order_by(ORDERS.c.id)
        .with_for_update(skip_locked=True)
    ).all()
    held = held_order_ids(session, [row.id for row in rows if row.status == OS.ON_HOLD])
    to_review = [row for row in rows if row.id not in held]
    summary.on_hold = len(held)
    summary.skipped = len(ids) - len(rows)
    if to_review:
        now = utcnow()
        batch = load_batch(session, to_review, cache, now)
        reviews = review_batch(batch.facts, batch.world, cache.ledger)
        reviews = reserve_for_reviews(session, actor, reviews)  # approval promises stock
        earlier = [row.id for row in to_review if row.reviewed_at is not None]
        replace_findings(session, reviews, now, earlier)
        by_id = {row.id: row for row in to_review}
        _open_exception_records(session, actor, reviews, by_id, now)
        _close_cleared_records(session, actor, reviews, by_id, now)
        _bulk_move(session, actor, to_review, reviews, now)
        for review in reviews:
            summary.count(review.decision.outcome)
        if cache.settings.allocate_approved:
            summary.allocation = _allocate_approved(session, actor, reviews)
    return summary


ALLOCATION_STEP = "allocation after auto-review"


def _allocate_approved(
    session: Session, actor: Actor, reviews: Sequence[OrderReview]
) -> AllocationSummary:
    """The batch's approvals become shipments in its transaction, on the system's authority
    (the reviewer's role need not allocate; see docs/allocation.md)."""
    approved = [r.order_id for r in reviews if r.decision.outcome is Outcome.APPROVED]
    if not approved:
        return AllocationSummary()
    system = system_actor(ALLOCATION_STEP, actor, Permission.ALLOCATE_STOCK)
    return allocate_reviewed(session, system, approved)


def review_now(
    session: Session, actor: Actor, orders: Sequence[Order], cache: RunCache
) -> list[OrderReview]:
    """Run the rules on ``orders`` (ORM objects of this session) and store what they decide.

    The desk's verbs use this for the one order they act on, through the ORM, so the
    order object they hold stays in step with the database.
    """
    now = utcnow()
    batch = load_batch(session, orders, cache, now)
    reviews = review_batch(batch.facts, batch.world, cache.ledger)
    reviews = reserve_for_reviews(session, actor, reviews)  # approval promises stock
    by_id = {order.id: order for order in orders}
    replace_findings(session, reviews, now)
    _open_exception_records(session, actor, reviews, by_id, now)
    _close_cleared_records(session, actor, reviews, by_id, now)
    for review in reviews:
        _move(session, actor, by_id[review.order_id], review, now)
    return reviews


def _bulk_move(
    session: Session,
    actor: Actor,
    rows: Sequence,
    reviews: Sequence[OrderReview],
    now: dt.datetime,
) -> None:
    """Plan each order's move (the workflow's pure planner) and write them all with the
    workflow's bulk writer: one guarded UPDATE per shape, one batch of audit events."""
    by_id = {row.id: row for row in rows}
    plans = []
    for review in reviews:
        row = by_id[review.order_id]
        stamped = {
            column
            for column, value in (
                ("reviewed_at", row.reviewed_at),
                ("approved_at", row.approved_at),
            )
            if value is not None
        }
        state = RecordState("order", row.id, row.status, row.version, frozenset(stamped))
        plans.append(plan_review_move(state, actor, review, now))
    apply_plans_in_bulk(session, plans)


def replace_findings(
    session: Session,
    reviews: Sequence[OrderReview],
    now: dt.datetime,
    reviewed_before: Sequence[int] | None = None,
) -> None:
    """Store the findings of ``reviews``, replacing the orders' earlier ones.

    ``reviewed_before`` (when known) names the orders that can have earlier findings:
    an order never reviewed has none, and most of a run's orders were never reviewed.
    """
    table = ReviewFinding.__table__
    stale = [r.order_id for r in reviews] if reviewed_before is None else reviewed_before
    for ids in chunks(list(stale)):
        session.execute(delete(table).where(table.c.order_id.in_(ids)))
    rows = [
        {
            "order_id": review.order_id,
            "code": f.code,
            "severity": f.severity.value,
            "field": f.field[:64],
            "message": f.message,
            "queue": f.queue.value,
            "detail": [list(pair) for pair in f.detail] or None,
            "found_at": now,
        }
        for review in reviews
        for f in review.findings
    ]
    if rows:
        session.execute(insert(table), rows)


def _close_cleared_records(
    session: Session,
    actor: Actor,
    reviews: Sequence[OrderReview],
    orders: dict,
    now: dt.datetime,
) -> None:
    """An order that was an exception and is one no more: its open record is released.

    (A frozen account thawed, a block-list entry lifted.) Held records stay: a hold ends
    only when a person releases it.
    """
    cleared = [
        r.order_id
        for r in reviews
        if orders[r.order_id].status == OS.ON_HOLD and r.decision.outcome is not Outcome.EXCEPTION
    ]
    table = ExceptionRecord.__table__
    for ids in chunks(cleared):
        session.execute(
            update(table)
            .where(table.c.order_id.in_(ids), table.c.state == "open")
            .values(
                state="closed",
                result="released",
                result_note="cleared when reviewed again",
                handled_by_id=actor.user_id,
                handled_by_name=actor.username,
                closed_at=now,
                version=table.c.version + 1,
            )
        )


def _open_exception_records(
    session: Session,
    actor: Actor,
    reviews: Sequence[OrderReview],
    orders: dict,
    now: dt.datetime,
) -> None:
    """An order newly in the exception queue gets a record; one already open is kept."""
    exceptions = [r for r in reviews if r.decision.outcome is Outcome.EXCEPTION]
    if not exceptions:
        return
    already = set()
    for ids in chunks([r.order_id for r in exceptions]):
        already.update(
            session.scalars(
                select(ExceptionRecord.order_id).where(
                    ExceptionRecord.order_id.in_(ids), ExceptionRecord.state == "open"
                )
            )
        )
    rows = [
        {
            "order_id": r.order_id,
            "customer_id": orders[r.order_id].customer_id,
            "kind": exception_kind(r.decision.blocking),
            "how_found": "auto review: " + ", ".join(sorted({f.code for f in r.decision.blocking})),
            "related_order_ids": related_orders(r.decision.blocking) or None,
            "state": "open",
            "opened_at": now,
            "opened_by_name": actor.username,
        }
        for r in exceptions
        if r.order_id not in already
    ]
    if rows:
        session.execute(insert(ExceptionRecord.__table__), rows)


def plan_review_move(
    state: RecordState, actor: Actor, review: OrderReview, now: dt.datetime
) -> TransitionPlan:
    """Where the rules send the order, as one move (a queue goes straight to another queue,
    to approved, or back to received); staying put is a review on record, not a move."""
    target = review.decision.status
    why = review.decision.why
    reason, detail = why.english(), why.detail()
    if target == state.status:
        return plan_review_mark(state, actor, now=now, reason=reason, detail=detail)
    return plan_transition(state, target, actor, now=now, reason=reason, detail=detail)


def _move(
    session: Session, actor: Actor, order: Order, review: OrderReview, now: dt.datetime
) -> None:
    apply_plan(session, actor, order, plan_review_move(record_state(order), actor, review, now))


def held_order_ids(session: Session, order_ids: Sequence[int]) -> set[int]:
    held: set[int] = set()
    for ids in chunks(list(order_ids)):
        held.update(
            session.scalars(
                select(ExceptionRecord.order_id).where(
                    ExceptionRecord.order_id.in_(ids), ExceptionRecord.state == "held"
                )
            )
        )
    return held
