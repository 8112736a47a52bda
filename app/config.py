"""Where things live: the database URL and the per-user data and log directories."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_data_dir, user_log_dir

APP_NAME = "orderdesk"
DATABASE_URL_ENV = "ORDERDESK_DATABASE_URL"
DATA_DIR_ENV = "ORDERDESK_DATA_DIR"


def data_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) if override else Path(user_data_dir(APP_NAME, appauthor=False))


def log_dir() -> Path:
    override = os.environ.get(DATA_DIR_ENV)
    return Path(override) / "logs" if override else Path(user_log_dir(APP_NAME, appauthor=False))


def default_sqlite_path() -> Path:
    return data_dir() / "orderdesk.sqlite"


def resolve_database_url(explicit: str | None = None) -> str:
    """``--db`` wins, then ``ORDERDESK_DATABASE_URL``, then the SQLite file in the data dir."""
    if explicit:
        return explicit
    from_env = os.environ.get(DATABASE_URL_ENV)
    if from_env:
        return from_env
    return f"sqlite:///{default_sqlite_path()}"
