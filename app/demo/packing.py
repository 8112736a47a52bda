"""Demo data for the packing station (issue 12), made by the station's own services.

After the picking stage: the usual package types and rules, products' packing facts
(apparel is soft goods; kitchen, books and beauty get sizes), and the picked shipments
mostly packed scan by scan by the demo's warehouse person — weighed, labelled, one in two
parcels, one with a reprint in its label history — while a few stay waiting at the station.
Labels go to an in-memory printer: the demo prints nothing, the history keeps each label.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update

from app.errors import OrderdeskError
from app.packing import labelling as pl
from app.packing import package_table as pt
from app.packing import service as ps
from app.packing.errors import ParcelNotReady
from app.packing.printers import StationPrinters
from app.packing.tracking import planned_carrier
from app.permissions import Actor
from app.printing.model import PrintReceipt
from app.shipping.tracking_numbers import example_tracking_number
from db.models import Product, Shipment
from db.models_packing import ProductPacking

log = logging.getLogger(__name__)

LEAVE_WAITING = 4  # picked shipments left for the station to show
# (length, width, height) in mm by category; apparel packs as soft goods.
_SIZES = {
    "kitchen": (160, 120, 120),
    "books": (230, 160, 30),
    "beauty": (60, 60, 120),
    "apparel": (300, 250, 30),
}

# What the demo's customs declarations say of each category: a typical HS heading and the
# country most of it is made in (a real catalogue sets them per product, orderdesk customs).
_CUSTOMS = {
    "kitchen": ("851671", "CN"),
    "electronics": ("851830", "CN"),
    "toys": ("950300", "CN"),
    "books": ("490199", "DE"),
    "garden": ("820140", "PL"),
    "apparel": ("610910", "PT"),
    "beauty": ("330499", "FR"),
    "home": ("630492", "IN"),
    "sports": ("950691", "TW"),
}


@dataclass
class _DemoPrinter:
    name: str = "demo"
    label_format: str = "pdf"
    jobs: list[str] = field(default_factory=list)

    def send(self, data: bytes, title: str) -> PrintReceipt:
        self.jobs.append(title)
        return PrintReceipt(self.name, len(data))


def stage_packing(
    database, supervisor: Actor, packer: Actor | None = None, leave_waiting: int = LEAVE_WAITING
) -> dict[str, int]:
    packer = packer or supervisor
    pt.install_default_packages(database, supervisor)
    _packing_facts(database)
    with database.unit_of_work() as uow:
        picked = list(
            uow.session.scalars(
                select(Shipment.id).where(Shipment.status == "picked").order_by(Shipment.id)
            )
        )
    to_pack = picked[: max(0, len(picked) - leave_waiting)]
    printer = _DemoPrinter()
    printers = StationPrinters(printer)
    packed = two_parcels = reprinted = 0
    for position, shipment_id in enumerate(to_pack):
        try:
            split = _pack(database, packer, shipment_id, printers, split=two_parcels == 0)
            two_parcels += split
            packed += 1
            if reprinted == 0:
                state = ps.state(database, shipment_id)
                pl.reprint_label(
                    database, packer, state.parcels[0].parcel_id, printers, "label smudged"
                )
                reprinted += 1
        except OrderdeskError as error:  # a demo shipment that cannot be packed stays
            log.info("demo shipment %s left waiting: %s (%d)", shipment_id, error, position)
    return {
        "packed": packed,
        "two_parcels": two_parcels,
        "reprinted": reprinted,
        "waiting": len(picked) - packed,
        # customs declarations (…-CN22, …-CN23) print beside the labels; not counted here
        "labels": len([j for j in printer.jobs if not j.endswith(("slip", "-CN22", "-CN23"))]),
    }


def _packing_facts(database) -> None:
    with database.unit_of_work() as uow:
        s = uow.session
        known = set(s.scalars(select(ProductPacking.product_id)))
        rows = [
            {
                "product_id": pid,
                "length_mm": size[0],
                "width_mm": size[1],
                "height_mm": size[2],
                "soft": category == "apparel",
            }
            for pid, category in s.execute(select(Product.id, Product.category))
            if (size := _SIZES.get(category)) and pid not in known
        ]
        if rows:
            s.execute(insert(ProductPacking), rows)
        for category, (hs_code, origin) in _CUSTOMS.items():
            s.execute(
                update(Product)
                .where(Product.category == category, Product.hs_code.is_(None))
                .values(hs_code=hs_code, origin_country=origin)
            )
        uow.commit()


def _pack(database, packer: Actor, shipment_id: int, printers, *, split: bool) -> bool:
    """Scan, weigh and label one shipment; the first one with two units or more goes in
    two parcels. Returns whether it did."""
    state = ps.open_shipment(database, packer, f"SH-{shipment_id}")
    codes = [item.barcode or item.sku for item in state.items for _n in range(item.wanted)]
    two = split and len(codes) > 1
    for index, code in enumerate(codes):
        if two and index == len(codes) - 1:
            ps.new_parcel(database, packer, shipment_id)
        ps.scan_item(database, packer, shipment_id, code)
    for parcel in ps.state(database, shipment_id).parcels:
        weight = max(parcel.expected_g + 35, 50)  # a scale never reads the sum exactly
        ps.set_weight(database, packer, shipment_id, weight, parcel_id=parcel.parcel_id)
    try:
        pl.print_labels(database, packer, shipment_id, printers)
    except ParcelNotReady:
        # A carrier that assigns the numbers (SF Express, USPS): the packer scans each
        # parcel's waybill number; the demo makes one in the carrier's format.
        carrier = planned_carrier(database, shipment_id)
        for parcel in ps.state(database, shipment_id).parcels:
            number = example_tracking_number(carrier, 9_000_000 + parcel.parcel_id)
            ps.station_scan(database, packer, shipment_id, number)
        pl.print_labels(database, packer, shipment_id, printers)
    return two
