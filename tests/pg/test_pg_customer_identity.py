"""Many desks creating the same customers at once on PostgreSQL: one customer each."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from app import auth
from app.address import PostalAddress
from app.counter.model import (
    CounterOrderDraft,
    CounterPayment,
    DraftLine,
    NewCustomer,
)
from app.counter.service import place_counter_order
from app.errors import LoginFailed, LoginThrottled
from app.intake import import_file
from app.permissions import Role
from db.models import AuditEvent, Customer, Order, User
from tests import factories
from tests.app.test_intake import ROWS, report, with_cell
from tests.conftest import make_actor

ADMIN = make_actor(Role.ADMIN, username="pg-admin")


def _at_once(count: int, work: Callable[[int], object]) -> tuple[list, list]:
    start = threading.Barrier(count)
    results, errors = [], []

    def run(index: int) -> None:
        start.wait()
        try:
            results.append(work(index))
        except Exception as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_four_imports_of_the_same_buyers_at_once_make_one_customer_per_buyer(pg, tmp_path):
    tag = uuid.uuid4().hex[:8]
    buyers = 60
    files: list[Path] = []
    for desk in range(4):
        rows = []
        for n in range(buyers * 2):  # each buyer twice per file, different orders per file
            row = with_cell(ROWS[2], "order-id", f"{tag}-{desk}-{n:05d}")
            row = with_cell(row, "order-item-id", "1")
            rows.append(with_cell(row, "buyer-email", f"b{n % buyers}.{tag}@marketplace.amazon.de"))
        files.append(report(tmp_path, *rows, name=f"desk{desk}.txt"))
    results, errors = _at_once(4, lambda i: import_file(pg, ADMIN, files[i], batch_orders=7))
    assert errors == []
    assert sum(r.new_orders for r in results) == 4 * buyers * 2
    assert sum(r.new_customers for r in results) == buyers
    with pg.unit_of_work() as uow:
        found = uow.session.execute(
            select(Customer.channel_buyer_id, func.count())
            .where(Customer.channel_buyer_id.like(f"amazon:%.{tag}@%"))
            .group_by(Customer.channel_buyer_id)
        ).all()
        orphans = uow.session.scalar(
            select(func.count()).where(
                Order.channel_order_id.like(f"{tag}-%"), Order.customer_id.is_(None)
            )
        )
    assert len(found) == buyers and {count for _, count in found} == {1}
    assert orphans == 0


def test_four_counters_saving_the_same_new_customer_at_once_make_one(pg):
    tag = uuid.uuid4().hex[:8]
    with pg.unit_of_work() as uow:
        lamp = factories.product(uow.session, f"LAMP-{tag}", price_cents=2500)
        uow.commit()
    draft = CounterOrderDraft(
        store_code="ber",
        new_customer=NewCustomer("Wang Fang", phone="+8613800138000", email=f"wf.{tag}@ex.cn"),
        address=PostalAddress(
            line1="Linden 5", city="Berlin", postal_code="10117", country_code="DE"
        ),
        lines=(DraftLine(lamp.id, 1),),
        payment=CounterPayment(method="cash", amount_cents=2500),
    )
    clerk = make_actor(Role.CUSTOMER_SERVICE, username="clerk")
    results, errors = _at_once(4, lambda _: place_counter_order(pg.unit_of_work(), clerk, draft))
    assert errors == []
    assert len({placed.customer_id for placed in results}) == 1
    assert sum(placed.customer_created for placed in results) == 1


def test_forty_parallel_wrong_passwords_are_all_counted_and_throttled(pg):
    name = f"u{uuid.uuid4().hex[:10]}"
    auth.add_user(pg.unit_of_work(), ADMIN, name, "correct horse battery", ["warehouse"])

    def attempt(_: int) -> str:
        try:
            auth.login(pg.unit_of_work(), name, "wrong password")
        except LoginFailed:
            return "failed"
        except LoginThrottled:
            return "throttled"
        return "ok"

    outcomes, errors = _at_once(40, attempt)
    assert errors == []
    assert sorted(outcomes) == sorted(["failed"] * 3 + ["throttled"] * 37)
    with pg.unit_of_work() as uow:
        user_id, failed = uow.session.execute(
            select(User.id, User.failed_logins).where(User.username == name)
        ).one()
        events = uow.session.scalar(
            select(func.count()).where(
                AuditEvent.entity_type == "user",
                AuditEvent.entity_id == user_id,
                AuditEvent.action == "login_failed",
            )
        )
    assert failed == 3 and events == 3


def test_forty_parallel_attempts_at_an_unknown_name_are_throttled_the_same(pg):
    name = f"nobody{uuid.uuid4().hex[:10]}"

    def attempt(_: int) -> str:
        try:
            auth.login(pg.unit_of_work(), name, "wrong password")
        except LoginFailed:
            return "failed"
        except LoginThrottled:
            return "throttled"
        return "ok"

    outcomes, errors = _at_once(40, attempt)
    assert errors == []
    assert sorted(outcomes) == sorted(["failed"] * 3 + ["throttled"] * 37)


def test_the_migration_merges_duplicates_on_postgresql_too(empty_pg_url):
    from alembic import command
    from sqlalchemy import text

    from db import schema
    from db.engine import make_engine
    from tests.db.test_customer_identity_migration import (
        MERGED_CUSTOMERS,
        MERGED_ORDERS,
        seed_duplicates,
    )

    engine = make_engine(empty_pg_url)
    try:
        command.upgrade(schema.alembic_config(engine), "0004_leaner_indexes")
        seed_duplicates(engine)
        schema.upgrade(engine)
        with engine.connect() as connection:
            customers = connection.execute(
                text("SELECT id, channel_buyer_id, email, phone, status FROM customers")
            ).all()
            orders = dict(connection.execute(text("SELECT id, customer_id FROM orders")).all())
            merged = connection.execute(
                text(
                    "SELECT entity_id, to_state, detail FROM audit_events"
                    " WHERE action = 'customers_merged' ORDER BY entity_id"
                )
            ).all()
    finally:
        engine.dispose()
    assert sorted(tuple(row) for row in customers) == MERGED_CUSTOMERS
    assert orders == MERGED_ORDERS
    assert [(row[0], row[1], row[2]["merged_ids"]) for row in merged] == [
        (1, "banned", [2, 3]),
        (4, "arrears", [5]),
    ]
