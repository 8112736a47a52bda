"""Several desks (processes) receive, move and count one product at once on PostgreSQL:
no unit is lost or made up, and the quants always equal what the stock moves add up to."""

from __future__ import annotations

import multiprocessing
import random

from sqlalchemy import func, select

from app.database import open_database
from app.errors import CountBelowReserved, NotEnoughStock, StockChangedSinceCounted
from app.permissions import Role
from app.stock import queries
from app.stock.service import book_count, move_stock, receive_stock
from db.models import Bin, StockMove, StockQuant
from tests import factories
from tests.conftest import make_actor

DESKS = 6
ACTIONS_PER_DESK = 40
BINS = ("R-01", "A-00", "A-01", "A-02")
SUPERVISOR = make_actor(Role.SUPERVISOR, username="desk")


def _desk(url: str, seed: int, results) -> None:
    """One workstation: a random mix of receipts, moves and counts of the same product."""
    rng = random.Random(seed)
    database = open_database(url)
    received = moves = counts = refused = 0
    try:
        for _ in range(ACTIONS_PER_DESK):
            action = rng.random()
            try:
                with database.unit_of_work() as uow:
                    if action < 0.45:
                        receive_stock(
                            uow, SUPERVISOR, warehouse="BER1", product="PEN-1",
                            quantity=rng.randint(1, 9), bin_code=rng.choice(BINS),
                        )  # fmt: skip
                        received += 1
                    elif action < 0.9:
                        source, target = rng.sample(BINS, 2)
                        move_stock(
                            uow, SUPERVISOR, warehouse="BER1", product="PEN-1",
                            quantity=rng.randint(1, 6), from_bin=source, to_bin=target,
                        )  # fmt: skip
                        moves += 1
                    else:
                        book_count(
                            uow, SUPERVISOR, warehouse="BER1", product="PEN-1",
                            bin_code=rng.choice(BINS), counted=rng.randint(0, 15),
                            reason="Cycle count",
                        )  # fmt: skip
                        counts += 1
            except (NotEnoughStock, CountBelowReserved, StockChangedSinceCounted):
                refused += 1
    finally:
        database.dispose()
    results.put((received, moves, counts, refused))


def test_desks_receiving_moving_and_counting_one_product_never_lose_a_unit(pg):
    with pg.unit_of_work() as uow:
        s = uow.session
        warehouse = factories.warehouse(s, "BER1", bins=3)
        s.add(Bin(warehouse_id=warehouse.id, code="R-01", kind="receiving", pick_sequence=99))
        product = factories.product(s, "PEN-1")
        uow.commit()
        product_id = product.id
    url = pg.engine.url.render_as_string(hide_password=False)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    desks = [context.Process(target=_desk, args=(url, seed, results)) for seed in range(DESKS)]
    for desk in desks:
        desk.start()
    outcomes = [results.get(timeout=240) for _ in desks]
    for desk in desks:
        desk.join(timeout=30)
        assert desk.exitcode == 0
    done = sum(r + m + c for r, m, c, _refused in outcomes)
    assert done > DESKS * ACTIONS_PER_DESK // 2  # most actions went through, not refused
    with pg.unit_of_work() as uow:
        s = uow.session
        by_moves = {k: v for k, v in queries.on_hand_from_moves(s, product_id).items() if v}
        by_quants = {k: v for k, v in queries.on_hand_by_bin(s, product_id).items() if v}
        assert by_moves == by_quants
        assert s.scalar(select(func.min(StockQuant.on_hand))) >= 0
        receipts = s.scalar(
            select(func.count()).select_from(StockMove).where(StockMove.kind == "receipt")
        )
        assert receipts == sum(r for r, _m, _c, _x in outcomes)
