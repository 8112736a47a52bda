"""Where tracking events come from: a carrier adapter fetches a parcel's events. The file
import is one implementation; a live carrier API plugs in the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from app.tracking.formats import read_file
from app.tracking.model import TrackingEvent


class CarrierAdapter(Protocol):
    def fetch_events(self, tracking_number: str) -> list[TrackingEvent]:
        """Every event the carrier reports for one tracking number (any order)."""
        ...


class FileAdapter:
    """Events from a tracking file the carrier's portal or software exported."""

    def __init__(self, path: Path, known_carriers: tuple[str, ...] = ()) -> None:
        result = read_file(path.name, path.read_bytes(), known_carriers)
        self._events: dict[str, list[TrackingEvent]] = {}
        for event in result.events:
            self._events.setdefault(event.tracking_number, []).append(event)

    def fetch_events(self, tracking_number: str) -> list[TrackingEvent]:
        return list(self._events.get(tracking_number, ()))


def refresh(database, actor, adapter: CarrierAdapter, tracking_numbers: list[str]):
    """Fetch and record the events of these parcels (one transaction)."""
    from app.tracking.service import record_events

    with database.unit_of_work() as uow:
        events = [event for number in tracking_numbers for event in adapter.fetch_events(number)]
        summary = record_events(uow.session, actor, events, source="adapter")
        uow.commit()
    return summary
