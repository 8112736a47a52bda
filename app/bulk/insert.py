"""One bulk writer: many rows straight through the driver (SQLite executemany of one
prepared statement, PostgreSQL ``COPY``). ``bulk_insert`` takes dictionaries of Python
values and converts them by the columns' own types; ``insert_rows`` takes tuples that are
already driver-ready (the demo's builder makes them so)."""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import Connection, Table, text
from sqlalchemy.orm import Session

from db.models import UTCDateTime


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
    constants = {
        key: step(value) if (step := _bind_step(table, key, dialect)) else value
        for key, value in same.items()
    }
    insert_rows(connection, table, keys, values, into=into, constants=constants)


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    into: str | None = None,
    constants: dict | None = None,
) -> None:
    """Insert rows that are already what the driver takes: tuples in ``columns`` order.

    The one place rows go to the database in bulk: ``bulk_insert`` converts dictionaries
    of Python values and hands them on; the demo's builder makes driver-ready tuples itself
    (millions of rows, every conversion counts). SQLite: one ``executemany`` of a prepared
    INSERT; PostgreSQL: ``COPY``. ``into`` names another table with those columns (a
    staging table). ``constants``: columns with one driver-ready value for every row; on
    SQLite they are written into the statement once instead of being bound row by row.
    """
    if not rows:
        return
    constants = constants or {}
    unknown = [column for column in (*columns, *constants) if column not in table.c]
    if unknown:
        raise ValueError(f"{table.name} has no column(s) {unknown}")
    name = into or str(table.name)
    if connection.dialect.name == "postgresql":
        from psycopg import sql

        keys = [*columns, *constants]
        extra = tuple(constants.values())
        statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, keys))
        )
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor, cursor.copy(statement) as copy:
            if extra:
                for row in rows:
                    copy.write_row((*row, *extra))
            else:
                for row in rows:
                    copy.write_row(row)
        return
    quote = connection.dialect.identifier_preparer.quote
    names = ", ".join(quote(column) for column in (*columns, *constants))
    marks = ", ".join(["?"] * len(columns) + [_sqlite_literal(v) for v in constants.values()])
    connection.exec_driver_sql(f"INSERT INTO {quote(name)} ({names}) VALUES ({marks})", rows)


def move_sequences_past_ids(connection: Connection, tables: Iterable[Table]) -> None:
    """After rows were inserted with explicit ids: PostgreSQL's id sequences did not see
    them, so each is moved past the highest id (SQLite needs nothing)."""
    if connection.dialect.name != "postgresql":
        return
    quote = connection.dialect.identifier_preparer.quote
    for table in tables:
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, 'id'), max_id) "
                f"FROM (SELECT max(id) AS max_id FROM {quote(str(table.name))}) AS m "
                f"WHERE max_id IS NOT NULL"
            ),
            {"table": str(table.name)},
        )


def _bind_step(table: Table, key: str, dialect) -> Callable | None:
    column_type = table.c[key].type
    step = column_type.dialect_impl(dialect).bind_processor(dialect)
    # Four Python calls a value (decorator, processor, formatting) become one: times are
    # a good share of what an import converts. Used only while it writes the very text
    # the type's own converter writes.
    if (
        step is not None
        and isinstance(column_type, UTCDateTime)
        and dialect.name == "sqlite"
        and all(_sqlite_utc_text(value) == step(value) for value in _SAMPLE_TIMES)
    ):
        return _sqlite_utc_text
    return step


_SAMPLE_TIMES = (
    dt.datetime(2026, 11, 30, 6, 5, 4, 321, tzinfo=dt.UTC),
    dt.datetime(999, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=-5))),
    None,
)


def _sqlite_utc_text(value: dt.datetime | None) -> str | None:
    """What ``UTCDateTime`` binds on SQLite: the UTC time as SQLAlchemy's SQLite text."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given; orderdesk stores aware UTC times only")
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


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
