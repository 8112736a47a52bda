"""``orderdesk bench NAME --n N``: the performance targets, measured the same way every time.

Each bench prints one result per figure. Benches that need the screens live in
``ui/bench.py`` and are looked up by name here, so this module never imports Qt.
"""

from __future__ import annotations

import importlib
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.config import resolve_database_url
from app.errors import InvalidInput


@dataclass(frozen=True)
class BenchResult:
    bench: str
    n: int
    seconds: float
    db: str
    figure: str = ""  # which figure of a bench with several ("first_rows", "jump_to_end", …)
    target_seconds: float | None = None
    extra: dict | None = None  # further figures a bench reports (e.g. desks: violations)

    @property
    def per_second(self) -> float:
        return self.n / self.seconds if self.seconds > 0 else float("inf")

    def as_json(self) -> dict:
        result = {
            "bench": self.bench,
            "n": self.n,
            "seconds": round(self.seconds, 4),
            "per_second": round(self.per_second, 1),
            "db": self.db,
        }
        if self.figure:
            result["figure"] = self.figure
        if self.target_seconds is not None:
            result["target_seconds"] = self.target_seconds
            result["meets_target"] = self.seconds <= self.target_seconds
        if self.extra:
            result.update(self.extra)
        return result

    def as_text(self) -> str:
        name = f"{self.bench}/{self.figure}" if self.figure else self.bench
        target = ""
        if self.target_seconds is not None:
            verdict = "ok" if self.seconds <= self.target_seconds else "MISSED"
            target = f"  (target ≤ {self.target_seconds:g} s: {verdict})"
        extra = "".join(f"  {key}={value}" for key, value in (self.extra or {}).items())
        return (
            f"{name:<28} n={self.n:<9} {self.seconds:9.4f} s  {self.per_second:12,.0f}/s  "
            f"[{self.db}]{target}{extra}"
        )


BenchFunction = Callable[[int, str], list[BenchResult]]

# name → "module:function"; each function takes (n, database URL) and returns results.
BENCHES: dict[str, str] = {
    "allocate": "app.picking.bench:bench_allocate",
    "demo": "app.demo:bench_demo",
    "desks": "app.desks_bench:bench_desks",
    "flow": "app.shipping.bench:bench_flow",
    "import": "app.intake.bench:bench_import",
    "import-desk": "ui.import_bench:bench_import_desk",
    "labels": "app.labels.bench:bench_labels",
    "orders-view": "ui.bench:bench_orders_view",
    "picklist-pdf": "app.labels.bench:bench_picklist_pdf",
    "review": "app.review.bench:bench_review",
    "scan": "app.packing.bench:bench_scan",  # the picking walk and the packing station
    "scan-screen": "ui.picking_bench:bench_scan_screen",
    "pack-screen": "ui.packing_bench:bench_pack_screen",
    "startup": "ui.bench:bench_startup",
    "stock": "app.stock.bench:bench_stock",
    "tracking": "app.tracking.bench:bench_tracking",
    "txn": "app.audit.bench:bench_txn",  # the per-transaction floor (unit of work + audit)
    "language-switch": "ui.language_bench:bench_language_switch",
}


def run_bench(name: str, n: int, db_url: str | None) -> list[BenchResult]:
    if name not in BENCHES:
        raise InvalidInput("bench", name, "one of " + ", ".join(sorted(BENCHES)))
    module_name, function_name = BENCHES[name].split(":")
    function: BenchFunction = getattr(importlib.import_module(module_name), function_name)
    with bench_database_url(db_url) as url:
        return function(n, url)


@contextmanager
def bench_database_url(explicit: str | None) -> Iterator[str]:
    """Benches never touch the desk's own database: a throwaway SQLite file by default."""
    if explicit:
        yield resolve_database_url(explicit)
        return
    with tempfile.TemporaryDirectory(prefix="orderdesk-bench-") as folder:
        yield f"sqlite:///{Path(folder) / 'bench.sqlite'}"


@contextmanager
def stopwatch() -> Iterator[Callable[[], float]]:
    start = time.perf_counter()
    end: list[float] = []
    yield lambda: (end[0] if end else time.perf_counter()) - start
    end.append(time.perf_counter())
