"""The import desk's preview read in a reader process: the same rows as in this one, and
the same named errors (a window's thread only waits on a pipe while a file is scanned)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.bulk.forked import run_forked
from app.formats.common import SettlementReport
from app.intake import preview_file

FIXTURES = Path(__file__).parent / "formats" / "fixtures"
REPORT = FIXTURES / "amazon_orders_report.txt"


def test_a_preview_read_apart_equals_one_read_here():
    assert preview_file(REPORT, apart=True) == preview_file(REPORT)


def test_work_run_apart_really_runs_in_another_process():
    assert run_forked(os.getpid, "test") != os.getpid()


def test_a_settlement_report_is_refused_apart_with_its_own_named_error(tmp_path):
    path = tmp_path / "settlement.txt"
    path.write_text(
        "settlement-id\tsettlement-start-date\torder-id\n1\t2026-11-01\t203-1234567-7654321\n",
        encoding="utf-8",
    )
    with pytest.raises(SettlementReport) as raised:
        preview_file(path, apart=True)
    assert raised.value.code == "SettlementReport" and str(path) in raised.value.message
