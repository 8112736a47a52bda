"""``orderdesk bench scan --n N`` covers both scanning desks: the pick-list walk (see
``app.picking.bench``) and the packing station: picked shipments opened by their number,
every unit scanned and the parcel weighed, each scan through ``station_scan`` in its own
transaction, as at the station. Median per scan (target ≤ 30 ms) and the 95th percentile.
"""

from __future__ import annotations

import statistics
import time

from sqlalchemy import select, update

from app.bench import BenchResult
from app.database import open_database
from app.numbers import entity_number
from app.packing import package_table as pt
from app.packing import service as ps
from app.picking.bench import BENCH_ACTOR, SCAN_MEDIAN_SECONDS, _approved
from app.picking.bench import bench_scan as bench_pick_scan
from app.picking.service import allocate
from db.models import Shipment


def picked_shipments(database) -> list[int]:
    """Every shipment of the database made picked (set directly, outside the clock: the
    station's scans do not read the pick tasks), and the default package table."""
    with database.unit_of_work() as uow:
        uow.session.execute(
            update(Shipment)
            .where(Shipment.status.in_(("pending", "picking")))
            .values(status="picked")
        )
        ids = list(uow.session.scalars(select(Shipment.id).where(Shipment.status == "picked")))
        uow.commit()
    pt.install_default_packages(database, BENCH_ACTOR)
    return sorted(ids)


def station_codes(database, shipment_id: int) -> list[str]:
    """What a packer scans for one shipment: its number, each unit, the weight."""
    state = ps.state(database, shipment_id)
    codes = [entity_number("shipment", shipment_id)]
    for item in state.items:
        codes.extend([item.barcode or item.sku] * item.wanted)
    codes.append("1.5 kg")
    return codes


def pack_scan_results(database, n: int) -> list[BenchResult]:
    ids = picked_shipments(database)
    timings: list[float] = []
    for shipment_id in ids:
        if len(timings) >= n:
            break
        open_id = None
        for code in station_codes(database, shipment_id):
            start = time.perf_counter()
            result = ps.station_scan(database, BENCH_ACTOR, open_id, code)
            timings.append(time.perf_counter() - start)
            open_id = result.state.shipment_id
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else median
    return [
        BenchResult(
            "scan",
            len(timings),
            median,
            database.dialect,
            "pack_median_per_scan",
            SCAN_MEDIAN_SECONDS,
        ),
        BenchResult("scan", len(timings), p95, database.dialect, "pack_p95_per_scan"),
    ]


def bench_pack_scan(n: int, url: str) -> list[BenchResult]:
    """The packing station alone, on orders approved and allocated for it."""
    database, _count = _approved(url, max(200, n // 2))
    try:
        allocate(database, BENCH_ACTOR)
        return pack_scan_results(database, n)
    finally:
        database.dispose()


def bench_scan(n: int, url: str) -> list[BenchResult]:
    """Both desks: the picking walk, then the packing station on the same shipments (every
    one made picked), so the figures come from one database."""
    results = bench_pick_scan(n, url)
    database = open_database(url)
    try:
        return results + pack_scan_results(database, n)
    finally:
        database.dispose()
