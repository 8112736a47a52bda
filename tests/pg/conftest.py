"""PostgreSQL tests: each run creates its own throwaway database and drops it afterwards.

Set ORDERDESK_TEST_PG_URL to a server URL whose user may CREATE DATABASE, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/postgres (``.ci/run`` does). The database
named in the URL is only used to create and drop the throwaway ones, never written to.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.database import Database, open_database, parse_url, upgrade_database

PG_URL_ENV = "ORDERDESK_TEST_PG_URL"


def _server_url() -> str:
    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.skip(
            f"{PG_URL_ENV} is not set: PostgreSQL tests need a server to create databases on"
        )
    return url


def _admin_engine(server_url: str):
    return create_engine(parse_url(server_url), isolation_level="AUTOCOMMIT")


def create_throwaway_database(server_url: str) -> str:
    name = f"orderdesk_test_{uuid.uuid4().hex[:12]}"
    engine = _admin_engine(server_url)
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(parse_url(server_url)).set(database=name).render_as_string(hide_password=False)


def drop_throwaway_database(server_url: str, url: str) -> None:
    name = make_url(url).database
    assert name and name.startswith("orderdesk_test_"), "refusing to drop a database not ours"
    engine = _admin_engine(server_url)
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture
def empty_pg_url() -> Iterator[str]:
    """A brand-new, empty database for this test alone."""
    server = _server_url()
    url = create_throwaway_database(server)
    yield url
    drop_throwaway_database(server, url)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """One migrated database for the run; tests make their own rows and do not clean up."""
    server = _server_url()
    url = create_throwaway_database(server)
    database = open_database(url, check_schema=False)
    upgrade_database(database)
    database.dispose()
    yield url
    drop_throwaway_database(server, url)


@pytest.fixture
def fresh_pg(empty_pg_url: str) -> Iterator[Database]:
    """A migrated database of this test alone, for a test that counts every row of a table
    (the session's shared database holds the other tests' rows)."""
    database = open_database(empty_pg_url, check_schema=False)
    upgrade_database(database)
    database.dispose()
    database = open_database(empty_pg_url)
    yield database
    database.dispose()


@pytest.fixture
def pg(pg_url: str) -> Iterator[Database]:
    database = open_database(pg_url)
    yield database
    database.dispose()
