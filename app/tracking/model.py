"""Plain data of tracking: an event as a carrier reports it, and what an import did."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum


class TrackingStatus(StrEnum):
    """Our words for what a carrier reports; every carrier's own codes map onto these."""

    INFO_RECEIVED = "info_received"  # the carrier has the data, not the parcel yet
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED_ATTEMPT = "failed_attempt"
    DELIVERED = "delivered"
    DELAYED = "delayed"  # an exception on the way: customs, weather, wrong address…
    LOST = "lost"
    DAMAGED = "damaged"
    RETURNED = "returned"  # on its way back, or back, to us


@dataclass(frozen=True)
class TrackingEvent:
    """One event of one parcel, in UTC. ``carrier_status`` keeps the carrier's own code."""

    tracking_number: str
    carrier: str
    occurred_at: dt.datetime
    status: TrackingStatus
    carrier_status: str = ""
    location: str = ""
    description: str = ""

    @property
    def key(self) -> str:
        """The same event seen twice (a file imported again, a webhook retried) has the
        same key; the database keeps one row per key."""
        at = self.occurred_at
        text = "\x1f".join(
            (
                self.tracking_number,
                (at if at.tzinfo is dt.UTC else at.astimezone(dt.UTC)).isoformat(),
                self.status,
                self.carrier_status,
                self.location,
                self.description,
            )
        )
        return hashlib.sha256(text.encode()).hexdigest()[:40]


@dataclass(frozen=True)
class RejectedEvent:
    """A row or record that could not be read, with the reason in words."""

    where: str  # "row 7" or "tracking 3, checkpoint 2"
    reason: str


@dataclass
class ReadResult:
    events: list[TrackingEvent] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)


@dataclass
class ImportSummary:
    """What ``import_events`` did; ``unknown`` lists tracking numbers no parcel carries."""

    read: int = 0
    imported: int = 0
    duplicates: int = 0
    unknown: list[str] = field(default_factory=list)
    rejected: list[RejectedEvent] = field(default_factory=list)
    status_changes: int = 0
    delivered: int = 0
    cases_opened: int = 0

    def as_json(self) -> dict:
        return {
            "read": self.read,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "unknown_tracking_numbers": self.unknown,
            "rejected": [{"where": r.where, "reason": r.reason} for r in self.rejected],
            "status_changes": self.status_changes,
            "delivered": self.delivered,
            "cases_opened": self.cases_opened,
        }
