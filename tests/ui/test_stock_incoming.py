"""The Stock desk's Incoming tab: a supervisor enters, imports and cancels expected
deliveries on screen; bad input is named and changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from db.models import IncomingStock
from tests import factories
from ui.screens.stock import StockScreen
from ui.style import BAD, GOOD


@pytest.fixture
def desk(qtbot, make_context, people, db):
    with db.unit_of_work() as uow:
        factories.warehouse(uow.session, "BER1", bins=0)
        factories.product(uow.session, "PEN-1", name="钢笔 Fountain pen")
        uow.commit()

    def open_as(username: str) -> StockScreen:
        widget = StockScreen(make_context(people[username]))
        qtbot.addWidget(widget)
        widget.resize(1280, 800)
        widget.show()
        widget.tabs.setCurrentIndex(
            next(i for i in range(widget.tabs.count()) if widget.tabs.tabText(i) == "Incoming")
        )
        return widget

    return open_as


def _expected(db) -> list[tuple[int, str, str]]:
    with db.unit_of_work() as uow:
        return [
            tuple(r)
            for r in uow.session.execute(
                select(
                    IncomingStock.quantity, IncomingStock.reference, IncomingStock.status
                ).order_by(IncomingStock.id)
            )
        ]


def _click(qtbot, screen, name: str) -> None:
    from PySide6.QtWidgets import QPushButton

    qtbot.mouseClick(screen.findChild(QPushButton, name), Qt.MouseButton.LeftButton)


def test_a_supervisor_enters_an_expected_delivery_and_cancels_it_with_a_reason(qtbot, desk, db):
    screen = desk("sue")
    qtbot.keyClicks(screen.incoming.incoming_product, "PEN-1")
    screen.incoming.incoming_quantity.setValue(40)
    qtbot.keyClicks(screen.incoming.incoming_reference, "PO-9")
    _click(qtbot, screen, "addIncoming")
    assert screen.incoming.incoming_message.text().startswith(GOOD.symbol)
    assert _expected(db) == [(40, "PO-9", "expected")]
    assert screen.incoming.incoming_table.rowCount() == 1

    screen.incoming.incoming_table.selectRow(0)
    _click(qtbot, screen, "cancelIncoming")  # no reason given: refused, nothing changes
    assert screen.incoming.incoming_message.text().startswith(BAD.symbol)
    assert _expected(db) == [(40, "PO-9", "expected")]

    qtbot.keyClicks(screen.incoming.incoming_cancel_reason, "supplier withdrew")
    _click(qtbot, screen, "cancelIncoming")
    assert screen.incoming.incoming_message.text().startswith(GOOD.symbol)
    assert _expected(db) == [(40, "PO-9", "cancelled")]
    assert screen.incoming.incoming_table.rowCount() == 0


def test_an_incoming_csv_is_imported_from_the_desk_and_a_bad_one_names_its_line(
    qtbot, desk, db, tmp_path
):
    screen = desk("sue")
    later = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    good = tmp_path / "incoming.csv"
    good.write_text(f"sku,quantity,expected_date,warehouse,reference\nPEN-1,12,{later},BER1,PO-1\n")
    screen.incoming.import_incoming(str(good))
    assert screen.incoming.incoming_message.text().startswith(GOOD.symbol)
    assert _expected(db) == [(12, "PO-1", "expected")]

    bad = tmp_path / "bad.csv"
    bad.write_text(f"sku,quantity,expected_date\nPEN-1,12,{later}\nNOPE-9,3,{later}\n")
    screen.incoming.import_incoming(str(bad))
    assert screen.incoming.incoming_message.text().startswith(BAD.symbol)
    assert "line 3" in screen.incoming.incoming_message.text()  # the file line of the unknown SKU
    assert "NOPE-9" in screen.incoming.incoming_message.text()
    assert _expected(db) == [(12, "PO-1", "expected")]  # all or nothing


def test_a_warehouse_worker_sees_incoming_stock_but_cannot_enter_or_cancel_it(desk):
    screen = desk("wes")
    assert not screen.incoming.incoming_product.isEnabled()
    assert not screen.incoming.incoming_cancel_reason.isEnabled()
