"""E-mails to the service desk (``.eml`` files dropped on the window, put in a watched folder,
or given to ``orderdesk cases import-mail``): each creates a case or extends the one it
answers.

Reading (pure): headers decoded whatever their encoding, the text part preferred to HTML,
an unknown or wrong charset read byte for byte rather than refused, attachments named but
not kept, and card numbers removed from everything kept (the one scrubber in app.cards).
Matching: a case number in the subject (``CS-000123``) extends that case; otherwise an
order number, then the sender's address finds the order and customer of a new case.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import email.utils
import html
import re
from dataclasses import dataclass, field

from sqlalchemy import func, select

from app.audit import record_event
from app.cards import scrub
from app.cases.model import CaseStatus, NoteKind, Source
from app.cases.service import CaseDraft, add_case, end_pause
from app.i18n import N_
from app.live import CASES, notify
from app.numbers import parse_number
from app.permissions import Actor, Permission, require
from db.models import Customer, Order
from db.models_cases import Case, CaseNote

MAX_BODY = 20_000
_NUMBER = re.compile(r"\b([A-Za-z]{2})-?(\d{3,12})\b")
_TAGS = re.compile(r"<[^>]+>")


@dataclass(frozen=True)
class Mail:
    sender: str  # the address, lower case
    sender_name: str
    subject: str
    body: str
    message_id: str | None
    sent_at: dt.datetime | None
    attachments: tuple[str, ...] = field(default=())


class UnreadableMail(ValueError):
    """The file is not an e-mail at all."""


def read_mail(data: bytes) -> Mail:
    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
    except Exception as problem:  # the parser itself gave up: say so, never crash
        raise UnreadableMail(str(problem)) from None
    name, address = email.utils.parseaddr(str(message.get("From", "")))
    if not address or "@" not in address:
        raise UnreadableMail(N_("no sender address"))
    body = _text_of(message)
    attachments = tuple(part.get_filename() or "?" for part in message.iter_attachments())
    clean_subject, _found = scrub(_header(message, "Subject"))
    clean_body, _found = scrub(body)
    return Mail(
        sender=address.strip().lower(),
        sender_name=scrub(name)[0],
        subject=" ".join(clean_subject.split())[:200],
        body=clean_body[:MAX_BODY],
        message_id=(_header(message, "Message-ID") or None),
        sent_at=_date(message),
        attachments=attachments,
    )


def _header(message, name: str) -> str:
    try:
        return str(message.get(name, "") or "").strip()
    except Exception:  # a header in a broken encoding: keep what can be read
        raw = message.get_all(name, failobj=[""])[0]
        return str(raw).encode("ascii", "replace").decode()


def _date(message) -> dt.datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(_header(message, "Date"))
    except (TypeError, ValueError):
        return None
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _text_of(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError):  # a charset Python does not know, or lies
        text = (part.get_payload(decode=True) or b"").decode("latin-1")
    if part.get_content_subtype() == "html":
        text = html.unescape(_TAGS.sub(" ", text))
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n")).strip()


@dataclass(frozen=True)
class MailResult:
    case_id: int
    created: bool  # False: an existing case was extended
    duplicate: bool = False  # the same mail came before: nothing changed


def take_mail(database, actor: Actor, data: bytes) -> MailResult:
    """One e-mail into the service desk, one transaction."""
    require(actor, Permission.HANDLE_CASES)
    mail = read_mail(data)
    with database.unit_of_work() as uow:
        session = uow.session
        if mail.message_id:
            known = session.scalar(
                select(CaseNote.case_id).where(CaseNote.message_id == mail.message_id)
            )
            if known is not None:
                return MailResult(known, created=False, duplicate=True)
        now = dt.datetime.now(dt.UTC)
        case = _answered_case(session, mail)
        created = case is None
        if case is None:
            order_id, customer_id = _order_and_customer(session, mail)
            draft = CaseDraft(
                subject=mail.subject or mail.sender,
                source=Source.EMAIL,
                order_id=order_id,
                customer_id=customer_id,
            )
            case = add_case(session, actor, draft, now=now)
        else:
            _reopen(session, actor, case, now)
        note = CaseNote(
            case_id=case.id,
            kind=NoteKind.CUSTOMER,
            body=_note_text(mail),
            created_at=mail.sent_at or now,
            message_id=mail.message_id,
        )
        session.add(note)
        notify(session, CASES)
        uow.commit()
        return MailResult(case.id, created)


def _reopen(session, actor: Actor, case: Case, now: dt.datetime) -> None:
    """The customer wrote: a case waiting, resolved or closed needs a person again."""
    if case.status == CaseStatus.OPEN:
        return
    before = case.status
    end_pause(session, case, now)
    case.status = CaseStatus.OPEN
    case.status_changed_at = now
    record_event(
        session, actor, entity_type="case", entity_id=case.id, action="customer_wrote",
        from_state=before, to_state=CaseStatus.OPEN, reason="e-mail",
    )  # fmt: skip


def _note_text(mail: Mail) -> str:
    lines = [f"{mail.sender_name} <{mail.sender}>".strip(), mail.subject, "", mail.body]
    if mail.attachments:
        lines += ["", "📎 " + ", ".join(mail.attachments)]
    return "\n".join(lines).strip()


def _numbers(text: str) -> list[tuple[str, int]]:
    found = []
    for match in _NUMBER.finditer(text):
        parsed = parse_number(match.group(0))
        if parsed:
            found.append(parsed)
    return found


def _answered_case(session, mail: Mail) -> Case | None:
    for kind, number in _numbers(mail.subject):
        if kind == "case":
            case = session.get(Case, number)
            if case is not None:
                return case
    return None


def _order_and_customer(session, mail: Mail) -> tuple[int | None, int | None]:
    customer_id = session.scalar(
        select(Customer.id).where(func.lower(Customer.email) == mail.sender).limit(1)
    )
    for kind, number in _numbers(f"{mail.subject}\n{mail.body[:2000]}"):
        if kind == "order":
            order = session.get(Order, number)
            if order is not None and (customer_id is None or order.customer_id == customer_id):
                return order.id, order.customer_id
    return None, customer_id


@dataclass
class FolderSummary:
    taken: int = 0
    duplicates: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (file, reason)


def take_folder(database, actor: Actor, folder) -> FolderSummary:
    """Every ``.eml`` in a watched folder: taken ones move to ``done/``, unreadable ones to
    ``failed/`` with the reason beside them — nothing is lost, nothing is taken twice."""
    from pathlib import Path

    folder = Path(folder)
    done, failed = folder / "done", folder / "failed"
    summary = FolderSummary()
    for path in sorted(folder.glob("*.eml")):
        try:
            result = take_mail(database, actor, path.read_bytes())
        except UnreadableMail as problem:
            failed.mkdir(exist_ok=True)
            path.replace(failed / path.name)
            (failed / f"{path.name}.why.txt").write_text(str(problem), encoding="utf-8")
            summary.failed.append((path.name, str(problem)))
            continue
        done.mkdir(exist_ok=True)
        path.replace(done / path.name)
        summary.taken += 0 if result.duplicate else 1
        summary.duplicates += 1 if result.duplicate else 0
    return summary
