"""Many rows in one go, straight through the driver, in the session's transaction.

SQLite takes fifty rows per INSERT statement inside the process: cheap.
PostgreSQL runs each of those rows as a statement of its own on the server, which was most
of what an allocation cost there (``bench allocate``: 9,194 orders, 19 batches, over 30 s in
row-by-row inserts and updates); so on PostgreSQL rows go in with ``COPY`` and change with
one ``UPDATE … FROM unnest(arrays)`` per statement, and new rows take their ids from the
table's sequence first (one round trip) so nothing has to be read back.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence

from sqlalchemy.orm import Session

_ROW_VALUE = re.compile(r"\bv\.(\w+)")
_NAMED_MARK = re.compile(r":(\w+)")


def postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def driver_value(session: Session, column, value):
    """``value`` as the driver takes it for ``column`` (UTC time as SQLite stores it)."""
    processor = column.type.bind_processor(session.get_bind().dialect)
    return processor(value) if processor else value


def driver_executemany(session: Session, table, columns: Sequence[str], rows: list) -> None:
    """A plain INSERT of many rows: SQLAlchemy's per-row parameter processing cost more
    than the insert. Values must already be what the driver takes (see ``driver_value``)."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        _copy(connection, table.name, columns, rows)
        return
    # Rows go in fifty to a statement, one statement shape per table (the rest row by
    # row): SQLite took reservations a third faster than one executemany step per row.
    quote = connection.dialect.identifier_preparer.quote
    marks = f"({', '.join(['?'] * len(columns))})"
    into = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES "
    per = max(1, min(_ROWS_PER_STATEMENT, _SQLITE_MAX_VARIABLES // len(columns)))
    full = 0 if len(rows) < 2 * per else len(rows) - len(rows) % per
    if full:
        connection.exec_driver_sql(
            into + ", ".join([marks] * per),
            [tuple(v for row in rows[i : i + per] for v in row) for i in range(0, full, per)],
        )
    if full < len(rows):
        connection.exec_driver_sql(into + marks, list(rows[full:]))


# Fifty rows take most of the gain; longer statements only cost memory in the driver's
# statement cache. SQLite before 3.32 allows 999 bound values per statement.
_ROWS_PER_STATEMENT = 50
_SQLITE_MAX_VARIABLES = 999


def insert_with_ids(session: Session, table, columns: Sequence[str], rows: list) -> list[int]:
    """Insert ``rows`` and return their new ids, in the rows' order.

    PostgreSQL: the ids are drawn from the table's sequence first, then all rows are
    copied in with them. SQLite: one ``INSERT … RETURNING`` per row (SQLite would send a
    many-row RETURNING one row at a time anyway, and it costs no round trip there).
    """
    if not rows:
        return []
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        ids = sorted(
            connection.exec_driver_sql(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                (table.name, len(rows)),
            ).scalars()
        )
        _copy(
            connection,
            table.name,
            ("id", *columns),
            [(i, *r) for i, r in zip(ids, rows, strict=True)],
        )
        return ids
    statement = (
        f"INSERT INTO {table.name} ({', '.join(columns)}) "
        f"VALUES ({', '.join(['?'] * len(columns))}) RETURNING id"
    )
    return [connection.exec_driver_sql(statement, tuple(r)).scalar_one() for r in rows]


def driver_sql(session: Session, statement: str, rows: list) -> int:
    """``statement`` (written with ``?`` marks) run for many rows through the driver;
    returns the rows it changed."""
    connection = session.connection()
    return connection.exec_driver_sql(driver_marks(connection, statement), rows).rowcount


def update_rows(
    session: Session,
    table: str,
    sets: str,
    keys: Sequence[str],
    columns: Sequence[tuple[str, str]],
    rows: list,
    constants: tuple = (),
    where: str = "",
) -> int:
    """``UPDATE table SET sets WHERE keys match [AND where]`` for each of ``rows``;
    returns the rows changed.

    ``columns`` names each row value and its SQL type (``("id", "integer")``); ``sets``
    and ``where`` read them as ``v.name``, and ``sets`` the ``constants`` as ``?`` marks;
    ``keys`` are the columns (of ``columns``) that must equal the table's. Name the
    table's own columns with the table (``orders.version``) outside the left of ``=``.
    PostgreSQL: one statement over the rows as arrays. SQLite: executemany, row by row
    (positional marks).
    """
    if not rows:
        return 0
    connection = session.connection()
    names = [name for name, _type in columns]
    if connection.dialect.name == "postgresql":
        arrays = ", ".join(f"%s::{sql_type}[]" for _name, sql_type in columns)
        match = " AND ".join([*(f"{table}.{k} = v.{k}" for k in keys), *([where] if where else [])])
        statement = (
            f"UPDATE {table} SET {sets.replace('?', '%s')} "
            f"FROM unnest({arrays}) AS v({', '.join(names)}) WHERE {match}"
        )
        return connection.exec_driver_sql(
            statement, (*constants, *(list(column) for column in zip(*rows, strict=True)))
        ).rowcount
    # SQLite: v.name and ? become positional marks, each row's values (then the
    # constants) picked into their order: no dictionary per row, no lookup by name.
    marks = iter(range(len(constants)))
    named = re.sub(r"\?", lambda _m: f":c{next(marks)}", sets)
    match = " AND ".join([*(f"{k} = :{k}" for k in keys), *([where] if where else [])])
    statement = _ROW_VALUE.sub(r":\1", f"UPDATE {table} SET {named} WHERE {match}")
    position = {name: index for index, name in enumerate(names)}
    position.update({f"c{i}": len(names) + i for i in range(len(constants))})
    order = [position[name] for name in _NAMED_MARK.findall(statement)]
    statement = _NAMED_MARK.sub("?", statement)
    pick = operator.itemgetter(*order) if len(order) > 1 else lambda row: (row[order[0]],)
    fixed = tuple(constants)
    params = [pick((*row, *fixed)) for row in rows]
    return connection.exec_driver_sql(statement, params).rowcount


def driver_marks(connection, statement: str) -> str:
    """A statement written with ``?`` marks in the driver's own parameter style."""
    return statement if connection.dialect.paramstyle == "qmark" else statement.replace("?", "%s")


def _copy(connection, table: str, columns: Sequence[str], rows: list) -> None:
    from psycopg import sql

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
