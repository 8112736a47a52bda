"""The Review desk, driven as a reviewer would: queues, keys, actions, two desks at once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt
from sqlalchemy import select

from app.permissions import Permission
from app.review.service import ContactCorrection
from app.views.review import ReviewQueue
from db.models import ContactTask, Order
from tests.app.review import builders as b
from ui.desks import DESKS, Desk
from ui.main_window import MainWindow
from ui.screens.review import ReviewScreen

REVIEW_DESK = Desk(
    "review",
    QT_TRANSLATE_NOOP("Desks", "Review"),
    "Ctrl+3",
    Permission.REVIEW_ORDERS,
    lambda context: ReviewScreen(context),
)


@pytest.fixture
def floor(db) -> dict[str, int]:
    """Received orders: two good ones, one without a phone, one short, one unpaid, twins."""
    with db.unit_of_work() as uow:
        s = uow.session
        prod = b.product(s, stock=50, name="Glass kettle")
        twin_buyer = b.customer(s, name="Twin Buyer")
        ids = {
            "good": b.order(s, b.customer(s, name="Anna Müller"), [(prod, 1)]).id,
            "good2": b.order(s, b.customer(s, name="王芳", language="zh"), [(prod, 2)]).id,
            "no_phone": b.order(s, b.customer(s, name="Bob Stone", phone=None), [(prod, 1)]).id,
            "short": b.order(s, b.customer(s), [(b.product(s, stock=1), 3)]).id,
            "unpaid": b.order(s, b.customer(s), [(prod, 1)], paid=False).id,
            "twin1": b.order(s, twin_buyer, [(prod, 1)], line1="Hof 1").id,
            "twin2": b.order(s, twin_buyer, [(prod, 1)], line1="Hof 1").id,
        }
        uow.commit()
    return ids


def open_screen(qtbot, make_context, actor) -> ReviewScreen:
    screen = ReviewScreen(make_context(actor))
    qtbot.addWidget(screen)
    screen.resize(1400, 800)
    with qtbot.waitExposed(screen):
        screen.show()
    return screen


@pytest.fixture
def screen(qtbot, make_context, people, floor) -> ReviewScreen:
    return open_screen(qtbot, make_context, people["ada"])


def press(qtbot, screen: ReviewScreen, key, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(screen.table, key, modifiers)


def queue_texts(screen: ReviewScreen) -> list[str]:
    return [screen.queue_list.item(i).text() for i in range(screen.queue_list.count())]


def status(db, order_id: int) -> str:
    with db.unit_of_work() as uow:
        return uow.session.get(Order, order_id).status


def review_everything(qtbot, screen: ReviewScreen) -> None:
    screen.table.setFocus()
    press(qtbot, screen, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)


def test_the_queues_show_their_counts_and_ctrl_r_reviews_what_was_received(qtbot, screen):
    assert queue_texts(screen)[0] == "To review  (7)"
    review_everything(qtbot, screen)
    assert queue_texts(screen) == [
        "To review  (0)",
        "Needs information  (1)",
        "Stock short  (1)",
        "Payment problem  (1)",
        "Exceptions  (2)",
        "On hold  (0)",
    ]
    assert "Reviewed 7: 2 approved" in screen.summary_label.text()
    assert screen.model.total == 0
    assert "Nothing to review" in screen.count_label.text()


def test_alt_keys_switch_queues_and_the_finding_shows_on_its_field(qtbot, screen, floor):
    review_everything(qtbot, screen)
    press(qtbot, screen, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert screen.queue is ReviewQueue.NEEDS_INFO
    assert screen.detail.order.id == floor["no_phone"]
    html = screen.detail_view.toPlainText()
    phone_line = next(line for line in html.splitlines() if line.startswith("Phone"))
    assert "There is no phone number" in phone_line or "no phone number" in html
    assert screen.actions["request_info"].isEnabled()
    assert not screen.actions["release"].isEnabled()


def test_approve_is_refused_while_a_finding_blocks_and_says_why(
    qtbot, screen, floor, db, shown_messages
):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.NEEDS_INFO)
    press(qtbot, screen, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    [(_title, text)] = shown_messages
    assert "cannot be approved" in text and "phone.missing" in text
    assert status(db, floor["no_phone"]) == "needs_info"


def test_request_information_then_correct_the_phone_sends_the_order_on(
    qtbot, screen, floor, db, monkeypatch
):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.NEEDS_INFO)
    press(qtbot, screen, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert "Message (en, draft)" in screen.detail_view.toPlainText()
    monkeypatch.setattr(screen, "ask_contact", lambda ship: ContactCorrection(phone="030 901820"))
    press(qtbot, screen, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert status(db, floor["no_phone"]) == "approved"
    assert screen.model.total == 0
    assert queue_texts(screen)[1] == "Needs information  (0)"
    with db.unit_of_work() as uow:
        task = uow.session.scalars(select(ContactTask)).one()
    assert (task.state, task.answer) == ("done", "corrected")


def test_a_supervisor_overrides_with_a_written_reason(
    qtbot, make_context, people, floor, db, monkeypatch
):
    screen = open_screen(qtbot, make_context, people["sue"])
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.PAYMENT_PROBLEM)
    assert screen.actions["override"].isEnabled()
    monkeypatch.setattr(screen, "ask_text", lambda *args: "paid in cash at the counter")
    press(
        qtbot,
        screen,
        Qt.Key.Key_Return,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    assert status(db, floor["unpaid"]) == "approved"


def test_the_override_is_not_offered_to_customer_service(qtbot, screen):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.PAYMENT_PROBLEM)
    assert not screen.actions["override"].isEnabled()
    assert not screen.actions["ban"].isEnabled()


def test_keep_one_duplicate_cancels_its_twin(qtbot, screen, floor, db):
    review_everything(qtbot, screen)
    press(qtbot, screen, Qt.Key.Key_5, Qt.KeyboardModifier.AltModifier)
    assert screen.detail.order.id == floor["twin1"]
    assert "Same as" in screen.detail_view.toPlainText()
    press(qtbot, screen, Qt.Key.Key_U, Qt.KeyboardModifier.ControlModifier)
    assert (status(db, floor["twin1"]), status(db, floor["twin2"])) == ("approved", "cancelled")
    assert queue_texts(screen)[4] == "Exceptions  (0)"


def test_the_customer_takes_the_stock_short_substitute(qtbot, screen, floor, db, monkeypatch):
    with db.unit_of_work() as uow:
        b.product(uow.session, stock=10, sku="ALT-KETTLE", price=1999)
        uow.commit()
    review_everything(qtbot, screen)
    press(qtbot, screen, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    assert "ALT-KETTLE €19.99 (10 free)" in screen.detail_view.toPlainText()
    monkeypatch.setattr(
        screen,
        "ask_stock_answer",
        lambda detail: {"answer": "substitute", "line_no": 1, "substitute_sku": "ALT-KETTLE"},
    )
    press(qtbot, screen, Qt.Key.Key_W, Qt.KeyboardModifier.ControlModifier)
    assert status(db, floor["short"]) == "approved"


def test_two_desks_on_one_order_the_second_is_told_and_sees_the_fresh_state(
    qtbot, make_context, people, floor, db, shown_messages
):
    first = open_screen(qtbot, make_context, people["sue"])
    review_everything(qtbot, first)
    second = open_screen(qtbot, make_context, people["ada"])
    for desk in (first, second):
        desk.show_queue(ReviewQueue.NEEDS_INFO)
    # Two windows: keys go to the active one, so each desk's button is pressed instead.
    qtbot.mouseClick(first.buttons["request_info"], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(second.buttons["request_info"], Qt.MouseButton.LeftButton)
    [(_title, text)] = shown_messages
    assert "changed at another desk" in text
    assert "Message (en, draft)" in second.detail_view.toPlainText()  # reloaded
    with db.unit_of_work() as uow:
        assert len(uow.session.scalars(select(ContactTask)).all()) == 1


def test_a_long_queue_is_read_page_by_page(qtbot, make_context, people, db):
    with db.unit_of_work() as uow:
        s = uow.session
        prod = b.product(s, stock=10_000)
        for _ in range(400):
            b.order(s, b.customer(s), [(prod, 1)])
        uow.commit()
    screen = open_screen(qtbot, make_context, people["ada"])
    assert screen.model.total == 400
    assert "400 orders in this queue" in screen.count_label.text()
    assert screen.model.cached_row(399) is None  # not read until scrolled to


def test_the_review_desk_is_offered_to_reviewers_only(qtbot, make_context, people):
    def titles(person) -> list[str]:
        window = MainWindow(make_context(people[person]), (*DESKS, REVIEW_DESK))
        qtbot.addWidget(window)
        return [action.text() for action in window.desk_bar.actions()]

    assert "Review" in titles("ada")
    assert "Review" not in titles("wes")
