"""Alembic environment: always online, with the engine handed in by db.schema."""

from __future__ import annotations

from alembic import context

from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = config.attributes["engine"]
    with engine.begin() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # Batch mode lets SQLite alter tables by copy; constraints are named for it.
            render_as_batch=True,
            compare_type=True,
        )
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("orderdesk migrations run online only: use `orderdesk db upgrade`.")
run_migrations_online()
