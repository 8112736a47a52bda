"""Engine and session factory for SQLite (one desk) and PostgreSQL (many desks)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 10_000
POSTGRES_CONNECT_TIMEOUT_S = 5
# A pooled PostgreSQL connection idle for longer than this is pinged before it is handed
# out (the server may have restarted or a firewall dropped it meanwhile); one used more
# recently is trusted, as its last transaction just went through. See ``_ping_when_idle``.
POSTGRES_PING_AFTER_IDLE_S = 2.0
_CHECKED_IN_AT = "orderdesk.checked_in_at"


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
    engine = create_engine(
        url, echo=echo, connect_args={"connect_timeout": POSTGRES_CONNECT_TIMEOUT_S}
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """``pool_pre_ping``, but only for a connection idle a while.

    A ping is a round trip (and psycopg switches autocommit on and off around it) before
    every transaction: a third of the client's time for a desk's one-scan transaction.
    A connection checked in a moment ago has just answered, so it is handed out as it is;
    if it broke in between, that transaction fails like any lost connection does and the
    pool drops it.
    """

    @event.listens_for(engine, "checkin")
    def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_CHECKED_IN_AT] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        checked_in_at = record.info.get(_CHECKED_IN_AT)
        if checked_in_at is not None and (
            time.monotonic() - checked_in_at < POSTGRES_PING_AFTER_IDLE_S
        ):
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            # The pool throws this connection away and checks out another (or a new one).
            raise sa_exc.DisconnectionError(str(exc)) from exc


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
