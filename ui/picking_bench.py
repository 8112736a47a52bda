"""``orderdesk bench scan-screen --n N``: scans typed into the Picking desk offscreen,
each handled and the screen updated (the big instruction, the stop, the message).

The median per scan (target ≤ 30 ms) and the 95th percentile, measured from the scan
field's Enter to the screen showing the new state.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.bench import BenchResult
from app.permissions import Actor, Role

SCAN_MEDIAN_SECONDS = 0.030


def bench_scan_screen(n: int, url: str) -> list[BenchResult]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.picking import lists as pl
    from app.picking.bench import BENCH_ACTOR, _approved, _next_code, _totes
    from app.picking.service import allocate
    from ui.desk_screen import DeskContext
    from ui.screens.picking import PickingScreen
    from ui.settings import DeskSettings, SettingsStore
    from ui.style import apply_look
    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_look(app)  # type: ignore[arg-type]
    database, _count = _approved(url, max(200, n // 2))
    try:
        allocate(database, BENCH_ACTOR)
        _totes(database, 2000)
        ids = pl.create_pick_lists_everywhere(database.unit_of_work(), BENCH_ACTOR, batch_size=8)
        picker = Actor(None, "bench", frozenset({Role.SUPERVISOR.value}))
        with tempfile.TemporaryDirectory(prefix="orderdesk-bench-") as folder:
            store = SettingsStore(
                QSettings(str(Path(folder) / "desk.ini"), QSettings.Format.IniFormat)
            )
            context = DeskContext(
                database, picker, DeskSettings(), store, TaskRunner(synchronous=True)
            )
            screen = PickingScreen(context)
            screen.resize(1280, 800)
            screen.show()
            app.processEvents()
            timings: list[float] = []
            for list_id in ids:
                if len(timings) >= n:
                    break
                screen.scan_edit.setText(pl.list_number(list_id))
                screen._scanned()
                while len(timings) < n:
                    code = _next_code(database, list_id)
                    if code is None:
                        break
                    start = time.perf_counter()
                    screen.scan_edit.setText(code)
                    screen._scanned()
                    app.processEvents()
                    timings.append(time.perf_counter() - start)
            screen.close()
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else median
        return [
            BenchResult(
                "scan-screen", len(timings), median, database.dialect, "median_per_scan",
                SCAN_MEDIAN_SECONDS,
            ),
            BenchResult("scan-screen", len(timings), p95, database.dialect, "p95_per_scan"),
        ]  # fmt: skip
    finally:
        database.dispose()
