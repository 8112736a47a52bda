"""Schema checks shared by the SQLite and PostgreSQL suites."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

from db.models import Base


def schema_differences(engine: Engine) -> list:
    """What autogenerate would change to make the migrated database match the models."""
    with engine.connect() as connection, warnings.catch_warnings():
        # Expression indexes cannot be reflected on SQLite; alembic warns and skips them.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": _declared_in_models}
        )
        return compare_metadata(context, Base.metadata)


def _declared_in_models(obj, name, type_, reflected, compare_to) -> bool:
    """Substring indexes live only in the migration (FTS5 tables, pg_trgm indexes)."""
    return not (name or "").startswith("customer_search_fts") and not (name or "").endswith("_trgm")
