"""Turning errors into what a person at the desk reads.

Expected errors (``OrderdeskError``) become a plain, translated sentence at the point where
a user action started. Anything else is a bug: it is written to a rotating log file and
shown once as a friendly dialog naming that file — never as a traceback.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from logging.handlers import RotatingFileHandler
from pathlib import Path
from types import TracebackType

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import errors as e
from app.i18n import _, ngettext

log = logging.getLogger("orderdesk.ui")

LOG_FILE_NAME = "orderdesk.log"
LOG_FILE_BYTES = 1_000_000
LOG_FILE_COUNT = 5


def error_text(error: e.OrderdeskError) -> str:
    """The sentence a person reads for an expected error, in the desk's language."""
    match error:
        case e.LoginFailed():
            return _("Wrong user name or password.")
        case e.LoginThrottled(retry_after_seconds=seconds):
            return ngettext(
                "Too many failed attempts. Try again in {seconds} second.",
                "Too many failed attempts. Try again in {seconds} seconds.",
                seconds,
            ).format(seconds=seconds)
        case e.AccountDisabled(username=username):
            return _("The account “{username}” is disabled. Ask an administrator.").format(
                username=username
            )
        case e.PermissionDenied():
            return _("Your role does not allow this. Ask a supervisor.")
        case e.NotFound(what=what, key=key):
            return _("No {what} {key} was found.").format(what=_(what), key=key)
        case e.ConcurrentUpdate(ref=ref):
            return _("{ref} was changed at another desk. It has been reloaded.").format(ref=ref)
        case e.InvalidTransition(ref=ref, from_state=old, to_state=new):
            return _("{ref} cannot go from {old} to {new}.").format(ref=ref, old=old, new=new)
        case e.NotADatabase(path=path):
            return _("{path} is not an orderdesk database.").format(path=path)
        case e.DatabaseUnavailable(target=target, reason=reason):
            return _("Cannot reach the database at {target}: {reason}").format(
                target=target, reason=reason
            )
    # Errors without a sentence here yet read as the service wrote them (plain English).
    return error.message


# --------------------------------------------------------------------------- dialogs


def show_message(
    parent: QWidget | None, icon: QMessageBox.Icon, title: str, text: str, detail: str = ""
) -> None:
    """The one place an error dialog is opened; tests replace it to read what was shown."""
    box = QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, parent)
    if detail:
        box.setInformativeText(detail)
    box.exec()


def show_error(parent: QWidget | None, error: e.OrderdeskError) -> None:
    title = _("Cannot do that") if not isinstance(error, e.DatabaseError) else _("Database")
    show_message(parent, QMessageBox.Icon.Warning, title, error_text(error))


@contextmanager
def user_action(parent: QWidget | None) -> Iterator[None]:
    """Wrap what one click or key press starts: expected errors become a plain dialog."""
    try:
        yield
    except e.OrderdeskError as error:
        log.info("refused: %s", error.message)
        show_error(parent, error)


# --------------------------------------------------------------------------- bugs


def setup_logging(folder: Path) -> Path:
    """Log warnings and bugs to a rotating file in the log folder; returns the file."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOG_FILE_NAME
    root = logging.getLogger()
    if not any(getattr(h, "baseFilename", None) == str(path) for h in root.handlers):
        handler = RotatingFileHandler(
            path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_COUNT, encoding="utf-8"
        )
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(min(root.level or logging.INFO, logging.INFO))
    return path


def stop_logging(path: Path) -> None:
    """Detach and close the file handler ``setup_logging`` added for ``path``."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, "baseFilename", None) == str(path)]:
        root.removeHandler(handler)
        handler.close()


ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], None]


class ErrorReporter:
    """The global exception hook: expected errors as sentences, bugs logged and apologised for."""

    def __init__(self, log_file: Path) -> None:
        self.log_file = log_file
        self._showing = False
        self._previous: ExceptHook | None = None

    def install(self) -> None:
        self._previous = sys.excepthook
        sys.excepthook = self.handle

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook = self._previous
            self._previous = None

    def handle(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        parent = QApplication.activeWindow()
        if isinstance(exc, e.OrderdeskError):
            log.info("refused: %s", exc.message)
            self._once(lambda: show_error(parent, exc))
            return
        log.error("unexpected error:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        self._once(lambda: self._apologise(parent))

    def _once(self, show: Callable[[], None]) -> None:
        # A bug in painting code fires on every repaint; one dialog at a time is enough.
        if self._showing:
            return
        self._showing = True
        try:
            show()
        finally:
            self._showing = False

    def _apologise(self, parent: QWidget | None) -> None:
        show_message(
            parent,
            QMessageBox.Icon.Critical,
            _("Something went wrong"),
            _(
                "Something went wrong, and what you were doing may not have been saved. "
                "The details were saved to {file}. Please tell your administrator."
            ).format(file=self.log_file),
        )
