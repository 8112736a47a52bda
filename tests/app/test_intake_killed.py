"""An import killed with ``kill -9``: its reader dies with it, the batch shows as
interrupted, and running the import again finishes the job. Real processes, real signals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from app.database import open_database
from app.intake import import_file, mark_interrupted_imports
from app.intake.bench import write_report
from db.models import ImportBatch, Order

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the reader worker is Linux-only")

ROWS = 30_000  # above WORKER_FROM_UNITS: the file is read in a forked worker
ROOT = Path(__file__).parents[2]


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state == "Z"  # dead, waiting for whoever adopted it to reap it


def _start_import(path: Path, db_url: str) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "app", "import", str(path), "--db", db_url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _reader_of(process: subprocess.Popen, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        children = _children(process.pid)
        if children:
            return children[0]
        if process.poll() is not None:
            pytest.fail(f"the import ended before its reader started: {process.stderr.read()}")
        time.sleep(0.05)
    pytest.fail("the import never started its reader")


@pytest.fixture
def report(tmp_path: Path) -> Path:
    path = tmp_path / "orders.txt"
    write_report(path, ROWS)
    return path


def batches(db_url: str) -> list[tuple[str, int]]:
    database = open_database(db_url)
    try:
        with database.unit_of_work() as uow:
            rows = uow.session.execute(
                select(ImportBatch.status, ImportBatch.new_orders).order_by(ImportBatch.id)
            )
            return [tuple(row) for row in rows]
    finally:
        database.dispose()


def test_the_reader_dies_with_a_killed_import_and_the_batch_shows_as_interrupted(
    db_url, admin, report, staff_login
):
    process = _start_import(report, db_url)
    reader = _reader_of(process)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    deadline = time.monotonic() + 10
    while not _gone(reader) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(reader), "the reader outlived the import it was reading for"
    assert [status for status, _ in batches(db_url)] == ["running"]

    database = open_database(db_url)
    try:
        assert mark_interrupted_imports(database) == 1
        assert [status for status, _ in batches(db_url)] == ["interrupted"]
        summary = import_file(database, admin, report)  # the re-run finishes the job
        with database.unit_of_work() as uow:
            stored = len(uow.session.scalars(select(Order.id)).all())
    finally:
        database.dispose()
    first_run = batches(db_url)[0][1]
    assert summary.new_orders + summary.already_present == stored
    assert summary.already_present == first_run and summary.rejected_orders == 0
    assert [status for status, _ in batches(db_url)] == ["interrupted", "done"]


def test_a_killed_reader_is_one_clear_line_and_the_batch_failed(db_url, report, staff_login):
    process = _start_import(report, db_url)
    reader = _reader_of(process)
    os.kill(reader, signal.SIGKILL)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 2
    assert err.strip().splitlines() == [
        "orderdesk: The process reading the file stopped unexpectedly (exit code -9). The "
        "orders imported so far are kept whole; import the file again to finish."
    ]
    assert [status for status, _ in batches(db_url)] == ["failed"]


def test_a_running_import_of_this_process_is_not_taken_for_interrupted(db):
    with db.unit_of_work() as uow:
        uow.session.add(
            ImportBatch(
                file_name="x.txt",
                format="csv",
                actor_name="t",
                host=os.uname().nodename,
                pid=os.getpid(),
            )
        )
        uow.commit()
    assert mark_interrupted_imports(db) == 0
