"""Plain data of cases: the words of their life cycle and what screens and the CLI read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from app.i18n import N_


class CaseStatus(StrEnum):
    OPEN = "open"
    WAITING = "waiting"  # for the customer: the clock pauses where the channel allows
    RESOLVED = "resolved"  # a resolution agreed; a follow-up may still come
    CLOSED = "closed"


class Category(StrEnum):
    DELAY = "delay"
    LOST = "lost"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    QUALITY = "quality"
    SERVICE = "service"
    OTHER = "other"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Source(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    LOGISTICS_WATCH = "logistics_watch"
    CONTACT_TASK = "contact_task"
    MARKETPLACE_CLAIM = "marketplace_claim"
    CARRIER_CLAIM = "carrier_claim"


class Resolution(StrEnum):
    REFUND = "refund"
    RESHIP = "reship"
    REPLACEMENT = "replacement"
    EXPLANATION = "explanation"


class NoteKind(StrEnum):
    NOTE = "note"
    CALL = "call"
    REPLY = "reply"  # to the customer
    CUSTOMER = "customer"  # from the customer
    SYSTEM = "system"


STATUS_WORDS = {
    CaseStatus.OPEN: N_("Open"),
    CaseStatus.WAITING: N_("Waiting for customer"),
    CaseStatus.RESOLVED: N_("Resolved"),
    CaseStatus.CLOSED: N_("Closed"),
}
CATEGORY_WORDS = {
    Category.DELAY: N_("Delay"),
    Category.LOST: N_("Lost"),
    Category.DAMAGED: N_("Damaged"),
    Category.WRONG_ITEM: N_("Wrong item"),
    Category.QUALITY: N_("Quality"),
    Category.SERVICE: N_("Service"),
    Category.OTHER: N_("Other"),
}
RESOLUTION_WORDS = {
    Resolution.REFUND: N_("Refund"),
    Resolution.RESHIP: N_("Reship"),
    Resolution.REPLACEMENT: N_("Replacement"),
    Resolution.EXPLANATION: N_("Explanation only"),
}


@dataclass(frozen=True)
class CaseRow:
    """One line of the case list."""

    id: int
    number: str
    status: str
    category: str
    priority: str
    subject: str
    order: str | None
    first_reply_due_at: dt.datetime
    first_replied_at: dt.datetime | None
    resolution_due_at: dt.datetime
    version: int
    claim_kind: str | None = None  # a_to_z, safe_t, carrier
    claim_due_at: dt.datetime | None = None  # the claim's own deadline (its rules, not ours)

    def overdue(self, now: dt.datetime) -> bool:
        if self.status not in (CaseStatus.OPEN, CaseStatus.WAITING):
            return False
        reply_late = self.first_replied_at is None and self.first_reply_due_at < now
        claim_late = self.claim_due_at is not None and self.claim_due_at < now
        return reply_late or claim_late or self.resolution_due_at < now

    def as_json(self, now: dt.datetime) -> dict:
        return {
            "number": self.number,
            "status": self.status,
            "category": self.category,
            "priority": self.priority,
            "subject": self.subject,
            "order": self.order,
            "first_reply_due_at": self.first_reply_due_at.isoformat(),
            "resolution_due_at": self.resolution_due_at.isoformat(),
            "claim_kind": self.claim_kind,
            "claim_due_at": self.claim_due_at.isoformat() if self.claim_due_at else None,
            "overdue": self.overdue(now),
        }
