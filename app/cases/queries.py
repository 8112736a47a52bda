"""Reads of the service desk: the case list page by page, a case with its timeline."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, or_, select

from app.cases.model import CaseRow, CaseStatus
from app.numbers import entity_number
from db.models_cases import Case

LIVE = (CaseStatus.OPEN, CaseStatus.WAITING)


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
    )
    if status:
        query = query.where(Case.status == status)
    if overdue:
        query = query.where(
            Case.status.in_(LIVE),
            or_(
                Case.resolution_due_at < now,
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
