"""The Review desk, driven as a reviewer would: queues, keys, actions, two desks at once."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt, QUrl
from sqlalchemy import delete, select

from app.review.queries import ReviewQueue
from app.review.service import ContactCorrection, cancel_order
from db.models import ContactTask, Order, ReviewFinding
from tests.app.review import builders as b
from ui.main_window import MainWindow
from ui.screens.review import ReviewScreen


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
    assert "Reviewed 7 orders: 2 approved" in screen.summary_label.text()
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


def test_approve_is_shown_disabled_with_the_blocking_finding_beside_it(
    qtbot, screen, floor, db, shown_messages
):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.NEEDS_INFO)
    assert not screen.actions["approve"].isEnabled()
    assert screen.buttons["approve"].isVisible()
    why = screen.why_not_label.text()
    assert screen.why_not_label.isVisible() and "Approve: blocked:" in why and "phone" in why
    press(qtbot, screen, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert shown_messages == []  # nothing to refuse after the fact
    assert status(db, floor["no_phone"]) == "needs_info"


def test_an_order_not_reviewed_yet_says_so_and_never_no_findings(qtbot, screen, floor):
    screen.show_queue(ReviewQueue.TO_REVIEW)
    rows = {screen.model.row_at(i).id: i for i in range(screen.model.total)}
    screen.select_row(rows[floor["no_phone"]])
    text = screen.detail_view.toPlainText()
    assert "Not reviewed yet — press Ctrl+R or open it to run the rules." in text
    assert "No findings" not in text
    assert "phone" in text.lower()  # what the rules find now, in words
    assert not screen.actions["approve"].isEnabled()
    # Opening it (Enter) runs the rules and records them: it goes to its queue.
    press(qtbot, screen, Qt.Key.Key_Return)
    assert screen.confirm_label.isVisible()


def test_the_orders_status_decides_which_verbs_are_shown(qtbot, screen):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.STOCK_SHORT)
    assert screen.buttons["offer_stock"].isVisible()
    assert not screen.buttons["ask_payment"].isVisible()
    assert not screen.buttons["release"].isVisible()
    screen.show_queue(ReviewQueue.PAYMENT_PROBLEM)
    assert screen.buttons["ask_payment"].isVisible()
    assert not screen.buttons["offer_stock"].isVisible()


def test_a_queued_stock_short_order_lists_in_words_what_put_it_there(qtbot, screen, floor):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.STOCK_SHORT)
    text = screen.detail_view.toPlainText()
    assert "No findings" not in text
    assert "Line 1:" in text


def test_after_a_verb_a_confirmation_stays_and_the_next_order_is_selected(qtbot, screen, floor, db):
    assert screen.detail.order.id == floor["good"]
    # Reviewed (approved at once) orders are gone; put the two good ones in a queue first.
    press(qtbot, screen, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert status(db, floor["good"]) == "approved"
    assert screen.confirm_label.isVisible()
    assert f"SO-{floor['good']:06d}: Approve — done, now Approved." in screen.confirm_label.text()
    assert screen.detail.order.id == floor["good2"]
    assert screen.table.currentIndex().row() == 0


def test_request_information_then_correct_the_phone_sends_the_order_on(
    qtbot, screen, floor, db, monkeypatch
):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.NEEDS_INFO)
    press(qtbot, screen, Qt.Key.Key_I, Qt.KeyboardModifier.ControlModifier)
    assert "Message (en, draft)" in screen.detail_view.toPlainText()
    monkeypatch.setattr(
        screen, "ask_contact", lambda ship, draft=None: ContactCorrection(phone="030 901820")
    )
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
    assert shown_messages == []
    assert "changed at another desk" in second.problem_label.text()
    assert second.detail.order.id == floor["no_phone"]
    assert "Message (en, draft)" in second.detail_view.toPlainText()  # reloaded
    with db.unit_of_work() as uow:
        assert len(uow.session.scalars(select(ContactTask)).all()) == 1


def test_after_changed_elsewhere_the_pane_stays_on_that_order_and_typed_text_is_kept(
    qtbot, make_context, people, floor, db, monkeypatch
):
    first = open_screen(qtbot, make_context, people["sue"])
    review_everything(qtbot, first)
    second = open_screen(qtbot, make_context, people["ada"])
    for desk in (first, second):
        desk.show_queue(ReviewQueue.EXCEPTION)
    twin = floor["twin1"]
    assert second.detail.order.id == twin
    monkeypatch.setattr(first, "ask_text", lambda *args: "customer asked us to cancel")
    qtbot.mouseClick(first.buttons["cancel"], Qt.MouseButton.LeftButton)
    assert status(db, twin) == "cancelled"
    offered = []

    def typed(title, label, text=""):
        offered.append(text)
        return "a long note the person typed"

    monkeypatch.setattr(second, "ask_text", typed)
    qtbot.mouseClick(second.buttons["cancel"], Qt.MouseButton.LeftButton)
    assert "changed at another desk" in second.problem_label.text()
    # The same order, in its new state, and it says it left the queue; no next order.
    assert second.detail.order.id == twin
    assert second.detail.order.status == "cancelled"
    assert "no longer in this queue" in second.detail_view.toPlainText()
    assert not any(a.isEnabled() for a in second.actions.values())
    assert second.drafts[(twin, "cancel")] == "a long note the person typed"
    # Pressing the key again acts on nothing else.
    qtbot.keyClick(second.table, Qt.Key.Key_Delete, Qt.KeyboardModifier.ControlModifier)
    assert status(db, floor["twin2"]) == "on_hold"


def test_the_typed_text_of_a_refused_verb_is_offered_again(qtbot, screen, floor, monkeypatch):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.NEEDS_INFO)
    offered = []

    def typed(title, label, text=""):
        offered.append(text)
        return "short"  # refused: a reason needs ten letters

    monkeypatch.setattr(screen, "ask_text", typed)
    screen.cancel()
    assert "reason" in screen.problem_label.text()
    screen.cancel()
    assert offered == ["", "short"]
    assert screen.detail.order.id == floor["no_phone"]


def test_a_duplicates_twin_is_a_link_that_opens_it(qtbot, screen, floor):
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.EXCEPTION)
    assert screen.detail.order.id == floor["twin1"]
    assert "Possible duplicate — open" in screen.detail_view.toPlainText()  # words, not codes
    html = screen.detail_view.toHtml()
    assert f'href="order:{floor["twin2"]}"' in html
    screen.detail_view.anchorClicked.emit(QUrl(f"order:{floor['twin2']}"))
    assert screen.detail.order.id == floor["twin2"]


def test_lists_counts_and_detail_follow_another_desk(qtbot, make_context, people, floor, db):
    first = open_screen(qtbot, make_context, people["sue"])
    review_everything(qtbot, first)
    second = open_screen(qtbot, make_context, people["ada"])
    second.show_queue(ReviewQueue.EXCEPTION)
    second.live.check_now()
    assert queue_texts(second)[4] == "Exceptions  (2)"
    shown = second.detail.order.id
    with db.unit_of_work() as uow:
        version = uow.session.get(Order, shown).version
    cancel_order(
        db.unit_of_work(),
        people["sue"],
        shown,
        expected_version=version,
        reason="customer asked us to cancel",
    )
    assert second.live.check_now()  # the data version moved: the desk follows at once
    assert queue_texts(second)[4] == "Exceptions  (1)"
    assert second.model.total == 1
    assert "1 order in this queue" in second.count_label.text()
    assert second.detail.order.id == shown and second.detail.order.status == "cancelled"
    assert not second.actions["cancel"].isEnabled()


def test_a_cancelled_review_run_reports_what_it_reviewed(qtbot, screen, monkeypatch):
    import functools

    import ui.screens.review as review_screen
    from ui.tasks import Progress

    monkeypatch.setattr(
        review_screen,
        "review_orders",
        functools.partial(review_screen.review_orders, batch_size=3),
    )
    monkeypatch.setattr(Progress, "report", lambda self, done, total=0, text="": self.cancel())
    review_everything(qtbot, screen)
    text = screen.summary_label.text()
    assert "Stopped on request after reviewing 3 orders" in text
    assert queue_texts(screen)[0] == "To review  (4)"


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
        window = MainWindow(make_context(people[person]))  # the real registry
        qtbot.addWidget(window)
        return [action.text() for action in window.desk_bar.actions()]

    assert "Review" in titles("ada")
    assert "Review" not in titles("wes")


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_first_problem_and_the_lines_are_visible_without_scrolling(
    qtbot, make_context, people, floor, size
):
    screen = open_screen(qtbot, make_context, people["sue"])
    screen.resize(*size)
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.STOCK_SHORT)
    qtbot.wait(10)
    header = screen.table.horizontalHeader()
    first_problem = 2
    assert screen.model.headerData(first_problem, Qt.Orientation.Horizontal, 0) == "First problem"
    left = header.sectionViewportPosition(first_problem)
    assert left >= 0 and left + 80 < screen.table.viewport().width()
    if size == (1280, 800):
        document = screen.detail_view.document()
        sku = screen.detail.order.lines[-1].sku
        found = document.find(sku)
        assert not found.isNull()
        bottom = screen.detail_view.cursorRect(found).bottom()
        assert bottom < screen.detail_view.viewport().height()


def test_the_queue_search_forgives_like_the_orders_list(qtbot, screen, floor):
    screen.show_queue(ReviewQueue.TO_REVIEW)
    qtbot.keyClicks(screen.search_edit, "muller")
    qtbot.keyClick(screen.search_edit, Qt.Key.Key_Return)
    assert screen.model.total == 1
    assert screen.detail.order.id == floor["good"]
    screen.search_edit.clear()
    qtbot.keyClick(screen.search_edit, Qt.Key.Key_Return)
    assert screen.model.total == 7


def first_problem_cells(screen: ReviewScreen) -> list[str]:
    column = 2  # Order, Problems, First problem
    return [screen.model.data(screen.model.index(row, column)) for row in range(screen.model.total)]


def test_the_first_problem_column_never_reads_blank_for_an_order_not_checked(
    qtbot, screen, floor, db
):
    screen.show_queue(ReviewQueue.TO_REVIEW)
    assert first_problem_cells(screen) == ["not reviewed yet"] * len(floor)
    review_everything(qtbot, screen)
    with db.unit_of_work() as uow:  # put in its queue by a desk that recorded no finding
        uow.session.execute(delete(ReviewFinding).where(ReviewFinding.order_id == floor["short"]))
        uow.commit()
    screen.show_queue(ReviewQueue.STOCK_SHORT)
    cell = first_problem_cells(screen)[0]
    assert cell == "not recorded — open it to see why"


def test_an_open_exception_reads_as_open_not_as_a_pick_lists_state_in_chinese(qtbot, screen, floor):
    from app.i18n import set_language

    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.EXCEPTION)
    set_language("zh_TW")
    try:
        screen.show_order(floor["twin1"])
        text = screen.detail_view.toPlainText()
    finally:
        set_language("en")
    assert "待揀貨" not in text
    assert "待處理" in text


@pytest.mark.parametrize("size", [(1280, 800), (1024, 768)])
def test_every_shown_verb_button_is_whole_however_many_rows_the_bar_takes(
    qtbot, make_context, people, floor, size
):
    screen = open_screen(qtbot, make_context, people["sue"])
    screen.resize(*size)
    review_everything(qtbot, screen)
    screen.show_queue(ReviewQueue.PAYMENT_PROBLEM)
    qtbot.wait(10)
    shown = [b for b in screen.buttons.values() if b.isVisible()]
    assert len(shown) >= 6
    bar = screen.verb_bar
    assert all(b.geometry().bottom() < bar.height() for b in shown)
    why = screen.why_not_label
    assert why.isVisible() and why.geometry().top() >= bar.geometry().bottom()
