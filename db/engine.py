"""Engine and session factory for SQLite (one desk) and PostgreSQL (many desks)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_S = 5


def make_engine(url: str | URL, *, echo: bool = False) -> Engine:
    """Create an engine; nothing connects until first use."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        engine = create_engine(
            url,
            echo=echo,
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
        )
        event.listen(engine, "connect", _configure_sqlite_connection)
        return engine
    return create_engine(
        url,
        echo=echo,
        pool_pre_ping=True,
        connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S},
    )


def _configure_sqlite_connection(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    try:
        # WAL lets the GUI read while a worker thread writes; NORMAL is durable under WAL
        # except for the last transactions on power loss, the usual desktop trade-off.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    finally:
        cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    from sqlalchemy.orm import sessionmaker

    # expire_on_commit=False: services return plain values built after commit.
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


class LazySessionFactory:
    """``make_session_factory(engine)``, made at the first session: the ORM (half a second
    of imports) loads after the login window shows, not before."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory: sessionmaker[Session] | None = None

    def __call__(self, **options: Any) -> Session:
        if self._factory is None:
            self._factory = make_session_factory(self.engine)
        return self._factory(**options)
