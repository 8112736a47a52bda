"""The bulk writer puts every row in, however many statements it takes on SQLite."""

from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.bulk.insert import bulk_insert, insert_rows

METADATA = MetaData()
ITEMS = Table(
    "items",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("code", String, unique=True, nullable=False),
    Column("n", Integer, nullable=False),
    Column("kind", String, nullable=False),
)


def _session() -> Session:
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    return Session(engine)


def test_rows_past_one_statements_worth_all_go_in_with_their_constants() -> None:
    with _session() as session:
        rows = [(f"c{i}", i) for i in range(1203)]  # many statements' worth, and a rest
        insert_rows(session.connection(), ITEMS, ("code", "n"), rows, constants={"kind": "x"})
        stored = session.execute(select(ITEMS.c.code, ITEMS.c.n, ITEMS.c.kind)).all()
    assert sorted(stored, key=lambda r: r.n) == [(f"c{i}", i, "x") for i in range(1203)]


def test_a_duplicate_fails_the_insert_unless_conflicts_are_skipped() -> None:
    with _session() as session:
        bulk_insert(session, ITEMS, [{"code": "a", "n": 1, "kind": "x"}])
        rows = [{"code": code, "n": 2, "kind": "y"} for code in ("a", "b", "c")]
        bulk_insert(session, ITEMS, rows, skip_conflicts=True)
        stored = dict(session.execute(select(ITEMS.c.code, ITEMS.c.n)).all())
        assert stored == {"a": 1, "b": 2, "c": 2}
        with pytest.raises(IntegrityError, match="UNIQUE"):
            bulk_insert(session, ITEMS, [{"code": "b", "n": 3, "kind": "z"}])
