"""The review desk's services: auto-review in batches, and the verbs a reviewer uses.

Auto-review (``review_orders``) takes orders a thousand at a time: the facts are loaded in
bulk (``loading.py``), the pure rules decide (``batch.py``), and the batch's findings,
exception records, status moves and audit events are written in one transaction. Every
status change goes through ``app.workflow.change_status``.

Each verb is one user action in one transaction (``with uow: …; uow.commit()``), takes the
``expected_version`` of the order the person was looking at and refuses with
``ConcurrentUpdate`` if another desk changed it since; verbs that change no status still
bump the order's version, so two desks can never both act on what they saw. Exception
handling (duplicates, bans, holds) is in ``exception_desk.py``, stock-short answers in
``stock_short.py``; both build on the helpers here.
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
from sqlalchemy.orm.attributes import flag_modified

from app.audit import record_event
from app.cards import card_number_in, scrub
from app.errors import ConcurrentUpdate, FullCardNumber, InvalidInput, NotFound
from app.live import ORDERS, notify
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.picking.service import reserve_for_reviews, reserve_or_short
from app.review.batch import OrderReview, review_batch
from app.review.decide import Outcome, decide, exception_kind, related_orders
from app.review.errors import BlockingFindings, ContactAlreadyOpen, NotInQueue
from app.review.loading import ORDER_COLUMNS, RunCache, chunks, load_batch
from app.review.messages import (
    MessageKind,
    draft_message,
    language_of,
    missing_items,
    payment_problem_text,
)
from app.review.model import (
    F_CITY,
    F_COUNTRY,
    F_PHONE,
    F_POSTAL_CODE,
    F_REGION,
    F_SHIP_NAME,
    F_STREET,
    Finding,
    PaymentFacts,
    Queue,
    ReviewSettings,
    Severity,
)
from app.review.rules import (
    KNOWN_PAYMENT_METHODS,
    address_complete,
    card_findings,
    customer_name_present,
    phone_valid_for_destination,
)
from app.review.verbs import REVIEWABLE, require_verb
from app.uow import UnitOfWork
from app.workflow import ExceptionState as ES
from app.workflow import (
    RecordState,
    TransitionPlan,
    apply_plan,
    apply_plans_in_bulk,
    change_status,
    plan_review_mark,
    plan_transition,
    record_state,
    require_move,
)
from db.models import (
    ContactTask,
    Customer,
    CustomerMessage,
    ExceptionRecord,
    IntakeConflict,
    Order,
    Payment,
    ReviewFinding,
    utcnow,
)

if TYPE_CHECKING:
    from app.database import Database

log = logging.getLogger(__name__)

ALL_RECEIVED: Literal["all_received"] = "all_received"
BATCH_SIZE = 1000
MAX_BATCH_ATTEMPTS = 3
MIN_REASON_LENGTH = 10
CONTACT_DUE = dt.timedelta(days=1)

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

    def add(self, other: ReviewSummary) -> None:
        for item in dataclasses.fields(self):
            if item.type in ("int", int):
                setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def count(self, outcome: Outcome) -> None:
        self.reviewed += 1
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    def as_json(self) -> dict[str, int | bool]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ActionResult:
    """What a desk verb leaves behind, for the screen to show and reload from."""

    order_id: int
    number: str
    status: str
    version: int
    outcome: str | None = None  # after a re-review
    blocking: tuple[str, ...] = ()  # codes of blocking findings that now stand
    task_id: int | None = None
    message_id: int | None = None


def action_result(order: Order, review: OrderReview | None = None, **extra) -> ActionResult:
    values = {
        "order_id": order.id,
        "number": order_number(order.id),
        "status": order.status,
        "version": order.version,
    }
    if review is not None:
        values["outcome"] = review.decision.outcome.value
        values["blocking"] = tuple(sorted({f.code for f in review.decision.blocking}))
    values.update(extra)
    return ActionResult(**values)


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
        takes = ("received",)
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
        query = select(func.count()).select_from(Order).where(Order.status == "received")
        return uow.session.scalar(query) or 0


def _received_batches(make_uow: Callable[[], UnitOfWork], size: int) -> Iterator[list[int]]:
    """Ids of received orders in id order, by keyset: orders left received are passed."""
    last = 0
    while True:
        with make_uow() as uow:
            ids = list(
                uow.session.scalars(
                    select(Order.id)
                    .where(Order.status == "received", Order.id > last)
                    .order_by(Order.id)
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
        .where(Order.id.in_(ids), Order.status.in_(takes))
        .order_by(Order.id)
        .with_for_update(skip_locked=True)
    ).all()
    held = held_order_ids(session, [row.id for row in rows if row.status == "on_hold"])
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
    return summary


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
        if orders[r.order_id].status == "on_hold" and r.decision.outcome is not Outcome.EXCEPTION
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
    reason = review.decision.reason
    if target == state.status:
        return plan_review_mark(state, actor, now=now, reason=reason)
    return plan_transition(state, target, actor, now=now, reason=reason)


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


# --------------------------------------------------------------------------- helpers for verbs


def touch(order: Order) -> None:
    """Bump the order's version although no column changes: the action is on record."""
    flag_modified(order, "status")


def order_for_action(session: Session, order_id: int, expected_version: int) -> Order:
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("order", order_number(order_id))
    if order.version != expected_version:
        raise ConcurrentUpdate(order_number(order_id))
    return order


def typed(text: str | None) -> str:
    """Text a person typed at the desk, with any card number replaced by its last four."""
    return scrub(text)[0] if text else (text or "")


def require_reason(reason: str | None, field: str = "reason") -> str:
    """A reason a person wrote, with any card number in it replaced by its last four."""
    text = scrub((reason or "").strip())[0]
    if len(text) < MIN_REASON_LENGTH:
        raise InvalidInput(field, text, f"a written reason of {MIN_REASON_LENGTH}+ letters")
    return text


def review_one(
    session: Session, actor: Actor, order: Order, settings: ReviewSettings | None
) -> OrderReview:
    return review_now(session, actor, [order], RunCache(settings or ReviewSettings()))[0]


def stored_findings(session: Session, order_id: int) -> list[Finding]:
    rows = session.scalars(
        select(ReviewFinding).where(ReviewFinding.order_id == order_id).order_by(ReviewFinding.id)
    )
    return [
        Finding(
            row.code,
            Severity(row.severity),
            row.field,
            row.message,
            Queue(row.queue),
            tuple(tuple(pair) for pair in row.detail or ()),  # type: ignore[misc]
        )
        for row in rows
    ]


def customer_of(session: Session, order: Order) -> Customer | None:
    return session.get(Customer, order.customer_id) if order.customer_id else None


def open_task(session: Session, order_id: int, kind: str) -> ContactTask | None:
    return session.scalars(
        select(ContactTask).where(
            ContactTask.order_id == order_id, ContactTask.kind == kind, ContactTask.state == "open"
        )
    ).first()


def new_task(
    session: Session,
    actor: Actor,
    order: Order,
    kind: str,
    what_needed: str,
    due_at: dt.datetime | None = None,
) -> ContactTask:
    task = ContactTask(
        order_id=order.id,
        customer_id=order.customer_id,
        kind=kind,
        state="open",
        what_needed=typed(what_needed),
        due_at=due_at or utcnow() + CONTACT_DUE,
        created_by_id=actor.user_id,
        created_by_name=actor.username,
    )
    session.add(task)
    session.flush()
    return task


def close_tasks(
    session: Session,
    actor: Actor,
    order_id: int,
    *,
    kinds: Sequence[str] | None = None,
    state: str = "done",
    answer: str | None = None,
    outcome: str = "",
) -> list[ContactTask]:
    query = select(ContactTask).where(ContactTask.order_id == order_id, ContactTask.state == "open")
    if kinds is not None:
        query = query.where(ContactTask.kind.in_(kinds))
    tasks = list(session.scalars(query))
    now = utcnow()
    for task in tasks:
        require_move("contact_task", f"task {task.id}", task.state, state, actor)
        task.state = state
        task.answer = typed(answer) or task.answer
        task.outcome = typed(outcome)
        task.closed_at = now
        task.closed_by_name = actor.username
    return tasks


def close_exception_records(
    session: Session,
    actor: Actor,
    order_id: int,
    result: str,
    note: str = "",
    states: Sequence[str] = ("open", "held"),
) -> list[ExceptionRecord]:
    records = list(
        session.scalars(
            select(ExceptionRecord).where(
                ExceptionRecord.order_id == order_id, ExceptionRecord.state.in_(states)
            )
        )
    )
    now = utcnow()
    for record in records:
        require_move("exception", f"exception {record.id}", record.state, ES.CLOSED, actor)
        record.state = ES.CLOSED
        record.result = result
        record.result_note = typed(note)
        record.handled_by_id = actor.user_id
        record.handled_by_name = actor.username
        record.closed_at = now
    return records


def resolve_intake_conflicts(session: Session, actor: Actor, order_id: int, how: str) -> int:
    conflicts = list(
        session.scalars(
            select(IntakeConflict).where(
                IntakeConflict.order_id == order_id, IntakeConflict.resolved_at.is_(None)
            )
        )
    )
    now = utcnow()
    for conflict in conflicts:
        conflict.resolved_at = now
        conflict.resolved_by_id = actor.user_id
        conflict.resolution = how
    return len(conflicts)


def draft(
    session: Session,
    actor: Actor,
    order: Order,
    kind: MessageKind,
    *,
    task: ContactTask | None = None,
    **values: str,
) -> CustomerMessage:
    """A message in the customer's language, stored in the outbox with the order."""
    customer = customer_of(session, order)
    language = customer.language if customer else None
    name = (customer.name if customer else "") or order.ship_name
    text = draft_message(kind, language, name=name, order=order_number(order.id), **values)
    message = CustomerMessage(
        order_id=order.id,
        customer_id=order.customer_id,
        contact_task_id=task.id if task else None,
        kind=kind.value,
        language=text.language,
        recipient=(customer.email or "") if customer else "",
        subject=text.subject[:200],
        body=text.body,
        state="draft",
        created_by_name=actor.username,
    )
    session.add(message)
    session.flush()
    return message


def audit(
    session: Session, actor: Actor, order: Order, action: str, reason: str = "", **detail
) -> None:
    record_event(
        session,
        actor,
        entity_type="order",
        entity_id=order.id,
        action=action,
        from_state=order.status,
        to_state=order.status,
        reason=typed(reason),
        detail=detail or None,
    )
    notify(session, ORDERS)


# --------------------------------------------------------------------------- approve, re-review


def approve_order(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    override_reason: str | None = None,
    settings: ReviewSettings | None = None,
) -> ActionResult:
    """Approve after a fresh review; refused while a blocking finding stands.

    A supervisor (``OVERRIDE_REVIEW``) may approve over blocking findings with a written
    reason; the override is audited with the codes it overrode.
    """
    require(actor, Permission.REVIEW_ORDERS)
    reason = None
    if override_reason is not None:
        require(actor, Permission.OVERRIDE_REVIEW)
        reason = require_reason(override_reason, "override reason")
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "override" if reason else "approve")
        fresh = _fresh_findings(session, order, settings)
        blocking = tuple(sorted({f.code for f in fresh if f.blocks}))
        if blocking and reason is None:
            raise BlockingFindings(order_number(order.id), blocking)
        short = reserve_or_short(session, actor, order.id)  # approval promises stock
        if short:
            # No override makes stock: the order is stock short, with why.
            review = _as_review(order.id, fresh + short)
            replace_findings(session, [review], utcnow())
            if order.status != "stock_short":
                change_status(session, actor, order, "stock_short", reason=review.decision.reason)
            else:
                touch(order)
            uow.commit()
            return action_result(order, review)
        replace_findings(session, [_as_review(order.id, fresh)], utcnow())
        if blocking:
            audit(session, actor, order, "review_override", reason or "", codes=list(blocking))
        change_status(
            session,
            actor,
            order,
            "approved",
            reason=f"override: {reason}" if blocking else "approved at the review desk",
        )
        close_exception_records(session, actor, order.id, "approved", reason or "")
        close_tasks(session, actor, order.id, outcome="order approved")
        resolve_intake_conflicts(session, actor, order.id, "approved")
        uow.commit()
        return action_result(order, blocking=blocking)


def _fresh_findings(
    session: Session, order: Order, settings: ReviewSettings | None
) -> tuple[Finding, ...]:
    """The rules run now on this one order, without moving it."""
    cache = RunCache(settings or ReviewSettings())
    batch = load_batch(session, [order], cache, utcnow())
    return review_batch(batch.facts, batch.world, cache.ledger)[0].findings


def _as_review(order_id: int, findings: tuple[Finding, ...]) -> OrderReview:
    return OrderReview(order_id, findings, decide(findings))


def rereview_order(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    settings: ReviewSettings | None = None,
) -> ActionResult:
    """Run the rules again now (after stock arrived, data changed …) and move the order."""
    require(actor, Permission.REVIEW_ORDERS)
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "rereview")
        if order.id in held_order_ids(session, [order.id]):
            raise NotInQueue(order_number(order.id), "held", "review again", ("release first",))
        review = review_one(session, actor, order, settings)
        uow.commit()
        return action_result(order, review)


# --------------------------------------------------------------------------- needs information


def request_information(
    uow: UnitOfWork, actor: Actor, order_id: int, *, expected_version: int, note: str = ""
) -> ActionResult:
    """Open a contact task for customer service and draft the message asking for the data."""
    require(actor, Permission.REVIEW_ORDERS)
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "request_info")
        existing = open_task(session, order.id, "request_info")
        if existing is not None:
            raise ContactAlreadyOpen(order_number(order.id), existing.id)
        findings = [f for f in stored_findings(session, order.id) if f.queue is Queue.NEEDS_INFO]
        if order.status == "received":
            change_status(session, actor, order, "needs_info", reason="information requested")
        else:
            touch(order)
        what = "\n".join([f.message for f in findings] + ([note.strip()] if note.strip() else []))
        task = new_task(session, actor, order, "request_info", what)
        customer = customer_of(session, order)
        language = customer.language if customer else None
        missing = missing_items(findings, language) or note.strip()
        message = draft(session, actor, order, MessageKind.REQUEST_INFO, task=task, missing=missing)
        audit(session, actor, order, "request_info", note, task=task.id, message=message.id)
        uow.commit()
        return action_result(order, task_id=task.id, message_id=message.id)


@dataclass(frozen=True)
class ContactCorrection:
    """New values for the ship-to (None = unchanged)."""

    phone: str | None = None
    name: str | None = None
    line1: str | None = None
    line2: str | None = None
    line3: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None

    def changes(self) -> dict[str, str]:
        columns = {
            "phone": "ship_phone",
            "name": "ship_name",
            "line1": "ship_line1",
            "line2": "ship_line2",
            "line3": "ship_line3",
            "city": "ship_city",
            "region": "ship_region",
            "postal_code": "ship_postal_code",
            "country": "ship_country",
        }
        changed = {}
        for attribute, column in columns.items():
            value = getattr(self, attribute)
            if value is not None:
                cleaned = value.strip()
                changed[column] = cleaned.upper() if attribute == "country" else cleaned
        return changed


# Which finding fields an edited column answers for.
_FIELDS_OF_COLUMN = {
    "ship_phone": (F_PHONE,),
    "ship_name": (F_SHIP_NAME,),
    "ship_line1": (F_STREET,),
    "ship_city": (F_CITY,),
    "ship_region": (F_REGION,),
    "ship_postal_code": (F_POSTAL_CODE,),
    "ship_country": (F_COUNTRY, F_POSTAL_CODE, F_REGION, F_PHONE),
}


def correct_contact(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    correction: ContactCorrection,
    update_account: bool = True,
    settings: ReviewSettings | None = None,
) -> ActionResult:
    """Correct the phone or address (validated), then review the order again."""
    require(actor, Permission.CHANGE_ORDERS)
    changes = correction.changes()
    if not changes:
        raise InvalidInput("correction", "", "at least one field to change")
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "correct")
        before = {column: getattr(order, column) for column in changes}
        for column, value in changes.items():
            setattr(order, column, value)
        _refuse_invalid_edit(session, order, changes)
        customer = customer_of(session, order)
        if update_account and customer is not None and changes.get("ship_phone"):
            customer.phone = changes["ship_phone"]
        audit(
            session,
            actor,
            order,
            "correct_contact",
            **{column: [before[column], value] for column, value in changes.items()},
        )
        close_tasks(
            session, actor, order.id, kinds=("request_info",), answer="corrected", outcome="data"
        )
        review = _rereview_unless_held(session, actor, order, settings)
        uow.commit()
        return action_result(order, review)


def _refuse_invalid_edit(session: Session, order: Order, changes: dict[str, str]) -> None:
    """An edited value that is itself still wrong is refused; other gaps may remain."""
    batch = load_batch(session, [order], RunCache(), utcnow())
    facts, world = batch.facts[0], batch.world
    edited = {name for column in changes for name in _FIELDS_OF_COLUMN.get(column, ())}
    for rule in (customer_name_present, phone_valid_for_destination, address_complete):
        for finding in rule(facts, world):
            if finding.blocks and finding.field in edited:
                column = next(c for c in changes if finding.field in _FIELDS_OF_COLUMN.get(c, ()))
                raise InvalidInput(finding.field, changes[column], finding.message)


def _rereview_unless_held(
    session: Session, actor: Actor, order: Order, settings: ReviewSettings | None
) -> OrderReview | None:
    if order.status in REVIEWABLE and order.id not in held_order_ids(session, [order.id]):
        return review_one(session, actor, order, settings)
    touch(order)
    return None


# --------------------------------------------------------------------------- payment problem


def ask_for_payment(
    uow: UnitOfWork, actor: Actor, order_id: int, *, expected_version: int, note: str = ""
) -> ActionResult:
    """Open a contact task and draft the message telling the customer what went wrong."""
    require(actor, Permission.REVIEW_ORDERS)
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "ask_payment")
        existing = open_task(session, order.id, "payment_problem")
        if existing is not None:
            raise ContactAlreadyOpen(order_number(order.id), existing.id)
        findings = [
            f
            for f in stored_findings(session, order.id)
            if f.blocks and f.queue is Queue.PAYMENT_PROBLEM
        ]
        customer = customer_of(session, order)
        language = customer.language if customer else None
        what = "\n".join([f.message for f in findings] + ([note.strip()] if note.strip() else []))
        task = new_task(session, actor, order, "payment_problem", what)
        problem = payment_problem_text(findings, language) or note.strip()
        message = draft(
            session, actor, order, MessageKind.PAYMENT_PROBLEM, task=task, problem=problem
        )
        touch(order)
        audit(session, actor, order, "ask_for_payment", note, task=task.id, message=message.id)
        uow.commit()
        return action_result(order, task_id=task.id, message_id=message.id)


@dataclass(frozen=True)
class NewPayment:
    """A payment taken to resolve a problem. A typed card number is checked, never kept."""

    method: str
    amount_cents: int
    currency: str | None = None  # default: the order's
    card_brand: str = ""
    card_last4: str = ""
    card_exp_month: int | None = None
    card_exp_year: int | None = None
    # Left out of repr: a full card number never reaches a log or a traceback.
    entered_card_number: str | None = field(default=None, repr=False)
    reference: str = ""

    def last4(self) -> str:
        digits = "".join(ch for ch in (self.entered_card_number or "") if ch.isdigit())
        return digits[-4:] if digits else self.card_last4


PAYMENT_RESOLUTIONS = ("paid_again", "method_changed")


def resolve_payment(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    resolution: str,
    payment: NewPayment,
    settings: ReviewSettings | None = None,
) -> ActionResult:
    """Record how the payment problem was solved (a new payment), then review again."""
    require(actor, Permission.REVIEW_ORDERS)
    if resolution not in PAYMENT_RESOLUTIONS:
        raise InvalidInput("resolution", resolution, " or ".join(PAYMENT_RESOLUTIONS))
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "resolve_payment")
        _check_new_payment(payment)
        session.add(
            Payment(
                order_id=order.id,
                method=payment.method,
                status="captured",
                amount_cents=payment.amount_cents,
                currency=payment.currency or order.currency,
                card_brand=payment.card_brand or None if payment.method == "card" else None,
                card_last4=payment.last4() or None if payment.method == "card" else None,
                card_exp_month=payment.card_exp_month if payment.method == "card" else None,
                card_exp_year=payment.card_exp_year if payment.method == "card" else None,
                processor_token=payment.reference or None,
                paid_at=utcnow(),
            )
        )
        session.flush()
        audit(
            session,
            actor,
            order,
            "payment_resolved",
            resolution,
            method=payment.method,
            amount_cents=payment.amount_cents,
            currency=payment.currency or order.currency,
        )
        close_tasks(
            session, actor, order.id, kinds=("payment_problem",), answer=resolution, outcome="paid"
        )
        review = review_one(session, actor, order, settings)
        uow.commit()
        return action_result(order, review)


def _check_new_payment(payment: NewPayment) -> None:
    # The reference and brand are kept: a card number typed there is refused, never stored.
    for name, value in (("reference", payment.reference), ("card_brand", payment.card_brand)):
        last4 = card_number_in(value or "")
        if last4 is not None:
            raise FullCardNumber(name, last4)
    if payment.method not in KNOWN_PAYMENT_METHODS:
        raise InvalidInput("method", payment.method, " / ".join(sorted(KNOWN_PAYMENT_METHODS)))
    if payment.amount_cents <= 0:
        raise InvalidInput("amount", payment.amount_cents, "an amount above zero")
    if payment.method != "card":
        return
    facts = PaymentFacts(
        method="card",
        status="captured",
        amount_cents=payment.amount_cents,
        currency=payment.currency or "",
        card_brand=payment.card_brand,
        card_last4=payment.last4(),
        card_exp_month=payment.card_exp_month,
        card_exp_year=payment.card_exp_year,
        entered_card_number=(payment.entered_card_number or "").replace(" ", "") or None,
    )
    if not payment.last4() or payment.card_exp_month is None or payment.card_exp_year is None:
        raise InvalidInput("card", f"…{payment.last4()}", "the last four digits and the expiry")
    for finding in card_findings(facts, utcnow()):
        if finding.blocks:
            raise InvalidInput("card", f"…{payment.last4()}", finding.message)


# --------------------------------------------------------------------------- cancel


def cancel_order(
    uow: UnitOfWork,
    actor: Actor,
    order_id: int,
    *,
    expected_version: int,
    reason: str,
    message: MessageKind | None = MessageKind.CANCELLED,
) -> ActionResult:
    """Cancel an order not yet allocated, with the reason, and draft the customer message."""
    reason = require_reason(reason)
    with uow:
        session = uow.session
        order = order_for_action(session, order_id, expected_version)
        require_verb(actor, order.id, order.status, "cancel")
        result = cancel_in_session(session, actor, order, reason, message)
        uow.commit()
        return result


def cancel_in_session(
    session: Session,
    actor: Actor,
    order: Order,
    reason: str,
    message: MessageKind | None,
    record_result: str = "cancelled",
) -> ActionResult:
    change_status(session, actor, order, "cancelled", reason=reason)
    close_tasks(session, actor, order.id, state="cancelled", outcome=reason)
    close_exception_records(session, actor, order.id, record_result, reason)
    drafted = None
    if message is not None:
        drafted = draft(session, actor, order, message, reason=reason)
    return action_result(order, message_id=drafted.id if drafted else None)


def language_for(session: Session, order: Order) -> str:
    customer = customer_of(session, order)
    return language_of(customer.language if customer else None)
