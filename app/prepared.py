"""Statements the desks' scans run many times a minute (the picker's walk, the packing
station), declared once in Core and run straight on the driver's connection, inside the
session's transaction.

A scan is a handful of small statements on indexed rows. Through ``Connection.execute``
each cost 70–200 µs of SQLAlchemy's own work per run (cache key, parameter and result
processing, result objects), several times what the database spends on it. Here each
statement is compiled once per dialect; a run fills its parameters (through the same
bind processors SQLAlchemy would use, so UTC times, JSON and booleans are stored alike)
and hands the SQL to the driver; rows come back as tuples through the columns' result
processors. The SQL is what SQLAlchemy compiles, so it is the same on SQLite and
PostgreSQL (``?`` or ``%(name)s`` marks, PostgreSQL's casts), and the unit of work's
transaction, locks and commit are untouched: the session's connection is the one used.
A driver error is raised as SQLAlchemy's (``DBAPIError``), so the desks' retries still
see "database is locked", deadlocks and serialization failures.

Only for statements without ``IN`` lists (expanding parameters). Nothing is flushed
first (``Session.execute`` autoflushes): run them where no pending ORM change must be
seen, or flush before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Numeric, bindparam, insert
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import Executable

from app.uow import UnitSession

_NO_PARAMS: Mapping[str, Any] = {}


class _Plan:
    """One statement compiled for one dialect: its SQL, how to fill its marks, how to
    read its rows."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        self.given: dict[str, Callable | None] = {}
        self.fixed: dict[str, Any] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:
                self.given[name] = processor
            else:  # a literal of the statement ("claimed", 0 …): processed once
                value = bind.effective_value
                self.fixed[name] = processor(value) if processor else value
        self.order = compiled.positiontup  # None for named marks (PostgreSQL's psycopg)
        self.names = (*self.fixed, *self.given)
        self.processed = [(name, p) for name, p in self.given.items() if p is not None]
        columns = getattr(statement, "selected_columns", None)
        self.readers: list[tuple[int, Callable]] = []
        if columns is not None:
            for index, column in enumerate(columns):
                reader = _reader(column.type, dialect)
                if reader is not None:
                    self.readers.append((index, reader))

    def parameters(self, params: Mapping[str, Any]):
        values = self.fixed | params
        for name, processor in self.processed:
            values[name] = processor(values[name])
        if self.order is None:
            return {name: values[name] for name in self.names}
        return tuple(map(values.__getitem__, self.order))

    def read(self, row: tuple) -> tuple:
        if not self.readers:
            return row
        out = list(row)
        for index, reader in self.readers:
            out[index] = reader(out[index])
        return tuple(out)


def _reader(type_, dialect: Dialect) -> Callable | None:
    """The column type's result processor. PostgreSQL's NUMERIC asks for the column's type
    code, which a statement compiled ahead of its run does not have; psycopg returns a
    ``Decimal`` itself, so only a float-reading NUMERIC needs converting."""
    impl = type_.dialect_impl(dialect)
    try:
        return impl.result_processor(dialect, None)
    except Exception:
        if isinstance(impl, Numeric) and not impl.asdecimal:
            return lambda value: None if value is None else float(value)
        return None


_DRIVER = "orderdesk.prepared.driver"


def _driver(session: Session):
    """The dialect and the driver's connection of the session's transaction (begun here
    if need be). Kept with the session for that transaction: ``Session.connection()``
    costs more than a small statement."""
    if type(session) is UnitSession:
        return session.driver()
    transaction = session.get_transaction()
    kept = session.info.get(_DRIVER)
    if transaction is not None and kept is not None and kept[0] is transaction:
        return kept[1], kept[2]
    connection: Connection = session.connection()  # begins the transaction
    dialect, driver = connection.dialect, connection.connection.driver_connection
    session.info[_DRIVER] = (session.get_transaction(), dialect, driver)
    return dialect, driver


class Prepared:
    """``Prepared(select(...).where(T.c.id == bindparam("b_id")))``: the parameters the
    caller gives are the ``bindparam``s without a value; every other value in the
    statement is a constant of it."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._plans: dict[tuple[type, str], _Plan] = {}
        self._last: tuple[Dialect, _Plan] | None = None  # the one database most runs use

    def _plan(self, dialect: Dialect) -> _Plan:
        last = self._last
        if last is not None and last[0] is dialect:
            return last[1]
        key = (type(dialect), dialect.paramstyle)
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _Plan(self.statement, dialect)
        self._last = (dialect, plan)
        return plan

    def _run(self, session: Session, params: Mapping[str, Any]):
        dialect, driver = _driver(session)
        plan = self._plan(dialect)
        arguments = plan.parameters(params)
        try:
            return plan, driver.execute(plan.sql, arguments)
        except dialect.loaded_dbapi.Error as error:
            raise sa_exc.DBAPIError.instance(
                plan.sql, arguments, error, dialect.loaded_dbapi.Error, dialect=dialect
            ) from error

    def rowcount(self, session: Session, params: Mapping[str, Any] = _NO_PARAMS) -> int:
        """Run a write; the rows it changed."""
        _plan, cursor = self._run(session, params)
        return cursor.rowcount

    def all(self, session: Session, params: Mapping[str, Any] = _NO_PARAMS) -> list[tuple]:
        plan, cursor = self._run(session, params)
        rows = cursor.fetchall()
        if not plan.readers:
            return rows
        read = plan.readers  # inline: a list's tasks are read at every scan
        out = []
        for row in rows:
            values = list(row)
            for index, reader in read:
                values[index] = reader(values[index])
            out.append(tuple(values))
        return out

    def first(self, session: Session, params: Mapping[str, Any] = _NO_PARAMS) -> tuple | None:
        plan, cursor = self._run(session, params)
        row = cursor.fetchone()
        return None if row is None else plan.read(row)

    def scalar(self, session: Session, params: Mapping[str, Any] = _NO_PARAMS) -> Any:
        row = self.first(session, params)
        return None if row is None else row[0]


class PreparedInsert(Prepared):
    """``INSERT`` of one row of the named columns (separated by spaces):
    ``add(session, {column: value})``."""

    def __init__(self, table, column_names: str) -> None:
        columns = tuple(column_names.split())
        values = {name: bindparam(f"b_{name}", type_=table.c[name].type) for name in columns}
        super().__init__(insert(table).values(values))
        self.columns = columns

    def add(self, session: Session, values: Mapping[str, Any]) -> None:
        self.rowcount(session, {f"b_{name}": values[name] for name in self.columns})
