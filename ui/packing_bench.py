"""``orderdesk bench pack-screen --n N``: scans typed into the packing station offscreen,
each handled and the screen updated (instruction, items, parcels, message) — shipment
numbers, every unit, the weight — from the scan field's Enter to the screen showing it.
Median per scan (target ≤ 30 ms) and the 95th percentile."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app.bench import BenchResult

SCAN_MEDIAN_SECONDS = 0.030


def bench_pack_screen(n: int, url: str) -> list[BenchResult]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from app.packing.bench import picked_shipments, station_codes
    from app.picking.bench import BENCH_ACTOR, _approved
    from app.picking.service import allocate
    from ui.desk_screen import DeskContext
    from ui.screens.packing import PackingScreen
    from ui.settings import DeskSettings, SettingsStore
    from ui.style import apply_look
    from ui.tasks import TaskRunner

    app = QApplication.instance() or QApplication(sys.argv[:1])
    apply_look(app)  # type: ignore[arg-type]
    database, _count = _approved(url, max(200, n // 2))
    try:
        allocate(database, BENCH_ACTOR)
        ids = picked_shipments(database)
        with tempfile.TemporaryDirectory(prefix="orderdesk-bench-") as folder:
            store = SettingsStore(
                QSettings(str(Path(folder) / "desk.ini"), QSettings.Format.IniFormat)
            )
            context = DeskContext(
                database, BENCH_ACTOR, DeskSettings(), store, TaskRunner(synchronous=True)
            )
            screen = PackingScreen(context)
            screen.resize(1280, 800)
            screen.show()
            app.processEvents()
            timings: list[float] = []
            for shipment_id in ids:
                if len(timings) >= n:
                    break
                for code in station_codes(database, shipment_id):
                    start = time.perf_counter()
                    screen.scan_edit.setText(code)
                    screen.scan._entered()
                    app.processEvents()
                    timings.append(time.perf_counter() - start)
            screen.close()
        median = statistics.median(timings)
        p95 = statistics.quantiles(timings, n=20)[-1] if len(timings) > 1 else median
        return [
            BenchResult(
                "pack-screen",
                len(timings),
                median,
                database.dialect,
                "median_per_scan",
                SCAN_MEDIAN_SECONDS,
            ),
            BenchResult("pack-screen", len(timings), p95, database.dialect, "p95_per_scan"),
        ]
    finally:
        database.dispose()
