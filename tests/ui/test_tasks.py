"""Long work off the GUI thread: results, errors and Cancel come back on the GUI thread."""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtWidgets import QPushButton

from app.errors import NotFound
from ui.tasks import Progress, TaskRunner


@pytest.fixture
def runner():
    pool = QThreadPool()
    pool.setMaxThreadCount(2)
    yield TaskRunner(pool)
    pool.waitForDone(5000)


def test_work_runs_on_a_worker_and_the_result_arrives_on_the_gui_thread(qtbot, runner):
    gui_thread = threading.get_ident()
    seen: dict[str, int] = {}

    def work(progress: Progress) -> int:
        seen["work"] = threading.get_ident()
        return 6 * 7

    results: list[int] = []

    def done(value: int) -> None:
        seen["done"] = threading.get_ident()
        results.append(value)

    runner.run(work, on_done=done)
    qtbot.waitUntil(lambda: results == [42], timeout=3000)
    assert seen["work"] != gui_thread
    assert seen["done"] == gui_thread
    assert runner.running == 0


def test_cancel_stops_the_work_at_its_next_check(qtbot, runner):
    started = threading.Event()
    steps: list[int] = []
    outcome: list[str] = []

    def work(progress: Progress) -> None:
        for step in range(1000):
            started.set()
            progress.check()
            steps.append(step)
            time.sleep(0.005)

    handle = runner.run(
        work, on_done=lambda _: outcome.append("done"), on_cancelled=lambda: outcome.append("x")
    )
    assert started.wait(2)
    handle.cancel()
    qtbot.waitUntil(lambda: outcome == ["x"], timeout=3000)
    assert len(steps) < 1000


def test_an_expected_error_becomes_a_plain_message(qtbot, runner, shown_messages):
    def work(progress: Progress) -> None:
        raise NotFound("order", "SO-000077")

    runner.run(work, on_done=lambda _: None)
    qtbot.waitUntil(lambda: len(shown_messages) == 1, timeout=3000)
    assert shown_messages[0][1] == "No order SO-000077 was found."


def test_a_bug_in_the_work_goes_to_the_exception_hook(qtbot, runner, monkeypatch):
    import sys

    hooked: list[BaseException] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, e, tb: hooked.append(e))

    def work(progress: Progress) -> None:
        raise KeyError("oops")

    runner.run(work, on_done=lambda _: None)
    qtbot.waitUntil(lambda: len(hooked) == 1, timeout=3000)
    assert isinstance(hooked[0], KeyError)


def test_progress_reaches_the_dialog_and_the_dialog_goes_away(qtbot, runner):
    gate = threading.Event()
    results: list[str] = []

    def work(progress: Progress) -> str:
        progress.report(2, 5, "Importing line 2 of 5")
        gate.wait(3)
        return "imported"

    handle = runner.run(work, on_done=results.append, label="Importing orders…")
    qtbot.waitUntil(lambda: handle.dialog is not None and handle.dialog.value() == 2)
    assert handle.dialog.maximum() == 5
    assert handle.dialog.labelText() == "Importing line 2 of 5"
    gate.set()
    qtbot.waitUntil(lambda: results == ["imported"], timeout=3000)
    assert handle.dialog is None


def test_the_dialogs_cancel_button_cancels(qtbot, runner):
    outcome: list[str] = []

    def work(progress: Progress) -> None:
        for _ in range(1000):
            progress.check()
            time.sleep(0.005)

    handle = runner.run(
        work, on_done=lambda _: None, on_cancelled=lambda: outcome.append("x"), label="Working…"
    )
    qtbot.mouseClick(handle.dialog.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: outcome == ["x"], timeout=3000)


def test_synchronous_mode_runs_in_place(qtbot):
    runner = TaskRunner(synchronous=True)
    results: list[int] = []
    runner.run(lambda progress: threading.get_ident(), on_done=results.append)
    assert results == [threading.get_ident()]


def test_synchronous_mode_reports_errors_to_the_callback(qtbot):
    runner = TaskRunner(synchronous=True)
    errors: list[BaseException] = []

    def work(progress: Progress) -> None:
        raise ValueError("bad line 3")

    runner.run(work, on_done=lambda _: None, on_error=errors.append)
    assert [str(e) for e in errors] == ["bad line 3"]
