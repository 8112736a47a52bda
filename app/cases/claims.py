"""Marketplace and carrier claims: which claim is which kind of case, and when its answer
is due. Pure time arithmetic over plain values, like ``clock.py``.

* **Amazon A-to-z Guarantee claim**: the seller answers within 72 hours of Amazon's notice,
  counted in calendar hours (nights, weekends and holidays included, as for Amazon's buyer
  messages).
* **SAFE-T claim** (the seller asks Amazon to reimburse a refund Amazon made): to be filed
  within 30 calendar days of that refund (Amazon's 2026 window for seller-fulfilled orders);
  when Amazon asks for more, its message says "Reply by …" and that time is the deadline.
* **Carrier claim** for a lost or damaged parcel: to be filed within the carrier's window
  after hand-over — 60 days for UPS, FedEx and USPS, 30 for DHL and the others (the
  shortest, so a claim is never late by our count).

A deadline the marketplace or carrier states on the claim itself always wins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from app.cases.model import Category, Priority, Source
from app.i18n import N_


class ClaimKind(StrEnum):
    A_TO_Z = "a_to_z"
    SAFE_T = "safe_t"
    CARRIER = "carrier"


CLAIM_WORDS = {
    ClaimKind.A_TO_Z: N_("A-to-z Guarantee claim"),
    ClaimKind.SAFE_T: N_("SAFE-T claim"),
    ClaimKind.CARRIER: N_("Carrier claim"),
}
A_TO_Z_HOURS = 72
SAFE_T_DAYS = 30
CARRIER_DAYS = {"ups": 60, "fedex": 60, "usps": 60}
CARRIER_DEFAULT_DAYS = 30


@dataclass(frozen=True)
class ClaimTerms:
    source: Source
    category: Category
    priority: Priority
    subject: str  # N_-marked, with {reference}


TERMS = {
    ClaimKind.A_TO_Z: ClaimTerms(Source.MARKETPLACE_CLAIM, Category.SERVICE, Priority.URGENT,
                                 N_("A-to-z Guarantee claim {reference}")),
    ClaimKind.SAFE_T: ClaimTerms(Source.MARKETPLACE_CLAIM, Category.OTHER, Priority.HIGH,
                                 N_("SAFE-T claim {reference}")),
    ClaimKind.CARRIER: ClaimTerms(Source.CARRIER_CLAIM, Category.LOST, Priority.HIGH,
                                  N_("Carrier claim {reference}")),
}  # fmt: skip


def carrier_days(carrier: str | None) -> int:
    code = (carrier or "").strip().lower().replace("-", "_")
    return CARRIER_DAYS.get(code.split("_")[0], CARRIER_DEFAULT_DAYS)


def claim_due_at(
    kind: str,
    started_at: dt.datetime,
    *,
    carrier: str | None = None,
    stated_due_at: dt.datetime | None = None,
) -> dt.datetime:
    """When the claim must be answered (A-to-z) or filed (SAFE-T, carrier), in UTC.
    ``started_at``: Amazon's notice (A-to-z), Amazon's refund (SAFE-T), the hand-over to the
    carrier (carrier claim). Every hour counts: these are the other side's calendar rules."""
    if started_at.tzinfo is None or (stated_due_at is not None and stated_due_at.tzinfo is None):
        raise ValueError("claim times need their offset")
    if stated_due_at is not None:
        return stated_due_at.astimezone(dt.UTC)
    kind = ClaimKind(kind)
    if kind is ClaimKind.A_TO_Z:
        span = dt.timedelta(hours=A_TO_Z_HOURS)
    elif kind is ClaimKind.SAFE_T:
        span = dt.timedelta(days=SAFE_T_DAYS)
    else:
        span = dt.timedelta(days=carrier_days(carrier))
    return (started_at + span).astimezone(dt.UTC)
