"""The logistics watch: shipments that need a person become cases in the desk's queue.

It runs after every tracking import and as ``orderdesk tracking watch`` for scheduled runs.
A shipment gets one case per reason (lost, damaged, returned, delayed, silent, late), never
two: the reasons already raised are read first, and the unique ``watch_key`` of an open
watch case stops a second desk's watch running at the same instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cases.model import Source
from app.cases.rules import ShipmentFacts, watch_finding
from app.cases.service import CaseDraft, add_case
from app.numbers import entity_number
from app.permissions import Actor, Permission, require
from db.models import Shipment
from db.models_cases import Case
from db.models_shipping import CarrierService, Parcel
from db.models_tracking import TrackingEvent

WATCHED = ("shipped", "in_transit", "out_for_delivery", "delayed", "lost", "damaged", "returned")
CHUNK = 500


@dataclass
class WatchSummary:
    checked: int = 0
    opened: list[int] = field(default_factory=list)  # case ids
    by_reason: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"checked": self.checked, "opened": len(self.opened), "by_reason": self.by_reason}


def run_watch(database, actor: Actor, *, now: dt.datetime | None = None) -> WatchSummary:
    require(actor, Permission.HANDLE_CASES)
    now = now or dt.datetime.now(dt.UTC)
    with database.unit_of_work() as uow:
        summary = watch(uow.session, actor, now)
        uow.commit()
    return summary


def watch(session: Session, actor: Actor, now: dt.datetime) -> WatchSummary:
    summary = WatchSummary()
    facts = _facts(session)
    summary.checked = len(facts)
    raised = _raised(session, [fact.shipment_id for fact in facts])
    for fact in facts:
        finding = watch_finding(fact, now)
        if finding is None or (fact.shipment_id, finding.reason) in raised:
            continue
        if fact.shipment_id in raised.open_shipments:
            continue  # a person is on it already
        number = entity_number("shipment", fact.shipment_id)
        draft = CaseDraft(
            subject=finding.subject,
            subject_values={"shipment": number},
            source=Source.LOGISTICS_WATCH,
            category=finding.category,
            priority=finding.priority,
            shipment_id=fact.shipment_id,
        )
        try:
            with session.begin_nested():
                case = add_case(session, actor, draft, now=now, watch_reason=finding.reason)
        except IntegrityError:  # another desk's watch opened it a moment ago
            continue
        summary.opened.append(case.id)
        summary.by_reason[finding.reason] = summary.by_reason.get(finding.reason, 0) + 1
    return summary


def _facts(session: Session) -> list[ShipmentFacts]:
    last_event = (
        select(TrackingEvent.shipment_id, func.max(TrackingEvent.occurred_at).label("at"))
        .group_by(TrackingEvent.shipment_id)
        .subquery()
    )
    service = (
        select(
            Parcel.shipment_id,
            func.max(CarrierService.transit_days).label("transit_days"),
            func.min(CarrierService.silent_hours).label("silent_hours"),
        )
        .join(CarrierService, Parcel.carrier_service_id == CarrierService.id)
        .group_by(Parcel.shipment_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Shipment.id,
            Shipment.status,
            Shipment.shipped_at,
            last_event.c.at,
            service.c.silent_hours,
            service.c.transit_days,
        )
        .outerjoin(last_event, last_event.c.shipment_id == Shipment.id)
        .outerjoin(service, service.c.shipment_id == Shipment.id)
        .where(Shipment.status.in_(WATCHED))
    )
    return [ShipmentFacts(*row) for row in rows]


class _Raised(set):
    open_shipments: set[int]


def _raised(session: Session, shipment_ids: list[int]) -> _Raised:
    """(shipment, reason) pairs the watch raised before, and shipments with an open one."""
    raised = _Raised()
    raised.open_shipments = set()
    for start in range(0, len(shipment_ids), CHUNK):
        chunk = shipment_ids[start : start + CHUNK]
        for shipment_id, reason, key in session.execute(
            select(Case.shipment_id, Case.watch_reason, Case.watch_key).where(
                Case.shipment_id.in_(chunk), Case.watch_reason.is_not(None)
            )
        ):
            raised.add((shipment_id, reason))
            if key is not None:
                raised.open_shipments.add(shipment_id)
    return raised
