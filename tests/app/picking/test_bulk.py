"""Picking's driver writers on SQLite: every row in, every guarded row changed."""

from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, select
from sqlalchemy.orm import Session

from app.picking.bulk import driver_executemany, update_rows

METADATA = MetaData()
QUANTS = Table(
    "quants",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("on_hand", Integer, nullable=False),
    Column("reserved", Integer, nullable=False),
    Column("note", String, nullable=False),
)


def _session_with_quants(count: int) -> Session:
    engine = create_engine("sqlite://")
    METADATA.create_all(engine)
    session = Session(engine)
    rows = [(i, 10, 0, "") for i in range(count)]
    driver_executemany(session, QUANTS, ("id", "on_hand", "reserved", "note"), rows)
    return session


def test_many_rows_go_in_over_several_statements() -> None:
    with _session_with_quants(1234) as session:
        assert session.scalar(select(QUANTS.c.id).order_by(QUANTS.c.id.desc()).limit(1)) == 1233
        assert len(session.execute(select(QUANTS.c.id)).all()) == 1234


def test_guarded_update_binds_row_values_and_constants_in_their_places() -> None:
    with _session_with_quants(3) as session:
        changed = update_rows(
            session,
            "quants",
            "reserved = quants.reserved + v.n, note = ?",
            ["id"],
            [("id", "integer"), ("n", "integer")],
            [(0, 4), (1, 11), (2, 10)],  # 11 would pass on hand: refused by the guard
            constants=("taken",),
            where="quants.reserved + v.n <= quants.on_hand",
        )
        rows = session.execute(select(QUANTS.c.id, QUANTS.c.reserved, QUANTS.c.note)).all()
    assert changed == 2
    assert sorted(rows) == [(0, 4, "taken"), (1, 0, ""), (2, 10, "taken")]
