"""Eight desks refunding the same order at the same instant (PostgreSQL): together they
never give back more than was paid, and every refused desk is told why."""

from __future__ import annotations

import multiprocessing as mp

from sqlalchemy import func, select

from app.database import open_database
from app.permissions import Actor, Role
from app.refunds.errors import RefundExceedsBalance
from app.refunds.service import request_refund
from db.models_refunds import OrderBalance, Refund
from tests import factories as f

DESKS = 8
AMOUNT = 3_000  # 8 × 30.00 asked of 100.00 paid: three fit


def _desk(url: str, order_id: int, desk: int, start, results) -> None:
    database = open_database(url)
    actor = Actor(None, f"desk{desk}", frozenset({Role.CUSTOMER_SERVICE.value}))
    start.wait()
    try:
        request_refund(database, actor, order_id, AMOUNT, f"desk {desk}")
        results.put("ok")
    except RefundExceedsBalance:
        results.put("refused")
    finally:
        database.dispose()


def test_eight_desks_refunding_one_order_never_exceed_what_was_paid(pg_url):
    database = open_database(pg_url)
    with database.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status="delivered", lines=[(f.product(s), 1)])
        order.total_cents, order.currency = 10_000, "EUR"
        f.card_payment(s, order, 10_000)
        uow.commit()
        order_id = order.id
    context = mp.get_context("spawn")
    start, results = context.Barrier(DESKS), context.Queue()
    desks = [
        context.Process(target=_desk, args=(pg_url, order_id, n, start, results))
        for n in range(DESKS)
    ]
    for desk in desks:
        desk.start()
    for desk in desks:
        desk.join(120)
    outcomes = sorted(results.get(timeout=5) for _ in desks)
    with database.unit_of_work() as uow:
        requested = uow.session.scalar(
            select(func.sum(Refund.amount_cents)).where(Refund.order_id == order_id)
        )
        balance = uow.session.get(OrderBalance, order_id)
    database.dispose()
    assert outcomes == ["ok"] * 3 + ["refused"] * 5
    assert requested == balance.refunded_cents == 9_000
