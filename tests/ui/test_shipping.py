"""The hand-over desk driven as a scanner would: keyClicks and Enter into the scan field."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.numbers import entity_number
from db.models import Order, Shipment
from tests.app.shipping.builders import split_order
from ui.screens.shipping import ShippingScreen
from ui.style import BAD, GOOD, WARN


@pytest.fixture
def built(db):
    with db.unit_of_work() as uow:
        order = split_order(uow.session, parcels=(2, 1), amazon_id="058-3563777-5518068")
        uow.commit()
    return order


@pytest.fixture
def screen(qtbot, make_context, people, built):
    widget = ShippingScreen(make_context(people["wes"]))
    qtbot.addWidget(widget)
    widget.resize(1280, 800)
    with qtbot.waitExposed(widget):
        widget.show()
    widget.activateWindow()
    widget.focus_primary()
    return widget


def scan(qtbot, screen: ShippingScreen, code: str) -> None:
    qtbot.keyClicks(screen.scan.edit, code)
    qtbot.keyClick(screen.scan.edit, Qt.Key.Key_Return)


def test_scanning_every_label_ships_the_order_by_scans_alone(qtbot, screen, built, db):
    a, b = (entity_number("shipment", sid) for sid in built.shipment_ids)
    scan(qtbot, screen, a)
    assert screen.scan.tone is WARN and "1 more parcel" in screen.scan.feedback.text()
    scan(qtbot, screen, built.tracking[0][1])
    assert screen.scan.tone is GOOD and "partly shipped" in screen.scan.feedback.text().lower()
    scan(qtbot, screen, b)
    assert screen.scan.tone is GOOD and "is shipped" in screen.scan.feedback.text().lower()
    assert screen.table.rowCount() == 3
    assert screen.table.item(0, 1).text() == b
    assert screen.counts.text() == "3 parcels handed over here: UPS 3"
    assert screen.scan.edit.hasFocus()
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, built.order_id).status == "shipped"


def test_a_cancelled_shipment_is_refused_in_red_with_put_back_and_nothing_changes(
    qtbot, screen, built, db
):
    with db.unit_of_work() as uow:
        uow.session.get(Shipment, built.shipment_ids[1]).status = "cancelled"
        uow.commit()
    scan(qtbot, screen, entity_number("shipment", built.shipment_ids[1]))
    assert screen.scan.tone is BAD
    assert screen.scan.feedback.text().startswith("✕ SH-")
    assert "CANCELLED" in screen.scan.feedback.text()
    assert "put the goods back" in screen.scan.feedback.text()
    assert screen.table.rowCount() == 0 and screen.refused_scans == 1
    assert screen.scan.edit.hasFocus()


def test_a_second_scan_of_a_shipped_shipment_says_already_shipped(qtbot, screen, built):
    b = entity_number("shipment", built.shipment_ids[1])
    scan(qtbot, screen, b)
    scan(qtbot, screen, b)
    assert screen.scan.tone is BAD and "already shipped" in screen.scan.feedback.text()
    assert screen.table.rowCount() == 1


def test_an_unknown_code_is_refused_and_the_field_is_ready_for_the_next(qtbot, screen):
    scan(qtbot, screen, "HELLO-123")
    assert screen.scan.tone is BAD and "HELLO-123" in screen.scan.feedback.text()
    assert screen.scan.edit.text() == ""


def test_the_days_manifest_is_saved_for_the_chosen_carrier(qtbot, screen, built, tmp_path):
    scan(qtbot, screen, entity_number("shipment", built.shipment_ids[1]))
    screen.carrier_combo.setCurrentIndex(screen.carrier_combo.findData("ups"))
    written = screen.save_manifest(str(tmp_path / "ups.pdf"))
    assert [p.name for p in written] == ["ups.pdf", "ups.csv"]
    assert built.tracking[1][0] in (tmp_path / "ups.csv").read_text(encoding="utf-8-sig")
    screen.carrier_combo.setCurrentIndex(screen.carrier_combo.findData("fedex"))
    assert screen.save_manifest(str(tmp_path / "fedex.pdf")) == []
    assert screen.scan.tone is WARN


def test_the_desk_reads_in_chinese(qtbot, screen, built):
    from app.i18n import set_language

    set_language("zh_TW")
    screen.retranslate()
    scan(qtbot, screen, entity_number("shipment", built.shipment_ids[1]))
    text = screen.scan.feedback.text()
    assert "已交給" in text and "handed over" not in text
    assert "部分出貨" in text  # the order's status in words, not its code
