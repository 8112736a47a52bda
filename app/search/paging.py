"""What every paged list shares: a short read per page, and where a page lies in a list.

A screen shows a list for minutes or hours. Holding one session open that long would pin
a read snapshot (SQLite's WAL cannot checkpoint past it; PostgreSQL keeps an idle
transaction open), so every count or page of a lazy table opens a unit of work, reads and
closes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import exc as sa_exc

from app.errors import DatabaseUnavailable

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.database import Database


@contextmanager
def short_read(database: Database) -> Iterator[Session]:
    """A session for one count or one page; a lost server or a locked file becomes a
    sentence for the screen (``DatabaseUnavailable``), not a traceback."""
    try:
        with database.unit_of_work() as uow:
            yield uow.session
    except sa_exc.OperationalError as exc:
        reason = (str(exc.orig).strip().splitlines() or [type(exc).__name__])[0]
        raise DatabaseUnavailable(database.description, reason) from exc


def page_window(offset: int, limit: int, total: int) -> tuple[int, int, int]:
    """Rows ``offset`` … ``offset + limit`` of ``total`` as (offset, limit, rows after the
    page), clamped to the list: a page near the end is read from the end, backwards."""
    offset = max(0, min(offset, total))
    limit = max(0, min(limit, total - offset))
    return offset, limit, total - offset - limit
