"""The demo data set: a realistic, repeatable shop floor to try every desk on.

``orderdesk demo --orders N --seed S`` fills an *empty* database with

* four warehouses (Berlin, Manchester, Lyon, Shenzhen), each stocking some categories, with
  bins named zone-aisle-shelf (``A-01-03``) numbered in walking order;
* about 430 products in nine categories with valid, unique EAN-13 barcodes (books carry
  their ISBN-13), weights, fragile glass and ceramics, high-value electronics, and stock in
  lots with received dates (FIFO) -- a few products low or out of stock;
* customers from eight countries with Latin, Chinese and Japanese names, local addresses
  and postal codes, E.164 phones and e-mails; a few in arrears, frozen or banned;
* N orders from Amazon, the shops and partner platforms over the last 182 days, in every
  order status, with lines, payments, shipments and an audit event for every status change
  (order and shipment), each transition one the workflow tables allow;
* one demo user per role. Passwords are made with ``secrets``, returned once in
  ``DemoResult`` and stored only as scrypt hashes.

**Repeatable**: the same seed and the same reference time give the same rows, except the
users' passwords and hashes. The reference time ("now" of the demo) defaults to today's
midnight UTC, so the dates move with the day the demo is generated: the orders are always
those of the last six months, the newest just before midnight.

**Work for the review desk**: about 9 % of the orders wait in ``received`` with exactly one
of the problems listed in ``PROBLEM_KINDS`` (which also says how each looks in the data).
The other orders in ``received`` are the newest ones, clean, and the twins that each
duplicate copies.

All money is in EUR: the demo seller prices and sells in euros on every channel, so the
price-list check compares like with like.

**Speed** (``orderdesk bench demo --n N``): about fifteen rows an order, so every per-row
cost counts. Rows are plain tuples with pre-assigned primary keys (ids continue after any
rows already there), written per 5,000 orders inside one transaction through the one bulk
writer (``app.bulk.insert.insert_rows``): ``executemany`` of one prepared INSERT on
SQLite, ``COPY`` on PostgreSQL, whose sequences are then moved past the new ids. Core
``insert()`` with dictionaries ran at half the rate of tuples. Times are written as the
text ``db.models.UTCDateTime`` stores on SQLite and as ``timestamptz`` literals for COPY;
the ORM reads them back as aware UTC datetimes. From ``WORKER_FROM_ORDERS`` orders the one
forked reader (``app.bulk.forked``) makes the rows while this process writes them (same
builder, same rows), and SQLite loads with a rollback journal, no foreign-key checks and
no fsync (``_sqlite_loading_settings``). At 200,000 orders the writing process is the
bottleneck: about 11 s of CPU, nearly all inside SQLite's ``executemany`` (binding 3
million rows, filling the tables' indexes); the worker needs about 9 s.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from app.audit.rules import GENESIS
from app.bench import BenchResult, stopwatch
from app.database import Database, open_database
from app.demo.rows import _demo_users, _flushed_roles, _NewUser
from app.demo.writer import (
    WORKER_FROM_ORDERS,
    _demo_actors,
    _DemoTables,
    _make_rows,
    _sqlite_loading_settings,
    _write_users,
)
from app.errors import InvalidInput, OrderdeskError
from db.models import AuditEvent, Order, Product, User

# --------------------------------------------------------------------------- public API


class DemoAlreadyPresent(OrderdeskError):
    """The database already holds orders, products or users: the demo is not added."""

    def __init__(self, found: tuple[str, ...]) -> None:
        super().__init__(
            f"The database already holds {', '.join(found)}; "
            "the demo data set only goes into an empty database."
        )
        self.found = found


@dataclass(frozen=True)
class DemoUser:
    username: str
    password: str = field(repr=False)  # shown to the person once, never logged
    role: str


@dataclass(frozen=True)
class DemoResult:
    orders: int
    customers: int
    products: int
    warehouses: int
    users: tuple[DemoUser, ...]


def demo_reference_time(today: dt.date | None = None) -> dt.datetime:
    """The demo's "now": midnight UTC at the start of ``today`` (default: the current day)."""
    day = today or dt.datetime.now(dt.UTC).date()
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def generate_demo(
    database: Database,
    orders: int,
    seed: int,
    *,
    reference_time: dt.datetime | None = None,
    in_worker: bool | None = None,
    then: Callable[[Database, DemoResult], None] | None = None,
) -> DemoResult:
    """Fill an empty database with the demo data set in one transaction.

    Raises ``DemoAlreadyPresent`` (and writes nothing) when orders, products or users exist.
    ``in_worker``: make the rows in a second process while this one writes them; by
    default only from ``WORKER_FROM_ORDERS`` orders. The rows are the same either way.
    ``then``: more work on the fresh data (the desks' services: ``app.demo.desk_work``) in the
    same transaction, given a ``Database`` whose units of work are savepoints in it. Demo
    and desk work are then one thing: stopped, killed or failed at any point, nothing is
    kept, and the database is empty for the next try.
    """
    if orders < 0:
        raise InvalidInput("orders", orders, "a whole number of 0 or more")
    now = reference_time or demo_reference_time()
    if now.tzinfo is None:
        raise InvalidInput("reference time", now, "an aware UTC datetime")
    in_worker = orders >= WORKER_FROM_ORDERS if in_worker is None else in_worker
    with (
        database.engine.connect() as connection,
        _sqlite_loading_settings(connection),
        _cyclic_collector_paused(),
        database.session_factory(bind=connection) as session,
        session.begin(),
    ):
        _refuse_unless_empty(session)
        role_ids = {name: row.id for name, row in _flushed_roles(session).items()}
        writer = _DemoTables(session.connection())
        ids = writer.next_ids()
        actors = _demo_actors(ids)
        users: list[_NewUser] = []

        def write_users() -> None:
            # Hashing takes a moment per user: done while the worker makes the first rows.
            users.extend(_demo_users())
            _write_users(writer, users, role_ids, actors, now)

        head = session.execute(
            select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar()
        with _replace_guards_set_aside(session.connection()):
            counts = _make_rows(
                seed,
                now,
                orders,
                database.dialect,
                in_worker,
                ids=ids,
                actors=actors,
                audit_head=head or GENESIS,
                write_batch=writer.write_batch,
                meanwhile=write_users,
            )
        writer.move_sequences_past_new_ids()
        result = DemoResult(
            orders=counts.orders,
            customers=counts.customers,
            products=counts.products,
            warehouses=counts.warehouses,
            users=tuple(DemoUser(user.username, user.password, user.role) for user in users),
        )
        if then is not None:
            session.flush()
            then(within_transaction(database, connection), result)
    return result


def _refuse_unless_empty(session: Session) -> None:
    found = tuple(
        name
        for name, model in (("orders", Order), ("products", Product), ("users", User))
        if session.scalar(select(model.id).limit(1)) is not None
    )
    if found:
        raise DemoAlreadyPresent(found)


def within_transaction(database: Database, connection: Connection) -> Database:
    """``database`` seen through ``connection``'s open transaction: each unit of work is a
    savepoint in it (its commit releases the savepoint; the transaction commits later)."""
    factory = sessionmaker(bind=connection, join_transaction_mode="create_savepoint")
    return dataclasses.replace(database, session_factory=factory)


@contextmanager
def _replace_guards_set_aside(connection: Connection) -> Iterator[None]:
    """SQLite's guards against ``INSERT OR REPLACE`` on the append-only tables (audit trail,
    stock moves) look the new id up once per inserted row: half the writing time of a big
    demo. The load runs in one transaction into an empty database, where there is no row to
    replace, so the guards are dropped for the bulk insert and created again from their own
    stored SQL in the same transaction: any failure rolls back to the guards as they were.
    """
    if connection.dialect.name != "sqlite":
        yield
        return
    guards = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
        " AND name LIKE '%\\_no\\_replace' ESCAPE '\\'"
    ).all()
    for name, _sql in guards:
        connection.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in guards:
        connection.exec_driver_sql(sql)


@contextmanager
def _cyclic_collector_paused() -> Iterator[None]:
    """Millions of row tuples, none of them in a cycle: the collector would rescan them
    again and again for nothing (a third of the time at 200,000 orders)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def bench_demo(n: int, url: str) -> list[BenchResult]:
    """``orderdesk bench demo --n N``: ``generate_demo`` of N orders into an empty database."""
    database = open_database(url)
    try:
        with stopwatch() as elapsed:
            generate_demo(database, orders=n, seed=1)
        return [BenchResult(bench="demo", n=n, seconds=elapsed(), db=database.dialect)]
    finally:
        database.dispose()
