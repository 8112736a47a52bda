"""Two shop counters selling the last unit at the same instant: one sale, one refusal."""

from __future__ import annotations

import threading

from sqlalchemy import select

from app.counter.model import CounterOrderDraft, CounterPayment, DraftLine, NewCustomer
from app.counter.service import place_counter_order
from app.errors import InvalidInput
from app.permissions import Role
from db.models import Bin, Order, StockQuant
from tests import factories
from tests.conftest import make_actor

CLERK = make_actor(Role.CUSTOMER_SERVICE, username="clerk")


def test_two_counters_cannot_sell_the_last_unit_twice(pg):
    with pg.unit_of_work() as uow:
        s = uow.session
        drone = factories.product(s, price_cents=49900)
        store = factories.warehouse(s, "HAM", bins=1)
        shelf = s.scalars(select(Bin).where(Bin.warehouse_id == store.id)).one()
        factories.stock(s, drone, store, 1, shelf.id)
        uow.commit()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def counter(n: int) -> None:
        draft = CounterOrderDraft(
            store_code="ham",
            new_customer=NewCustomer(f"Kunde {n}", phone=f"+49301234{n:03d}", email=""),
            address=None,
            lines=(DraftLine(drone.id, 1),),
            payment=CounterPayment("cash", 49900),
        )
        barrier.wait()
        try:
            place_counter_order(pg.unit_of_work(), CLERK, draft)
            outcomes.append("sold")
        except InvalidInput as refused:
            assert "at most 0" in refused.message
            outcomes.append("refused")

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused", "sold"]
    with pg.unit_of_work() as uow:
        quant = uow.session.scalars(
            select(StockQuant).where(StockQuant.product_id == drone.id)
        ).one()
        assert (quant.on_hand, quant.reserved) == (0, 0)
        sold = uow.session.scalars(select(Order).where(Order.channel_order_id.like("SHOP-HAM-%")))
        assert len(list(sold)) == 1
