"""The picking desk driven as a scanner would: approved → allocated → list → picked."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.picking.check import check_stock
from app.review.service import review_orders
from db.models import Order, Shipment
from tests.app.picking.conftest import SUPERVISOR, floor_warehouse, item, put
from tests.app.review import builders as b
from ui.screens.picking import PickingScreen


@pytest.fixture
def approved(db):
    """Two approved orders (their stock reserved) for one warehouse; one fragile item."""
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, name="Wasserkocher 烧水壶", sku="KETTLE-1", barcode="4006381333931")
        vase = item(s, name="Glass vase", sku="VASE-2", barcode=None, fragile=True)
        put(s, kettle, wh, 0, 5)
        put(s, vase, wh, 3, 2)
        ids = [
            b.order(s, b.customer(s), lines).id
            for lines in ([(kettle, 2)], [(kettle, 1), (vase, 1)])
        ]
        uow.commit()
    review_orders(db, SUPERVISOR, ids)
    return ids


@pytest.fixture
def screen(qtbot, make_context, people, approved):
    widget = PickingScreen(make_context(people["wes"]))
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


def test_a_picker_walks_approved_orders_to_picked_by_scanning_alone(qtbot, screen, db, approved):
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F7)  # allocate and make the batch list
    assert screen.board.rowCount() == 1
    number = screen.board.item(0, 0).text()
    scan(qtbot, screen, number)
    assert screen.state.status == "claimed"
    scan(qtbot, screen, "TBER0")
    scan(qtbot, screen, "TBER1")
    assert "Go to bin BER-03" in screen.instruction.text()  # walk order: sequence, not code
    scan(qtbot, screen, "BER-03")
    assert "FRAGILE" in screen.instruction.text()
    scan(qtbot, screen, "CONFIRM")
    scan(qtbot, screen, "VASE-2")  # no barcode: the SKU is scanned
    assert "Go to bin BER-00" in screen.instruction.text()
    scan(qtbot, screen, "BER-00")
    scan(qtbot, screen, "4006381333931")
    scan(qtbot, screen, "3")  # a typed count for the rest
    assert "All stops done" in screen.instruction.text()
    scan(qtbot, screen, number)  # the list again: finish
    assert screen.state.status == "finished"
    assert QApplication.focusWidget() is screen.scan_edit
    with db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(Shipment.status))) == {"picked"}
        assert set(uow.session.scalars(select(Order.status))) == {"allocated"}
        assert check_stock(uow.session) == []


def test_a_wrong_bin_turns_the_message_red_with_words_and_is_counted(qtbot, screen, db):
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F7)
    scan(qtbot, screen, screen.board.item(0, 0).text())
    scan(qtbot, screen, "TBER0")
    scan(qtbot, screen, "TBER1")
    scan(qtbot, screen, "BER-01")
    assert screen.message.text().startswith("✕") and "go to bin BER-03" in screen.message.text()
    assert "a3231b" in screen.message.styleSheet()
    assert (
        screen.state.wrong_scans == 1
        and "wrong scans on this list: 1" in screen.progress_label.text()
    )
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F4)  # undo the last accepted scan: a tote
    assert "Put a tote" in screen.instruction.text() and screen.state.wrong_scans == 1


def test_an_unknown_code_with_no_list_in_hand_is_refused(qtbot, screen):
    scan(qtbot, screen, "HELLO")
    assert "not a pick list" in screen.message.text()
    assert screen.refused_scans == 1


def test_the_claimed_list_prints_as_a_pdf_through_the_desk_printer(
    qtbot, screen, monkeypatch, tmp_path
):
    from tests.app.labels.decoding import decoded_per_page
    from ui.screens import picking

    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F7)
    number = screen.board.item(0, 0).text()
    scan(qtbot, screen, number)
    printed = []

    def fake_print(pdf, **kwargs):
        printed.append((pdf, kwargs))
        return True

    monkeypatch.setattr(picking, "print_pdf", fake_print)
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    assert len(printed) == 1
    pdf, kwargs = printed[0]
    assert ("Code128", number) in decoded_per_page(pdf)[0]
    assert kwargs["ask"] is True and kwargs["settings"] is not None
    assert f"{number} sent to the printer" in screen.message.text()
    target = tmp_path / "sheet.pdf"
    screen.save_list_pdf(str(target))
    assert ("Code128", number) in decoded_per_page(target.read_bytes())[0]


def test_printing_with_no_list_selected_or_claimed_says_what_to_do(qtbot, screen, monkeypatch):
    from ui.screens import picking

    monkeypatch.setattr(picking, "print_pdf", lambda pdf, **kw: pytest.fail("nothing to print"))
    screen.print_list()
    assert "Select a list on the board" in screen.message.text()


def test_the_board_follows_lists_made_and_claimed_at_other_desks_without_f5(qtbot, screen, db):
    from app.picking import lists as pl
    from app.picking.service import allocate
    from tests.app.picking.conftest import OTHER_PICKER

    assert screen.board.rowCount() == 0
    allocate(db, SUPERVISOR)  # another desk allocates and makes the list
    [list_id] = pl.create_pick_lists(db.unit_of_work(), SUPERVISOR, screen.warehouse_id)
    qtbot.waitUntil(lambda: screen.board.rowCount() == 1, timeout=3000)
    assert screen.board.item(0, 1).text() == "waiting to be picked"  # words, not the stored code
    screen.board.selectRow(0)
    pl.claim_list(db, OTHER_PICKER, list_id)  # another picker claims it
    qtbot.waitUntil(lambda: screen.board.item(0, 1).text() == "being picked", timeout=3000)
    assert screen.board.item(0, 6).text() == "picker2"
    assert screen.board.currentRow() == 0  # the selection stays on the list


def test_the_board_shows_what_must_ship_today_late_first_in_words(qtbot, screen, db, approved):
    import datetime as dt

    from db.models import utcnow

    with db.unit_of_work() as uow:
        late = uow.session.get(Order, approved[0])
        late.ship_by_at = utcnow() - dt.timedelta(hours=3)
        uow.commit()
    assert screen.ship_by_table.rowCount() == 0  # nothing allocated yet
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F7)  # allocate and make the batch list
    assert screen.ship_by_table.rowCount() == 1
    assert screen.ship_by_table.item(0, 1).text() == f"SO-{approved[0]:06d}"
    assert "late" in screen.ship_by_table.item(0, 2).text()
    assert "1 late" in screen.ship_by_title.text()
