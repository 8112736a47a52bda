"""``orderdesk bench tracking --n N``: N carrier events imported from one file, with the
logistics watch that follows every import (target ≥ 20,000 events/s), then the case list's
first page over N cases (target ≤ 0.5 s).

Outside the clock: N/4 shipped shipments with one parcel each, and a CSV of four events per
parcel (label created, in transit, out for delivery, delivered — one parcel in ten lost
instead of delivered, so the watch opens cases); then N cases for the list.
"""

from __future__ import annotations

import datetime as dt
import io
import time

from sqlalchemy import insert, select

from app.bench import BenchResult, stopwatch
from app.cases.queries import list_cases
from app.database import open_database
from app.permissions import Actor, Role
from app.tracking.service import import_tracking_file
from db.models import Customer, Order, Shipment, Warehouse
from db.models_cases import Case
from db.models_shipping import Parcel

EVENTS_PER_SECOND = 20_000
CASE_LIST_SECONDS = 0.5
BENCH_ACTOR = Actor(user_id=None, username="bench", roles=frozenset({Role.SUPERVISOR.value}))
STEPS = ("info_received", "in_transit", "out_for_delivery", "delivered")
CHUNK = 5_000


def bench_tracking(n: int, url: str) -> list[BenchResult]:
    database = open_database(url)
    try:
        parcels = max(n // len(STEPS), 1)
        _shipped_parcels(database, parcels)
        data = _events_file(parcels)
        cpu = time.process_time()
        with stopwatch() as elapsed:
            summary = import_tracking_file(database, BENCH_ACTOR, "bench.csv", data)
        # This process's own CPU time beside the wall clock: on a shared machine the wall
        # clock also counts the time other processes had the CPU.
        cpu = time.process_time() - cpu
        events = BenchResult(
            "tracking", summary.imported, elapsed(), database.dialect, figure="import_and_watch",
            target_seconds=summary.imported / EVENTS_PER_SECOND,
            extra={"status_changes": summary.status_changes, "cases_opened": summary.cases_opened,
                   "cpu_seconds": round(cpu, 3)},
        )  # fmt: skip
        _cases(database, n)
        return [events, *_case_list_figures(database, n)]
    finally:
        database.dispose()


def _case_list_figures(database, n: int) -> list[BenchResult]:
    results = []
    for figure, filters in (
        ("case_list_first_rows", {}),
        ("case_list_overdue", {"overdue": True, "now": dt.datetime(2030, 1, 1, tzinfo=dt.UTC)}),
    ):
        with stopwatch() as elapsed, database.unit_of_work() as uow:
            rows = list_cases(uow.session, limit=50, **filters)
        result = BenchResult("tracking", len(rows), elapsed(), database.dialect, figure=figure,
                             target_seconds=CASE_LIST_SECONDS, extra={"cases": n})  # fmt: skip
        results.append(result)
    return results


def _shipped_parcels(database, count: int) -> None:
    shipped_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    with database.unit_of_work() as uow:
        s = uow.session
        customer = s.execute(
            insert(Customer)
            .values(name="Bench Buyer", email="bench@example.com")
            .returning(Customer.id)
        ).scalar_one()
        warehouse = s.execute(
            insert(Warehouse)
            .values(code="BENCH", name="Bench", country_code="DE")
            .returning(Warehouse.id)
        ).scalar_one()
        for start in range(0, count, CHUNK):
            ids = range(start, min(start + CHUNK, count))
            s.execute(insert(Order), [_order(i, customer, shipped_at) for i in ids])
        order_ids = s.scalars(
            select(Order.id).where(Order.channel_order_id.like("TRK-%")).order_by(Order.id)
        ).all()
        for start in range(0, count, CHUNK):
            chunk = order_ids[start : start + CHUNK]
            s.execute(insert(Shipment), [_shipment(oid, warehouse, shipped_at) for oid in chunk])
        shipment_ids = s.scalars(
            select(Shipment.id).where(Shipment.warehouse_id == warehouse).order_by(Shipment.id)
        ).all()
        for start in range(0, count, CHUNK):
            chunk = shipment_ids[start : start + CHUNK]
            s.execute(insert(Parcel), [_parcel(sid) for sid in chunk])
        uow.commit()


def _events_file(parcels: int) -> bytes:
    out = io.StringIO()
    out.write("tracking_number,carrier,time,status,location,description\n")
    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=20)
    for shipment_id in range(1, parcels + 1):
        for step, status in enumerate(STEPS):
            if status == "delivered" and shipment_id % 10 == 0:
                status = "lost"
            at = (start + dt.timedelta(hours=4 * step)).isoformat()
            out.write(f"1ZBENCH{shipment_id:010d},ups,{at},{status},Hub {step},Scan\n")
    return out.getvalue().encode()


def _cases(database, count: int) -> None:
    now = dt.datetime.now(dt.UTC)
    with database.unit_of_work() as uow:
        for start in range(0, count, CHUNK):
            rows = [_case(i, now) for i in range(start, min(start + CHUNK, count))]
            uow.session.execute(insert(Case), rows)
        uow.commit()


def _order(i: int, customer: int, shipped_at: dt.datetime) -> dict:
    return {
        "channel": "shop",
        "channel_order_id": f"TRK-{i}",
        "customer_id": customer,
        "status": "shipped",
        "currency": "EUR",
        "shipped_at": shipped_at,
    }


def _shipment(order_id: int, warehouse: int, shipped_at: dt.datetime) -> dict:
    return {
        "order_id": order_id,
        "warehouse_id": warehouse,
        "status": "shipped",
        "shipped_at": shipped_at,
    }


def _parcel(shipment_id: int) -> dict:
    number = f"1ZBENCH{shipment_id:010d}"
    return {
        "shipment_id": shipment_id,
        "sequence": 1,
        "tracking_number": number,
        "status": "handed_over",
    }


def _case(i: int, now: dt.datetime) -> dict:
    return {
        "status": ("open", "waiting", "resolved", "closed")[i % 4],
        "resolution": "explanation" if i % 4 == 3 else None,
        "category": "delay",
        "priority": "normal",
        "source": "phone",
        "subject": f"Bench case {i}",
        "opened_at": now,
        "first_reply_due_at": now + dt.timedelta(minutes=i % 5000 - 2500),
        "resolution_due_at": now + dt.timedelta(hours=72, minutes=i % 5000),
        "status_changed_at": now,
    }
