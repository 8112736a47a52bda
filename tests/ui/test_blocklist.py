"""The block list at the supervisor's desk: entries listed, an e-mail or phone blocked with
a reason, an entry lifted with a reason; review then holds or lets through a matching buyer."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.i18n import set_language
from app.review.blocklist import add_block_entry
from db.models import AuditEvent
from ui.screens.blocklist import BlockListScreen


@pytest.fixture
def open_screen(qtbot, make_context):
    def make(actor) -> BlockListScreen:
        widget = BlockListScreen(make_context(actor))
        qtbot.addWidget(widget)
        widget.resize(1280, 800)
        widget.show()
        return widget

    return make


def test_an_empty_block_list_says_what_to_do(open_screen, people):
    screen = open_screen(people["sue"])
    assert screen.table.rowCount() == 0
    assert "block an e-mail or phone number below" in screen.count_label.text()
    assert not screen.lift_button.isEnabled()


def test_a_supervisor_blocks_an_email_with_a_reason(qtbot, open_screen, people, db):
    screen = open_screen(people["sue"])
    qtbot.keyClicks(screen.value, "Fraud@Example.com")
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)  # no reason yet
    assert screen.table.rowCount() == 0
    assert "reason" in screen.message.text()
    qtbot.keyClicks(screen.add_reason, "chargebacks on three orders")
    qtbot.mouseClick(screen.add_button, Qt.MouseButton.LeftButton)
    assert screen.table.rowCount() == 1
    assert screen.table.item(0, 2).text() == "Fraud@Example.com"
    assert screen.table.item(0, 1).text() == "E-mail"
    assert "is blocked" in screen.message.text()
    with db.unit_of_work() as uow:
        actions = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_type == "block_list")
        ).all()
    assert actions == ["block"]


def test_a_phone_is_blocked_with_its_country_and_a_bad_one_is_refused(qtbot, open_screen, people):
    screen = open_screen(people["sue"])
    screen.kind.setCurrentIndex(screen.kind.findData("phone"))
    qtbot.keyClicks(screen.value, "12")
    qtbot.keyClicks(screen.add_reason, "abuse")
    assert not screen.add_entry()
    assert "phone number" in screen.message.text()
    screen.value.setText("0912 345 678")
    screen.country.setText("tw")
    assert screen.add_entry()
    assert screen.table.item(0, 1).text() == "Phone"


def test_lifting_needs_a_reason_and_the_lifted_entry_leaves_the_standing_list(
    qtbot, open_screen, people, db
):
    add_block_entry(db, people["sue"], "email", "x@example.com", "fraud")
    screen = open_screen(people["sue"])
    screen.select("x@example.com")
    assert screen.lift_button.isEnabled()
    assert "fraud" in screen.chosen.text()
    assert not screen.lift_entry()
    assert "reason" in screen.message.text()
    qtbot.keyClicks(screen.lift_reason, "cleared by the bank")
    qtbot.mouseClick(screen.lift_button, Qt.MouseButton.LeftButton)
    assert screen.table.rowCount() == 0
    screen.show_lifted.setChecked(True)
    assert screen.table.rowCount() == 1
    assert screen.table.item(0, 4).text() == "lifted"


def test_a_person_without_the_right_is_refused_by_the_service(qtbot, open_screen, people):
    screen = open_screen(people["ada"])
    screen.value.setText("y@example.com")
    screen.add_reason.setText("spam")
    assert not screen.add_entry()
    assert "role does not allow" in screen.message.text()


def test_the_block_list_switches_language_in_place(qtbot, open_screen, people, db):
    add_block_entry(db, people["sue"], "email", "x@example.com", "fraud")
    screen = open_screen(people["sue"])
    screen.value.setText("half typed")
    set_language("zh_TW")
    assert screen.retranslate()
    assert screen.value.text() == "half typed"
    assert screen.table.item(0, 1).text() != "E-mail"
    assert screen.lift_button.text() != "Lift"
