"""The login dialog: Enter logs in, mistakes are said inline, throttling counts down."""

from __future__ import annotations

import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from app.auth import set_active
from tests.ui.conftest import PASSWORD
from ui.login import LoginDialog


@pytest.fixture
def dialog(qtbot, db, people):
    widget = LoginDialog(db)
    qtbot.addWidget(widget)
    with qtbot.waitExposed(widget):
        widget.show()
    return widget


def log_in(qtbot, dialog: LoginDialog, username: str, password: str) -> None:
    dialog.username_edit.clear()
    dialog.password_edit.clear()
    qtbot.keyClicks(dialog.username_edit, username)
    qtbot.keyClicks(dialog.password_edit, password)
    qtbot.keyClick(dialog.password_edit, Qt.Key.Key_Return)


def test_enter_with_the_right_password_logs_in(qtbot, dialog):
    log_in(qtbot, dialog, "ada", PASSWORD)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.actor is not None
    assert dialog.actor.username == "ada"
    assert dialog.actor.roles == frozenset({"customer_service"})


def test_a_wrong_password_is_said_inline_and_the_password_cleared(qtbot, dialog):
    log_in(qtbot, dialog, "ada", "not the password")
    assert dialog.actor is None
    assert dialog.isVisible()
    assert dialog.message == "✕ Wrong user name or password."
    assert dialog.password_edit.text() == ""
    assert dialog.password_edit.hasFocus()


def test_an_unknown_user_reads_the_same_as_a_wrong_password(qtbot, dialog):
    log_in(qtbot, dialog, "nobody", PASSWORD)
    assert dialog.message == "✕ Wrong user name or password."


def test_empty_fields_are_asked_for_without_trying(qtbot, dialog, db):
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Return)
    assert dialog.message == "✕ Enter your user name."
    log_in(qtbot, dialog, "ada", "")
    assert dialog.message == "✕ Enter your password."
    # Not counted as a failed attempt: nothing was tried.
    log_in(qtbot, dialog, "ada", PASSWORD)
    assert dialog.actor is not None


def test_repeated_failures_are_throttled_with_a_countdown(qtbot, dialog):
    for _ in range(3):
        log_in(qtbot, dialog, "ada", "guess")
    log_in(qtbot, dialog, "ada", PASSWORD)  # right, but too soon after three wrong ones
    assert dialog.actor is None
    found = re.fullmatch(
        r"✕ Too many failed attempts\. Try again in (\d+) seconds?\.", dialog.message
    )
    assert found, dialog.message
    assert not dialog.login_button.isEnabled()
    seconds = int(found.group(1))
    dialog._tick()
    if seconds > 2:
        assert f"Try again in {seconds - 1} seconds." in dialog.message
    elif seconds == 2:
        assert "Try again in 1 second." in dialog.message
    qtbot.waitUntil(dialog.login_button.isEnabled, timeout=(seconds + 1) * 1000)
    assert dialog.message == "You can try again now."


def test_a_disabled_account_is_told_to_ask_an_administrator(qtbot, dialog, db, admin):
    set_active(db.unit_of_work(), admin, "wes", False)
    log_in(qtbot, dialog, "wes", PASSWORD)
    assert dialog.actor is None
    assert "disabled" in dialog.message and "administrator" in dialog.message


def test_the_dialog_names_the_database_and_esc_cancels(qtbot, dialog, db):
    assert db.description in dialog.database_label.text()
    qtbot.keyClick(dialog.username_edit, Qt.Key.Key_Escape)
    assert dialog.result() == QDialog.DialogCode.Rejected


def test_the_last_user_name_is_filled_in_and_the_password_has_the_focus(qtbot, db, people):
    widget = LoginDialog(db, "ada")
    qtbot.addWidget(widget)
    with qtbot.waitExposed(widget):
        widget.show()
    assert widget.username_edit.text() == "ada"
    assert widget.focusWidget() is widget.password_edit
