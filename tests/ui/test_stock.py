"""The Stock desk driven as a scanner would: keystrokes and Enter into the scan field."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.stock.incoming import add_incoming
from app.stock.setup import save_bin, set_reorder_rule
from db.models import Bin, IncomingStock, StockQuant, utcnow
from tests import factories
from ui.screens.stock import StockScreen
from ui.style import BAD, GOOD, WARN


@pytest.fixture
def floor(db, people):
    with db.unit_of_work() as uow:
        s = uow.session
        factories.warehouse(s, "BER1", bins=0)
        factories.warehouse(s, "MAN1", bins=0)
        factories.product(s, "PEN-1", name="钢笔 Fountain pen", barcode="4006381333931")
        uow.commit()
    sue = people["sue"]
    for warehouse, code, seq, kind in (
        ("BER1", "R-01", 1, "receiving"),
        ("BER1", "A-01", 2, "storage"),
        ("MAN1", "M-01", 1, "storage"),
    ):
        with db.unit_of_work() as uow:
            save_bin(uow, sue, warehouse=warehouse, code=code, pick_sequence=seq, kind=kind)
    with db.unit_of_work() as uow:
        add_incoming(
            uow, sue, product="PEN-1", quantity=30, warehouse="BER1", reference="PO-77",
            expected_date=utcnow().date() + dt.timedelta(days=2),
        )  # fmt: skip


def scan(qtbot, screen: StockScreen, *codes: str) -> None:
    """Keystrokes go where the keyboard is, as a scanner's do: the scan field must have it."""
    for code in codes:
        target = QApplication.focusWidget() or screen.scan.edit
        qtbot.keyClicks(target, code)
        qtbot.keyClick(target, Qt.Key.Key_Return)


def on_hand(db, bin_code: str) -> int:
    with db.unit_of_work() as uow:
        return sum(
            uow.session.scalars(
                select(StockQuant.on_hand)
                .join(Bin, Bin.id == StockQuant.bin_id)
                .where(Bin.code == bin_code)
            )
        )


@pytest.fixture
def screen(qtbot, make_context, people, floor):
    def open_as(username: str) -> StockScreen:
        widget = StockScreen(make_context(people[username]))
        qtbot.addWidget(widget)
        widget.resize(1280, 800)
        with qtbot.waitExposed(widget):
            widget.show()
        widget.activateWindow()
        widget.focus_primary()
        return widget

    return open_as


def test_receiving_by_scanner_books_against_the_expected_delivery(
    qtbot, db, screen, shown_messages
):
    desk = screen("wes")
    scan(qtbot, desk, "4006381333931", "4006381333931", "12", "R-01")
    assert desk.scan.tone is GOOD
    assert "12 × PEN-1" in desk.scan.feedback.text() and "PO-77" in desk.scan.feedback.text()
    assert on_hand(db, "R-01") == 12
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(IncomingStock.quantity)) == 18
    assert desk.scan.edit.hasFocus() and desk.scan.edit.text() == ""
    assert "Scan the product" in desk.scan.instruction.text()
    assert shown_messages == []


def test_a_wrong_code_is_said_inline_in_red_and_the_scan_goes_on(qtbot, db, screen, shown_messages):
    desk = screen("wes")
    scan(qtbot, desk, "PEN-1", "NOT-A-THING")
    assert desk.scan.tone is BAD and "NOT-A-THING" in desk.scan.feedback.text()
    assert desk.scan.feedback.text().startswith("✕")
    scan(qtbot, desk, "M-01")
    assert desk.scan.tone is BAD and "MAN1" in desk.scan.feedback.text()
    scan(qtbot, desk, "R-01")
    assert desk.scan.tone is GOOD and on_hand(db, "R-01") == 1
    assert shown_messages == []


def test_esc_starts_the_dialogue_over(qtbot, screen):
    desk = screen("wes")
    scan(qtbot, desk, "PEN-1")
    qtbot.keyClick(desk.scan.edit, Qt.Key.Key_Escape)
    assert desk.step.state.product is None
    assert "Scan the product" in desk.scan.instruction.text()


def test_putaway_by_scans_moves_units_to_storage(qtbot, db, screen):
    desk = screen("wes")
    scan(qtbot, desk, "PEN-1", "10", "R-01")
    qtbot.keyClick(desk, Qt.Key.Key_F3)
    scan(qtbot, desk, "R-01", "PEN-1", "7", "A-01")
    assert desk.scan.tone is GOOD, desk.scan.feedback.text()
    assert (on_hand(db, "R-01"), on_hand(db, "A-01")) == (3, 7)


def test_moving_more_than_the_bin_holds_is_refused_and_another_bin_can_finish(qtbot, db, screen):
    desk = screen("wes")
    scan(qtbot, desk, "PEN-1", "2", "R-01")
    desk.set_verb(desk_verb("move"))
    scan(qtbot, desk, "R-01", "PEN-1", "5", "A-01")
    assert desk.scan.tone is BAD and "2 free" in desk.scan.feedback.text()
    assert on_hand(db, "R-01") == 2


def desk_verb(key: str):
    from app.stock.model import VERBS

    return VERBS[key]


def test_a_count_shows_the_difference_then_books_it_on_enter(qtbot, db, screen):
    desk = screen("sue")
    scan(qtbot, desk, "PEN-1", "10", "A-01")
    qtbot.keyClick(desk, Qt.Key.Key_F4)
    scan(qtbot, desk, "A-01", "PEN-1", "8")
    assert desk.scan.tone is WARN and "-2" in desk.scan.feedback.text()
    assert on_hand(db, "A-01") == 10
    scan(qtbot, desk, "")
    assert desk.scan.tone is GOOD and on_hand(db, "A-01") == 8


def test_warehouse_staff_cannot_start_a_count(qtbot, screen):
    desk = screen("wes")
    assert not desk.verb_buttons["count"].isEnabled()
    qtbot.keyClick(desk, Qt.Key.Key_F4)
    assert desk.step.state.verb == "receive"


def test_the_low_stock_list_exports_as_csv(qtbot, db, screen, people, tmp_path):
    with db.unit_of_work() as uow:
        set_reorder_rule(uow, people["sue"], product="PEN-1", warehouse="BER1", min_quantity=5)
    desk = screen("sue")
    desk.tabs.setCurrentIndex(1)
    assert desk.low.table.rowCount() == 1
    path = tmp_path / "low.csv"
    desk.export_low_csv(str(path))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("BER1,PEN-1,钢笔 Fountain pen,0,0,0,5,30,")


def test_the_stock_list_finds_a_product_by_barcode_and_shows_its_bins(qtbot, db, screen):
    desk = screen("wes")
    scan(qtbot, desk, "PEN-1", "4", "R-01")
    qtbot.keyClicks(desk.search_edit, "4006381333931")
    qtbot.waitUntil(lambda: desk.model.total == 1 and desk.search_edit.text() != "", timeout=2000)
    desk.table.selectRow(0)
    assert desk.detail_pane.quant_table.rowCount() == 1
    assert desk.detail_pane.quant_table.item(0, 0).text() == "R-01"
    assert "PO-77" in desk.detail_pane.incoming.text()


def test_a_supervisor_sets_up_a_pick_face_and_its_replenishment_is_suggested(qtbot, db, screen):
    desk = screen("sue")
    desk.tabs.setCurrentWidget(desk.setup)
    desk.setup.bin_code_edit.setText("pf-01")
    desk.setup.bin_walk.setValue(3)
    desk.setup.bin_kind.setCurrentIndex(desk.setup.bin_kind.findData("pick_face"))
    desk.setup.save_one_bin()
    assert "PF-01" in desk.setup.setup_message.text()
    codes = [
        desk.setup.bins_table.item(r, 1).text() for r in range(desk.setup.bins_table.rowCount())
    ]
    assert codes == ["R-01", "A-01", "PF-01"]
    desk.setup.face_product.setText("PEN-1")
    desk.setup.face_min.setValue(5)
    desk.setup.face_max.setValue(20)
    desk.setup.save_pick_face()
    assert desk.setup.setup_message.text().startswith("✓")
    scan(qtbot, desk, "PEN-1", "30", "A-01")
    desk.tabs.setCurrentIndex(3)
    assert desk.replenish.table.rowCount() == 1
    assert [desk.replenish.table.item(0, c).text() for c in (2, 3, 4)] == ["A-01", "PF-01", "20"]


def test_a_walk_position_taken_by_another_bin_is_refused_in_words(qtbot, db, screen):
    desk = screen("sue")
    desk.tabs.setCurrentWidget(desk.setup)
    desk.setup.bin_code_edit.setText("A-02")
    desk.setup.bin_walk.setValue(2)
    desk.setup.save_one_bin()
    assert (
        desk.setup.setup_message.text().startswith("✕")
        and "A-01" in desk.setup.setup_message.text()
    )


def test_enter_in_the_search_hands_the_keyboard_back_to_the_scan_field(qtbot, db, screen):
    desk = screen("wes")
    scan(qtbot, desk, "PEN-1", "R-01")
    desk.search_edit.setFocus()
    qtbot.keyClicks(desk.search_edit, "pen")
    qtbot.keyClick(desk.search_edit, Qt.Key.Key_Return)
    assert desk.scan.edit.hasFocus()
    assert desk.detail_pane.quant_table.rowCount() == 1


def test_the_receiver_sees_which_delivery_a_scanned_product_is_booked_against(qtbot, screen):
    desk = screen("wes")
    scan(qtbot, desk, "PEN-1")
    assert "expected PO-77: 30 due" in desk.scan.feedback.text()
    desk.free_check.setChecked(True)
    qtbot.keyClick(desk.scan.edit, Qt.Key.Key_Escape)
    scan(qtbot, desk, "PEN-1")
    assert "free receiving" in desk.scan.feedback.text()


def test_bin_and_product_labels_print_as_pdfs_whose_barcodes_read_back(qtbot, screen, monkeypatch):
    from tests.app.labels.decoding import decoded_per_page, texts_per_page
    from ui.screens import stock_setup

    printed = []

    def fake_print(pdf, **kwargs):
        printed.append(pdf)
        return True

    monkeypatch.setattr(stock_setup, "print_pdf", fake_print)
    desk = screen("sue")
    desk.tabs.setCurrentWidget(desk.setup)
    desk.setup.setup_product.setText("PEN-1")
    desk.setup.print_product_label()
    desk.setup.bins_table.clearSelection()
    desk.setup.print_bin_labels()
    assert "2 labels sent to the printer" in desk.setup.setup_message.text()
    product, bins = decoded_per_page(printed[0]), decoded_per_page(printed[1])
    assert [text for page in product for _format, text in page] == ["4006381333931"]
    assert "钢笔 Fountain pen" in texts_per_page(printed[0])[0]
    assert bins == [[("Code128", "R-01")], [("Code128", "A-01")]]  # walk order
    desk.setup.bins_table.selectRow(1)
    desk.setup.print_bin_labels()
    assert decoded_per_page(printed[2]) == [[("Code128", "A-01")]]
