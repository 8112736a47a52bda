"""Intake with the file read in a worker process: the same batches, counts and rows as
reading it in this process, and the worker is used only where it pays."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

import app.intake.readers as intake
from app.database import open_database
from app.intake import import_file
from app.intake.bench import _ensure_catalogue, write_report
from db.models import (
    Address,
    AuditEvent,
    Customer,
    ImportBatch,
    IntakeConflict,
    Order,
    OrderImport,
    OrderLine,
    Payment,
)

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the worker is forked: Linux")

STORED = (Order, OrderLine, Payment, Customer, Address, OrderImport, AuditEvent, IntakeConflict)
# Stamped with the moment of the import, so they differ between two runs.
# The audit chain's hashes cover each event's time, so they differ with the clock too.
CLOCK_COLUMNS = {"received_at", "status_changed_at", "created_at", "at", "prev_hash", "hash"}
ROWS = 400
BATCH = 25


@pytest.fixture
def report_file(tmp_path: Path) -> Path:
    path = tmp_path / "orders.txt"
    write_report(path, ROWS)
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[200].split("\t")
    cells[9] = "two"  # quantity: this order is rejected, whole
    lines[200] = "\t".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def two_databases(tmp_path: Path, _migrated_template: Path):
    databases = []
    for name in ("here", "worker"):
        path = tmp_path / f"{name}.sqlite"
        shutil.copyfile(_migrated_template, path)
        database = open_database(f"sqlite:///{path}")
        _ensure_catalogue(database)
        databases.append(database)
    yield databases
    for database in databases:
        database.dispose()


@pytest.fixture
def worker_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    real = intake._batches_from_worker

    def counted(*args):
        calls.append(1)
        return real(*args)

    monkeypatch.setattr(intake, "_batches_from_worker", counted)
    return calls


def contents(database) -> dict[str, list[tuple]]:
    tables = {}
    with database.unit_of_work() as uow:
        for model in STORED:
            table = model.__table__
            columns = [c for c in table.c if c.name not in CLOCK_COLUMNS]
            rows = uow.session.execute(select(*columns).order_by(*table.primary_key)).all()
            tables[table.name] = [tuple(row) for row in rows]
    return tables


def comparable(summary) -> dict:
    return summary.as_json() | {"import_batch_id": None, "file": None}


def test_reading_in_a_worker_stores_and_counts_exactly_what_reading_here_does(
    two_databases, report_file, admin, worker_calls, monkeypatch
):
    here, worker = two_databases
    monkeypatch.setattr(intake, "WORKER_FROM_UNITS", 10**9)
    seen_here: list[tuple[int, int]] = []
    by_here = import_file(
        here, admin, report_file, batch_orders=BATCH, progress=lambda *p: seen_here.append(p)
    )
    assert worker_calls == []
    monkeypatch.setattr(intake, "WORKER_FROM_UNITS", 0)
    seen_worker: list[tuple[int, int]] = []
    by_worker = import_file(
        worker, admin, report_file, batch_orders=BATCH, progress=lambda *p: seen_worker.append(p)
    )
    assert worker_calls == [1]
    assert by_worker.rejected_orders == 1 and by_worker.new_orders > 150
    assert comparable(by_worker) == comparable(by_here)
    assert by_worker.rejected_rows == by_here.rejected_rows
    assert seen_worker == seen_here  # the same batches, committed at the same points
    assert contents(worker) == contents(here)


def test_a_re_import_is_read_here_where_present_orders_are_not_even_parsed(
    two_databases, report_file, admin, worker_calls, monkeypatch
):
    database = two_databases[0]
    monkeypatch.setattr(intake, "WORKER_FROM_UNITS", 0)
    import_file(database, admin, report_file, batch_orders=BATCH)
    again = import_file(database, admin, report_file, batch_orders=BATCH)
    assert worker_calls == [1]  # the first import only
    assert (again.new_orders, again.rejected_orders) == (0, 1)


def test_a_small_file_is_read_here(two_databases, report_file, admin, worker_calls):
    import_file(two_databases[0], admin, report_file, batch_orders=BATCH)
    assert worker_calls == []  # 400 rows are below WORKER_FROM_UNITS


def test_an_error_while_reading_in_the_worker_fails_the_import_after_whole_batches(
    two_databases, report_file, admin, monkeypatch
):
    database = two_databases[0]
    monkeypatch.setattr(intake, "WORKER_FROM_UNITS", 0)
    real = intake.source_as_tuple
    seen: list[int] = []

    def failing(source):
        seen.append(1)
        if len(seen) > 2 * BATCH:  # in the worker's third batch
            raise OSError("the disk went away")
        return real(source)

    monkeypatch.setattr(intake, "source_as_tuple", failing)
    with pytest.raises(OSError, match="the disk went away"):
        import_file(database, admin, report_file, batch_orders=BATCH)
    with database.unit_of_work() as uow:
        batch = uow.session.scalars(select(ImportBatch)).one()
        stored = len(uow.session.scalars(select(Order.id)).all())
    # The first batch read here, two read by the worker; never part of one.
    assert batch.status == "failed"
    assert stored == batch.new_orders and 0 < stored <= 3 * BATCH
    assert batch.units_done < ROWS


def test_cancel_stops_the_worker_between_batches(two_databases, report_file, admin, monkeypatch):
    database = two_databases[0]
    monkeypatch.setattr(intake, "WORKER_FROM_UNITS", 0)
    answers = iter([False, False, True])
    summary = import_file(
        database, admin, report_file, batch_orders=BATCH, cancel=lambda: next(answers)
    )
    assert summary.cancelled and summary.new_orders == 3 * BATCH
