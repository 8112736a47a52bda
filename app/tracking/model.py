"""Plain data of tracking: an event as a carrier reports it, and what an import did."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from enum import StrEnum
from typing import NamedTuple


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


class TrackingEvent(NamedTuple):
    """One event of one parcel, in UTC. ``carrier_status`` keeps the carrier's own code.

    A named tuple rather than a dataclass: an import makes hundreds of thousands of them,
    and a tuple is made in half the time (immutable and comparable all the same)."""

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
        return event_key(*self)


def event_key(
    tracking_number: str,
    _carrier: str,
    occurred_at: dt.datetime,
    status: str,
    carrier_status: str = "",
    location: str = "",
    description: str = "",
) -> str:
    """``TrackingEvent.key`` over the event's fields (the carrier is not part of it: the
    keys stored by earlier imports must stay what they are)."""
    return key_of(
        tracking_number, utc_text(occurred_at), status, carrier_status, location, description
    )


def utc_text(at: dt.datetime) -> str:
    """The time in UTC as ISO 8601 text, as the event key spells it."""
    return (at if at.tzinfo is _UTC else at.astimezone(_UTC)).isoformat()


def key_of(
    tracking_number: str,
    utc: str,
    status: str,
    carrier_status: str,
    location: str,
    description: str,
) -> str:
    """``event_key`` for a time already spelled by ``utc_text``: an import needs that text
    for the stored time too, and spells each time once."""
    text = _SEPARATOR.join((tracking_number, utc, status, carrier_status, location, description))
    return _sha256(text.encode()).hexdigest()[:40]


_UTC = dt.UTC
_SEPARATOR = "\x1f"
_sha256 = hashlib.sha256


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
