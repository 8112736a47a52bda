"""The tracking import on PostgreSQL: ids and numbers bound as arrays, events copied in,
shipments and orders moved by the bulk writer, the watch opening its cases once."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit import verify_chain
from app.tracking.bench import BENCH_ACTOR, _events_file, _shipped_parcels
from app.tracking.service import import_tracking_file
from db.models import Order, Shipment
from db.models_cases import Case
from db.models_tracking import TrackingEvent as EventRow

PARCELS = 40


def _count(pg, model, *where) -> int:
    with pg.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_an_import_records_each_event_once_and_moves_shipments_and_orders(fresh_pg):
    pg = fresh_pg
    _shipped_parcels(pg, PARCELS)
    data = _events_file(PARCELS)
    unknown = b"1ZNOBODY0000000001,ups,2026-11-20T09:00:00Z,in_transit,Hub,Scan\n"
    summary = import_tracking_file(pg, BENCH_ACTOR, "t.csv", data + unknown)
    assert summary.imported == PARCELS * 4
    assert summary.unknown == ["1ZNOBODY0000000001"]
    assert summary.status_changes == PARCELS
    assert summary.delivered == PARCELS - PARCELS // 10
    assert summary.cases_opened == PARCELS // 10
    assert _count(pg, EventRow) == PARCELS * 4
    assert _count(pg, Shipment, Shipment.status == "delivered") == summary.delivered
    assert _count(pg, Shipment, Shipment.status == "lost") == PARCELS // 10
    assert _count(pg, Order, Order.status == "delivered") == summary.delivered
    with pg.unit_of_work() as uow:
        stamped = uow.session.scalar(select(func.count()).where(Shipment.delivered_at.is_not(None)))
    assert stamped == summary.delivered

    again = import_tracking_file(pg, BENCH_ACTOR, "t.csv", data)
    assert (again.imported, again.duplicates, again.status_changes) == (0, PARCELS * 4, 0)
    assert again.cases_opened == 0
    assert _count(pg, Case) == PARCELS // 10
    with pg.engine.connect() as connection:
        report = verify_chain(connection)
    assert report.intact and report.count >= 2 * PARCELS
