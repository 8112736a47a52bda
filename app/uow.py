"""One user action = one transaction: commit explicitly, roll back otherwise."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from app.errors import ConcurrentUpdate


class UnitOfWork:
    """``with db.unit_of_work() as uow: ...; uow.commit()``.

    Leaving the block without ``commit()`` (or with an exception) rolls everything back,
    so a failed action changes nothing. A lost optimistic-locking race surfaces as
    ``ConcurrentUpdate`` whether it is found at flush or at commit.
    """

    session: Session

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
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
