"""Finance's refund desk: the list with each order's balance, approve, reject with a reason,
record the payment reference; the verbs as the declaration in app/refunds allows them."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.i18n import set_language
from app.refunds.service import decide, refund_number, request_refund
from tests import factories as f
from ui.screens.refunds import RefundsScreen


@pytest.fixture
def refunds(db, people):
    """Order of 100.00 EUR paid by card; ada asked for 30.00 and 20.00 back."""
    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status="delivered", lines=[(f.product(s), 1)])
        order.total_cents, order.currency = 10_000, "EUR"
        f.card_payment(s, order, 10_000)
        uow.commit()
        order_id = order.id
    first = request_refund(db, people["ada"], order_id, 3_000, "Arrived damaged")
    second = request_refund(db, people["ada"], order_id, 2_000, "Late delivery")
    return order_id, first, second


@pytest.fixture
def open_screen(qtbot, make_context):
    def make(actor) -> RefundsScreen:
        widget = RefundsScreen(make_context(actor))
        qtbot.addWidget(widget)
        widget.resize(1280, 800)
        widget.show()
        return widget

    return make


def _press(qtbot, screen: RefundsScreen, verb: str) -> None:
    button = screen.verbs.buttons[verb]
    assert button.isVisible() and button.isEnabled(), verb
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def test_the_list_shows_each_refund_with_what_is_left_of_its_order(open_screen, people, refunds):
    screen = open_screen(people["fay"])
    assert screen.table.rowCount() == 2
    assert [screen.table.item(r, 3).text() for r in range(2)] == ["requested", "requested"]
    assert screen.table.item(0, 4).text() == "€50.00"  # 100 paid, 30 + 20 being refunded
    assert "being refunded €50.00" in screen.balance.text()
    assert screen.count_label.text() == "2 refunds"


def test_finance_approves_then_records_the_payment_reference(qtbot, open_screen, people, refunds):
    screen = open_screen(people["fay"])
    screen.select(refund_number(refunds[1]))
    assert not screen.verbs.buttons["pay"].isVisible()  # not before approval
    _press(qtbot, screen, "approve")
    assert screen.current.status == "approved"
    assert "approved" in screen.message.text()
    _press(qtbot, screen, "pay")  # no reference typed: refused by the service, in words
    assert screen.current.status == "approved"
    assert "payment reference" in screen.message.text()
    qtbot.keyClicks(screen.reference, "TRX-778")
    _press(qtbot, screen, "pay")
    assert screen.current.status == "paid"
    assert "Payment reference: TRX-778" in screen.facts.text()
    assert "refunded €30.00" in screen.balance.text()
    assert screen.current.balance.available_cents == 5_000


def test_rejecting_needs_a_reason_and_gives_the_amount_back(qtbot, open_screen, people, refunds):
    screen = open_screen(people["fay"])
    screen.select(refund_number(refunds[2]))
    _press(qtbot, screen, "reject")
    assert screen.current.status == "requested"
    assert "reason" in screen.message.text()
    qtbot.keyClicks(screen.reason, "Already refunded on the card")
    _press(qtbot, screen, "reject")
    assert screen.current.status == "rejected"
    assert screen.current.balance.available_cents == 7_000
    assert not screen.verbs.buttons["approve"].isVisible()


def test_a_person_cannot_approve_their_own_request_and_is_told_why(
    open_screen, people, db, refunds
):
    request_refund(db, people["sue"], refunds[0], 1_000, "Goodwill")
    screen = open_screen(people["sue"])
    screen.select(screen.rows[0].number)
    button = screen.verbs.buttons["approve"]
    assert button.isVisible() and not button.isEnabled()
    assert "another person approves it" in screen.verbs.why_not_label.text()
    assert screen.verbs.buttons["reject"].isEnabled()


def test_the_list_filters_by_status(qtbot, open_screen, people, db, refunds):
    decide(db, people["fay"], refunds[1], "approve")
    screen = open_screen(people["fay"])
    screen.status_filter.setCurrentIndex(screen.status_filter.findData("approved"))
    assert screen.table.rowCount() == 1
    assert screen.table.item(0, 0).text() == refund_number(refunds[1])


def test_the_desk_switches_to_traditional_chinese_and_keeps_the_chosen_refund(
    open_screen, people, refunds
):
    screen = open_screen(people["fay"])
    screen.select(refund_number(refunds[1]))
    set_language("zh_TW")
    assert screen.retranslate()
    assert screen.current.id == refunds[1]
    assert screen.table.horizontalHeaderItem(0).text() == "退款"
    assert screen.verbs.actions["approve"].text() == "核准"
    assert "requested" not in screen.facts.text()
