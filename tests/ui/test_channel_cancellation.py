"""A buyer's cancellation imported from Amazon stops the warehouse as the desk's cancel does:
the packer who scans the order's tote is told, loudly, to put it back."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.intake import import_file
from app.packing.package_table import install_default_packages
from app.packing.printers import StationPrinters
from app.picking import lists as pl
from app.picking.bench import _next_code
from app.picking.service import allocate
from app.review.service import review_orders
from db.models import Order, Shipment
from db.models_picking import PickListShipment, Reservation, Tote
from tests.app.packing.conftest import RecordingPrinter
from tests.app.picking.conftest import SUPERVISOR, floor_warehouse, item, put
from tests.app.review import builders as b
from tests.app.test_intake_unshipped import row, unshipped
from ui.screens.packing import PackingScreen

AMAZON_ORDER = "403-1111111-2222222"


@pytest.fixture
def picked(db):
    """An Amazon order reviewed, allocated and picked into a tote."""
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        lamp = item(s, name="Desk lamp", sku="LAMP-1", barcode="4006381333931")
        lamp.weight_g = 900
        put(s, lamp, wh, 0, 5)
        order = b.order(
            s, b.customer(s, name="Anna Müller"), [(lamp, 2)],
            channel="amazon", channel_order_id=AMAZON_ORDER, line1="Hof 1",
        )  # fmt: skip
        uow.commit()
        order_id = order.id
    review_orders(db, SUPERVISOR, [order_id])
    allocate(db, SUPERVISOR)
    install_default_packages(db, SUPERVISOR)
    for list_id in pl.create_pick_lists_everywhere(db.unit_of_work(), SUPERVISOR):
        pl.claim_list(db, SUPERVISOR, list_id)
        while (code := _next_code(db, list_id)) is not None:
            pl.scan(db, SUPERVISOR, list_id, code)
        pl.finish_list(db, SUPERVISOR, list_id)
    with db.unit_of_work() as uow:
        tote = uow.session.scalar(
            select(Tote.code).join(PickListShipment, PickListShipment.tote_id == Tote.id)
        )
    return order_id, tote


@pytest.fixture
def screen(qtbot, make_context, people, picked):
    widget = PackingScreen(make_context(people["wes"]))
    widget.printers = StationPrinters(RecordingPrinter())
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    with qtbot.waitExposed(widget):
        widget.show()
    widget.activateWindow()
    widget.focus_primary()
    return widget


def scan(qtbot, screen, code: str) -> None:
    qtbot.keyClicks(screen.scan_edit, code)
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_Return)


def test_an_imported_buyer_cancellation_tells_the_packer_to_put_it_back(
    qtbot, screen, db, admin, picked, tmp_path
):
    order_id, tote = picked
    summary = import_file(
        db, admin, unshipped(tmp_path, row(is_buyer_requested_cancellation="true"))
    )
    assert summary.channel_cancellations == 1
    with db.unit_of_work() as uow:
        s = uow.session
        assert s.get(Order, order_id).status == "cancelled"
        assert s.scalars(select(Shipment.status)).all() == ["cancelled"]
        assert sum(s.scalars(select(Reservation.quantity))) == 0
    scan(qtbot, screen, tote)
    assert "CANCELLED — put back" in screen.instruction.text()
    assert screen.items.item(0, 3).text().startswith("put back")
    scan(qtbot, screen, "4006381333931")
    assert "CANCELLED" in screen.message.text() and screen.printers.label.sent == []
