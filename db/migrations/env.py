"""Alembic environment: always online, with the engine handed in by db.schema."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection

from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with (
        engine.connect() as connection,
        _sqlite_foreign_keys_off(connection),
        connection.begin(),
    ):
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # Batch mode lets SQLite alter tables by copy; constraints are named for it.
            render_as_batch=True,
            compare_type=True,
        )
        context.run_migrations()
        _refuse_broken_references(connection)


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite: foreign keys off while migrating, as Alembic's batch mode requires.

    Batch mode rebuilds a table by copying it and dropping the old one; with foreign keys
    on, that DROP deletes every row first, cascading into the children (order lines,
    payments …). The pragma only takes effect outside a transaction, hence around it.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    previous = driver.execute("PRAGMA foreign_keys").fetchone()[0]
    driver.execute("PRAGMA foreign_keys=OFF")
    if driver.execute("PRAGMA foreign_keys").fetchone()[0] != 0:
        raise RuntimeError("foreign keys could not be turned off for the migration")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA foreign_keys={int(previous)}")


def _refuse_broken_references(connection: Connection) -> None:
    """With the checks off, a migration could leave a dangling reference: roll it back."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"the migration broke references: {broken[:5]}")


if context.is_offline_mode():
    raise SystemExit("orderdesk migrations run online only: use `orderdesk db upgrade`.")
run_migrations_online()
