"""The label benches run end to end at a small size and report every figure."""

from __future__ import annotations

from app.bench import run_bench


def test_labels_and_picklist_benches_run_through_the_bench_command_and_report_their_figures():
    labels = run_bench("labels", 12, None)
    assert [result.figure.split(" (")[0] for result in labels] == [
        "pdf",
        "pdf, cpu time",
        "zpl 203 dpi",
        "zpl 203 dpi, cpu time",
        "zpl 300 dpi",
        "zpl 300 dpi, cpu time",
    ]
    assert all(result.n == 12 and result.seconds > 0 for result in labels)
    [wall, cpu] = run_bench("picklist-pdf", 30, None)
    assert wall.n == cpu.n == 30 and wall.target_seconds == 1.0
