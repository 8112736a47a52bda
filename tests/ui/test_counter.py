"""The Shop counter screen, driven as a shop assistant would: scan, find, type, Ctrl+S."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import func, select, text

from app.money import display_money
from app.orders.detail import order_detail
from db.models import Bin, Customer, Order, OrderLine, Payment, Product
from tests import factories
from ui.screens.counter import CounterScreen
from ui.widgets.lines_table import PRICE, QTY, REASON, STOCK
from ui.widgets.order_detail import order_html

LAMP_EAN = "4006381333931"
KETTLE_EAN = "4260123450018"
CARD_NUMBER = "4111111111111111"
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def catalogue(db):
    with db.unit_of_work() as uow:
        s = uow.session
        factories.product(s, "LAMP-1", name="Desk lamp", price_cents=2500, barcode=LAMP_EAN)
        factories.product(
            s, "KETTLE-2", name="Glass kettle 1.7 l", price_cents=3999, barcode=KETTLE_EAN
        )
        factories.product(s, "KETTLE-3", name="Steel kettle", price_cents=2999)
        factories.customer(s, "Anna Müller", email="anna@example.de", phone="+4930123456")
        store = factories.warehouse(s, "BER", bins=1)  # the Berlin shop's own stock
        shelf = s.scalars(select(Bin).where(Bin.warehouse_id == store.id)).one()
        for product in s.scalars(select(Product)).all():
            factories.stock(s, product, store, 5, shelf.id)
        uow.commit()


@pytest.fixture
def screen(qtbot, make_context, people, catalogue, settings):
    settings.shop_store_code = "BER"
    widget = CounterScreen(make_context(people["ada"]))
    qtbot.addWidget(widget)
    widget.resize(1300, 820)
    with qtbot.waitExposed(widget):
        widget.show()
    widget.activateWindow()
    widget.focus_primary()
    return widget


def scan(qtbot, screen, code: str) -> None:
    """A scanner types the code and ends it with Enter, into whatever has the keyboard."""
    qtbot.keyClicks(QApplication.focusWidget() or screen.scan_edit, code)
    qtbot.keyClick(QApplication.focusWidget() or screen.scan_edit, Qt.Key.Key_Return)


def cell(screen, row: int, column: int) -> str:
    return screen.lines_table.item(row, column).text()


def orders_in(db) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Order))


def fill_new_customer(qtbot, screen) -> None:
    screen.new_name.setText("王芳")  # typed through an input method, not key by key
    qtbot.keyClicks(screen.new_phone, "+86 138 0013 8000")
    screen.new_language.setCurrentIndex(screen.new_language.findData("zh"))
    for key, value in (
        ("line1", "Unter den Linden 5"),
        ("postal_code", "10117"),
        ("city", "Berlin"),
        ("country_code", "DE"),
    ):
        qtbot.keyClicks(screen.address_edits[key], value)


def fill_card(qtbot, screen) -> None:
    screen.brand_combo.setCurrentIndex(screen.brand_combo.findData("visa"))
    qtbot.keyClicks(screen.last4_edit, "4242")
    qtbot.keyClicks(screen.expiry_edit, "03/29")
    qtbot.keyClicks(screen.reference_edit, "TRM-7781-0042")


def test_the_empty_form_is_ready_to_scan_and_says_what_to_do(screen):
    assert screen.scan_edit.hasFocus()
    assert screen.empty_label.isVisible() and "scan a barcode" in screen.empty_label.text()
    assert screen.total_label.text() == "Total —"
    assert screen.store_edit.text() == "BER"


def test_scanning_adds_products_and_counts_a_second_scan_up(qtbot, screen):
    scan(qtbot, screen, LAMP_EAN)
    scan(qtbot, screen, KETTLE_EAN)
    scan(qtbot, screen, LAMP_EAN)
    assert screen.lines_table.rowCount() == 2
    assert [cell(screen, 0, c) for c in range(6)] == [
        "LAMP-1",
        "Desk lamp",
        "2",
        "5",  # what the store has free
        "25.00 EUR",  # unit prices show their currency
        "50.00 EUR",
    ]
    assert screen.total_label.text() == "Total 89.99 EUR"
    assert screen.amount_edit.text() == "89.99"
    assert screen.scan_edit.hasFocus() and screen.scan_edit.text() == ""
    assert "Desk lamp — 2 on the order" in screen.scan_message.text()


def test_an_unknown_code_is_said_inline_in_red_and_the_field_keeps_the_keyboard(
    qtbot, screen, shown_messages
):
    scan(qtbot, screen, "4000000000006")
    assert screen.scan_message.isVisible()
    assert screen.scan_message.text() == "✕ Unknown code “4000000000006”: no product has it."
    assert "#a3231b" in screen.scan_message.styleSheet()
    assert screen.scan_edit.hasFocus() and shown_messages == []
    assert screen.lines_table.rowCount() == 0
    scan(qtbot, screen, LAMP_EAN)  # the next scan replaces the wrong code
    assert screen.lines_table.rowCount() == 1


def test_a_sku_typed_in_finds_the_product_and_several_matches_are_chosen_with_arrows(qtbot, screen):
    scan(qtbot, screen, "lamp-1")
    assert cell(screen, 0, 0) == "LAMP-1"
    scan(qtbot, screen, "kettle")
    assert screen.product_list.isVisible() and screen.product_list.count() == 2
    assert screen.scan_edit.hasFocus()
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_Down)
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_Return)
    assert [cell(screen, r, 0) for r in range(2)] == ["LAMP-1", "KETTLE-3"]
    assert not screen.product_list.isVisible()


def test_quantity_is_edited_in_the_table_and_del_removes_a_line(qtbot, screen):
    scan(qtbot, screen, LAMP_EAN)
    scan(qtbot, screen, KETTLE_EAN)
    screen.lines_table.setFocus()
    screen.lines_table.setCurrentCell(0, QTY)
    screen.lines_table.item(0, QTY).setText("3")
    qtbot.wait(10)
    assert screen.total_label.text() == "Total 114.99 EUR"
    screen.lines_table.setCurrentCell(1, QTY)
    qtbot.keyClick(screen.lines_table, Qt.Key.Key_Delete)
    assert screen.lines_table.rowCount() == 1
    assert screen.total_label.text() == "Total 75.00 EUR"


def test_a_customer_is_found_as_you_type_and_chosen_with_enter(qtbot, screen):
    screen.focus_customer_search()
    qtbot.keyClicks(screen.customer_search, "+49 30 12")
    qtbot.waitUntil(lambda: screen.customer_list.isVisible())
    assert screen.customer_list.item(0).text().startswith("Anna Müller")
    qtbot.keyClick(screen.customer_search, Qt.Key.Key_Return)
    assert screen.customer is not None and screen.customer.name == "Anna Müller"
    assert "Anna Müller" in screen.customer_label.text()
    assert not screen.new_name.isEnabled() and not screen.picker.new_box.isVisible()
    assert screen.scan_edit.hasFocus()  # back to scanning


def test_save_order_with_ctrl_s_shows_the_numbers_and_clears_for_the_next_customer(
    qtbot, screen, db
):
    scan(qtbot, screen, LAMP_EAN)
    scan(qtbot, screen, KETTLE_EAN)
    fill_new_customer(qtbot, screen)
    fill_card(qtbot, screen)
    screen.scan_edit.setFocus()
    qtbot.keyClick(screen.scan_edit, Qt.Key.Key_S, CTRL)
    placed = screen.last_placed
    assert placed is not None and placed.channel_order_id == "SHOP-BER-000001"
    assert screen.result_label.isVisible()
    assert placed.number in screen.result_label.text()
    assert "SHOP-BER-000001" in screen.result_label.text()
    assert "64.99 EUR" in screen.result_label.text()
    assert screen.lines_table.rowCount() == 0 and screen.new_name.text() == ""
    assert screen.address_edits["line1"].text() == "" and screen.last4_edit.text() == ""
    assert screen.store_edit.text() == "BER" and screen.scan_edit.hasFocus()
    with db.unit_of_work() as uow:
        s = uow.session
        order = s.get(Order, placed.order_id)
        assert (order.channel, order.status, order.total_cents) == ("shop", "received", 6499)
        assert s.scalar(select(func.count()).select_from(OrderLine)) == 2
        assert s.get(Customer, order.customer_id).name == "王芳"
        payment = s.scalars(select(Payment)).one()
        assert (payment.card_last4, payment.card_exp_year) == ("4242", 2029)


def test_errors_from_the_service_are_shown_next_to_their_field(qtbot, screen, db):
    scan(qtbot, screen, LAMP_EAN)
    fill_new_customer(qtbot, screen)
    fill_card(qtbot, screen)
    screen.last4_edit.setText("42")
    screen.save_order()
    error = screen.findChild(type(screen.result_label), "error_payment.card_last4")
    assert error.isVisible() and "last four digits" in error.text()
    assert screen.last4_edit.hasFocus()
    assert orders_in(db) == 0 and screen.lines_table.rowCount() == 1  # nothing lost
    screen.last4_edit.setText("4242")
    screen.address_edits["city"].clear()
    screen.save_order()
    assert not error.isVisible()
    assert screen.findChild(type(error), "error_address.city").isVisible()
    screen.collected_check.setChecked(True)  # the customer takes it with them
    screen.save_order()
    assert orders_in(db) == 1


def test_a_price_off_the_list_asks_for_a_reason_on_its_line(qtbot, screen, db):
    scan(qtbot, screen, LAMP_EAN)
    fill_new_customer(qtbot, screen)
    screen.method_combo.setCurrentIndex(screen.method_combo.findData("cash"))
    screen.lines_table.item(0, PRICE).setText("20.00")
    qtbot.wait(10)
    assert screen.total_label.text() == "Total 20.00 EUR"
    screen.save_order()
    lines_error = screen.findChild(type(screen.result_label), "error_lines")
    assert lines_error.isVisible() and "Line 1" in lines_error.text()
    assert screen.lines_table.currentColumn() == REASON
    screen.lines_table.item(0, REASON).setText("display model")
    qtbot.wait(10)
    screen.save_order()
    assert orders_in(db) == 1


def test_a_card_number_typed_into_a_field_is_cleared_at_once_and_never_saved(
    qtbot, screen, db, caplog, shown_messages
):
    caplog.set_level(logging.DEBUG)
    qtbot.keyClicks(screen.reference_edit, CARD_NUMBER)
    assert screen.reference_edit.text() == ""
    error = screen.findChild(type(screen.result_label), "error_payment.processor_reference")
    assert (
        error.isVisible() and "full card number" in error.text() and CARD_NUMBER not in error.text()
    )
    screen.focus_scan()
    scan(qtbot, screen, CARD_NUMBER)  # swiped into the scan field
    assert screen.scan_edit.text() == ""
    assert "card number" in screen.scan_message.text()
    assert CARD_NUMBER not in screen.scan_message.text()
    assert shown_messages == []
    screen.amount_edit.setText(CARD_NUMBER)  # pasted, not typed: the save refuses it
    screen.save_order()
    assert screen.amount_edit.text() == ""
    with db.unit_of_work() as uow:
        dump = "\n".join(
            str(row)
            for table in ("customers", "orders", "payments", "audit_events")
            for row in uow.session.execute(text(f"SELECT * FROM {table}"))
        )
    assert CARD_NUMBER not in dump and CARD_NUMBER not in caplog.text
    assert orders_in(db) == 0


def test_cash_needs_no_card_details(qtbot, screen):
    screen.method_combo.setCurrentIndex(screen.method_combo.findData("cash"))
    assert not screen.last4_edit.isEnabled() and not screen.card_note.isVisible()


def error_of(screen, field: str):
    return screen.findChild(type(screen.result_label), f"error_{field}")


def test_saving_an_incomplete_order_shows_every_error_at_once_and_focuses_the_first(
    qtbot, screen, db
):
    scan(qtbot, screen, LAMP_EAN)
    screen.new_name.setText("Ana")  # no phone or e-mail, no address, no card details
    screen.save_order()
    shown = [
        field
        for field in (
            "customer.phone",
            "address.line1",
            "address.city",
            "address.country_code",
            "payment.card_brand",
            "payment.card_last4",
            "payment.card_expiry",
            "payment.processor_reference",
        )
        if error_of(screen, field).isVisible()
    ]
    assert len(shown) == 8
    assert screen.new_phone.hasFocus()
    assert orders_in(db) == 0 and screen.lines_table.rowCount() == 1


def test_cash_below_the_total_is_refused_unless_recorded_as_a_part_payment(qtbot, screen, db):
    scan(qtbot, screen, LAMP_EAN)
    fill_new_customer(qtbot, screen)
    screen.method_combo.setCurrentIndex(screen.method_combo.findData("cash"))
    screen.amount_edit.clear()
    qtbot.keyClicks(screen.amount_edit, "10.00")
    assert "15.00 EUR less than the total" in screen.change_label.text()
    screen.save_order()
    assert error_of(screen, "payment.amount").isVisible()
    assert orders_in(db) == 0
    screen.part_check.setChecked(True)
    assert "15.00 EUR stays owed" in screen.change_label.text()
    screen.save_order()
    assert orders_in(db) == 1
    assert "15.00 EUR is owed" in screen.result_label.text()
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(Payment)).one().amount_cents == 1000
        detail = order_detail(uow.session, screen._context.actor, screen.last_placed.order_id)
    owed = f"{display_money(1500, 'EUR')} still owed"
    assert owed in order_html(detail)  # the Orders desk shows it too


def test_cash_over_the_total_shows_the_change_due_and_records_the_total(qtbot, screen, db):
    scan(qtbot, screen, LAMP_EAN)
    fill_new_customer(qtbot, screen)
    screen.method_combo.setCurrentIndex(screen.method_combo.findData("cash"))
    screen.amount_edit.clear()
    qtbot.keyClicks(screen.amount_edit, "30")
    assert screen.change_label.text() == "✓ Change due: 5.00 EUR"
    screen.save_order()
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(Payment)).one().amount_cents == 2500


def test_a_quantity_over_the_limit_is_refused_as_it_is_typed(qtbot, screen):
    scan(qtbot, screen, LAMP_EAN)
    screen.lines_table.item(0, QTY).setText("100000")
    qtbot.wait(10)
    assert error_of(screen, "lines").isVisible()
    assert "Line 1: quantity 100000" in error_of(screen, "lines").text()
    assert screen.total_label.text() == "Total 25.00 EUR"


def test_a_visible_button_removes_the_selected_line(qtbot, screen):
    scan(qtbot, screen, LAMP_EAN)
    scan(qtbot, screen, KETTLE_EAN)
    screen.lines_table.setCurrentCell(0, 0)
    qtbot.mouseClick(screen.remove_button, Qt.MouseButton.LeftButton)
    assert screen.lines_table.rowCount() == 1 and cell(screen, 0, 0) == "KETTLE-2"
    assert screen.count_label.text() == "1 line, 1 item"


def test_the_store_code_is_asked_once_remembered_and_shown_in_the_title(
    qtbot, make_context, people, catalogue, settings, store
):
    settings.shop_store_code = ""
    first = CounterScreen(make_context(people["ada"]))
    qtbot.addWidget(first)
    first.show()
    assert first.store_edit.isVisible() and "which store" in first.title_label.text()
    qtbot.keyClicks(first.store_edit, "muc")
    qtbot.keyClick(first.store_edit, Qt.Key.Key_Return)
    assert first.title_label.text() == "Shop counter — store MUC"
    assert not first.store_edit.isVisible()
    assert store.load().shop_store_code == "MUC"
    again = CounterScreen(make_context(people["ada"]))
    qtbot.addWidget(again)
    again.show()
    assert again.title_label.text() == "Shop counter — store MUC"
    assert not again.store_edit.isVisible()


def test_a_busy_database_is_retried_then_said_in_the_status_line_and_nothing_is_lost(
    qtbot, screen, db, monkeypatch
):
    import sqlite3

    from sqlalchemy import exc as sa_exc

    from app.counter import service as counter

    tries = []

    def busy(*args, **kwargs):
        tries.append(1)
        raise sa_exc.OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))

    monkeypatch.setattr(counter, "_place", busy)
    monkeypatch.setattr(counter, "BUSY_PAUSE_S", 0)
    scan(qtbot, screen, LAMP_EAN)
    fill_new_customer(qtbot, screen)
    fill_card(qtbot, screen)
    screen.save_order()
    assert len(tries) == counter.SAVE_ATTEMPTS
    assert screen.problem_label.isVisible() and "busy" in screen.problem_label.text()
    assert not error_of(screen, "store_code").isVisible()
    assert screen.lines_table.rowCount() == 1 and screen.new_name.text() == "王芳"
    assert screen.last4_edit.text() == "4242"


def test_what_cannot_be_read_and_what_the_catalogue_knows_are_shown_with_the_rest_at_once(
    qtbot, screen, db
):
    """An unreadable expiry, a price without its reason and a missing name: one Save
    shows all of them (the expiry is not a separate press), the first field focused."""
    scan(qtbot, screen, LAMP_EAN)
    screen.lines_table.item(0, PRICE).setText("20.00")
    qtbot.wait(10)
    screen.brand_combo.setCurrentIndex(screen.brand_combo.findData("visa"))
    qtbot.keyClicks(screen.last4_edit, "4242")
    qtbot.keyClicks(screen.expiry_edit, "soon")
    qtbot.keyClicks(screen.reference_edit, "TRM-1")
    screen.collected_check.setChecked(True)
    screen.new_phone.setText("+4917012345")
    screen.save_order()
    assert error_of(screen, "customer.name").isVisible()
    assert "Line 1" in error_of(screen, "lines").text()
    assert error_of(screen, "payment.card_expiry").isVisible()
    assert "03/28" in error_of(screen, "payment.card_expiry").text()
    assert screen.new_name.hasFocus()
    assert orders_in(db) == 0 and screen.lines_table.rowCount() == 1


def test_each_line_shows_what_the_store_has_free_and_more_is_flagged_before_save(qtbot, screen, db):
    scan(qtbot, screen, LAMP_EAN)
    assert cell(screen, 0, STOCK) == "5"
    screen.lines_table.item(0, QTY).setText("6")
    qtbot.wait(10)
    assert cell(screen, 0, STOCK) == "✕ 5"
    fill_new_customer(qtbot, screen)
    screen.collected_check.setChecked(True)
    screen.method_combo.setCurrentIndex(screen.method_combo.findData("cash"))
    screen.save_order()
    assert "at most 5 of LAMP-1" in error_of(screen, "lines").text()
    assert orders_in(db) == 0


def test_the_store_is_asked_in_a_field_big_enough_to_read_and_a_wrong_code_is_said(
    qtbot, make_context, people, catalogue, settings, store
):
    settings.shop_store_code = ""
    screen = CounterScreen(make_context(people["ada"]))
    qtbot.addWidget(screen)
    screen.resize(1024, 768)
    screen.show()
    assert screen.store_edit.isVisible() and screen.store_edit.width() >= 120
    qtbot.keyClicks(screen.store_edit, "b")
    qtbot.mouseClick(screen.remember_store_button, Qt.MouseButton.LeftButton)
    assert error_of(screen, "store_code").isVisible()
    assert store.load().shop_store_code == ""
    qtbot.keyClicks(screen.store_edit, "er")
    qtbot.mouseClick(screen.remember_store_button, Qt.MouseButton.LeftButton)
    assert screen.title_label.text() == "Shop counter — store BER"
    assert not screen.store_edit.isVisible() and screen.change_store_button.isVisible()


def test_a_card_amount_above_the_total_is_said_as_it_is_typed(qtbot, screen):
    scan(qtbot, screen, LAMP_EAN)
    screen.amount_edit.clear()
    qtbot.keyClicks(screen.amount_edit, "30")
    assert "5.00 EUR more than the total" in screen.change_label.text()


def test_the_counter_desk_is_opened_by_the_right_to_sell_at_the_counter_held_as_before():
    from app.permissions import ROLE_PERMISSIONS, Permission
    from ui.desks import DESKS

    counter_desk = next(desk for desk in DESKS if desk.key == "counter")
    assert counter_desk.permission is Permission.SELL_AT_COUNTER
    sellers = {
        role for role, rights in ROLE_PERMISSIONS.items() if Permission.SELL_AT_COUNTER in rights
    }
    importers = {
        role for role, rights in ROLE_PERMISSIONS.items() if Permission.IMPORT_ORDERS in rights
    }
    assert sellers == importers  # the same people as before the rename
