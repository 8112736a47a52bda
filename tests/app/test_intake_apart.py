"""The import desk's preview and import run in a process of their own: the same rows,
orders and summary as in this one, and the same named errors (a window's thread only
waits on a pipe while a file is scanned and written)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.bulk.forked import run_forked
from app.formats.common import SettlementReport
from app.intake import import_file, import_file_apart, preview_file
from db.models import Order

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


def orders_in(db) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(Order))


def test_an_import_apart_writes_the_same_orders_and_reports_progress(db, admin):
    reports: list[tuple[int, int]] = []
    summary = import_file_apart(db, admin, REPORT, progress=lambda *done: reports.append(done))
    assert (summary.new_orders, orders_in(db)) == (3, 3)
    assert reports and reports[-1][0] == reports[-1][1] == summary.units_total
    again = import_file(db, admin, REPORT)  # in this process: the same orders are here
    assert (again.new_orders, again.already_present) == (0, 3)


def test_an_import_apart_stops_when_cancelled_after_the_batch(db, admin, monkeypatch):
    import app.intake.service as service

    monkeypatch.setattr(service, "BATCH_ORDERS", 1)
    summary = import_file_apart(db, admin, REPORT, cancel=lambda: True)
    assert summary.cancelled and summary.new_orders == orders_in(db) == 1


def test_an_import_apart_raises_the_named_error_of_an_unreadable_file(db, admin, tmp_path):
    path = tmp_path / "settlement.txt"
    path.write_text("settlement-id\tsettlement-start-date\n1\t2026-11-01\n", encoding="utf-8")
    with pytest.raises(SettlementReport):
        import_file_apart(db, admin, path)


def test_an_import_apart_may_read_its_file_in_a_forked_reader_of_its_own(db, admin, monkeypatch):
    import app.intake.readers as readers
    import app.intake.service as service

    monkeypatch.setattr(readers, "WORKER_FROM_UNITS", 0)  # the reader even for a small file
    monkeypatch.setattr(service, "BATCH_ORDERS", 1)
    summary = import_file_apart(db, admin, REPORT)
    assert (summary.new_orders, orders_in(db)) == (3, 3)
