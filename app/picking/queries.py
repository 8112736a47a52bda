"""Reads for the picking desk and the CLI: the list board (keyset pages), a list's state,
the printable pick list document, the ship-by-today board, wrong scans per picker."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.labels.model import LabelKind, PickListDoc, PickStop, SmallLabel, ToteSplit
from app.numbers import entity_number, order_number
from app.picking.listing import _load, list_number, pick_state
from app.picking.model import PickListRow, PickState
from app.picking.plan import end_of_local_day
from db.models import Order, Shipment, Warehouse, utcnow
from db.models_picking import PickList, PickListShipment, PickScan, PickTask, Tote

__all__ = [
    "ShipByRow",
    "list_board",
    "pick_list_document",
    "pick_state",
    "ship_by_today",
    "tote_labels",
    "wrong_scans_by_picker",
]

BOARD_PAGE = 200


def _session(session_or_uow) -> Session:
    return getattr(session_or_uow, "session", session_or_uow)


def list_board(
    session_or_uow,
    warehouse_id: int | None,
    *,
    statuses: tuple[str, ...] = ("open", "claimed"),
    after_id: int = 0,
    limit: int = BOARD_PAGE,
) -> list[PickListRow]:
    """Open and claimed lists, oldest first, a page at a time (keyset on the list id)."""
    session = _session(session_or_uow)
    lists = PickList.__table__.c
    query = (
        select(
            lists.id,
            Warehouse.code,
            lists.kind,
            lists.status,
            lists.carrier,
            lists.picker_name,
            lists.created_at,
            lists.version,
        )
        .join(Warehouse, Warehouse.id == lists.warehouse_id)
        .where(lists.status.in_(statuses), lists.id > after_id)
        .order_by(lists.id)
        .limit(limit)
    )
    if warehouse_id is not None:
        query = query.where(lists.warehouse_id == warehouse_id)
    rows = session.execute(query).all()
    if not rows:
        return []
    ids = [r.id for r in rows]
    counts = {
        lid: (stops, units)
        for lid, stops, units in session.execute(
            select(
                PickTask.pick_list_id,
                func.count(func.distinct(PickTask.bin_id * 1_000_000 + PickTask.product_id)),
                func.sum(PickTask.quantity),
            )
            .where(PickTask.pick_list_id.in_(ids))
            .group_by(PickTask.pick_list_id)
        )
    }
    shipments = dict(
        session.execute(
            select(PickListShipment.pick_list_id, func.count())
            .where(PickListShipment.pick_list_id.in_(ids))
            .group_by(PickListShipment.pick_list_id)
        ).all()
    )
    created = [r.created_at for r in rows]
    return [
        PickListRow(
            r.id,
            list_number(r.id),
            r.code,
            r.kind,
            r.status,
            shipments.get(r.id, 0),
            int(counts.get(r.id, (0, 0))[0] or 0),
            int(counts.get(r.id, (0, 0))[1] or 0),
            r.carrier,
            r.picker_name,
            _aware(created[i]),
            r.version,
        )
        for i, r in enumerate(rows)
    ]


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def pick_list_document(session_or_uow, list_id: int) -> PickListDoc:
    """What the pick-list PDF prints: stops in walk order with the split per tote."""
    session = _session(session_or_uow)
    listing = _load(session, list_id, lock=False)
    tote_of = {
        s.slot: (s.tote_code or entity_number("shipment", s.shipment_id)) for s in listing.slots
    }
    stops = []
    for stop in listing.stops:
        members = listing.stop_tasks(stop)
        first = members[0]
        splits: dict[str, int] = {}
        for t in members:
            label = tote_of.get(t.slot, str(t.slot))
            splits[label] = splits.get(label, 0) + t.quantity
        stops.append(
            PickStop(
                stop.number,
                first.bin_code,
                first.sku,
                first.barcode,
                first.name,
                first.spec,
                sum(t.quantity for t in members),
                tuple(ToteSplit(tote, n) for tote, n in splits.items()),
                first.fragile,
                first.high_value,
            )
        )
    warehouse = session.scalar(
        select(Warehouse.code).where(Warehouse.id == listing.row.warehouse_id)
    )
    return PickListDoc(
        list_number(list_id),
        warehouse or "",
        _aware(listing.row.created_at),
        tuple(stops),
        tuple(entity_number("shipment", s.shipment_id) for s in listing.slots),
        listing.row.picker_name or None,
    )


@dataclass(frozen=True)
class ShipByRow:
    shipment: str
    order: str
    ship_by_at: dt.datetime
    status: str
    late: bool


def ship_by_today(
    session_or_uow, warehouse_id: int, now: dt.datetime | None = None
) -> list[ShipByRow]:
    """Shipments whose order must ship by the end of today (or is late), not yet picked:
    late first, then by ship-by time."""
    session = _session(session_or_uow)
    now = now or utcnow()
    end_of_day = end_of_local_day(now)
    rows = session.execute(
        select(Shipment.id, Shipment.order_id, Order.ship_by_at, Shipment.status)
        .join(Order, Order.id == Shipment.order_id)
        .where(
            Shipment.warehouse_id == warehouse_id,
            Shipment.status.in_(("pending", "picking")),
            Order.ship_by_at.is_not(None),
            Order.ship_by_at < end_of_day,
        )
        .order_by(Order.ship_by_at, Shipment.id)
    ).all()
    return [
        ShipByRow(
            entity_number("shipment", sid),
            order_number(oid),
            _aware(ship_by),
            status,
            _aware(ship_by) < now,
        )
        for sid, oid, ship_by, status in rows
    ]


def wrong_scans_by_picker(session_or_uow) -> dict[str, int]:
    session = _session(session_or_uow)
    return dict(
        session.execute(
            select(PickScan.actor_name, func.count())
            .where(PickScan.refused.is_(True))
            .group_by(PickScan.actor_name)
        ).all()
    )


def state(session_or_uow, list_id: int) -> PickState:
    return pick_state(_session(session_or_uow), list_id)


def warehouses(session_or_uow) -> list[tuple[int, str, str]]:
    """(id, code, name) of every warehouse, by code: the desk picks the one it stands in."""
    session = _session(session_or_uow)
    return [
        tuple(r)
        for r in session.execute(
            select(Warehouse.id, Warehouse.code, Warehouse.name).order_by(Warehouse.code)
        )
    ]


def list_of_code(session_or_uow, code: str) -> int | None:
    """The list a scanned PL-… code names, if it exists."""
    from app.picking.errors import PickListNotFound
    from app.picking.listing import parse_list_code

    try:
        list_id = parse_list_code(code)
    except PickListNotFound:
        return None
    session = _session(session_or_uow)
    return session.scalar(select(PickList.id).where(PickList.id == list_id))


def tote_labels(session_or_uow, warehouse_id: int | None = None) -> list[SmallLabel]:
    """A label for every active tote (of one warehouse, or all), by code: the code is what
    the picker scans when putting a tote on the cart."""
    session = _session(session_or_uow)
    query = (
        select(Tote.code, Warehouse.code)
        .outerjoin(Warehouse, Warehouse.id == Tote.warehouse_id)
        .where(Tote.active.is_(True))
        .order_by(Tote.code)
    )
    if warehouse_id is not None:
        query = query.where(Tote.warehouse_id == warehouse_id)
    return [
        SmallLabel(LabelKind.TOTE, code, warehouse or "")
        for code, warehouse in session.execute(query)
    ]
