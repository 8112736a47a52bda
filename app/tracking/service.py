"""Tracking verbs: record carriers' events against our parcels and let shipments follow.

One import is one transaction: the events it read are stored (each once), the shipments
they concern change status through the workflow table (each change audited), and an
order whose every shipment was delivered is delivered too.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.bulk.insert import bulk_insert
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
        key = event.key
        if key in unique:
            summary.duplicates += 1
        unique[key] = event
    owners = _owners(session, sorted({event.tracking_number for event in unique.values()}))
    owned = [(key, event, owners[event.tracking_number])
             for key, event in unique.items() if event.tracking_number in owners]  # fmt: skip
    latest = _stored_latest(session, sorted({owner[0] for _, _, owner in owned}))
    # Only a shipment with events on record can hold one of these already.
    with_history = {shipment_id for shipment_id, _ in latest}
    stored = _stored_keys(session, [key for key, _, owner in owned if owner[0] in with_history])
    rows = []
    for key, event, (shipment_id, parcel_id) in owned:
        if key in stored:
            summary.duplicates += 1
            continue
        rows.append(_row(event, key, shipment_id, parcel_id))
    summary.unknown = sorted({event.tracking_number for event in unique.values()} - set(owners))
    _add_latest(latest, rows)
    same = {"source": source, "imported_at": dt.datetime.now(dt.UTC)}
    bulk_insert(session, EventRow.__table__, rows, same=same)
    summary.imported = len(rows)
    touched = {row["shipment_id"] for row in rows}
    changed, delivered = follow_events(
        session, actor, {key: seen for key, seen in latest.items() if key[0] in touched}
    )
    summary.status_changes, summary.delivered = changed, delivered
    return summary


def _row(event: TrackingEvent, key: str, shipment_id: int, parcel_id: int | None) -> dict:
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


Latest = dict[tuple[int, int | None], tuple[dt.datetime, TrackingStatus]]


def _add_latest(latest: Latest, rows: list[dict]) -> None:
    """Each touched parcel's latest event once ``rows`` are stored: the latest stored
    before (read per parcel, not every event again), then the new rows in the order they
    are inserted — a later id wins a tie, as when the events are read back in order."""
    for row in rows:
        key = (row["shipment_id"], row["parcel_id"])
        seen = latest.get(key)
        if seen is None or row["occurred_at"] >= seen[0]:
            latest[key] = (row["occurred_at"], TrackingStatus(row["status"]))


def _stored_latest(session: Session, shipment_ids: Sequence[int]) -> Latest:
    latest: Latest = {}
    for chunk in _chunks(list(shipment_ids)):
        rank = (
            func.row_number()
            .over(
                partition_by=(EventRow.shipment_id, EventRow.parcel_id),
                order_by=(EventRow.occurred_at.desc(), EventRow.id.desc()),
            )
            .label("rank")
        )
        ranked = (
            select(EventRow.shipment_id, EventRow.parcel_id, EventRow.occurred_at,
                   EventRow.status, rank)
            .where(EventRow.shipment_id.in_(chunk))
            .subquery()
        )  # fmt: skip
        for shipment_id, parcel_id, occurred_at, status, _rank in session.execute(
            select(ranked).where(ranked.c.rank == 1)
        ):
            latest[(shipment_id, parcel_id)] = (occurred_at, TrackingStatus(status))
    return latest


def follow_events(session: Session, actor: Actor, latest: Latest) -> tuple[int, int]:
    """Move each shipment to the status its parcels' latest events give; returns (status
    changes, shipments delivered). A move the workflow does not allow (a shipment not yet
    handed over, a delivered one reported in transit by a late event) is left alone.

    Tens of thousands of shipments move in one import, so the moves are planned as plain
    values and written by the workflow's bulk writer (the road states hold no stock)."""
    now = dt.datetime.now(dt.UTC)
    plans: list[TransitionPlan] = []
    order_of: dict[int, int] = {}
    for chunk in _chunks(sorted({shipment_id for shipment_id, _ in latest})):
        parcels = _parcels_per_shipment(session, chunk)
        rows = session.execute(
            select(
                Shipment.id, Shipment.status, Shipment.version, Shipment.delivered_at,
                Shipment.order_id,
            ).where(Shipment.id.in_(chunk))
        )  # fmt: skip
        for shipment_id, status, version, stamped, order_id in rows:
            events = [latest.get((shipment_id, p)) for p in parcels.get(shipment_id, [None])]
            target = shipment_status([event[1] if event else None for event in events])
            if target is None or target == status:
                continue
            if not may_transition("shipment", status, target, actor):
                continue
            record = RecordState("shipment", shipment_id, status, version, _stamped(stamped))
            plan = plan_transition(record, target, actor, now=now, reason="tracking")
            if "delivered_at" in plan.changes:
                # The carrier's time of delivery (its last parcel's), not the import's.
                plan.changes["delivered_at"] = max(event[0] for event in events if event)
            plans.append(plan)
            order_of[shipment_id] = order_id
    apply_plans_in_bulk(session, plans)
    delivered = [p.entity_id for p in plans if p.to_state == ShipmentStatus.DELIVERED]
    _deliver_complete_orders(session, actor, sorted({order_of[s] for s in delivered}), now)
    return len(plans), len(delivered)


def _stamped(delivered_at: dt.datetime | None) -> frozenset[str]:
    return frozenset({"delivered_at"}) if delivered_at else frozenset()


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
    still_open = (
        select(Shipment.id)
        .where(Shipment.order_id == Order.id, Shipment.status.not_in(_DONE))
        .exists()
    )
    for chunk in _chunks(list(order_ids)):
        rows = session.execute(
            select(Order.id, Order.status, Order.version, Order.delivered_at).where(
                Order.id.in_(chunk), ~still_open
            )
        )
        for order_id, status, version, stamped in rows:
            if not may_transition("order", status, "delivered", actor):
                continue
            record = RecordState("order", order_id, status, version, _stamped(stamped))
            plans.append(
                plan_transition(record, OrderStatus.DELIVERED, actor, now=now, reason="tracking")
            )
    apply_plans_in_bulk(session, plans)
