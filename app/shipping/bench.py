"""``orderdesk bench flow --n N``: the path of N orders through the same services the
desks use, each stage timed: an Amazon Orders report of N orders imported through the
intake service, auto-review (which reserves stock), allocation and batch pick lists, every
pick as scans, the packing station's scans (the shipment's number, every unit, the
weight, each parcel's tracking number from the carrier's waybill, PRINT: the label
printed as ZPL), the hand-over scan of every parcel, and the Amazon ship-confirmation
file written. Every scan is its own transaction, as at the
desks. Target: ≥ 200 orders/s end to end.

Outside the clock: the import bench's catalogue with stock in two warehouses, totes, the
package table and the report file itself. A report's orders with an
unknown SKU, a bad address or no stock stop where the desks would stop them (held at
review, short at allocation), as on a real day: the figures say how many went through.
"""

from __future__ import annotations

import datetime as dt
import random
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import insert, select

from app.bench import BenchResult
from app.database import open_database
from app.errors import InvalidInput
from app.i18n import N_
from app.intake import import_file
from app.intake.bench import FIRST_NAMES, HEADER, LAST_NAMES, _ensure_catalogue, _row
from app.numbers import entity_number
from app.packing import package_table as pt
from app.packing import service as ps
from app.packing.model import PRINT_CODE
from app.packing.printers import StationPrinters
from app.packing.tracking import OWN_FLEET
from app.permissions import Actor, Role
from app.picking import lists as pl
from app.picking.bench import _totes
from app.picking.model import Step
from app.picking.service import allocate
from app.printing.model import PrintReceipt
from app.review.service import ALL_RECEIVED, review_orders
from app.shipping.confirmations import export_confirmations
from app.shipping.service import hand_over
from app.shipping.tracking_numbers import example_tracking_number
from db.models import Bin, Order, Product, Shipment, StockQuant, Warehouse
from db.models_shipping import Parcel

FLOW_ORDERS_PER_SECOND = 200
LIST_PRICE_CENTS = 1299  # the import bench's catalogue
ACTOR = Actor(user_id=None, username="bench", roles=frozenset({Role.ADMIN.value}))


@dataclass
class BenchLabelPrinter:
    """The station's ZPL label printer, keeping the jobs in memory (no printer here)."""

    name: str = "bench-zpl"
    label_format: str = "zpl"
    jobs: int = 0
    bytes_sent: int = 0
    titles: list[str] = field(default_factory=list)

    def send(self, data: bytes, title: str) -> PrintReceipt:
        self.jobs += 1
        self.bytes_sent += len(data)
        return PrintReceipt(self.name, len(data))


def bench_flow(n: int, url: str) -> list[BenchResult]:
    database = open_database(url)
    try:
        with tempfile.TemporaryDirectory(prefix="orderdesk-flow-") as folder:
            report = _prepare(database, n, Path(folder))
            since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
            printer = BenchLabelPrinter()
            stages: list[tuple[str, float, float, int]] = []

            def timed(name: str, work) -> int:
                # Wall and this process's CPU: on a shared machine the wall clock also
                # counts other people's work; the CPU seconds are what this path costs.
                start, cpu_start = time.perf_counter(), time.process_time()
                count = work()
                cpu = time.process_time() - cpu_start
                stages.append((name, time.perf_counter() - start, cpu, count))
                return count

            timed("import", lambda: import_file(database, ACTOR, report).new_orders)
            timed("review", lambda: review_orders(database, ACTOR, ALL_RECEIVED).approved)
            timed("allocate_and_lists", lambda: _allocate_and_lists(database))
            timed("pick_scans", lambda: _pick_everything(database))
            shipments = _shipments(database, "picked")
            timed("pack_scans", lambda: _pack_everything(database, shipments, printer))
            timed("hand_over_scans", lambda: _hand_over(database, shipments))
            timed("ship_confirm", lambda: _confirm(database, since, Path(folder)))
        total = sum(seconds for _name, seconds, _cpu, _count in stages)
        total_cpu = sum(cpu for _name, _seconds, cpu, _count in stages)
        dialect = database.dialect
        results = [
            BenchResult("flow", count, seconds, dialect, name, extra=_cpu_figures(cpu, count))
            for name, seconds, cpu, count in stages
        ]
        shipped = _count(database, "shipped")
        results.append(
            BenchResult(
                "flow",
                n,
                total,
                dialect,
                f"end_to_end ({shipped} shipments shipped, {printer.jobs} ZPL labels)",
                target_seconds=n / FLOW_ORDERS_PER_SECOND,
                extra=_cpu_figures(total_cpu, n),
            )
        )
        return results
    finally:
        database.dispose()


def _cpu_figures(cpu_seconds: float, count: int) -> dict:
    """CPU seconds of a stage, and per item in milliseconds."""
    per_item_ms = 1000 * cpu_seconds / count if count else 0.0
    return {"cpu_s": round(cpu_seconds, 3), "cpu_ms_each": round(per_item_ms, 3)}


def _prepare(database, n: int, folder: Path) -> Path:
    """Stock in two warehouses, totes, the package table; the report of ``n`` orders."""
    with database.unit_of_work() as uow:
        used = uow.session.scalar(select(Order.id).limit(1)) is not None
    if used:  # its figures count every shipment there: another run's would be counted
        raise InvalidInput(
            "--db",
            database.url.database,
            N_("an empty database (bench flow fills it with its own orders)"),
        )
    # Two warehouses with a bin each, in the UK like the Amazon UK orders they fill (a
    # parcel from abroad would need a customs declaration, which this path does not time).
    with database.unit_of_work() as uow:
        s = uow.session
        for code in ("LON", "MAN"):
            s.execute(
                insert(Warehouse.__table__),
                [{"code": code, "name": code, "country_code": "GB", "categories": ""}],
            )
            warehouse_id = s.scalar(select(Warehouse.id).where(Warehouse.code == code))
            s.execute(
                insert(Bin.__table__),
                [{"warehouse_id": warehouse_id, "code": f"A-{code}", "pick_sequence": 1}],
            )
        uow.commit()
    _totes(database, n + 50)  # a tote stays with its shipment after its list is done
    pt.install_default_packages(database, ACTOR)
    _ensure_catalogue(database)  # the import bench's catalogue (GBP), stocked here
    with database.unit_of_work() as uow:
        s = uow.session
        bins = s.execute(select(Bin.id, Bin.warehouse_id).where(Bin.code.like("A-%"))).all()
        products = s.scalars(select(Product.id).where(Product.sku.like("BENCH-%"))).all()
        s.execute(
            insert(StockQuant.__table__),
            [
                {
                    "product_id": product_id,
                    "warehouse_id": warehouse_id,
                    "bin_id": bin_id,
                    "on_hand": 1_000_000,
                    "reserved": 0,
                    "received_date": dt.date(2026, 1, 1),
                    "version": 1,
                }
                for product_id in products
                for bin_id, warehouse_id in bins
            ],
        )
        uow.commit()
    path = folder / "amazon-orders.txt"
    _write_report(path, n)
    return path


def _write_report(path: Path, n: int, seed: int = 5) -> None:
    """An Amazon UK Orders report of ``n`` orders (1–4 items, the import bench's rows) by
    customers who mostly buy once; about one in twenty items is a SKU the catalogue does
    not know (the order is held at review, as at the desk)."""
    rng = random.Random(seed)
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=6)
    towns = (("London", "", "E1 6AN"), ("York", "North Yorkshire", "YO1 7HH"))
    towns += (("Leeds", "West Yorkshire", "LS1 1AA"), ("Bristol", "", "BS1 4DJ"))
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(HEADER + "\n")
        for number in range(1, n + 1):
            city, region, postal_code = towns[number % len(towns)]
            customer = {
                "email": f"f{number:07d}x@marketplace.amazon.co.uk",
                "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "phone": f"+44 20 7946 {number % 10000:04d}",
                "line1": f"{rng.randrange(1, 300)} {rng.choice(['Mill Lane', 'High St'])}",
                "city": city,
                "region": region,
                "postal_code": postal_code,
                "country": "GB",
                "currency": "GBP",
            }
            order_id = f"{200 + number % 800:03d}-{number:07d}-{rng.randrange(10**7):07d}"
            purchased = start + dt.timedelta(seconds=number)
            for item in range(rng.choice((1, 1, 1, 2, 2, 3, 4))):
                cells = _row(rng, order_id, item, purchased, customer, "Standard").split("\t")
                # charged at the catalogue's list price (the import bench's are random)
                cells[11] = f"{int(cells[9]) * LIST_PRICE_CENTS / 100:.2f}"
                handle.write("\t".join(cells) + "\n")


def _allocate_and_lists(database) -> int:
    allocate(database, ACTOR)
    return len(pl.create_pick_lists_everywhere(database.unit_of_work(), ACTOR, batch_size=8))


def _pick_everything(database) -> int:
    """Each list claimed and walked as the picker's screen does: the next scan is read
    from the state the last scan returned."""
    from db.models_picking import PickList

    with database.unit_of_work() as uow:
        lists = uow.session.execute(
            select(PickList.id, PickList.warehouse_id).where(PickList.status == "open")
        ).all()
    racks = _tote_racks(database)
    scans = 0
    for list_id, warehouse_id in lists:
        state = pl.claim_list(database, ACTOR, list_id)
        rack = racks.setdefault(warehouse_id, [])
        while (code := _next_code(rack, state, warehouse_id)) is not None:
            state = pl.scan(database, ACTOR, list_id, code).state
            scans += 1
        pl.finish_list(database, ACTOR, list_id)
    return scans


def _tote_racks(database) -> dict[int, list[str]]:
    """The empty totes stacked in each warehouse, as the pickers find them: every tote
    of the warehouse not yet on a list (in this run a tote stays with its shipment until
    packing, which comes after all the picking), lowest number first. Read once: which
    tote a picker grabs is not desk work, and asking the database for the next free one
    before every tote scan cost more as the run went on (every used tote compared).
    Each rack is kept top first: the picker takes from its end."""
    from db.models_picking import PickListShipment, Tote

    used = select(PickListShipment.tote_id).where(PickListShipment.tote_id.is_not(None))
    racks: dict[int, list[str]] = {}
    with database.unit_of_work() as uow:
        for warehouse_id, code in uow.session.execute(
            select(Tote.warehouse_id, Tote.code)
            .where(Tote.warehouse_id.is_not(None), Tote.id.not_in(used))
            .order_by(Tote.id.desc())
        ):
            racks.setdefault(warehouse_id, []).append(code)
    return racks


def _next_code(rack: list[str], state, warehouse_id: int) -> str | None:
    """What a picker scans next: a free tote off the warehouse's rack, the stop's bin,
    CONFIRM, the item."""
    if state.step is Step.DONE:
        return None
    if state.step is Step.TOTE:
        if not rack:
            raise RuntimeError(f"bench flow: no free tote in warehouse {warehouse_id}")
        return rack.pop()
    stop = state.stop
    if state.step is Step.BIN:
        return stop.bin_code
    if state.step is Step.CONFIRM:
        return pl.CONFIRM_CODE
    return stop.barcode or stop.sku


def _shipments(database, status: str) -> list[int]:
    with database.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(Shipment.id).where(Shipment.status == status).order_by(Shipment.id)
            )
        )


def _count(database, status: str) -> int:
    return len(_shipments(database, status))


def _pack_everything(database, shipments: list[int], printer: BenchLabelPrinter) -> int:
    """The packing station, scan by scan, as its one field takes them: the shipment's
    number opens it, then every unit the station lists, the weight the items should weigh;
    the weighed state names the carrier the rules choose, and for a carrier other than
    our own fleet the packer scans each parcel's number from its waybill; PRINT (the ZPL
    label; our own fleet's numbers are made there)."""
    printers = StationPrinters(label=printer)
    scans = 0
    for shipment_id in shipments:
        state = ps.station_scan(database, ACTOR, None, entity_number("shipment", shipment_id)).state
        scans += 1
        for item in state.items:
            for _unit in range(item.wanted - item.scanned):
                state = ps.station_scan(
                    database, ACTOR, shipment_id, item.barcode or item.sku
                ).state
                scans += 1
        grams = max(100, sum(p.expected_g or 0 for p in state.parcels))
        state = ps.station_scan(database, ACTOR, shipment_id, f"{grams} g").state
        scans += 1
        if state.carrier and state.carrier != OWN_FLEET:
            for parcel in state.parcels:
                if parcel.status == "open" and parcel.tracking_number is None:
                    number = example_tracking_number(state.carrier, parcel.parcel_id)
                    ps.station_scan(database, ACTOR, shipment_id, number)
                    scans += 1
        ps.station_scan(database, ACTOR, shipment_id, PRINT_CODE, printers)
        scans += 1
    return scans


def _hand_over(database, shipments: list[int]) -> int:
    with database.unit_of_work() as uow:
        rows = uow.session.execute(
            select(Parcel.tracking_number, Parcel.shipment_id).where(
                Parcel.shipment_id.in_(shipments)
            )
        ).all()
    for tracking, shipment_id in rows:  # the label's tracking number, or our shipment number
        code = tracking or entity_number("shipment", shipment_id)
        hand_over(database.unit_of_work(), ACTOR, code)
    return len(rows)


def _confirm(database, since: dt.datetime, folder: Path) -> int:
    export = export_confirmations(database.unit_of_work(), ACTOR, "amazon", since)
    (folder / "ship-confirm.txt").write_bytes(export.content)
    return export.rows
