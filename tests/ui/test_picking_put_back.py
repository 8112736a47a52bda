"""Put back at the picking desk: a picker holding a cancelled order's units sees it in red
and returns them to a bin by scanning, through the same service as the packing station."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from app.changes.service import cancel_order
from app.picking import lists as pl
from app.picking.bench import _next_code
from app.picking.check import check_stock
from app.picking.service import allocate
from db.models import Shipment, StockMove, StockQuant
from db.models_picking import PickListShipment, Tote
from tests.app.picking.conftest import SUPERVISOR
from tests.ui.test_picking import approved, scan, screen  # noqa: F401 (fixtures)


def _tote_of(db, order_id: int) -> str:
    with db.unit_of_work() as uow:
        return uow.session.scalar(
            select(Tote.code)
            .join(PickListShipment, PickListShipment.tote_id == Tote.id)
            .join(Shipment, Shipment.id == PickListShipment.shipment_id)
            .where(Shipment.order_id == order_id)
        )


def _on_hand(db, bin_code: str) -> int:
    from db.models import Bin

    with db.unit_of_work() as uow:
        return sum(
            uow.session.scalars(
                select(StockQuant.on_hand)
                .join(Bin, Bin.id == StockQuant.bin_id)
                .where(Bin.code == bin_code)
            )
        )


def test_a_picker_holding_a_cancelled_orders_units_puts_them_back_into_a_scanned_bin(
    qtbot,
    screen,  # noqa: F811
    db,
    approved,  # noqa: F811
):
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F7)
    scan(qtbot, screen, screen.board.item(0, 0).text())
    scan(qtbot, screen, "TBER0")
    scan(qtbot, screen, "TBER1")
    scan(qtbot, screen, "BER-03")
    scan(qtbot, screen, "CONFIRM")
    scan(qtbot, screen, "VASE-2")  # the vase is in its tote: then the order is cancelled
    cancel_order(db, SUPERVISOR, approved[1], "customer_request", note="called in")
    screen._live_changed("shipments")  # as the live feed tells the desk
    banner = screen.put_backs.banner.text()
    tote = _tote_of(db, approved[1])
    assert "CANCELLED — put back" in banner and f"(tote {tote}): 1 × VASE-2 → BER-03" in banner
    assert screen.put_back_button.isEnabled()
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F3)
    assert "CANCELLED — put back" in screen.instruction.text()
    assert "1 item: 1 × VASE-2 → BER-03" in screen.instruction.text()
    assert "Scan a bin" in screen.message.text()
    before = _on_hand(db, "BER-02")
    scan(qtbot, screen, "BER-02")
    assert "1 item put back to stock: 1 × VASE-2 → BER-02" in screen.message.text()
    assert _on_hand(db, "BER-02") == before + 1
    assert not screen.put_backs.banner.isVisible() and not screen.put_back_button.isEnabled()
    # The walk goes on with the other order's kettle.
    assert "BER-00" in screen.instruction.text()
    with db.unit_of_work() as uow:
        assert check_stock(uow.session) == []
        kinds = uow.session.scalars(select(StockMove.kind).where(StockMove.kind == "put_back"))
        assert list(kinds) == ["put_back"]


def test_scanning_a_cancelled_orders_tote_with_no_list_in_hand_puts_it_back_on_confirm(
    qtbot,
    screen,  # noqa: F811
    db,
    approved,  # noqa: F811
):
    allocate(db, SUPERVISOR)
    for list_id in pl.create_pick_lists_everywhere(db.unit_of_work(), SUPERVISOR):
        pl.claim_list(db, SUPERVISOR, list_id)
        while (code := _next_code(db, list_id)) is not None:
            pl.scan(db, SUPERVISOR, list_id, code)
        pl.finish_list(db, SUPERVISOR, list_id)
    cancel_order(db, SUPERVISOR, approved[0], "customer_request", note="called in")
    scan(qtbot, screen, _tote_of(db, approved[0]))
    assert "2 items: 2 × KETTLE-1 → BER-00" in screen.instruction.text()
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_Escape)  # changed their mind: nothing done
    assert "nothing was changed" in screen.message.text()
    assert "Scan a list" in screen.instruction.text()
    scan(qtbot, screen, _tote_of(db, approved[0]))
    scan(qtbot, screen, "CONFIRM")
    assert "2 items put back to stock: 2 × KETTLE-1 → BER-00" in screen.message.text()
    scan(qtbot, screen, _tote_of(db, approved[0]))  # again: nothing left, not a pick list
    assert "not a pick list" in screen.message.text()
    with db.unit_of_work() as uow:
        assert check_stock(uow.session) == []


def test_a_bin_that_does_not_exist_is_refused_and_the_put_back_waits(
    qtbot,
    screen,  # noqa: F811
    db,
    approved,  # noqa: F811
):
    allocate(db, SUPERVISOR)
    for list_id in pl.create_pick_lists_everywhere(db.unit_of_work(), SUPERVISOR):
        pl.claim_list(db, SUPERVISOR, list_id)
        while (code := _next_code(db, list_id)) is not None:
            pl.scan(db, SUPERVISOR, list_id, code)
        pl.finish_list(db, SUPERVISOR, list_id)
    cancel_order(db, SUPERVISOR, approved[0], "customer_request", note="called in")
    scan(qtbot, screen, _tote_of(db, approved[0]))
    scan(qtbot, screen, "NOWHERE-9")
    assert screen.message.text().startswith("✕") and "NOWHERE-9" in screen.message.text()
    assert screen.put_backs.active
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F3)  # F3 again: the bins shown
    assert "put back to stock: 2 × KETTLE-1 → BER-00" in screen.message.text()


def test_f3_finds_a_cancellation_the_live_feed_has_not_told_yet(
    qtbot,
    screen,  # noqa: F811
    db,
    approved,  # noqa: F811
):
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F7)
    scan(qtbot, screen, screen.board.item(0, 0).text())
    for code in ("TBER0", "TBER1", "BER-03", "CONFIRM", "VASE-2"):
        scan(qtbot, screen, code)
    cancel_order(db, SUPERVISOR, approved[1], "customer_request", note="called in")
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F3)
    assert "1 item: 1 × VASE-2 → BER-03" in screen.instruction.text()
    scan(qtbot, screen, "CONFIRM")
    assert "1 item put back to stock: 1 × VASE-2 → BER-03" in screen.message.text()
