"""``orderdesk bench import-desk --n N``: the Import desk previews and imports an N-row
Amazon report on its real worker thread while a 10 ms ``QTimer`` heartbeat runs on the
GUI thread; the figures are the longest gap between heartbeats (target ≤ 100 ms: the
window answers throughout), during the preview and during the import.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from app.bench import BenchResult
from app.permissions import Actor, Role

HEARTBEAT_MS = 10
WORST: list[tuple[float, float]] = []  # the longest gaps of the last run, and when
LONGEST_GAP_SECONDS = 0.100


def bench_import_desk(n: int, url: str) -> list[BenchResult]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings, QTimer
    from PySide6.QtWidgets import QApplication

    from app.database import open_database
    from app.intake.bench import _ensure_catalogue, write_report
    from ui.desks import DeskContext
    from ui.screens.import_orders import ImportOrdersScreen
    from ui.settings import DeskSettings, SettingsStore
    from ui.style import apply_look
    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_look(app)  # type: ignore[arg-type]
    database = open_database(url)
    actor = Actor(None, "bench", frozenset({Role.ADMIN.value}))
    gaps: list[tuple[float, float]] = []  # (gap, when it ended)
    last = [time.perf_counter()]

    def beat() -> None:
        now = time.perf_counter()
        gaps.append((now - last[0], now))
        last[0] = now

    def wait_until(done, timeout_s: float) -> None:
        end = time.perf_counter() + timeout_s
        while not done() and time.perf_counter() < end:
            app.processEvents()
            time.sleep(0.001)

    try:
        _ensure_catalogue(database)
        with tempfile.TemporaryDirectory(prefix="orderdesk-bench-") as folder:
            path = Path(folder) / "orders.txt"
            write_report(path, n)
            store = SettingsStore(
                QSettings(str(Path(folder) / "desk.ini"), QSettings.Format.IniFormat)
            )
            context = DeskContext(database, actor, DeskSettings(), store, TaskRunner())
            screen = ImportOrdersScreen(context)
            screen.resize(1280, 800)
            screen.show()
            app.processEvents()
            heartbeat = QTimer()
            heartbeat.setInterval(HEARTBEAT_MS)
            heartbeat.timeout.connect(beat)

            def longest_gap_while(start, done, timeout_s: float) -> tuple[float, float]:
                gaps.clear()
                began = last[0] = time.perf_counter()
                heartbeat.start()
                start()
                wait_until(done, timeout_s)
                heartbeat.stop()
                WORST.extend(sorted(((g, when - began) for g, when in gaps), reverse=True)[:5])
                return max((g for g, _when in gaps), default=0.0), time.perf_counter() - began

            preview_gap, preview_s = longest_gap_while(
                lambda: screen.open_file(path), lambda: screen.preview is not None, 600
            )
            import_gap, import_s = longest_gap_while(
                screen.start_import, lambda: screen.summary is not None, 1800
            )
            screen.close()
    finally:
        database.dispose()
    return [
        BenchResult(
            "import-desk preview", n, preview_gap, database.dialect, "longest_gap",
            LONGEST_GAP_SECONDS, {"preview_s": f"{preview_s:.2f}"},
        ),
        BenchResult(
            "import-desk import", n, import_gap, database.dialect, "longest_gap",
            LONGEST_GAP_SECONDS, {"import_s": f"{import_s:.2f}"},
        ),
    ]  # fmt: skip
