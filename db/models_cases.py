"""Service-desk cases (issue 13, migration 0022_cases): complaints and feedback, their notes
and replies in order, and the deadline targets per channel.

``watch_key`` is set while a case the logistics watch opened is open (the shipment's id) and
cleared when it is resolved: the unique key makes "one open watch case per shipment" a
database fact, so two watch runs at once cannot open two cases for one parcel.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.models import Base, UTCDateTime, utcnow


class Case(Base):
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(16), default="open")
    category: Mapped[str] = mapped_column(String(16), default="other")
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    source: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str | None] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(200))
    # A subject the desk wrote (the logistics watch) is a marked sentence with its values,
    # shown in the reader's language; an agent's own subject has none.
    subject_values: Mapped[dict | None] = mapped_column(JSON)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    shipment_id: Mapped[int | None] = mapped_column(ForeignKey("shipments.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    claim_kind: Mapped[str | None] = mapped_column(String(16))  # a_to_z, safe_t, carrier
    claim_reference: Mapped[str | None] = mapped_column(String(64))
    claim_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_reply_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    first_replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    waiting_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))
    resolution_note: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    follow_up_on: Mapped[dt.date | None] = mapped_column()
    follow_up_outcome: Mapped[str | None] = mapped_column(Text)
    satisfaction: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    watch_key: Mapped[int | None] = mapped_column(Integer, unique=True)
    watch_reason: Mapped[str | None] = mapped_column(String(16))  # lost, silent, late…
    status_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        CheckConstraint("status IN ('open','waiting','resolved','closed')", name="status"),
        CheckConstraint(
            "category IN ('delay','lost','damaged','wrong_item','quality','service','other')",
            name="category",
        ),
        CheckConstraint("priority IN ('low','normal','high','urgent')", name="priority"),
        CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5", name="satisfaction_1_to_5"
        ),
        CheckConstraint(
            "status != 'closed' OR resolution IS NOT NULL", name="closed_has_resolution"
        ),
        Index("ix_cases_status_reply_due", "status", "first_reply_due_at", "id"),
        Index("ix_cases_reply_due", "first_reply_due_at", "id"),
        Index("ix_cases_order", "order_id"),
        Index("ix_cases_shipment", "shipment_id"),
        Index("ix_cases_customer", "customer_id"),
    )


class CaseNote(Base):
    """Everything said or done on a case, in order: a note, a call, a reply to the customer,
    a message from the customer, or what the desk did (``system``)."""

    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(12))
    body: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # An e-mail's Message-ID: the same mail dropped twice extends its case once.
    message_id: Mapped[str | None] = mapped_column(String(250), unique=True)

    __table_args__ = (
        CheckConstraint("kind IN ('note','call','reply','customer','system')", name="kind"),
        Index("ix_case_notes_case", "case_id", "id"),
    )


class CaseDeadlineTarget(Base):
    """A channel's reply and resolution targets, replacing the built-in defaults
    (``channel`` ``*`` for every channel without its own row)."""

    __tablename__ = "case_deadline_targets"

    channel: Mapped[str] = mapped_column(String(20), primary_key=True)
    first_reply_hours: Mapped[int] = mapped_column(Integer)
    resolution_hours: Mapped[int] = mapped_column(Integer)
    business_hours: Mapped[bool] = mapped_column(Boolean, default=True)
    pause_allowed: Mapped[bool] = mapped_column(Boolean, default=True)
    country: Mapped[str] = mapped_column(String(2), default="TW")
    timezone: Mapped[str] = mapped_column(String(40), default="Asia/Taipei")

    __table_args__ = (
        CheckConstraint(
            "first_reply_hours > 0 AND resolution_hours >= first_reply_hours", name="hours"
        ),
    )
