"""The Stock desk's Routing tab: supervisors add and remove routing rules on screen; a
category's last warehouse is refused with the reason, and nothing changes."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from db.models_picking import RoutingRule
from tests import factories
from ui.screens.stock import StockScreen
from ui.screens.stock_routing import COUNTRY
from ui.style import BAD, GOOD


@pytest.fixture
def desk(qtbot, make_context, people, db):
    with db.unit_of_work() as uow:
        factories.warehouse(uow.session, "BER1", bins=0)
        factories.warehouse(uow.session, "MAN1", bins=0)
        factories.product(uow.session, "PEN-1", category="stationery")
        uow.commit()

    def open_as(username: str) -> StockScreen:
        widget = StockScreen(make_context(people[username]))
        qtbot.addWidget(widget)
        widget.resize(1280, 800)
        widget.show()
        return widget

    return open_as


def _tab(screen: StockScreen, title: str) -> int:
    return next(i for i in range(screen.tabs.count()) if screen.tabs.tabText(i) == title)


def _rules(db) -> list[tuple[str, str]]:
    with db.unit_of_work() as uow:
        return [tuple(r) for r in uow.session.execute(select(RoutingRule.kind, RoutingRule.key))]


def _add(qtbot, panel, kind_index: int, key: str, warehouse: str) -> None:
    panel.kind_combo.setCurrentIndex(kind_index)
    panel.key_combo.setCurrentText("")
    qtbot.keyClicks(panel.key_combo.lineEdit(), key)
    panel.warehouse_combo.setCurrentIndex(panel.warehouse_combo.findData(warehouse))
    qtbot.mouseClick(panel.add_button, Qt.MouseButton.LeftButton)


def _select_rule(panel, key: str, warehouse: str) -> None:
    row = next(i for i, r in enumerate(panel.rules) if r.key == key and r.warehouse == warehouse)
    panel.rules_table.selectRow(row)


def test_a_supervisor_routes_a_category_and_a_country_from_the_stock_desk(qtbot, desk, db):
    screen = desk("sue")
    screen.tabs.setCurrentIndex(_tab(screen, "Routing"))
    panel = screen.routing
    assert [panel.key_combo.itemText(i) for i in range(panel.key_combo.count())] == ["stationery"]
    _add(qtbot, panel, 0, "stationery", "MAN1")
    assert panel.message.text().startswith(GOOD.symbol) and "MAN1" in panel.message.text()
    panel.kind_combo.setCurrentIndex(panel.kind_combo.findData(COUNTRY))
    _add(qtbot, panel, 1, "fr", "BER1")
    assert sorted(_rules(db)) == [("category", "stationery"), ("country", "FR")]
    routes = {
        panel.routes_table.item(r, 0).text(): panel.routes_table.item(r, 1).text()
        for r in range(panel.routes_table.rowCount())
    }
    assert routes == {"stationery": "MAN1"}


def test_removing_a_categorys_last_warehouse_is_refused_with_the_reason(qtbot, desk, db):
    screen = desk("sue")
    screen.tabs.setCurrentIndex(_tab(screen, "Routing"))
    panel = screen.routing
    _add(qtbot, panel, 0, "stationery", "MAN1")
    _add(qtbot, panel, 0, "stationery", "BER1")
    _select_rule(panel, "stationery", "MAN1")
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert "Removed" in panel.message.text()
    _select_rule(panel, "stationery", "BER1")
    qtbot.mouseClick(panel.remove_button, Qt.MouseButton.LeftButton)
    assert panel.message.text().startswith(BAD.symbol)
    assert "no warehouse left" in panel.message.text()
    assert _rules(db) == [("category", "stationery")]


def test_a_bad_country_code_is_named_and_nothing_is_added(qtbot, desk, db):
    screen = desk("sue")
    panel = screen.routing
    _add(qtbot, panel, 1, "Germany", "BER1")
    assert panel.message.text().startswith(BAD.symbol)
    assert "two-letter" in panel.message.text()
    assert _rules(db) == []


def test_only_supervisors_see_the_routing_tab(desk):
    screen = desk("wes")
    titles = [screen.tabs.tabText(i) for i in range(screen.tabs.count())]
    assert "Routing" not in titles
