"""The desk in the person's language: switched from the menu, saved with the user."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from app.auth import saved_language
from app.auth import set_language as save_language
from ui.language import apply_language
from ui.main_window import MainWindow


@pytest.fixture
def open_window(qtbot, make_context):
    def make(actor) -> MainWindow:
        window = MainWindow(make_context(actor))
        qtbot.addWidget(window)
        window.show()
        return window

    yield make
    apply_language("en")


def menu_titles(window: MainWindow) -> list[str]:
    return [a.text() for a in window.menuBar().actions() if a.isVisible()]


def test_switching_to_traditional_chinese_keeps_the_desk_and_what_was_typed(
    qtbot, open_window, people, shop, db
):
    window = open_window(people["sue"])
    orders = window.screen("orders")
    qtbot.keyClicks(orders.search_edit, "CH-00")
    orders.apply_filter()
    orders.select_row(0)
    shown = orders.detail.order_id

    window.language_actions["zh_TW"].trigger()

    assert window.current_desk == "orders"
    assert window.screen("orders") is orders  # the same screen, retranslated in place
    assert orders.search_edit.text() == "CH-00"
    assert orders.detail.order_id == shown
    assert menu_titles(window)[:4] == ["檔案(&F)", "工作台(&D)", "語言(&G)", "訂單"]
    desks = [a.text() for a in window.desk_bar.actions()]
    assert desks == [
        "訂單",
        "匯入",
        "審核",
        "門市櫃台",
        "庫存",
        "揀貨單",
        "包裝",
        "交接",
        "客服案件",
        "退款",
        "黑名單",
    ]
    assert orders.model.headerData(3, Qt.Orientation.Horizontal) == "狀態"
    assert orders.count_label.text().endswith("筆訂單")
    assert "訂單編號" in orders.search_edit.placeholderText()
    assert window.windowTitle() == "訂單 — orderdesk"
    assert saved_language(db.unit_of_work(), people["sue"]) == "zh_TW"


def test_qt_own_buttons_follow_the_desk_language(open_window, people):
    window = open_window(people["ada"])
    window.set_language("zh_CN")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "取消"
    window.set_language("en")
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text() == "Cancel"


def test_a_desk_that_cannot_retranslate_itself_is_opened_again_where_it_was(
    qtbot, open_window, people, shop
):
    window = open_window(people["sue"])
    window.switch_to("review")
    before = window.screen("review")
    window.set_language("zh_TW")
    assert window.current_desk == "review"
    assert window.screen("review") is not before
    assert "審核" in window.statusBar().currentMessage()


def test_a_saved_language_not_offered_is_said_once_and_the_system_language_shown(
    open_window, people, db
):
    with db.unit_of_work() as uow:
        from db.models import User

        user = uow.session.get(User, people["fay"].user_id)
        user.language = "klingon"
        uow.commit()
    window = open_window(people["fay"])
    assert "“klingon”" in window.statusBar().currentMessage()
    assert window.language_actions["en"].isChecked()


def test_only_a_language_the_desk_offers_can_be_saved(db, people):
    from app.errors import InvalidInput

    with pytest.raises(InvalidInput):
        save_language(db.unit_of_work(), people["ada"], "ada", "klingon")
    assert save_language(db.unit_of_work(), people["ada"], "ada", "zh-Hant-TW") == "zh_TW"
    assert save_language(db.unit_of_work(), people["ada"], "ada", "") is None
