"""Case verbs: open a case, act on it through its declared verbs, one transaction each."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.cases.clock import DeadlineTargets, after_pause, due_times, targets_for
from app.cases.errors import CaseNeeds, CaseVerbNotAllowed
from app.cases.model import (
    STATUS_WORDS,
    CaseStatus,
    Category,
    NoteKind,
    Priority,
    Resolution,
    Source,
)
from app.cases.verbs import VERBS
from app.errors import ConcurrentUpdate, InvalidInput, NotFound
from app.i18n import N_
from app.live import CASES, notify
from app.numbers import entity_number
from app.outbox.service import queue_message
from app.permissions import Actor, Permission, require
from db.models import Customer, Order, Shipment, User
from db.models_cases import Case, CaseDeadlineTarget, CaseNote

FOLLOW_UP_AFTER = dt.timedelta(days=3)
MAX_TEXT = 20_000


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class CaseDraft:
    subject: str
    source: Source
    category: Category = Category.OTHER
    priority: Priority = Priority.NORMAL
    body: str = ""
    order_id: int | None = None
    shipment_id: int | None = None
    customer_id: int | None = None
    channel: str | None = None
    claim_kind: str | None = None
    claim_reference: str | None = None
    claim_due_at: dt.datetime | None = None
    subject_values: dict | None = None


def configured_targets(session: Session) -> dict[str, DeadlineTargets]:
    return {
        row.channel: DeadlineTargets(
            first_reply_hours=row.first_reply_hours,
            resolution_hours=row.resolution_hours,
            business_hours=row.business_hours,
            pause_allowed=row.pause_allowed,
            country=row.country,
            timezone=row.timezone,
        )
        for row in session.scalars(select(CaseDeadlineTarget))
    }


def open_case(database, actor: Actor, draft: CaseDraft, *, now: dt.datetime | None = None) -> int:
    """A new case from a call, chat, e-mail or claim; returns its id."""
    require(actor, Permission.HANDLE_CASES)
    with database.unit_of_work() as uow:
        case = add_case(uow.session, actor, draft, now=now or _now())
        uow.commit()
        return case.id


def add_case(
    session: Session,
    actor: Actor,
    draft: CaseDraft,
    *,
    now: dt.datetime,
    watch_reason: str | None = None,
) -> Case:
    """The case row, its first note and its audit event, in the caller's transaction."""
    subject = " ".join(draft.subject.split())
    if not subject:
        raise InvalidInput(N_("subject"), draft.subject, N_("a few words saying what it is about"))
    order_id, customer_id, channel = _links(session, draft)
    targets = targets_for(channel, configured_targets(session))
    due = due_times(now, targets)
    case = Case(
        status=CaseStatus.OPEN,
        category=Category(draft.category),
        priority=Priority(draft.priority),
        source=Source(draft.source),
        channel=channel,
        subject=subject[:200],
        subject_values=draft.subject_values,
        customer_id=customer_id,
        order_id=order_id,
        shipment_id=draft.shipment_id,
        claim_kind=draft.claim_kind,
        claim_reference=draft.claim_reference,
        claim_due_at=draft.claim_due_at,
        opened_at=now,
        first_reply_due_at=min(
            due.first_reply_due_at, draft.claim_due_at or due.first_reply_due_at
        ),
        resolution_due_at=due.resolution_due_at,
        status_changed_at=now,
        watch_key=draft.shipment_id if watch_reason else None,
        watch_reason=watch_reason,
    )
    session.add(case)
    session.flush()
    if draft.body.strip():
        session.add(
            CaseNote(
                case_id=case.id,
                kind=NoteKind.CUSTOMER,
                body=draft.body[:MAX_TEXT],
                author_id=actor.user_id,
                created_at=now,
            )
        )
    record_event(
        session,
        actor,
        entity_type="case",
        entity_id=case.id,
        action="open",
        to_state=CaseStatus.OPEN,
        reason=str(draft.source),
    )
    notify(session, CASES)
    return case


def _links(session: Session, draft: CaseDraft) -> tuple[int | None, int | None, str | None]:
    order_id, customer_id, channel = draft.order_id, draft.customer_id, draft.channel
    if draft.shipment_id is not None:
        shipment = session.get(Shipment, draft.shipment_id)
        if shipment is None:
            raise NotFound(N_("shipment"), entity_number("shipment", draft.shipment_id))
        order_id = order_id or shipment.order_id
    if order_id is not None:
        order = session.get(Order, order_id)
        if order is None:
            raise NotFound(N_("order"), entity_number("order", order_id))
        customer_id = customer_id or order.customer_id
        channel = channel or order.channel
    return order_id, customer_id, channel


@dataclass(frozen=True)
class CaseAction:
    """What a person gave with a verb; only what the verb needs is read."""

    text: str = ""
    resolution: str | None = None
    satisfaction: int | None = None
    assignee_id: int | None = None
    language: str | None = None
    # Resolve as a replacement: what is sent at no charge (app.returns.replacement).
    replacement: tuple = ()  # ReplacementItem, …


def act(
    database,
    actor: Actor,
    case_id: int,
    verb_name: str,
    action: CaseAction = CaseAction(),
    *,
    expected_version: int | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Run one declared verb on a case; returns the case's new version."""
    verb = VERBS[verb_name]
    now = now or _now()
    with database.unit_of_work() as uow:
        session = uow.session
        case = session.get(Case, case_id)
        ref = entity_number("case", case_id)
        if case is None:
            raise NotFound(N_("case"), ref)
        if expected_version is not None and case.version != expected_version:
            raise ConcurrentUpdate(ref)
        if case.status not in verb.from_states:
            raise CaseVerbNotAllowed(ref, verb.label, STATUS_WORDS[CaseStatus(case.status)])
        require(actor, verb.permission)
        _check_needs(session, ref, verb.needs, action)
        before = case.status
        _apply(session, actor, case, verb_name, action, now)
        if verb.to_state and verb.to_state != case.status:
            if case.status == CaseStatus.WAITING:
                end_pause(session, case, now)
            case.status = verb.to_state
            case.status_changed_at = now
        record_event(
            session,
            actor,
            entity_type="case",
            entity_id=case.id,
            action=verb_name,
            from_state=before,
            to_state=case.status,
            reason=action.text[:500],
        )
        notify(session, CASES)
        uow.commit()
        return case.version


def _check_needs(session: Session, ref: str, needs: str | None, action: CaseAction) -> None:
    if needs == "text" and not action.text.strip():
        raise CaseNeeds(ref, N_("the text"))
    if needs == "resolution" and action.resolution not in Resolution._value2member_map_:
        raise CaseNeeds(ref, N_("a resolution (refund, reship, replacement or explanation)"))
    if (
        needs == "resolution"
        and action.resolution == Resolution.REPLACEMENT
        and not action.replacement
    ):
        raise CaseNeeds(ref, N_("the replacement's products and quantities"))
    if needs == "satisfaction" and action.satisfaction not in (1, 2, 3, 4, 5):
        raise CaseNeeds(ref, N_("a satisfaction score from 1 to 5"))
    if needs == "assignee" and (
        action.assignee_id is None or session.get(User, action.assignee_id) is None
    ):
        raise CaseNeeds(ref, N_("a colleague to assign it to"))


_NOTE_KINDS = {
    "note": NoteKind.NOTE,
    "call": NoteKind.CALL,
    "reply": NoteKind.REPLY,
    "customer_wrote": NoteKind.CUSTOMER,
}


def _apply(
    session: Session, actor: Actor, case: Case, verb: str, action: CaseAction, now: dt.datetime
) -> None:
    if verb in _NOTE_KINDS:
        session.add(
            CaseNote(
                case_id=case.id,
                kind=_NOTE_KINDS[verb],
                body=action.text[:MAX_TEXT],
                language=action.language,
                author_id=actor.user_id,
                created_at=now,
            )
        )
        if verb == "reply":
            if case.first_replied_at is None:
                case.first_replied_at = now
            _queue_reply(session, actor, case, action)
    elif verb == "wait":
        case.waiting_since = now
    elif verb == "assign":
        case.assignee_id = action.assignee_id
    elif verb == "resolve":
        case.resolution = action.resolution
        case.resolution_note = action.text[:MAX_TEXT] or None
        case.resolved_at = now
        case.follow_up_on = (now + FOLLOW_UP_AFTER).date()
        case.watch_key = None  # the watch may open a new case for this shipment later
        shipment_id = None
        if action.resolution == Resolution.RESHIP:
            from app.returns.service import reship_for_case

            shipment_id = reship_for_case(session, actor, case)
        elif action.resolution == Resolution.REPLACEMENT:
            from app.returns.replacement import replacement_for_case

            shipment_id = replacement_for_case(session, actor, case, action.replacement)
        if shipment_id is not None:
            session.add(
                CaseNote(
                    case_id=case.id,
                    kind=NoteKind.SYSTEM,
                    body=entity_number("shipment", shipment_id),
                    language=None,
                    author_id=actor.user_id,
                    created_at=now,
                )
            )
    elif verb == "follow_up":
        case.satisfaction = action.satisfaction
        case.follow_up_outcome = action.text[:MAX_TEXT] or None
    elif verb == "close":
        case.closed_at = now
    elif verb == "reopen":
        case.closed_at = None
        case.resolved_at = None


def _queue_reply(session: Session, actor: Actor, case: Case, action: CaseAction) -> None:
    """A reply goes to the outbox when the customer has an e-mail address. Its subject
    carries the case number, so the customer's answer finds its case again."""
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    if customer is None or not customer.email:
        return
    ref = entity_number("case", case.id)
    first, _, rest = action.text.strip().partition("\n\n")
    subject, body = (f"{ref}: {first}", rest) if rest and "\n" not in first else (ref, action.text)
    queue_message(
        session, recipient=customer.email, subject=subject, body=body.strip(),
        language=action.language or customer.language, kind="case_reply",
        order_id=case.order_id, customer_id=customer.id, case_id=case.id,
        created_by=actor.username,
    )  # fmt: skip


def end_pause(session: Session, case: Case, now: dt.datetime) -> None:
    """Waiting ends: where the channel allows pausing, the due times move on by the wait."""
    if case.waiting_since is None:
        return
    targets = targets_for(case.channel, configured_targets(session))
    case.first_reply_due_at = after_pause(case.first_reply_due_at, case.waiting_since, now, targets)
    case.resolution_due_at = after_pause(case.resolution_due_at, case.waiting_since, now, targets)
    case.waiting_since = None


# --------------------------------------------------------------------------- claims


@dataclass(frozen=True)
class ClaimDraft:
    """A marketplace or carrier claim, typed by the agent from the notice."""

    kind: str  # a_to_z, safe_t, carrier
    reference: str  # Amazon's claim id, the carrier's claim number
    order_id: int | None = None
    shipment_id: int | None = None
    started_at: dt.datetime | None = None  # the notice, the refund, the hand-over
    stated_due_at: dt.datetime | None = None  # "Reply by …" on the claim itself
    body: str = ""


def open_claim(database, actor: Actor, claim: ClaimDraft, *, now: dt.datetime | None = None) -> int:
    """A case for the claim with the claim's own deadline (the case list counts down to it);
    the same claim typed again finds its case. Returns the case's id."""
    from app.cases.claims import TERMS, ClaimKind, claim_due_at

    require(actor, Permission.HANDLE_CASES)
    now = now or _now()
    reference = " ".join(claim.reference.split())[:64]
    if claim.kind not in ClaimKind._value2member_map_:
        raise InvalidInput(N_("claim"), claim.kind, N_("A-to-z, SAFE-T or carrier"))
    if not reference:
        raise InvalidInput(N_("reference"), claim.reference, N_("the claim's number"))
    if claim.order_id is None and claim.shipment_id is None:
        raise InvalidInput(N_("order"), "", N_("the order or shipment the claim is about"))
    with database.unit_of_work() as uow:
        session = uow.session
        known = session.scalar(
            select(Case.id).where(Case.claim_kind == claim.kind, Case.claim_reference == reference)
        )
        if known is not None:
            return known
        shipment = session.get(Shipment, claim.shipment_id) if claim.shipment_id else None
        started = claim.started_at
        if started is None:
            shipped = shipment.shipped_at if shipment is not None else None
            started = shipped if claim.kind == ClaimKind.CARRIER and shipped else now
        due = claim_due_at(
            claim.kind,
            started,
            carrier=shipment.carrier if shipment is not None else None,
            stated_due_at=claim.stated_due_at,
        )
        terms = TERMS[ClaimKind(claim.kind)]
        damaged = shipment is not None and shipment.status == "damaged"
        draft = CaseDraft(
            subject=terms.subject,
            subject_values={"reference": reference},
            source=terms.source,
            category=Category.DAMAGED if damaged else terms.category,
            priority=terms.priority,
            body=claim.body,
            order_id=claim.order_id,
            shipment_id=claim.shipment_id,
            claim_kind=claim.kind,
            claim_reference=reference,
            claim_due_at=due,
        )
        case = add_case(session, actor, draft, now=now)
        uow.commit()
        return case.id


# --------------------------------------------------------------------------- contact tasks


def case_for_contact_task(session: Session, actor: Actor, task, *, now: dt.datetime) -> Case:
    """The review desk's contact task lands in the service desk: a note on the order's open
    case, or a new case linked to the order and customer. In the caller's transaction."""
    live = session.scalar(
        select(Case)
        .where(
            Case.order_id == task.order_id,
            Case.status.in_((CaseStatus.OPEN, CaseStatus.WAITING)),
        )
        .order_by(Case.id)
        .limit(1)
    )
    what = " ".join((task.what_needed or "").split()) or task.kind
    if live is None:
        draft = CaseDraft(
            subject=CONTACT_SUBJECTS.get(task.kind, CONTACT_SUBJECTS["request_info"]),
            subject_values={"order": entity_number("order", task.order_id)},
            source=Source.CONTACT_TASK,
            category=Category.SERVICE,
            body="",
            order_id=task.order_id,
            customer_id=task.customer_id,
        )
        live = add_case(session, actor, draft, now=now)
    session.add(
        CaseNote(case_id=live.id, kind=NoteKind.SYSTEM, body=what[:MAX_TEXT],
                 author_id=actor.user_id, created_at=now)
    )  # fmt: skip
    return live


CONTACT_SUBJECTS = {
    "request_info": N_("Ask the customer for missing details: {order}"),
    "stock_short": N_("Tell the customer about a stock shortage: {order}"),
    "payment_problem": N_("Help the customer with the payment: {order}"),
    "unreachable": N_("Reach the customer: {order}"),
}
