"""The one way long work runs: on a worker thread, reporting back on the GUI thread.

Modelled on Anki's ``aqt.operations``. A screen hands ``TaskRunner.run`` a plain function
that takes a ``Progress``; it runs on a ``QThreadPool`` worker and its result, error or
cancellation arrives by signal on the GUI thread. Only plain data crosses threads: the
function must open its own unit of work (``database.unit_of_work()``) and must not touch
widgets. Tests use ``TaskRunner(synchronous=True)``, which runs the function in place.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, Qt, QThreadPool, Signal, Slot
from PySide6.QtWidgets import QProgressDialog, QWidget

from app.errors import OrderdeskError
from app.i18n import _
from ui.errors import show_error

log = logging.getLogger(__name__)

T = TypeVar("T")

# Progress reports closer together than this are dropped: the GUI need not redraw faster.
PROGRESS_INTERVAL_S = 0.05


class TaskCancelled(Exception):
    """Raised inside the work function (by ``Progress.check``) when Cancel was pressed."""


class Progress:
    """Handed to the work function: report how far it is, and notice Cancel."""

    def __init__(self, report: Callable[[int, int, str], None]) -> None:
        self._report = report
        self._cancel = threading.Event()
        self._last_report = 0.0

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def cancel(self) -> None:
        self._cancel.set()

    def check(self) -> None:
        """Stop here if Cancel was pressed; call between steps that may be abandoned."""
        if self._cancel.is_set():
            raise TaskCancelled()

    def report(self, done: int, total: int = 0, text: str = "") -> None:
        """``total`` 0 means "unknown": the dialog shows a busy bar."""
        now = time.monotonic()
        if done < total and now - self._last_report < PROGRESS_INTERVAL_S:
            return
        self._last_report = now
        self._report(done, total, text)


class _Signals(QObject):
    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(object)
    cancelled = Signal()


class _Worker(QRunnable):
    def __init__(self, work: Callable[[Progress], Any], progress: Progress, signals: _Signals):
        super().__init__()
        self._work = work
        self._progress = progress
        self._signals = signals

    def run(self) -> None:
        _execute(self._work, self._progress, self._signals)


def _execute(work: Callable[[Progress], Any], progress: Progress, signals: _Signals) -> None:
    try:
        result = work(progress)
    except TaskCancelled:
        signals.cancelled.emit()
    except BaseException as error:
        signals.failed.emit(error)
    else:
        if progress.cancelled:
            signals.cancelled.emit()
        else:
            signals.succeeded.emit(result)


class TaskHandle(QObject):
    """One running task: cancel it, or wait for its callbacks (all on the GUI thread)."""

    def __init__(
        self,
        runner: TaskRunner,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None,
        on_cancelled: Callable[[], None] | None,
        dialog: QProgressDialog | None,
        parent_widget: QWidget | None,
    ) -> None:
        super().__init__()
        self.progress = Progress(self._emit_progress)
        self.signals = _Signals()
        self.finished = False
        self._runner = runner
        self._on_done = on_done
        self._on_error = on_error
        self._on_cancelled = on_cancelled
        self._dialog = dialog
        self._parent_widget = parent_widget
        queued = Qt.ConnectionType.QueuedConnection
        self.signals.progressed.connect(self._show_progress, queued)
        self.signals.succeeded.connect(self._succeeded, queued)
        self.signals.failed.connect(self._failed, queued)
        self.signals.cancelled.connect(self._cancelled, queued)
        if dialog is not None:
            dialog.canceled.connect(self.cancel)

    def cancel(self) -> None:
        self.progress.cancel()

    @property
    def dialog(self) -> QProgressDialog | None:
        """The progress dialog while the work runs (None without a label, or once done)."""
        return self._dialog

    def _emit_progress(self, done: int, total: int, text: str) -> None:
        self.signals.progressed.emit(done, total, text)

    @Slot(int, int, str)
    def _show_progress(self, done: int, total: int, text: str) -> None:
        if self._dialog is None or self.finished:
            return
        self._dialog.setMaximum(max(total, 0))
        self._dialog.setValue(min(done, total) if total else 0)
        if text:
            self._dialog.setLabelText(text)

    @Slot(object)
    def _succeeded(self, result: object) -> None:
        self._finish()
        self._on_done(result)

    @Slot(object)
    def _failed(self, error: BaseException) -> None:
        self._finish()
        if self._on_error is not None:
            self._on_error(error)
        elif isinstance(error, OrderdeskError):
            show_error(self._parent_widget, error)
        else:
            # A bug in the work function: the global hook logs it and apologises.
            sys.excepthook(type(error), error, error.__traceback__)

    @Slot()
    def _cancelled(self) -> None:
        self._finish()
        if self._on_cancelled is not None:
            self._on_cancelled()

    def _finish(self) -> None:
        self.finished = True
        if self._dialog is not None:
            self._dialog.canceled.disconnect(self.cancel)
            self._dialog.reset()
            self._dialog.deleteLater()
            self._dialog = None
        self._runner.forget(self)


class TaskRunner:
    """Runs work functions off the GUI thread (or in place, for tests)."""

    def __init__(self, pool: QThreadPool | None = None, *, synchronous: bool = False) -> None:
        self._pool = pool or QThreadPool.globalInstance()
        self._synchronous = synchronous
        self._running: set[TaskHandle] = set()

    def run(
        self,
        work: Callable[[Progress], T],
        *,
        on_done: Callable[[T], None],
        on_error: Callable[[BaseException], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        parent: QWidget | None = None,
        label: str | None = None,
    ) -> TaskHandle:
        """Start ``work(progress)``; with ``label`` a progress dialog with Cancel is shown.

        Without ``on_error`` an ``OrderdeskError`` is shown as a plain dialog and anything
        else goes to the global exception hook.
        """
        dialog = _progress_dialog(parent, label) if label is not None else None
        handle: TaskHandle = TaskHandle(self, on_done, on_error, on_cancelled, dialog, parent)
        self._running.add(handle)
        if self._synchronous:
            _execute(work, handle.progress, handle.signals)
            # Queued signals to the GUI thread: deliver them now, as a real run would later.
            QCoreApplication.processEvents()
        else:
            self._pool.start(_Worker(work, handle.progress, handle.signals))
        return handle

    @property
    def running(self) -> int:
        return len(self._running)

    def forget(self, handle: TaskHandle) -> None:
        self._running.discard(handle)

    def wait(self, timeout_ms: int = -1) -> bool:
        """Block until the workers are idle (shutting down; benches)."""
        return self._pool.waitForDone(timeout_ms)


def _progress_dialog(parent: QWidget | None, label: str) -> QProgressDialog:
    dialog = QProgressDialog(label, _("Cancel"), 0, 0, parent)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    # Quick work finishes before the dialog would flash up.
    dialog.setMinimumDuration(400)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)
    return dialog
