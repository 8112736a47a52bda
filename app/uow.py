"""One user action = one transaction: commit explicitly, roll back otherwise."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from app.errors import ConcurrentUpdate


class UnitOfWork:
    """``with db.unit_of_work() as uow: ...; uow.commit()``.

    Leaving the block without ``commit()`` (or with an exception) rolls everything back,
    so a failed action changes nothing. A lost optimistic-locking race surfaces as
    ``ConcurrentUpdate`` whether it is found at flush or at commit.

    ``uow.session`` is a ``UnitSession`` on one connection of the engine's pool: the ORM
    session behind it is only made when ORM work is asked of it. A factory bound to a
    connection of its own (the demo's load: every unit a savepoint of one transaction)
    hands out its plain sessions instead.
    """

    session: Any  # a UnitSession, or the factory's own Session; both act as a Session

    def __init__(self, session_factory: Callable[..., Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        engine = _engine_of(self._session_factory)
        if engine is None:
            self.session = self._session_factory()
        else:
            self.session = UnitSession(engine, self._session_factory)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # close() rolls back whatever was not committed without expiring loaded objects,
        # so plain values read inside the block stay readable after it.
        self.session.close()
        if isinstance(exc, StaleDataError):
            raise ConcurrentUpdate() from exc

    @property
    def connection(self) -> Connection:
        """The session's connection, in this unit of work's transaction, for Core statements
        on tables (``Model.__table__``) in hot paths: about half the cost of the same
        statement through ``session.execute(update(Model)...)``, which takes the ORM's path
        (synchronising the session's objects). It neither flushes the session first nor
        refreshes its objects afterwards: call ``flush()`` before when ORM changes are
        pending, and don't read rows it changed through objects the session already holds.
        """
        return self.session.connection()

    def flush(self) -> None:
        try:
            self.session.flush()
        except StaleDataError as exc:
            raise ConcurrentUpdate() from exc

    def commit(self) -> None:
        try:
            self.session.commit()
        except StaleDataError as exc:
            raise ConcurrentUpdate() from exc

    def rollback(self) -> None:
        self.session.rollback()


def _engine_of(factory: Callable[..., Session]) -> Engine | None:
    """The engine a session factory binds its sessions to; None when it binds them to
    something else (a connection)."""
    bind = getattr(factory, "engine", None)  # db.engine.LazySessionFactory
    if bind is None:
        bind = getattr(factory, "kw", {}).get("bind")  # a sessionmaker
    return bind if isinstance(bind, Engine) else None


class UnitSession:
    """A unit of work's session: one pooled connection and its transaction, and an ORM
    ``Session`` on that same transaction made at the first ORM call.

    A desk's scan is a few prepared statements (``app.prepared``) and an audit event. The
    ORM session's own bookkeeping (its transaction states, binding and releasing the
    connection, the identity map at close) cost more than those statements and the event
    together (``bench txn``: a transaction with one event took 115 µs of CPU through it on
    SQLite, 70 µs without), so a unit of work that never asks for the ORM never makes one.
    Anything a ``Session`` has that this class has not (``get``, ``execute``, ``add``,
    ``scalars`` …) is the ORM session's, made on first use; it joins the connection's
    transaction (``join_transaction_mode="rollback_only"``) and shares ``info``, so audit
    events recorded before or after it go in with the same commit.

    ``commit()`` commits the whole unit (the ORM session's flush and audit hook first,
    then the events recorded without it, then the connection): the same for a caller that
    calls ``session.commit()`` as for ``uow.commit()``.
    """

    def __init__(self, engine: Engine, make_session: Callable[..., Session]) -> None:
        self.info: dict = {}
        # What ``Session.bind`` tells the few who look (``app.live``): the database.
        self.bind = engine
        self._engine = engine
        self._make_session = make_session
        self._connection: Connection | None = None
        self._driver: tuple[Dialect, Any] | None = None
        self._orm: Session | None = None

    # ------------------------------------------------------------------- the transaction

    def _begun(self) -> Connection:
        connection = self._connection
        if connection is None:
            connection = self._connection = self._engine.connect()
        if not connection.in_transaction():
            connection.begin()
        return connection

    def driver(self) -> tuple[Dialect, Any]:
        """The dialect and the driver's connection, in this unit's transaction."""
        connection = self._connection
        if connection is None or not connection.in_transaction():
            connection = self._begun()
        if self._driver is None:
            self._driver = (connection.dialect, connection.connection.driver_connection)
        return self._driver

    def connection(self, *args: Any, **kwargs: Any) -> Connection:
        if self._orm is not None:
            return self._orm.connection(*args, **kwargs)
        return self._begun()

    def get_bind(self, *_args: Any, **_kwargs: Any) -> Engine:
        """The engine, as an engine-bound ``Session`` answers: per-database caches (the
        package and carrier tables) are kept by it, not by this unit's connection."""
        return self._engine

    def in_transaction(self) -> bool:
        """Always: the unit's transaction begins with its first statement, whatever it is
        (``app.audit`` asks before keeping an event)."""
        return True

    def flush(self, *args: Any, **kwargs: Any) -> None:
        if self._orm is not None:
            self._orm.flush(*args, **kwargs)

    def commit(self) -> None:
        from app.audit.service import take_pending, write_chained

        if self._orm is not None:
            # Flushes, and its audit hook writes the events kept in the shared ``info``.
            self._orm.commit()
        rows = take_pending(self)
        if rows:
            write_chained(self._begun(), rows)
        connection = self._connection
        if connection is not None and connection.in_transaction():
            connection.commit()

    def rollback(self) -> None:
        from app.audit.service import take_pending

        take_pending(self)
        if self._orm is not None:
            self._orm.rollback()
        connection = self._connection
        if connection is not None and connection.in_transaction():
            connection.rollback()

    def close(self) -> None:
        from app.audit.service import take_pending

        take_pending(self)
        if self._orm is not None:
            self._orm.close()
        if self._connection is not None:
            self._connection.close()  # rolls back what was not committed
            self._connection = self._driver = None

    # ------------------------------------------------------------------- the ORM session

    def orm(self) -> Session:
        """The ORM session on this unit's transaction (made now if need be)."""
        orm = self._orm
        if orm is None:
            orm = self._make_session(bind=self._begun(), join_transaction_mode="rollback_only")
            orm.info.update(self.info)
            self.info = orm.info
            self._orm = orm
        return orm

    def __getattr__(self, name: str) -> Any:
        # Only what this class does not define. A name no session has is answered
        # without making one (``getattr(x, "session", x)`` asks if x is a unit of work).
        if name not in _SESSION_NAMES:
            raise AttributeError(name)
        return getattr(self.orm(), name)


def _session_names() -> frozenset[str]:
    """What a ``Session`` answers to: its class's names and those it sets on itself."""
    return frozenset(dir(Session)) | frozenset(vars(Session()))


_SESSION_NAMES = _session_names()
