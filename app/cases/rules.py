"""Pure decisions of the service desk: which shipments the logistics watch turns into cases."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.cases.model import Category, Priority
from app.i18n import N_

DEFAULT_SILENT_HOURS = 72  # no tracking news for three days after hand-over
DEFAULT_TRANSIT_DAYS = 7  # promised delivery when the service does not say


@dataclass(frozen=True)
class ShipmentFacts:
    shipment_id: int
    status: str
    shipped_at: dt.datetime | None
    last_event_at: dt.datetime | None
    silent_hours: int | None = None
    transit_days: int | None = None
    order_id: int | None = None
    customer_id: int | None = None
    channel: str | None = None
    last_event_status: str | None = None  # what the carrier said last


@dataclass(frozen=True)
class WatchFinding:
    shipment_id: int
    reason: str  # a code: lost, damaged, returned, delayed, silent, late
    category: Category
    priority: Priority
    subject: str  # N_-marked, with {shipment} and {hours}/{days}


_CARRIER_TROUBLE = {
    "lost": (Category.LOST, Priority.HIGH, N_("Parcel lost: {shipment}")),
    "damaged": (Category.DAMAGED, Priority.HIGH, N_("Parcel damaged: {shipment}")),
    "returned": (Category.OTHER, Priority.NORMAL, N_("Parcel returned to sender: {shipment}")),
    "delayed": (Category.DELAY, Priority.NORMAL, N_("Carrier reports a delay: {shipment}")),
}
_ON_THE_ROAD = ("shipped", "in_transit", "out_for_delivery")


def watch_finding(facts: ShipmentFacts, now: dt.datetime) -> WatchFinding | None:
    """What, if anything, needs a person about this shipment now. Trouble is what the
    carrier's latest event says (a status set by other means, such as a customer's return
    booked at the desk, is not the carrier's news)."""
    if facts.last_event_status in _CARRIER_TROUBLE:
        trouble = facts.last_event_status
        category, priority, subject = _CARRIER_TROUBLE[trouble]
        return WatchFinding(facts.shipment_id, trouble, category, priority, subject)
    if facts.status not in _ON_THE_ROAD or facts.shipped_at is None:
        return None
    transit = dt.timedelta(days=facts.transit_days or DEFAULT_TRANSIT_DAYS)
    if now > facts.shipped_at + transit:
        return WatchFinding(
            facts.shipment_id,
            "late",
            Category.DELAY,
            Priority.NORMAL,
            N_("Past its promised delivery: {shipment}"),
        )
    silent = dt.timedelta(hours=facts.silent_hours or DEFAULT_SILENT_HOURS)
    if now - (facts.last_event_at or facts.shipped_at) > silent:
        return WatchFinding(
            facts.shipment_id,
            "silent",
            Category.DELAY,
            Priority.NORMAL,
            N_("No tracking news: {shipment}"),
        )
    return None
