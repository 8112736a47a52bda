"""The review desk's verbs: approve, re-review, request information, correct the contact,
payment problems and cancel -- one user action, one transaction, each.

Each verb takes the ``expected_version`` of the order the person was looking at and
refuses with ``ConcurrentUpdate`` if another desk changed it since; verbs that change no
status still bump the order's version, so two desks can never both act on what they saw.
Whether a verb may run is decided by its declaration (``verbs.py``). Auto-review lives in
``auto.py``, the shared verb kit in ``kit.py``, exception handling in
``exception_desk.py``, stock-short answers in ``stock_short.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.cards import card_number_in
from app.errors import FullCardNumber, InvalidInput
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.picking.service import reserve_or_short

# Auto-review is re-exported: the CLI, benches and other desks start it from here.
from app.review.auto import ALL_RECEIVED as ALL_RECEIVED
from app.review.auto import ReviewSummary as ReviewSummary
from app.review.auto import held_order_ids, replace_findings
from app.review.auto import review_orders as review_orders
from app.review.batch import OrderReview, review_batch
from app.review.decide import decide
from app.review.errors import BlockingFindings, ContactAlreadyOpen, NotInQueue
from app.review.kit import (
    ActionResult,
    action_result,
    audit,
    cancel_in_session,
    close_exception_records,
    close_tasks,
    customer_of,
    draft,
    new_task,
    open_task,
    order_for_action,
    require_reason,
    resolve_intake_conflicts,
    review_one,
    stored_findings,
)
from app.review.loading import RunCache, load_batch
from app.review.messages import (
    MessageKind,
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
)
from app.review.reasons import why
from app.review.rules import (
    KNOWN_PAYMENT_METHODS,
    address_complete,
    card_findings,
    customer_name_present,
    phone_valid_for_destination,
)
from app.review.task_text import findings_text
from app.review.verbs import REVIEWABLE, require_verb
from app.uow import UnitOfWork
from app.workflow import OrderStatus as OS
from app.workflow import bump_version, change_status
from db.models import Order, Payment, utcnow

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
            if order.status != OS.STOCK_SHORT:
                short_why = review.decision.why
                change_status(
                    session,
                    actor,
                    order,
                    OS.STOCK_SHORT,
                    reason=short_why.english(),
                    detail=short_why.detail(),
                )
            else:
                bump_version(order)
            uow.commit()
            return action_result(order, review)
        replace_findings(session, [_as_review(order.id, fresh)], utcnow())
        if blocking:
            audit(session, actor, order, "review_override", reason or "", codes=list(blocking))
        said = why("review.override", reason=reason) if blocking else why("review.approved_at_desk")
        change_status(
            session, actor, order, OS.APPROVED, reason=said.english(), detail=said.detail()
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
        if order.status == OS.RECEIVED:
            said = why("review.info_requested")
            change_status(
                session, actor, order, OS.NEEDS_INFO, reason=said.english(), detail=said.detail()
            )
        else:
            bump_version(order)
        what = findings_text([f.message for f in findings], note)
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
    bump_version(order)
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
        what = findings_text([f.message for f in findings], note)
        task = new_task(session, actor, order, "payment_problem", what)
        problem = payment_problem_text(findings, language) or note.strip()
        message = draft(
            session, actor, order, MessageKind.PAYMENT_PROBLEM, task=task, problem=problem
        )
        bump_version(order)
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
