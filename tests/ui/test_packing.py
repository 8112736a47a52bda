"""The packing station driven as a scanner would: picked shipments packed and labelled by
scanning alone, every label's barcodes decoding; refusals loud and inline."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.packing.package_table import install_default_packages
from app.packing.printers import StationPrinters
from app.picking import lists as pl
from app.picking.bench import _next_code
from app.picking.service import allocate
from app.review.service import review_orders
from app.workflow import change_status
from db.models import Order, Shipment
from db.models_picking import PickListShipment, Tote
from tests.app.labels.decoding import decoded_per_page
from tests.app.packing.conftest import RecordingPrinter
from tests.app.picking.conftest import SUPERVISOR, floor_warehouse, item, put
from tests.app.review import builders as b
from ui.screens.packing import PackingScreen


@pytest.fixture
def picked(db):
    """Two orders approved, allocated, picked into totes through the picking service."""
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, name="Wasserkocher 烧水壶", sku="KETTLE-1", barcode="4006381333931")
        vase = item(s, name="Glass vase", sku="VASE-2", barcode=None, fragile=True)
        kettle.weight_g, vase.weight_g = 1200, 400
        put(s, kettle, wh, 0, 5)
        put(s, vase, wh, 3, 2)
        ids = [
            b.order(s, b.customer(s, name="王小明"), lines).id
            for lines in ([(kettle, 2)], [(kettle, 1), (vase, 1)])
        ]
        uow.commit()
    review_orders(db, SUPERVISOR, ids)
    allocate(db, SUPERVISOR)
    install_default_packages(db, SUPERVISOR)
    for list_id in pl.create_pick_lists_everywhere(db.unit_of_work(), SUPERVISOR):
        pl.claim_list(db, SUPERVISOR, list_id)
        while (code := _next_code(db, list_id)) is not None:
            pl.scan(db, SUPERVISOR, list_id, code)
        pl.finish_list(db, SUPERVISOR, list_id)
    with db.unit_of_work() as uow:
        s = uow.session
        totes = dict(
            s.execute(
                select(PickListShipment.shipment_id, Tote.code).join(
                    Tote, Tote.id == PickListShipment.tote_id
                )
            ).all()
        )
        assert set(s.scalars(select(Shipment.status))) == {"picked"}
    return ids, totes


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


def test_picked_shipments_are_packed_and_labelled_by_scanning_alone(qtbot, screen, db, picked):
    _ids, totes = picked
    assert screen.waiting.rowCount() == 2
    for shipment_id, tote in sorted(totes.items()):
        scan(qtbot, screen, tote)
        assert screen.state.shipment_id == shipment_id
        assert "Scan the items" in screen.instruction.text()
        for line in screen.state.items:
            for _unit in range(line.wanted):
                scan(qtbot, screen, line.barcode or line.sku)
        assert screen.state.verified
        assert "Weigh parcel 1" in screen.instruction.text()
        scan(qtbot, screen, "2.9 kg")
        assert "PRINT" in screen.instruction.text()
        scan(qtbot, screen, "PRINT")
        assert screen.state.status == "packed", screen.message.text()
        assert "Packed" in screen.instruction.text()
    assert QApplication.focusWidget() is screen.scan_edit
    assert screen.waiting.rowCount() == 0
    with db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(Shipment.status))) == {"packed"}
    sent = screen.printers.label.sent
    labels = [(title, pdf) for title, pdf in sent if not title.endswith("slip")]
    assert len(labels) == 2 and len(sent) == 4  # a label and a slip each
    for title, pdf in sent:
        shipment_number = title.rsplit("-", 1)[0]
        decoded = [text for page in decoded_per_page(pdf) for _format, text in page]
        assert shipment_number in decoded, title


def test_a_wrong_item_turns_the_message_red_with_words(qtbot, screen, picked):
    _ids, totes = picked
    scan(qtbot, screen, next(iter(totes.values())))
    scan(qtbot, screen, "9999999999999")
    assert screen.message.text().startswith("✕") and "WRONG ITEM" in screen.message.text()
    assert "a3231b" in screen.message.styleSheet()
    assert screen.refused_scans == 1
    assert QApplication.focusWidget() is screen.scan_edit
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_Escape)  # Esc backs out of the shipment
    assert screen.state is None and "Scan a shipment" in screen.instruction.text()


def test_printing_before_every_item_is_scanned_is_refused_at_the_station(qtbot, screen, picked):
    _ids, totes = picked
    scan(qtbot, screen, next(iter(totes.values())))
    scan(qtbot, screen, "4006381333931")
    assert not screen.verb_buttons["print"].isEnabled()
    scan(qtbot, screen, "PRINT")
    assert "items scanned" in screen.message.text() and screen.message.text().startswith("✕")
    assert screen.printers.label.sent == []


def test_a_cancelled_orders_shipment_says_put_back_loudly(qtbot, screen, db, picked):
    ids, totes = picked
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, ids[0])
        change_status(uow.session, SUPERVISOR, order, "cancelled", reason="customer asked")
        uow.commit()
        shipment_id = uow.session.scalar(select(Shipment.id).where(Shipment.order_id == ids[0]))
    scan(qtbot, screen, totes[shipment_id])
    assert "CANCELLED — put back" in screen.instruction.text()
    assert "a3231b" in screen.instruction.styleSheet()
    assert screen.items.item(0, 3).text().startswith("put back")
    scan(qtbot, screen, "4006381333931")
    assert "CANCELLED" in screen.message.text() and screen.printers.label.sent == []


def test_put_back_returns_a_cancelled_shipments_items_to_stock_and_says_where(
    qtbot, screen, db, picked
):
    from app.picking.check import check_stock

    ids, totes = picked
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, ids[0])
        change_status(uow.session, SUPERVISOR, order, "cancelled", reason="customer asked")
        uow.commit()
        shipment_id = uow.session.scalar(select(Shipment.id).where(Shipment.order_id == ids[0]))
    scan(qtbot, screen, totes[shipment_id])
    assert "2 items: scan a bin, or F8 for BER-00" in screen.instruction.text()
    assert screen.verb_buttons["put_back"].isEnabled()
    screen.verb_buttons["put_back"].click()
    assert "2 items put back to stock: 2 × KETTLE-1 → BER-00" in screen.message.text()
    assert "back in stock" in screen.instruction.text()
    assert screen.items.item(0, 3).text() == "back in stock"
    assert not screen.verb_buttons["put_back"].isEnabled()
    with db.unit_of_work() as uow:
        assert check_stock(uow.session) == []


def test_scanning_a_bin_puts_a_cancelled_shipments_items_back_into_that_bin(
    qtbot, screen, db, picked
):
    from app.picking.check import check_stock

    ids, totes = picked
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, ids[0])
        change_status(uow.session, SUPERVISOR, order, "cancelled", reason="customer asked")
        uow.commit()
        shipment_id = uow.session.scalar(select(Shipment.id).where(Shipment.order_id == ids[0]))
    scan(qtbot, screen, totes[shipment_id])
    scan(qtbot, screen, "ber-03")  # as a scanner with caps lock off types it
    assert "2 items put back to stock: 2 × KETTLE-1 → BER-03" in screen.message.text()
    assert screen.refused_scans == 0
    with db.unit_of_work() as uow:
        assert check_stock(uow.session) == []


def _pack_first(qtbot, screen, totes) -> None:
    scan(qtbot, screen, totes[min(totes)])
    for line in screen.state.items:
        for _unit in range(line.wanted):
            scan(qtbot, screen, line.barcode or line.sku)
    scan(qtbot, screen, "2.9 kg")
    scan(qtbot, screen, "PRINT")
    assert screen.state.status == "packed", screen.message.text()


def test_the_label_history_shows_each_print_and_a_reprint_asks_why(qtbot, screen, picked):
    _ids, totes = picked
    _pack_first(qtbot, screen, totes)
    assert screen.history.rowCount() == 1
    assert screen.history.item(0, 2).text() == "printed"
    assert screen.history.item(0, 3).text() == "wes"
    assert screen.history.item(0, 4).text() == "test-printer"
    sent = len(screen.printers.label.sent)
    screen.reprint(reason="label torn")
    assert "label reprinted" in screen.message.text()
    assert len(screen.printers.label.sent) == sent + 1
    assert screen.history.rowCount() == 2  # newest first
    assert screen.history.item(0, 2).text() == "↻ REPRINT"
    assert screen.history.item(0, 5).text() == "label torn"


def test_a_reprint_without_a_reason_is_refused_in_red_and_prints_nothing(qtbot, screen, picked):
    _ids, totes = picked
    _pack_first(qtbot, screen, totes)
    sent = len(screen.printers.label.sent)
    screen.reprint(reason="")
    assert screen.message.text().startswith("✕") and "needs a reason" in screen.message.text()
    assert len(screen.printers.label.sent) == sent and screen.history.rowCount() == 1


def test_the_reprint_key_asks_for_the_reason_in_a_dialog(qtbot, screen, picked, monkeypatch):
    from PySide6.QtWidgets import QInputDialog

    _ids, totes = picked
    _pack_first(qtbot, screen, totes)
    asked = []
    monkeypatch.setattr(
        QInputDialog, "getText", lambda *a, **k: asked.append(a[2]) or ("smudged", True)
    )
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_F9)
    assert asked and "parcel 1" in asked[0]
    assert screen.history.item(0, 5).text() == "smudged"


# --------------------------------------------------------------------------- station mode


@pytest.fixture
def station_window(qtbot, db, store, settings, picked, people, admin):
    from ui.station import StationWindow

    window = StationWindow(db, settings, store)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    with qtbot.waitExposed(window):
        window.show()
    window.activateWindow()
    window.badge_edit.setFocus()
    return window


def test_a_badge_scan_opens_the_station_and_idle_time_logs_out(
    qtbot, station_window, db, admin, people, picked
):
    from app.packing.station import issue_badge

    _ids, totes = picked
    badge = issue_badge(db, admin, "wes")
    qtbot.keyClicks(station_window.badge_edit, "SH-000001")
    qtbot.keyClick(station_window.badge_edit, Qt.Key.Key_Return)
    assert station_window.packing is None and "not a staff badge" in (
        station_window.badge_message.text()
    )
    qtbot.keyClicks(station_window.badge_edit, badge.code)
    qtbot.keyClick(station_window.badge_edit, Qt.Key.Key_Return)
    screen = station_window.packing
    assert station_window.actor.username == "wes" and screen is not None
    assert station_window.idle.interval() == 5 * 60_000 and station_window.idle.isActive()
    screen.printers = StationPrinters(RecordingPrinter())
    scan(qtbot, screen, next(iter(totes.values())))
    assert screen.state is not None
    station_window.idle.timeout.emit()  # five quiet minutes
    assert station_window.packing is None and station_window.actor is None
    assert station_window.stack.currentIndex() == 0


def test_the_station_switches_language_live_and_keeps_the_parcel_being_packed(
    qtbot, station_window, db, admin, picked
):
    from app.auth import saved_language
    from app.i18n import current_language
    from app.packing.station import issue_badge

    _ids, totes = picked
    badge = issue_badge(db, admin, "wes")
    qtbot.keyClicks(station_window.badge_edit, badge.code)
    qtbot.keyClick(station_window.badge_edit, Qt.Key.Key_Return)
    screen = station_window.packing
    screen.printers = StationPrinters(RecordingPrinter())
    scan(qtbot, screen, next(iter(totes.values())))
    packing_before = screen.state
    english = screen.instruction.text()
    qtbot.mouseClick(station_window.language_buttons["zh_TW"], Qt.MouseButton.LeftButton)
    assert current_language() == "zh_TW"
    assert station_window.packing is screen and screen.state == packing_before  # nothing lost
    assert screen.instruction.text() != english and screen.instruction.text()
    assert station_window.language_buttons["zh_TW"].isChecked()
    assert not station_window.language_buttons["en"].isChecked()
    assert saved_language(db.unit_of_work(), station_window.actor) == "zh_TW"
    station_window.log_out()  # the next packer starts in the station's own language
    assert current_language() == "en"
    assert station_window.prompt.text() == "Packing station — scan your staff badge"
    qtbot.keyClicks(station_window.badge_edit, badge.code)
    qtbot.keyClick(station_window.badge_edit, Qt.Key.Key_Return)
    assert current_language() == "zh_TW"  # wes's badge brings wes's language
    assert station_window.prompt.text() == "包裝站 — 請掃描您的員工識別證"


def test_the_badge_prompt_switches_language_before_anyone_logs_in(qtbot, station_window, store):
    qtbot.mouseClick(station_window.language_buttons["zh_CN"], Qt.MouseButton.LeftButton)
    assert station_window.prompt.text() != "Packing station — scan your staff badge"
    assert store.load().language == "zh_CN"  # the workstation's language from now on
    assert station_window.badge_edit.hasFocus()
