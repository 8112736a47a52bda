"""A picked shipment waiting at the packing station, and printers that record or fail."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from app.errors import PrinterRefused
from app.packing.package_table import install_default_packages
from app.packing.printers import StationPrinters
from app.printing.model import PrintReceipt
from db.models_packing import ProductPacking
from tests.app.picking.conftest import PICKER, SUPERVISOR, floor_warehouse, item
from tests.app.review import builders as b
from tests.factories import shipment as make_shipment

PACKER = PICKER
__all__ = ["PACKER", "SUPERVISOR"]


@dataclass
class RecordingPrinter:
    name: str = "test-printer"
    label_format: str = "pdf"
    fail: bool = False
    sent: list[tuple[str, bytes]] = field(default_factory=list)

    def send(self, data: bytes, title: str) -> PrintReceipt:
        if self.fail:
            raise PrinterRefused(self.name, "the printer is switched off.")
        self.sent.append((title, data))
        return PrintReceipt(self.name, len(data))


@dataclass
class Station:
    shipment_id: int
    order_id: int
    kettle: str  # barcode
    vase: str  # SKU (no barcode)
    printer: RecordingPrinter
    printers: StationPrinters


@pytest.fixture
def station(db) -> Station:
    """SH with 2 kettles (1,200 g, barcode) and 1 fragile vase (400 g, SKU only), picked."""
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, name="Wasserkocher 烧水壶", sku="KETTLE-1", barcode="4006381333931")
        vase = item(s, name="Glass vase", sku="VASE-2", barcode=None, fragile=True)
        kettle.weight_g, vase.weight_g = 1200, 400
        s.add(ProductPacking(product_id=vase.id, length_mm=100, width_mm=100, height_mm=150))
        order = b.order(s, b.customer(s), [(kettle, 2), (vase, 1)], status="allocated")
        shipment = make_shipment(s, order, wh, status="picked")
        uow.commit()
        ids = shipment.id, order.id
    install_default_packages(db, SUPERVISOR)
    printer = RecordingPrinter()
    return Station(ids[0], ids[1], "4006381333931", "VASE-2", printer, StationPrinters(printer))
