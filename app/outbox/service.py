"""Outbox verbs: queue a message, send what is queued, each message its own transaction."""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.outbox.settings import SmtpSettings
from app.permissions import Actor, Permission, require
from db.models import CustomerMessage

MAX_ATTEMPTS = 5
FIRST_RETRY = dt.timedelta(minutes=5)
SMTP_TIMEOUT_SECONDS = 20


def queue_message(
    session: Session,
    *,
    recipient: str,
    subject: str,
    body: str,
    language: str,
    kind: str,
    order_id: int | None = None,
    customer_id: int | None = None,
    case_id: int | None = None,
    created_by: str = "",
) -> CustomerMessage:
    """A message ready to send, kept with its order or case (in the caller's transaction)."""
    message = CustomerMessage(
        order_id=order_id, customer_id=customer_id, case_id=case_id, kind=kind,
        language=language, recipient=recipient, subject=subject[:200], body=body,
        state="queued", created_by_name=created_by,
    )  # fmt: skip
    session.add(message)
    return message


@dataclass
class SendSummary:
    sent: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (message id, reason)

    def as_json(self) -> dict:
        return {"sent": self.sent, "failed": [{"id": i, "reason": r} for i, r in self.failed]}


def send_outbox(
    database, actor: Actor, smtp: SmtpSettings, *, now: dt.datetime | None = None, limit: int = 200
) -> SendSummary:
    """Send every queued message and every failed one whose retry time has come."""
    require(actor, Permission.HANDLE_CASES)
    now = now or dt.datetime.now(dt.UTC)
    summary = SendSummary()
    for message_id in _due(database, now, limit):
        outcome = _send_one(database, smtp, message_id, now)
        if outcome is None:
            summary.sent += 1
        elif outcome:
            summary.failed.append((message_id, outcome))
    return summary


def _due(database, now: dt.datetime, limit: int) -> list[int]:
    with database.unit_of_work() as uow:
        return uow.session.scalars(
            select(CustomerMessage.id)
            .where(
                or_(
                    CustomerMessage.state == "queued",
                    (CustomerMessage.state == "failed") & (CustomerMessage.next_attempt_at <= now),
                )
            )
            .order_by(CustomerMessage.id)
            .limit(limit)
        ).all()


def _send_one(database, smtp: SmtpSettings, message_id: int, now: dt.datetime) -> str | None:
    """None when sent; the reason when it failed; "" when another desk has it."""
    with database.unit_of_work() as uow:
        message = uow.session.scalar(
            select(CustomerMessage)
            .where(
                CustomerMessage.id == message_id, CustomerMessage.state.in_(("queued", "failed"))
            )
            .with_for_update(skip_locked=True)
        )
        if message is None:
            return ""
        try:
            deliver(smtp, _email(smtp, message))
        except (smtplib.SMTPException, OSError, ssl.SSLError) as problem:
            reason = f"{type(problem).__name__}: {problem}"[:500]
            message.attempts += 1
            message.state = "failed"
            message.last_error = reason
            message.next_attempt_at = (
                now + FIRST_RETRY * 2 ** (message.attempts - 1)
                if message.attempts < MAX_ATTEMPTS
                else None
            )
            uow.commit()
            return reason
        message.state = "sent"
        message.sent_at = now
        message.last_error = None
        message.next_attempt_at = None
        uow.commit()
        return None


def _email(smtp: SmtpSettings, message: CustomerMessage) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = smtp.sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(dt.datetime.now(dt.UTC))
    mail["Message-ID"] = make_msgid(domain=smtp.sender.split("@", 1)[1])
    mail["Content-Language"] = message.language.replace("_", "-")
    mail.set_content(message.body)
    return mail


def deliver(smtp: SmtpSettings, mail: EmailMessage) -> None:
    if smtp.tls:
        client = smtplib.SMTP_SSL(
            smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS, context=ssl.create_default_context()
        )
    else:
        client = smtplib.SMTP(smtp.host, smtp.port, timeout=SMTP_TIMEOUT_SECONDS)
    with client:
        if smtp.starttls:
            client.starttls(context=ssl.create_default_context())
        if smtp.user:
            client.login(smtp.user, smtp.password)
        client.send_message(mail)
