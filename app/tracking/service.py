"""Tracking verbs: record carriers' events against our parcels and let shipments follow.

One import is one transaction: the events it read are stored (each once), the shipments
they concern change status through the workflow table (each change audited), and an
order whose every shipment was delivered is delivered too.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from app.cases.watch import watch
from app.permissions import Actor, Permission, require
from app.tracking.formats import read_file
from app.tracking.model import ImportSummary, TrackingEvent, TrackingStatus
from app.tracking.rules import shipment_status
from app.workflow import (
    OrderStatus,
    RecordState,
    ShipmentStatus,
    TransitionPlan,
    apply_plans_in_bulk,
    may_transition,
    plan_transition,
)
from db.models import Order, Shipment
from db.models_shipping import Carrier, Parcel
from db.models_tracking import TrackingEvent as EventRow

CHUNK = 500  # keeps IN lists under SQLite's variable limit


def _chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def known_carriers(session: Session) -> set[str]:
    return set(session.scalars(select(Carrier.code)))


def import_tracking_file(database, actor: Actor, name: str, data: bytes) -> ImportSummary:
    """``orderdesk tracking import``: read a CSV or JSON tracking file and record it."""
    require(actor, Permission.SHIP_ORDERS)
    with database.unit_of_work() as uow:
        result = read_file(name, data, known_carriers(uow.session))
        summary = record_events(uow.session, actor, result.events, source="file")
        summary.read = len(result.events) + len(result.rejected)
        summary.rejected = result.rejected
        # The logistics watch follows every import: what the events revealed (a lost
        # parcel, a delay) is in the service desk's queue when the import is done.
        summary.cases_opened = len(watch(uow.session, actor, dt.datetime.now(dt.UTC)).opened)
        uow.commit()
    return summary


def record_events(
    session: Session, actor: Actor, events: Iterable[TrackingEvent], *, source: str
) -> ImportSummary:
    """Store each new event once, attached to its parcel; then move the shipments."""
    require(actor, Permission.SHIP_ORDERS)
    summary = ImportSummary()
    unique: dict[str, TrackingEvent] = {}
    for event in events:
        summary.read += 1
        if event.key in unique:
            summary.duplicates += 1
        unique[event.key] = event
    owners = _owners(session, sorted({event.tracking_number for event in unique.values()}))
    stored = _stored_keys(session, list(unique))
    rows = []
    for key, event in unique.items():
        owner = owners.get(event.tracking_number)
        if owner is None:
            continue
        if key in stored:
            summary.duplicates += 1
            continue
        shipment_id, parcel_id = owner
        rows.append(_row(event, key, shipment_id, parcel_id, source))
    summary.unknown = sorted({event.tracking_number for event in unique.values()} - set(owners))
    for chunk in _chunks(rows):
        session.execute(insert(EventRow), list(chunk))
    summary.imported = len(rows)
    changed, delivered = follow_events(session, actor, sorted({row["shipment_id"] for row in rows}))
    summary.status_changes, summary.delivered = changed, delivered
    return summary


def _row(
    event: TrackingEvent, key: str, shipment_id: int, parcel_id: int | None, source: str
) -> dict:
    return {
        "shipment_id": shipment_id,
        "parcel_id": parcel_id,
        "tracking_number": event.tracking_number,
        "carrier": event.carrier,
        "occurred_at": event.occurred_at,
        "status": str(event.status),
        "carrier_status": event.carrier_status,
        "location": event.location,
        "description": event.description,
        "source": source,
        "event_key": key,
    }


def _owners(session: Session, numbers: list[str]) -> dict[str, tuple[int, int | None]]:
    """Tracking number → (shipment id, parcel id): parcels first; a shipment that records
    its tracking number without parcels (older data) is found by the number too."""
    owners: dict[str, tuple[int, int | None]] = {}
    for chunk in _chunks(numbers):
        for number, parcel_id, shipment_id in session.execute(
            select(Parcel.tracking_number, Parcel.id, Parcel.shipment_id).where(
                Parcel.tracking_number.in_(chunk), Parcel.status != "voided"
            )
        ):
            owners[number] = (shipment_id, parcel_id)
    rest = [number for number in numbers if number not in owners]
    for chunk in _chunks(rest):
        for number, shipment_id in session.execute(
            select(Shipment.tracking_number, Shipment.id).where(Shipment.tracking_number.in_(chunk))
        ):
            owners.setdefault(number, (shipment_id, None))
    return owners


def _stored_keys(session: Session, keys: list[str]) -> set[str]:
    stored: set[str] = set()
    for chunk in _chunks(keys):
        stored.update(
            session.scalars(select(EventRow.event_key).where(EventRow.event_key.in_(chunk)))
        )
    return stored


def follow_events(session: Session, actor: Actor, shipment_ids: Sequence[int]) -> tuple[int, int]:
    """Move each shipment to the status its parcels' latest events give; returns (status
    changes, shipments delivered). A move the workflow does not allow (a shipment not yet
    handed over, a delivered one reported in transit by a late event) is left alone.

    Tens of thousands of shipments move in one import, so the moves are planned as plain
    values and written by the workflow's bulk writer (the road states hold no stock)."""
    now = dt.datetime.now(dt.UTC)
    plans: list[TransitionPlan] = []
    order_of: dict[int, int] = {}
    for chunk in _chunks(list(shipment_ids)):
        latest, delivered_at = _latest_per_parcel(session, chunk)
        parcels = _parcels_per_shipment(session, chunk)
        rows = session.execute(
            select(
                Shipment.id, Shipment.status, Shipment.version, Shipment.delivered_at,
                Shipment.order_id,
            ).where(Shipment.id.in_(chunk))
        )  # fmt: skip
        for shipment_id, status, version, stamped, order_id in rows:
            statuses = [latest.get((shipment_id, p)) for p in parcels.get(shipment_id, [None])]
            target = shipment_status(statuses)
            if target is None or target == status:
                continue
            if not may_transition("shipment", status, target, actor):
                continue
            record = RecordState("shipment", shipment_id, status, version, _stamped(stamped))
            plan = plan_transition(record, target, actor, now=now, reason="tracking")
            if "delivered_at" in plan.changes and shipment_id in delivered_at:
                # The carrier's time of delivery, not the time of the import.
                changes = {**plan.changes, "delivered_at": delivered_at[shipment_id]}
                plan = dataclasses.replace(plan, changes=changes)
            plans.append(plan)
            order_of[shipment_id] = order_id
    apply_plans_in_bulk(session, plans)
    delivered = [p.entity_id for p in plans if p.to_state == ShipmentStatus.DELIVERED]
    _deliver_complete_orders(session, actor, sorted({order_of[s] for s in delivered}), now)
    return len(plans), len(delivered)


def _stamped(delivered_at: dt.datetime | None) -> frozenset[str]:
    return frozenset({"delivered_at"}) if delivered_at else frozenset()


def _latest_per_parcel(session: Session, shipment_ids: Sequence[int]):
    latest: dict[tuple[int, int | None], TrackingStatus] = {}
    delivered_at = {}
    rows = session.execute(
        select(EventRow.shipment_id, EventRow.parcel_id, EventRow.status, EventRow.occurred_at)
        .where(EventRow.shipment_id.in_(shipment_ids))
        .order_by(EventRow.occurred_at, EventRow.id)
    )
    for shipment_id, parcel_id, status, occurred_at in rows:
        latest[(shipment_id, parcel_id)] = TrackingStatus(status)
        if status == TrackingStatus.DELIVERED:
            delivered_at[shipment_id] = occurred_at
    return latest, delivered_at


def _parcels_per_shipment(
    session: Session, shipment_ids: Sequence[int]
) -> dict[int, list[int | None]]:
    parcels: dict[int, list[int | None]] = defaultdict(list)
    for parcel_id, shipment_id in session.execute(
        select(Parcel.id, Parcel.shipment_id).where(
            Parcel.shipment_id.in_(shipment_ids), Parcel.status != "voided"
        )
    ):
        parcels[shipment_id].append(parcel_id)
    return parcels


_DONE = (ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED)


def _deliver_complete_orders(
    session: Session, actor: Actor, order_ids: Sequence[int], now: dt.datetime
) -> None:
    """Orders whose every shipment is delivered (or cancelled) are delivered too."""
    plans = []
    for chunk in _chunks(list(order_ids)):
        open_orders = set(
            session.scalars(
                select(Shipment.order_id).where(
                    Shipment.order_id.in_(chunk), Shipment.status.not_in(_DONE)
                )
            )
        )
        rows = session.execute(
            select(Order.id, Order.status, Order.version, Order.delivered_at).where(
                Order.id.in_(chunk)
            )
        )
        for order_id, status, version, stamped in rows:
            if order_id in open_orders or not may_transition("order", status, "delivered", actor):
                continue
            record = RecordState("order", order_id, status, version, _stamped(stamped))
            plans.append(
                plan_transition(record, OrderStatus.DELIVERED, actor, now=now, reason="tracking")
            )
    apply_plans_in_bulk(session, plans)
