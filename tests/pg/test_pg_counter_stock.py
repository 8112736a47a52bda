"""Shop counters saving at the same instant: the last unit is sold once, every sale gets
its own number, and what cannot be saved says why."""

from __future__ import annotations

import threading

from sqlalchemy import select

from app.address import PostalAddress
from app.counter.model import (
    CounterOrderDraft,
    CounterPayment,
    DraftLine,
    NewCustomer,
)
from app.counter.service import place_counter_order
from app.errors import InvalidInput, OrderdeskError
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


def test_eight_counters_saving_at_once_all_save_with_distinct_numbers_or_say_why(pg):
    """Eight desks of one store press Save at the same instant: four ship, four take the
    goods with them from a shelf that holds two. Every sale is saved with its own number,
    or refused with a sentence a person can act on — never a database error."""
    with pg.unit_of_work() as uow:
        s = uow.session
        lamp = factories.product(s, price_cents=2500)
        drone = factories.product(s, price_cents=49900)
        store = factories.warehouse(s, "MUC", bins=1)
        shelf = s.scalars(select(Bin).where(Bin.warehouse_id == store.id)).one()
        factories.stock(s, drone, store, 2, shelf.id)
        uow.commit()
    barrier = threading.Barrier(8)
    outcomes: dict[int, str] = {}

    def counter(n: int) -> None:
        collected = n % 2 == 1
        product, price = (drone, 49900) if collected else (lamp, 2500)
        draft = CounterOrderDraft(
            store_code="muc",
            new_customer=NewCustomer(f"Kunde {n}", phone=f"+49891234{n:03d}", email=""),
            address=None
            if collected
            else PostalAddress(
                line1=f"Marienplatz {n}", city="München", postal_code="80331", country_code="DE"
            ),
            lines=(DraftLine(product.id, 1),),
            payment=CounterPayment("cash", price),
        )
        barrier.wait()
        try:
            outcomes[n] = place_counter_order(pg.unit_of_work(), CLERK, draft).channel_order_id
        except OrderdeskError as refused:
            outcomes[n] = f"refused: {refused.message}"

    threads = [threading.Thread(target=counter, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == 8
    shipped = [outcomes[n] for n in range(0, 8, 2)]
    collected = [outcomes[n] for n in range(1, 8, 2)]
    assert all(o.startswith("SHOP-MUC-") for o in shipped), "\n".join(map(str, outcomes.items()))
    sold = [o for o in collected if o.startswith("SHOP-MUC-")]
    refused = [o for o in collected if not o.startswith("SHOP-MUC-")]
    assert len(sold) == 2 and all("at most 0" in o or "at most 1" in o for o in refused), outcomes
    numbers = shipped + sold
    assert len(set(numbers)) == 6
    with pg.unit_of_work() as uow:
        quant = uow.session.scalars(
            select(StockQuant).where(StockQuant.product_id == drone.id)
        ).one()
        assert (quant.on_hand, quant.reserved) == (0, 0)
        saved = uow.session.scalars(select(Order).where(Order.channel_order_id.like("SHOP-MUC-%")))
        assert sorted(o.channel_order_id for o in saved) == sorted(numbers)
