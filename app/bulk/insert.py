"""One bulk writer: many rows straight through the driver (SQLite executemany of one
prepared statement, PostgreSQL ``COPY``), values converted by the columns' own types."""

from __future__ import annotations

import operator
from collections.abc import Callable

from sqlalchemy import Table
from sqlalchemy.orm import Session


def bulk_insert(
    session: Session,
    table: Table,
    rows: list[dict],
    into: str | None = None,
    same: dict | None = None,
) -> None:
    """Insert many rows straight through the driver, values converted by the columns' types.

    SQLite: one executemany of the SQL SQLAlchemy would write, without its per-row
    bookkeeping (most of the cost of inserting 100,000s of rows). PostgreSQL: COPY, which
    is many times faster than row-by-row INSERTs there. Every row has the same keys.
    ``into`` names another table with those columns (a staging table). ``same``: columns
    with one value for every row; on SQLite they are written into the statement once
    instead of being bound row by row (fewer values to build, convert and bind).
    """
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    keys = list(rows[0])
    convert = []  # (position, converter) of the columns whose values the driver cannot take
    for position, key in enumerate(keys):
        step = _bind_step(table, key, dialect)
        if step is not None:
            convert.append((position, _remembering(step)))
    pick = operator.itemgetter(*keys) if len(keys) > 1 else lambda row: (row[keys[0]],)
    if convert:
        values: list = []
        for row in rows:
            value = list(pick(row))
            for position, step in convert:
                value[position] = step(value[position])
            values.append(tuple(value))
    else:
        values = list(map(pick, rows))
    same = same or {}
    constants = [
        step(value) if (step := _bind_step(table, key, dialect)) else value
        for key, value in same.items()
    ]
    if dialect.name == "postgresql":
        from psycopg import sql

        keys = keys + list(same)
        values = [(*row, *constants) for row in values]
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(into or table.name), sql.SQL(", ").join(map(sql.Identifier, keys))
        )
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(statement) as copy:
            for row in values:
                copy.write_row(row)
        return
    placeholders = ", ".join(["?"] * len(keys) + [_sqlite_literal(v) for v in constants])
    columns = ", ".join([*keys, *same])
    connection.exec_driver_sql(
        f"INSERT INTO {into or table.name} ({columns}) VALUES ({placeholders})", values
    )


def _bind_step(table: Table, key: str, dialect) -> Callable | None:
    return table.c[key].type.dialect_impl(dialect).bind_processor(dialect)


def _sqlite_literal(value) -> str:
    """A value as SQLite reads it in a statement (already converted for the driver)."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no SQLite literal for {value!r}")


def _remembering(step: Callable) -> Callable:
    """A converter that reuses its last result: a batch repeats the same values (its time
    stamp, above all) row after row, and converting a datetime is not free."""
    last: list = [object(), None]

    def convert(value):
        if value is not last[0]:
            last[0], last[1] = value, step(value)
        return last[1]

    return convert
