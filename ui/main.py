"""Starting the desk: the look, the error hook, the database, the login, the main window.

``run(db_url)`` is what ``orderdesk gui`` calls. Exit codes follow the CLI: 0 done (also
when the login is cancelled), 2 could not start (the database cannot be used).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from app.config import APP_NAME, log_dir
from app.errors import OrderdeskError
from app.i18n import _, choose_language, system_language
from ui import errors
from ui.errors import ErrorReporter, error_text, setup_logging, stop_logging
from ui.language import apply_language
from ui.login import LoginDialog
from ui.settings import DeskSettings, SettingsStore
from ui.style import apply_look
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.database import Database

EXIT_OK, EXIT_CANNOT_START = 0, 2

# Set by ``orderdesk bench startup``: the wall-clock time the login dialog was shown is
# written to this file, and the program quits once the database is checked.
STARTUP_PROBE_ENV = "ORDERDESK_STARTUP_PROBE"


def run(db_url: str) -> int:
    app = _application()
    log_file = setup_logging(log_dir())
    reporter = ErrorReporter(log_file)
    reporter.install()
    try:
        store = SettingsStore.for_workstation()
        settings = store.load()
        # The login window first: the database layer (SQLAlchemy) loads while the person
        # reads it, and a database that cannot be used still stops the desk before anyone
        # logs in (keys typed meanwhile wait in Qt's queue).
        dialog = _login_dialog(settings)
        dialog.show()
        app.processEvents()
        probe = os.environ.get(STARTUP_PROBE_ENV)
        if probe:
            Path(probe).write_text(f"{time.time():.6f}\n", encoding="utf-8")
        database = _open(db_url)
        if database is None:
            dialog.close()
            return EXIT_CANNOT_START
        try:
            if probe:  # `bench startup`: shown, database checked; quit at once
                dialog.close()
                return EXIT_OK
            dialog.set_database(database)
            return _desk_loop(app, database, store, settings, dialog)
        finally:
            database.dispose()
    finally:
        reporter.uninstall()
        stop_logging(log_file)


def _login_dialog(settings: DeskSettings, database: Database | None = None) -> LoginDialog:
    # The login dialog speaks the language the desk was last used in.
    apply_language(settings.language or system_language())
    return LoginDialog(database, settings.last_username)


def _application() -> QApplication:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("orderdesk")
    # The main window quits explicitly; a closing login dialog must not end the loop early.
    app.setQuitOnLastWindowClosed(False)
    apply_look(app)
    # Until someone logs in: the system's language (the login dialog shows it).
    apply_language(system_language())
    return app


def _open(db_url: str) -> Database | None:
    from app.database import open_database

    try:
        return open_database(db_url)
    except OrderdeskError as error:
        errors.show_message(
            None,
            QMessageBox.Icon.Critical,
            _("orderdesk cannot start"),
            error_text(error),
            _(
                "Check the database setting (--db or ORDERDESK_DATABASE_URL), "
                "or ask your administrator.",
            ),
        )
        return None


def _desk_loop(
    app: QApplication,
    database: Database,
    store: SettingsStore,
    settings: DeskSettings,
    dialog: LoginDialog,
) -> int:
    tasks = TaskRunner()
    while True:
        if dialog.exec() != QDialog.DialogCode.Accepted or dialog.actor is None:
            return EXIT_OK
        settings.last_username = dialog.actor.username
        from app.auth import saved_language  # here: the login dialog shows before db.models loads

        saved = saved_language(database.unit_of_work(), dialog.actor)
        settings.language = apply_language(choose_language(saved)[0])
        store.save(settings)
        if not _main_window_session(app, database, settings, store, tasks, dialog):
            tasks.wait(10_000)
            return EXIT_OK
        dialog = _login_dialog(settings, database)


def _main_window_session(
    app: QApplication,
    database: Database,
    settings: DeskSettings,
    store: SettingsStore,
    tasks: TaskRunner,
    dialog: LoginDialog,
) -> bool:
    """Run one person's session; True when they logged out (someone else may log in)."""
    # Imported only now: the login dialog shows sooner without the screens loaded.
    from ui.desk_screen import DeskContext
    from ui.live import LiveChanges
    from ui.main_window import MainWindow

    assert dialog.actor is not None
    live = LiveChanges(database)
    context = DeskContext(database, dialog.actor, settings, store, tasks, live)
    window = MainWindow(context)
    window.closed.connect(app.quit)
    window.show()
    app.exec()
    logged_out = window.logged_out
    live.stop()
    window.deleteLater()
    return logged_out
