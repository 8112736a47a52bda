"""The main window and the shell around it: desks by role, status bar, start-up, errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from app.config import DATA_DIR_ENV
from app.errors import ConcurrentUpdate
from app.permissions import ROLE_PERMISSIONS, Permission, Role
from tests.ui.conftest import PASSWORD
from ui import main as ui_main
from ui.desk_screen import DeskScreen
from ui.desks import DESKS, Desk
from ui.errors import ErrorReporter, setup_logging, stop_logging, user_action
from ui.main_window import GEOMETRY_KEY, MainWindow


class SettlementScreen(DeskScreen):
    """A stand-in desk that only finance may use."""


SETTLEMENT = Desk(
    "settlement",
    "Settlement",
    "Ctrl+Shift+9",
    Permission.SETTLE_ACCOUNTS,
    lambda context: SettlementScreen(),
)


@pytest.fixture
def open_window(qtbot, make_context):
    def make(actor, desks=DESKS) -> MainWindow:
        window = MainWindow(make_context(actor), desks)
        qtbot.addWidget(window)
        with qtbot.waitActive(window):
            window.show()
            window.activateWindow()
        return window

    return make


def desk_titles(window: MainWindow) -> list[str]:
    return [action.text() for action in window.desk_bar.actions()]


@pytest.mark.parametrize(
    ("username", "titles"),
    [
        ("ada", ["Orders", "Import", "Review", "Shop counter", "Cases"]),
        ("wes", ["Orders", "Stock", "Pick lists", "Packing", "Hand-over"]),
        ("fay", ["Orders", "Refunds"]),
        (
            "sue",
            [
                "Orders",
                "Import",
                "Review",
                "Shop counter",
                "Stock",
                "Pick lists",
                "Packing",
                "Hand-over",
                "Cases",
                "Refunds",
                "Block list",
            ],
        ),
    ],
)
def test_every_role_starts_at_orders_and_sees_its_desks(open_window, people, username, titles):
    window = open_window(people[username])
    assert desk_titles(window) == titles
    assert window.current_desk == "orders"


@pytest.mark.parametrize("username", ["ada", "wes", "fay", "sue"])
def test_the_real_registry_offers_each_desk_exactly_to_the_roles_holding_its_permission(
    open_window, people, username
):
    actor = people[username]
    granted = set().union(*(ROLE_PERMISSIONS[Role(role)] for role in actor.roles))
    window = open_window(actor)
    offered = desk_titles(window)
    assert offered == [desk.label() for desk in DESKS if desk.permission in granted]
    menu_titles = [a.text() for a in window.menuBar().actions()]
    for desk in DESKS:
        assert (desk.label() in menu_titles) == (desk.permission in granted), desk.key


def test_every_registered_desk_is_open_to_a_floor_role_not_only_to_administrators():
    granted = set().union(*(p for role, p in ROLE_PERMISSIONS.items() if role != Role.ADMIN))
    assert [desk.key for desk in DESKS if desk.permission not in granted] == []


def test_a_desk_registered_twice_is_offered_once(open_window, people):
    window = open_window(people["fay"], (*DESKS, SETTLEMENT, SETTLEMENT))
    assert desk_titles(window).count("Settlement") == 1


def test_the_desks_shortcut_switches_desk_and_shows_that_desks_menu_only(
    qtbot, open_window, people
):
    window = open_window(people["fay"])
    assert window.screen("orders").search_edit.hasFocus()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.current_desk == "refunds"
    visible = {a.text() for a in window.menuBar().actions() if a.isVisible()}
    assert "Refunds" in visible and "Orders" not in visible
    assert window.windowTitle() == "Refunds — orderdesk"


def test_every_desk_has_a_shortcut_of_its_own():
    shortcuts = [desk.shortcut for desk in DESKS]
    assert len(set(shortcuts)) == len(shortcuts)
    assert not set(shortcuts) & {"Ctrl+Q", "Ctrl+Shift+L", "F1"}  # the window's own keys


def test_ctrl_4_opens_the_shop_counter_ready_to_scan(qtbot, open_window, people):
    window = open_window(people["ada"])
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_4, Qt.KeyboardModifier.ControlModifier)
    assert window.current_desk == "counter"
    assert window.windowTitle() == "Shop counter — orderdesk"
    assert window.screen("counter").scan_edit.hasFocus()


def test_the_status_bar_names_the_person_their_roles_and_the_database(open_window, people, db):
    window = open_window(people["ada"])
    assert window.user_label.text() == "Signed in: Ada Lovelace (ada) · Customer service"
    assert window.database_label.text() == f"Database: {db.description}"
    assert str(db.url.database) in window.database_label.text()


def test_the_orders_menu_lists_the_screens_actions_with_their_keys(open_window, people):
    window = open_window(people["wes"])
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "Orders")
    shortcuts = {a.text(): a.shortcut().toString() for a in menu.actions()}
    assert shortcuts["&Find order"] == "Ctrl+F"
    assert shortcuts["&Refresh"] == "F5"


def test_quit_closes_and_remembers_the_window_size(qtbot, open_window, people, store):
    window = open_window(people["ada"])
    window.resize(1100, 654)
    with qtbot.waitSignal(window.closed):
        window.quit_action.trigger()
    assert not window.logged_out
    assert store.blob(GEOMETRY_KEY) is not None
    again = open_window(people["ada"])
    assert again.size().height() == 654  # the offscreen screen is too narrow to test width


def test_log_out_closes_for_the_next_person(qtbot, open_window, people):
    window = open_window(people["ada"])
    with qtbot.waitSignal(window.closed):
        window.logout_action.trigger()
    assert window.logged_out


def test_a_role_without_desks_is_told_so(open_window, people):
    window = open_window(people["wes"], (SETTLEMENT,))
    label = window.centralWidget().currentWidget()
    assert isinstance(label, QLabel)
    assert "Ask an administrator" in label.text()


# --------------------------------------------------------------------------- the shell


def test_a_database_that_cannot_be_opened_is_a_plain_dialog_and_exit_2(tmp_path, shown_messages):
    not_a_database = tmp_path / "notes.sqlite"
    not_a_database.write_text("my shopping list\n" * 20)
    assert ui_main.run(f"sqlite:///{not_a_database}") == 2
    assert len(shown_messages) == 1
    title, text = shown_messages[0]
    assert title == "orderdesk cannot start"
    assert text == f"{not_a_database} is not an orderdesk database."


def test_start_up_shows_the_login_and_reports_when(monkeypatch, db_url, tmp_path):
    probe = tmp_path / "shown-at"
    monkeypatch.setenv(ui_main.STARTUP_PROBE_ENV, str(probe))
    assert ui_main.run(db_url) == 0
    assert float(probe.read_text()) > 0


def test_an_expected_error_from_a_user_action_is_a_plain_sentence(shown_messages):
    with user_action(None):
        raise ConcurrentUpdate("SO-000042")
    assert shown_messages == [
        ("Cannot do that", "SO-000042 was changed at another desk. It has been reloaded.")
    ]


def test_a_bug_is_logged_and_shown_once_as_a_friendly_dialog(tmp_path, shown_messages):
    log_file = setup_logging(tmp_path / "logs")
    reporter = ErrorReporter(log_file)
    try:
        raise ZeroDivisionError("the bug")
    except ZeroDivisionError as error:
        reporter.handle(type(error), error, error.__traceback__)
    stop_logging(log_file)  # flushes and closes the file
    assert len(shown_messages) == 1
    title, text = shown_messages[0]
    assert title == "Something went wrong"
    assert str(log_file) in text
    assert "Traceback" not in text and "ZeroDivisionError" not in text
    logged = Path(log_file).read_text()
    assert "ZeroDivisionError: the bug" in logged and "Traceback" in logged


def test_the_exception_hook_is_installed_and_removed(tmp_path):
    import sys

    reporter = ErrorReporter(tmp_path / "x.log")
    before = sys.excepthook
    reporter.install()
    assert sys.excepthook == reporter.handle
    reporter.uninstall()
    assert sys.excepthook is before


def test_run_logs_in_opens_the_desk_logs_out_and_ends_when_login_is_cancelled(
    qtbot, db_url, people, monkeypatch
):
    """The whole shell loop, driven the way a person would: log in, log out, cancel."""
    from PySide6.QtCore import QTimer

    from ui.login import LoginDialog

    seen: list[str] = []

    def visible(kind):
        return next(
            (w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()),
            None,
        )

    def step() -> None:
        login, window = visible(LoginDialog), visible(MainWindow)
        if window is not None:
            seen.append(f"window:{window.current_desk}:{window.user_label.text()}")
            window.logout_action.trigger()
        elif login is not None and len(seen) == 0:
            seen.append("login")
            login.username_edit.setText("ada")
            login.password_edit.setText(PASSWORD)
            login.submit()
        elif login is not None and seen[-1].startswith("window"):
            seen.append("login again")
            login.reject()

    timer = QTimer()
    timer.timeout.connect(step)
    timer.start(30)
    assert ui_main.run(db_url) == 0
    timer.stop()
    assert seen == [
        "login",
        "window:orders:Signed in: Ada Lovelace (ada) · Customer service",
        "login again",
    ]


def test_people_read_words_not_codes_or_broken_plurals(qtbot):
    from app import errors as e
    from ui.errors import error_text
    from ui.widgets.display import service_text

    assert service_text("in_store") == "Collected in store"
    assert service_text("standard") == "Standard delivery"
    assert error_text(e.LoginThrottled(1)) == "Too many failed attempts. Try again in 1 second."


def test_orderdesk_gui_shows_the_login_window_before_the_database_layer_loads(db_url, tmp_path):
    # Start-up target (README): the window a person waits for needs Qt, not SQLAlchemy,
    # Alembic or the ORM; the database is opened and checked right after it shows.
    script = (
        "import os, sys\n"
        "from app.cli import main\n"
        "from ui import login\n"
        "loaded_at_show = []\n"
        "shown = login.LoginDialog.show\n"
        "def show(self):\n"
        "    heavy = ('sqlalchemy', 'alembic')\n"
        "    loaded_at_show.extend(m for m in sys.modules if m.startswith(heavy))\n"
        "    shown(self)\n"
        "login.LoginDialog.show = show\n"
        f"code = main(['gui', '--db', {db_url!r}])\n"
        "print(code, 'sqlalchemy' in sys.modules, sorted(loaded_at_show))\n"
    )
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": "offscreen",
        ui_main.STARTUP_PROBE_ENV: str(tmp_path / "shown-at"),
        DATA_DIR_ENV: str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.split(maxsplit=2) == ["0", "True", "[]\n"]
