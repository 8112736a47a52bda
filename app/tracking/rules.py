"""Pure decisions of tracking: what a carrier's code means, and which status a shipment
takes from its parcels' latest events. No database, no Qt."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.tracking.model import TrackingEvent, TrackingStatus

TS = TrackingStatus

# Carrier names as files and services spell them → our carrier codes.
CARRIER_ALIASES = {
    "ups": "ups",
    "fedex": "fedex",
    "usps": "usps",
    "dhl": "dhl_express",
    "dhl_express": "dhl_express",
    "dhl-express": "dhl_express",
    "sf_express": "sf_express",
    "sf-express": "sf_express",
    "sfexpress": "sf_express",
    "own_fleet": "own_fleet",
    "own-fleet": "own_fleet",
}

# AfterShip's tag/subtag taxonomy (the shape most tracking services share).
_AFTERSHIP_TAGS = {
    "pending": TS.INFO_RECEIVED,
    "inforeceived": TS.INFO_RECEIVED,
    "intransit": TS.IN_TRANSIT,
    "outfordelivery": TS.OUT_FOR_DELIVERY,
    "availableforpickup": TS.OUT_FOR_DELIVERY,
    "attemptfail": TS.FAILED_ATTEMPT,
    "delivered": TS.DELIVERED,
    "exception": TS.DELAYED,
}
_AFTERSHIP_EXCEPTIONS = {
    "exception_010": TS.RETURNED,  # returning to sender
    "exception_011": TS.RETURNED,  # returned to sender
    "exception_012": TS.DAMAGED,
    "exception_013": TS.LOST,
}


def carrier_code(name: str, known: Iterable[str] = ()) -> str | None:
    """Our code for a carrier named in a file, or None when we do not know it."""
    folded = name.strip().lower()
    if folded in known:
        return folded
    return CARRIER_ALIASES.get(folded)


def status_from_code(code: str) -> TrackingStatus | None:
    """Our status for a code: one of ours (``in_transit``), or an AfterShip tag or subtag
    (``OutForDelivery``, ``Exception_013``). None when the code means nothing to us
    (``Expired``: the service stopped tracking, which says nothing about the parcel)."""
    folded = code.strip().lower()
    if folded in TS._value2member_map_:
        return TS(folded)
    if folded in _AFTERSHIP_EXCEPTIONS:
        return _AFTERSHIP_EXCEPTIONS[folded]
    return _AFTERSHIP_TAGS.get(folded.split("_", 1)[0])


def latest(events: Sequence[TrackingEvent]) -> TrackingEvent | None:
    """The event that happened last (files list events in any order); among events at the
    same instant, the later in the list."""
    best = None
    for event in events:
        if best is None or event.occurred_at >= best.occurred_at:
            best = event
    return best


# The shipment statuses a parcel's latest event leads to; info received says nothing new.
_SHIPMENT_STATUS = {
    TS.IN_TRANSIT: "in_transit",
    TS.FAILED_ATTEMPT: "in_transit",
    TS.OUT_FOR_DELIVERY: "out_for_delivery",
    TS.DELIVERED: "delivered",
    TS.DELAYED: "delayed",
    TS.LOST: "lost",
    TS.DAMAGED: "damaged",
    TS.RETURNED: "returned",
}
# When parcels of one shipment disagree, the one that needs a person wins, worst first;
# otherwise the shipment is as far as its slowest parcel.
_TROUBLE = ("lost", "damaged", "returned", "delayed")
_PROGRESS = ("shipped", "in_transit", "out_for_delivery", "delivered")


def shipment_status(parcel_statuses: Sequence[TrackingStatus | None]) -> str | None:
    """The status a shipment takes from each parcel's latest status. A parcel without an
    event yet counts as in transit once another parcel has news (it left with them), so it
    keeps the shipment from being delivered. None when no parcel has anything to say."""
    mapped = [_SHIPMENT_STATUS.get(status) if status else None for status in parcel_statuses]
    if not any(mapped):
        return None
    for trouble in _TROUBLE:
        if trouble in mapped:
            return trouble
    return min((status or "in_transit" for status in mapped), key=_PROGRESS.index)
