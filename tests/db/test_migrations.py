"""The migrations build exactly the schema the models describe, and keep evidence immutable."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, inspect, text
from sqlalchemy.exc import DatabaseError as SADatabaseError

from db import schema
from db.engine import make_engine
from db.models import AuditEvent
from tests.support.schema import schema_differences


def test_migrated_sqlite_schema_equals_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    assert schema_differences(engine) == []


def test_expression_indexes_for_customer_search_exist(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    with engine.connect() as connection:
        names = set(connection.scalars(text("SELECT name FROM sqlite_master WHERE type='index'")))
    assert {"ix_customers_name_lower", "ix_customers_email_lower"} <= names


def test_downgrade_to_base_removes_every_table(tmp_path):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    command.downgrade(schema.alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}


def test_audit_events_cannot_be_changed_or_deleted(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    with engine.begin() as connection:
        connection.execute(
            insert(AuditEvent).values(
                actor_name="x", entity_type="order", entity_id=1, action="status", reason=""
            )
        )
    for statement in ("UPDATE audit_events SET reason = 'edited'", "DELETE FROM audit_events"):
        with pytest.raises(SADatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT reason FROM audit_events")) == ""


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    with engine.connect() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert connection.scalar(text("PRAGMA busy_timeout")) >= 5000
