"""Each bench that drives the screens (registered in ``app.bench.BENCHES`` from ``ui/``) runs
at a tiny size through the one bench command, as ``orderdesk bench NAME`` runs it (its own
process: a bench leaves its windows and their live refresh behind), and reports its
figures; the other benches run in tests/app/test_bench_registry.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.bench import BENCHES

ROOT = Path(__file__).resolve().parents[2]
SCREEN_BENCHES = sorted(name for name, target in BENCHES.items() if target.startswith("ui."))


def test_the_screens_have_benches():
    assert {"orders-view", "startup"} <= set(SCREEN_BENCHES)


@pytest.mark.parametrize("name", SCREEN_BENCHES)
def test_each_screen_bench_runs_at_a_tiny_size_and_reports_its_figures(name, tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    n = "1" if name == "startup" else "3"
    done = subprocess.run(
        [sys.executable, "-m", "app", "bench", name, "--n", n, "--json"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert results, done.stdout
    assert all(result["bench"].startswith(name) for result in results), results
    assert all(result["seconds"] >= 0 for result in results)
    figures = [(result["bench"], result.get("figure", "")) for result in results]
    assert len(figures) == len(set(figures)), figures
