"""The shared verb kit of the review desk: what every verb does the same way.

Load the order at the version the person saw (``order_for_action``), check a written
reason, run the rules on one order, open and close contact tasks and exception records,
draft the customer message, write the audit event, and say what was done (``ActionResult``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.cards import scrub
from app.errors import ConcurrentUpdate, InvalidInput, NotFound
from app.live import ORDERS, notify
from app.numbers import order_number
from app.permissions import Actor
from app.review.auto import review_now
from app.review.batch import OrderReview
from app.review.loading import RunCache
from app.review.messages import (
    MessageKind,
    draft_message,
)
from app.review.model import (
    Finding,
    Queue,
    ReviewSettings,
    Severity,
)
from app.review.task_text import TaskText
from app.workflow import ExceptionState as ES
from app.workflow import OrderStatus, change_status, require_move
from db.models import (
    ContactTask,
    Customer,
    CustomerMessage,
    ExceptionRecord,
    IntakeConflict,
    Order,
    ReviewFinding,
    utcnow,
)

MIN_REASON_LENGTH = 10
CONTACT_DUE = dt.timedelta(days=1)


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


# --------------------------------------------------------------------------- helpers for verbs


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
    what_needed: str | TaskText,
    due_at: dt.datetime | None = None,
) -> ContactTask:
    """A task for customer service; ``what_needed`` is a ``TaskText`` (code and values, said
    in the reader's language) when the program words it, a ``str`` when a person typed it."""
    coded = isinstance(what_needed, TaskText)
    task = ContactTask(
        order_id=order.id,
        customer_id=order.customer_id,
        kind=kind,
        state="open",
        what_needed=typed(what_needed.english() if coded else what_needed),
        what_code=what_needed.code if coded else None,
        what_values=what_needed.data() if coded else None,
        due_at=due_at or utcnow() + CONTACT_DUE,
        created_by_id=actor.user_id,
        created_by_name=actor.username,
    )
    session.add(task)
    session.flush()
    # The service desk answers the customer: the task opens a case (or adds to the order's).
    from app.cases.service import case_for_contact_task

    case_for_contact_task(session, actor, task, now=utcnow())
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


def cancel_in_session(
    session: Session,
    actor: Actor,
    order: Order,
    reason: str,
    message: MessageKind | None,
    record_result: str = "cancelled",
) -> ActionResult:
    change_status(session, actor, order, OrderStatus.CANCELLED, reason=reason)
    close_tasks(session, actor, order.id, state="cancelled", outcome=reason)
    close_exception_records(session, actor, order.id, record_result, reason)
    drafted = None
    if message is not None:
        drafted = draft(session, actor, order, message, reason=reason)
    return action_result(order, message_id=drafted.id if drafted else None)
