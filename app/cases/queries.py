"""Reads of the service desk: the case list page by page, a case with its timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, or_, select

from app.cases.model import CaseRow, CaseStatus
from app.i18n import N_, translate_stored
from app.numbers import entity_number
from app.returns.queries import list_returns, reships_of_case
from app.search.filters import Choice, Filters
from db.models import Customer, User
from db.models_cases import Case, CaseNote
from db.models_shipping import Parcel
from db.models_tracking import TrackingEvent

LIVE = (CaseStatus.OPEN, CaseStatus.WAITING)
# The case list's filter, declared once (app/search/filters.py); the rest is its paging.
CASE_FILTERS = Filters(Choice("status", Case.status, choices=tuple(CaseStatus)))


def list_cases(
    session,
    *,
    status: str | None = None,
    overdue: bool = False,
    limit: int = 50,
    after: tuple[dt.datetime, int] | None = None,
    now: dt.datetime | None = None,
) -> list[CaseRow]:
    """Cases by first-reply due time (the most urgent first), ``limit`` at a time; ``after``
    is the (due time, id) of the last row shown, for the next page."""
    now = now or dt.datetime.now(dt.UTC)
    query = select(
        Case.id,
        Case.status,
        Case.category,
        Case.priority,
        Case.subject,
        Case.subject_values,
        Case.order_id,
        Case.first_reply_due_at,
        Case.first_replied_at,
        Case.resolution_due_at,
        Case.version,
        Case.claim_kind,
        Case.claim_due_at,
    )
    query = query.where(*CASE_FILTERS.conditions({"status": status}))
    if overdue:
        query = query.where(
            Case.status.in_(LIVE),
            or_(
                Case.resolution_due_at < now,
                Case.claim_due_at < now,
                and_(Case.first_replied_at.is_(None), Case.first_reply_due_at < now),
            ),
        )
    if after is not None:
        due, last_id = after
        query = query.where(
            or_(
                Case.first_reply_due_at > due,
                and_(Case.first_reply_due_at == due, Case.id > last_id),
            )
        )
    query = query.order_by(Case.first_reply_due_at, Case.id).limit(limit)
    return [_row(*row) for row in session.execute(query)]


def _row(
    case_id,
    status,
    category,
    priority,
    subject,
    values,
    order_id,
    reply_due,
    replied,
    resolution_due,
    version,
    claim_kind=None,
    claim_due_at=None,
) -> CaseRow:
    return CaseRow(
        id=case_id,
        number=entity_number("case", case_id),
        status=status,
        category=category,
        priority=priority,
        subject=subject_text(subject, values),
        order=entity_number("order", order_id) if order_id else None,
        first_reply_due_at=reply_due,
        first_replied_at=replied,
        resolution_due_at=resolution_due,
        version=version,
        claim_kind=claim_kind,
        claim_due_at=claim_due_at,
    )


def subject_text(subject: str, values: dict | None) -> str:
    """A subject the desk wrote, in the reader's language; an agent's subject as typed."""
    if not values:
        return subject
    from app.i18n import _

    try:
        return _(subject).format(**values)
    except (KeyError, IndexError, ValueError):
        return subject.format(**values)


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # a note kind, or "tracking"
    who: str
    text: str


@dataclass(frozen=True)
class CaseDetail:
    row: CaseRow
    source: str
    channel: str | None
    customer: str | None
    shipment: str | None
    assignee: str | None
    opened_at: dt.datetime
    waiting_since: dt.datetime | None
    resolution: str | None
    satisfaction: int | None
    follow_up_on: dt.date | None
    timeline: tuple[TimelineEntry, ...]
    customer_language: str | None = None  # what replies are written in
    tracking_numbers: tuple[str, ...] = ()
    claim_reference: str | None = None
    reships: tuple = ()  # ReshipRow: the new shipments a reship sent, with their status
    returns: tuple = ()  # ReturnRow: the case's returns (RMA)


def case_detail(session, case_id: int) -> CaseDetail | None:
    """The case with everything said and done on it, and its parcel's tracking events, in
    the order they happened."""
    case = session.get(Case, case_id)
    if case is None:
        return None
    (row,) = [
        _row(
            case.id, case.status, case.category, case.priority, case.subject,
            case.subject_values, case.order_id, case.first_reply_due_at,
            case.first_replied_at, case.resolution_due_at, case.version,
            case.claim_kind, case.claim_due_at,
        )
    ]  # fmt: skip
    entries = [
        TimelineEntry(at, kind, who or "", _said(kind, body))
        for at, kind, who, body in session.execute(
            select(CaseNote.created_at, CaseNote.kind, User.username, CaseNote.body)
            .outerjoin(User, User.id == CaseNote.author_id)
            .where(CaseNote.case_id == case_id)
        )
    ]
    if case.shipment_id is not None:
        entries += [
            TimelineEntry(at, "tracking", carrier, _tracking_line(status, location, text))
            for at, carrier, status, location, text in session.execute(
                select(
                    TrackingEvent.occurred_at, TrackingEvent.carrier, TrackingEvent.status,
                    TrackingEvent.location, TrackingEvent.description,
                ).where(TrackingEvent.shipment_id == case.shipment_id)
            )
        ]  # fmt: skip
    entries.sort(key=lambda entry: entry.at)
    customer = session.get(Customer, case.customer_id) if case.customer_id else None
    assignee = session.get(User, case.assignee_id) if case.assignee_id else None
    return CaseDetail(
        row=row,
        source=case.source,
        channel=case.channel,
        customer=customer.name if customer else None,
        shipment=entity_number("shipment", case.shipment_id) if case.shipment_id else None,
        assignee=assignee.username if assignee else None,
        opened_at=case.opened_at,
        waiting_since=case.waiting_since,
        resolution=case.resolution,
        satisfaction=case.satisfaction,
        follow_up_on=case.follow_up_on,
        timeline=tuple(entries),
        customer_language=customer.language if customer else None,
        tracking_numbers=_tracking_numbers(session, case.shipment_id),
        claim_reference=case.claim_reference,
        reships=tuple(reships_of_case(session, case.id)),
        returns=tuple(list_returns(session, case_id=case.id, limit=20)),
    )


def _tracking_numbers(session, shipment_id: int | None) -> tuple[str, ...]:
    if shipment_id is None:
        return ()
    numbers = session.scalars(
        select(Parcel.tracking_number).where(
            Parcel.shipment_id == shipment_id,
            Parcel.status != "voided",
            Parcel.tracking_number.is_not(None),
        )
    ).all()
    return tuple(numbers)


def _tracking_line(status: str, location: str, text: str) -> str:
    return " · ".join(part for part in (status_words(status), location, text) if part)


def status_words(status: str) -> str:
    from app.i18n import _

    return _(TRACKING_WORDS.get(status, status))


TRACKING_WORDS = {
    "info_received": N_("label created"),
    "in_transit": N_("in transit"),
    "out_for_delivery": N_("out for delivery"),
    "failed_attempt": N_("delivery attempt failed"),
    "delivered": N_("delivered"),
    "delayed": N_("delayed"),
    "lost": N_("lost"),
    "damaged": N_("damaged"),
    "returned": N_("returned to sender"),
}


# What screens call: a database in, plain data out (screens never hold a session).
def load_case_page(database, **filters) -> list[CaseRow]:
    with database.unit_of_work() as uow:
        return list_cases(uow.session, **filters)


def load_case(database, case_id: int) -> CaseDetail | None:
    with database.unit_of_work() as uow:
        return case_detail(uow.session, case_id)


def _said(kind: str, body: str) -> str:
    """What the desk wrote itself (``system``: a contact task's words, a shipment number) is
    stored in English; it is read in the reader's language, line by line. What people
    wrote stays as they wrote it."""
    if kind != "system" or not body:
        return body
    return "\n".join(translate_stored(line) for line in body.split("\n"))
