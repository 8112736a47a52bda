"""On a shared PostgreSQL server: the schema, and who may change it."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from app.audit import record_event
from app.database import open_database, upgrade_database
from app.errors import SchemaMismatch, SchemaTooNew
from app.permissions import Role
from db import schema
from tests.conftest import make_actor
from tests.support.schema import schema_differences

ADMIN = make_actor(Role.ADMIN, username="admin")


def test_migrated_postgresql_schema_equals_the_models(pg):
    assert schema_differences(pg.engine) == []


def test_a_desk_does_not_upgrade_a_shared_database_it_names_both_versions(empty_pg_url):
    with pytest.raises(SchemaMismatch) as caught:
        open_database(empty_pg_url)
    assert "orderdesk db upgrade" in caught.value.message
    assert schema.head_revision() in caught.value.message
    database = open_database(empty_pg_url, check_schema=False)
    with database.engine.connect() as connection:
        assert schema.database_revision(connection) is None
    database.dispose()


def test_the_administrators_upgrade_brings_it_to_this_version(empty_pg_url):
    database = open_database(empty_pg_url, check_schema=False)
    before, after = upgrade_database(database)
    database.dispose()
    assert (before, after) == (None, schema.head_revision())
    open_database(empty_pg_url).dispose()


def test_a_database_from_a_newer_program_is_refused(empty_pg_url):
    database = open_database(empty_pg_url, check_schema=False)
    upgrade_database(database)
    with database.engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    database.dispose()
    with pytest.raises(SchemaTooNew) as caught:
        open_database(empty_pg_url)
    assert "9999_future" in caught.value.message


def test_the_audit_trail_is_append_only_on_postgresql(pg):
    with pg.unit_of_work() as uow:
        record_event(uow.session, ADMIN, entity_type="order", entity_id=1, action="status")
        uow.commit()
    with pytest.raises(DBAPIError, match="append-only"), pg.engine.begin() as connection:
        connection.execute(text("DELETE FROM audit_events"))


def test_the_description_names_host_and_database_not_the_password(pg):
    assert pg.description.startswith("PostgreSQL 127.0.0.1")
    assert "orderdesk_test_" in pg.description
