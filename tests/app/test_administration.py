"""Administration at several desks at once on SQLite, and a data folder only its owner reads."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command

from app import database as database_module
from app.cli import main
from app.database import administration_lock, open_database
from db import schema
from db.engine import make_engine

ROOT = Path(__file__).resolve().parents[2]


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_at_once(*commands: list[str], timeout: float = 240) -> list[subprocess.CompletedProcess]:
    """Start every command before waiting for any, so they really overlap."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [
        subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv in commands
    ]
    done = []
    for process, argv in zip(processes, commands, strict=True):
        out, err = process.communicate(timeout=timeout)
        done.append(subprocess.CompletedProcess(argv, process.returncode, out, err))
    return done


def orderdesk(*args: str) -> list[str]:
    return [sys.executable, "-m", "app", *args]


def _older_sqlite_file(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'desk.sqlite'}"
    command.upgrade(schema.alembic_config(make_engine(url)), "0003_review")
    return url


# --------------------------------------------------------------------------- locking


def test_three_desks_upgrading_one_sqlite_file_on_start_at_once_all_open_it(tmp_path):
    url = _older_sqlite_file(tmp_path)
    opener = f"from app.database import open_database; open_database({url!r}).dispose()"
    results = run_at_once(*[[sys.executable, "-c", opener] for _ in range(3)])
    assert [(r.returncode, r.stderr) for r in results] == [(0, "")] * 3
    database = open_database(url, upgrade_sqlite=False)
    try:
        with database.engine.connect() as connection:
            assert schema.database_revision(connection) == schema.head_revision()
    finally:
        database.dispose()
    assert len(list(tmp_path.glob("desk.sqlite.*.bak"))) == 1  # upgraded once


def test_two_db_upgrades_and_two_demos_at_once_end_without_a_traceback(tmp_path):
    url = _older_sqlite_file(tmp_path)
    upgrades = run_at_once(*[orderdesk("db", "upgrade", "--db", url) for _ in range(2)])
    assert [r.returncode for r in upgrades] == [0, 0]
    said = sorted("upgraded from 0003_review" in r.stdout for r in upgrades)
    assert said == [False, True]  # the second waited, then found nothing to do
    assert all(
        "is already at schema version" in r.stdout for r in upgrades if "from" not in r.stdout
    )
    assert all(r.stderr == "" for r in upgrades)
    demo = orderdesk("demo", "--if-empty", "--orders", "20", "--db", url)
    demos = run_at_once(demo, demo)
    assert [r.returncode for r in demos] == [0, 0], [r.stderr[-600:] for r in demos]
    assert all("Traceback" not in r.stderr for r in demos)
    said = sorted("already holds data" in r.stdout for r in demos)
    assert said == [False, True]


def test_a_desk_that_cannot_get_the_lock_in_time_says_so_in_one_line(tmp_path, capsys, monkeypatch):
    url = _older_sqlite_file(tmp_path)
    monkeypatch.setattr(database_module, "ADMINISTRATION_WAIT_S", 0.3)
    holder = open_database(url, upgrade_sqlite=False, check_schema=False)
    try:
        with administration_lock(holder):
            code = main(["db", "upgrade", "--db", url])
    finally:
        holder.dispose()
    err = capsys.readouterr().err
    assert code != 0
    assert err.strip().splitlines() == [
        f"orderdesk: Another desk is upgrading or loading SQLite {tmp_path / 'desk.sqlite'};"
        " try again when it has finished."
    ]


# --------------------------------------------------------------------------- permissions


def test_a_new_sqlite_file_and_the_folders_made_for_it_are_private(tmp_path):
    path = tmp_path / "new" / "deeper" / "orderdesk.sqlite"
    open_database(f"sqlite:///{path}").dispose()
    assert _mode(tmp_path / "new") == 0o700 and _mode(path.parent) == 0o700
    assert _mode(path) == 0o600
    assert _mode(path.with_name("orderdesk.sqlite.lock")) == 0o600
    for sidecar in path.parent.glob("orderdesk.sqlite-*"):  # -wal, -shm
        assert _mode(sidecar) & 0o077 == 0, sidecar


def test_the_default_data_folder_and_an_old_file_are_made_private(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    folder.mkdir(mode=0o755)
    os.chmod(folder, 0o755)
    monkeypatch.setenv("ORDERDESK_DATA_DIR", str(folder))
    path = folder / "orderdesk.sqlite"
    command.upgrade(schema.alembic_config(make_engine(f"sqlite:///{path}")), "0003_review")
    os.chmod(path, 0o644)
    open_database(f"sqlite:///{path}").dispose()
    assert _mode(folder) == 0o700 and _mode(path) == 0o600
    backups = list(folder.glob("orderdesk.sqlite.*.bak"))
    assert len(backups) == 1 and _mode(backups[0]) == 0o600


def test_a_folder_the_user_chose_is_not_changed(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    os.chmod(folder, 0o755)
    open_database(f"sqlite:///{folder / 'o.sqlite'}").dispose()
    assert _mode(folder) == 0o755 and _mode(folder / "o.sqlite") == 0o600


@pytest.fixture(autouse=True)
def _quick_passwords_in_subprocesses(monkeypatch):
    monkeypatch.setenv("ORDERDESK_PASSWORD_COST", "quick")
