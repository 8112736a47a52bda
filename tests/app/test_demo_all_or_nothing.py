"""`orderdesk demo` is all or nothing: stopped, killed or failed during its desk work, it
leaves an empty database that the next run fills, and what it says on Ctrl-C is true."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.database import open_database
from app.demo import desk_work as demo_desk_work
from db.models import AuditEvent, ImportBatch, Order, Product, User

ROOT = Path(__file__).parents[2]
ORDERS = 200


def counts(db_url: str) -> dict[str, int]:
    database = open_database(db_url)
    try:
        with database.unit_of_work() as uow:
            return {
                model.__tablename__: uow.session.scalar(select(func.count()).select_from(model))
                for model in (Order, Product, User, ImportBatch, AuditEvent)
            }
    finally:
        database.dispose()


EMPTY = {"orders": 0, "products": 0, "users": 0, "import_batches": 0, "audit_events": 0}


def test_ctrl_c_during_the_desk_work_keeps_nothing_and_says_so(db_url, monkeypatch, capsys):
    reviewed = demo_desk_work._review_all_but_newest

    def interrupted(*args, **kwargs):
        reviewed(*args, **kwargs)  # the imports and the review are in by now
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_desk_work, "_review_all_but_newest", interrupted)
    assert main(["demo", "--orders", str(ORDERS), "--db", db_url]) == 2
    assert "interrupted; nothing half-done was kept" in capsys.readouterr().err
    assert counts(db_url) == EMPTY
    monkeypatch.undo()
    assert main(["demo", "--orders", str(ORDERS), "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Demo users (passwords are shown only now" in out
    assert counts(db_url)["orders"] > ORDERS


def test_a_failing_desk_work_stage_rolls_the_whole_demo_back(db_url, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(demo_desk_work, "_add_incoming_stock", broken)
    with pytest.raises(RuntimeError):
        main(["demo", "--orders", str(ORDERS), "--db", db_url])
    assert counts(db_url) == EMPTY


@pytest.mark.skipif(sys.platform == "win32", reason="kill -9")
def test_a_demo_killed_during_its_desk_work_leaves_an_empty_database(db_url, tmp_path):
    flag = tmp_path / "staging"
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        from app.demo import desk_work as demo_desk_work
        from app.cli import main

        reviewed = demo_desk_work._review_all_but_newest

        def slow(*args, **kwargs):
            done = reviewed(*args, **kwargs)
            Path({str(flag)!r}).write_text("desk work under way")
            time.sleep(600)
            return done

        demo_desk_work._review_all_but_newest = slow
        main(["demo", "--orders", "{ORDERS}", "--db", {db_url!r}])
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script], env=os.environ | {"PYTHONPATH": str(ROOT)}
    )
    try:
        deadline = time.monotonic() + 120
        while not flag.exists():
            assert process.poll() is None, "the demo ended before its desk work"
            assert time.monotonic() < deadline, "the demo never reached its desk work"
            time.sleep(0.1)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert counts(db_url) == EMPTY
    assert main(["demo", "--orders", str(ORDERS), "--db", db_url]) == 0
    assert counts(db_url)["users"] == 5
