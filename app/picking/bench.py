"""``orderdesk bench allocate --n N`` and ``orderdesk bench scan --n N``.

allocate: N received orders (the review bench's filler: demo-shaped customers, stock,
about nine in a hundred with a problem) are auto-reviewed — which reserves their stock —
outside the clock; then the clock runs over allocating every approved order into
shipments and building batch pick lists for every warehouse. Target ≥ 2,000 orders/s.

scan: pick lists walked scan by scan (tote, bin, item, …) through the service, each scan
its own transaction; the median of N scans (target ≤ 30 ms) and the 95th percentile.
"""

from __future__ import annotations

import statistics
import time

from sqlalchemy import select

from app.bench import BenchResult, stopwatch
from app.database import open_database
from app.permissions import Actor, Role
from app.picking import lists as pl
from app.picking.model import PickingSettings, Step
from app.picking.service import allocate
from app.review.bench import fill_received_orders
from app.review.model import ReviewSettings
from app.review.service import ALL_RECEIVED, review_orders
from db.models import Warehouse
from db.models_picking import PickListShipment, Tote

ALLOCATE_PER_SECOND = 2000
SCAN_MEDIAN_SECONDS = 0.030
BENCH_ACTOR = Actor(user_id=None, username="bench", roles=frozenset({Role.SUPERVISOR.value}))


def _approved(url: str, n: int):
    """N orders reviewed (their stock reserved) and left approved: allocation is timed."""
    database = open_database(url)
    fill_received_orders(database, n, seed=3)
    summary = review_orders(
        database, BENCH_ACTOR, ALL_RECEIVED, settings=ReviewSettings(allocate_approved=False)
    )
    return database, summary.approved


def _totes(database, per_warehouse: int) -> None:
    with database.unit_of_work() as uow:
        s = uow.session
        for wid, code in s.execute(select(Warehouse.id, Warehouse.code)).all():
            for i in range(per_warehouse):
                s.add(Tote(code=f"T-{code}-{i:05d}", warehouse_id=wid, active=True))
        uow.commit()


def bench_allocate(n: int, url: str) -> list[BenchResult]:
    database, approved = _approved(url, n)
    try:
        size = PickingSettings().batch_size
        with stopwatch() as elapsed:
            summary = allocate(database, BENCH_ACTOR)
            made = pl.create_pick_lists_everywhere(
                database.unit_of_work(), BENCH_ACTOR, batch_size=size
            )
            lists = len(made)
        seconds = elapsed()
        return [
            BenchResult(
                "allocate",
                summary.allocated + summary.stock_short,
                seconds,
                database.dialect,
                f"allocate_and_batch_lists ({summary.shipments} shipments, {lists} lists)",
                target_seconds=approved / ALLOCATE_PER_SECOND,
            )
        ]
    finally:
        database.dispose()


def bench_scan(n: int, url: str) -> list[BenchResult]:
    orders = max(200, n // 2)
    database, _approved_count = _approved(url, orders)
    try:
        allocate(database, BENCH_ACTOR)
        _totes(database, 2000)
        ids = pl.create_pick_lists_everywhere(database.unit_of_work(), BENCH_ACTOR, batch_size=8)
        timings: list[float] = []
        for list_id in ids:
            if len(timings) >= n:
                break
            pl.claim_list(database, BENCH_ACTOR, list_id)
            while len(timings) < n:
                code = _next_code(database, list_id)
                if code is None:
                    break
                start = time.perf_counter()
                pl.scan(database, BENCH_ACTOR, list_id, code)
                timings.append(time.perf_counter() - start)
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else median
        return [
            BenchResult(
                "scan",
                len(timings),
                median,
                database.dialect,
                "median_per_scan",
                SCAN_MEDIAN_SECONDS,
            ),
            BenchResult("scan", len(timings), p95, database.dialect, "p95_per_scan"),
        ]
    finally:
        database.dispose()


def _next_code(database, list_id: int) -> str | None:
    """What a picker scans next: a free tote, the stop's bin, CONFIRM, the item."""
    with database.unit_of_work() as uow:
        state = pl.pick_state(uow.session, list_id)
        if state.step is Step.DONE:
            return None
        if state.step is Step.TOTE:
            used = select(PickListShipment.tote_id).where(PickListShipment.tote_id.is_not(None))
            return uow.session.scalar(
                select(Tote.code).where(Tote.id.not_in(used)).order_by(Tote.id).limit(1)
            )
    stop = state.stop
    assert stop is not None
    if state.step is Step.BIN:
        return stop.bin_code
    if state.step is Step.CONFIRM:
        return pl.CONFIRM_CODE
    return stop.barcode or stop.sku
