"""``orderdesk bench stock --n N``: the stock desk's reads over N products, and its verbs.

N products in two warehouses (400 bins each), each held in one to three quants received
on different days, one in ten with a low-stock threshold (half of those low) and an
expected delivery for some; written with Core ``executemany`` in one transaction, so the
filling is not measured.

Figures:

* ``scan`` -- one scan identified and the dialogue advanced (what the desk does per key
  Enter before it books), median of 1,000 scans of products, bins and quantities
  (target ≤ 30 ms, the picking desk's target for a scan);
* ``receive`` -- receipts booked one per transaction (the scan that completes a receipt);
* ``move`` -- moves booked one per transaction;
* ``stock_first_page`` / ``stock_search`` / ``stock_last_page`` -- the stock list's first
  page, a name search, the page at the end (target ≤ 0.3 s each);
* ``low_stock`` -- the whole low-stock list with its suggestions (target ≤ 1 s).
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time

from sqlalchemy import insert

from app.bench import BenchResult, stopwatch
from app.database import open_database
from app.permissions import Actor, Role
from app.stock import queries, rules
from app.stock.service import identify, move_stock, receive_stock
from db.models import Bin, IncomingStock, Product, StockQuant, Warehouse, utcnow
from db.models_stock import ReorderRule

BENCH_ACTOR = Actor(user_id=None, username="bench", roles=frozenset({Role.SUPERVISOR.value}))
BINS_PER_WAREHOUSE = 400
SCANS = 1000
VERBS = 200


def _fill(database, n: int, rng: random.Random) -> None:
    today = utcnow().date()
    with database.engine.begin() as connection:
        connection.execute(
            insert(Warehouse.__table__),
            [
                {"id": 1, "code": "BEN1", "name": "Bench one", "country_code": "DE",
                 "city": "", "categories": ""},
                {"id": 2, "code": "BEN2", "name": "Bench two", "country_code": "FR",
                 "city": "", "categories": ""},
            ],
        )  # fmt: skip
        connection.execute(
            insert(Bin.__table__),
            [
                {"id": w * 10_000 + b, "warehouse_id": w, "code": f"B{w}-{b:04d}",
                 "pick_sequence": b * 10, "kind": "receiving" if b == 0 else "storage"}
                for w in (1, 2)
                for b in range(BINS_PER_WAREHOUSE)
            ],
        )  # fmt: skip
        connection.execute(
            insert(Product.__table__),
            [
                {"id": p, "sku": f"BEN-{p:07d}", "name": f"Bench product {p} 样品", "spec": "",
                 "model": "", "category": "bench", "price_cents": 1000, "currency": "EUR",
                 "weight_g": 100, "barcode": f"20{p:011d}", "fragile": False, "high_value": False,
                 "active": True}
                for p in range(1, n + 1)
            ],
        )  # fmt: skip
        quants, rules_, incoming = [], [], []
        for p in range(1, n + 1):
            warehouse = 1 + p % 2
            for _lot in range(1 + p % 3):
                quants.append(
                    {"product_id": p, "warehouse_id": warehouse,
                     "bin_id": warehouse * 10_000 + 1 + rng.randrange(BINS_PER_WAREHOUSE - 1),
                     "on_hand": rng.randint(1, 60), "reserved": 0,
                     "received_date": today - dt.timedelta(days=rng.randint(1, 200)), "version": 1}
                )  # fmt: skip
            if p % 10 == 0:
                rules_.append({"product_id": p, "warehouse_id": warehouse,
                               "min_quantity": 200 if p % 20 == 0 else 1, "pack_size": 6,
                               "updated_at": utcnow(), "version": 1})  # fmt: skip
            if p % 7 == 0:
                incoming.append({"product_id": p, "warehouse_id": warehouse, "quantity": 24,
                                 "expected_date": today + dt.timedelta(days=5), "reference": "PO",
                                 "status": "expected", "created_at": utcnow()})  # fmt: skip
        connection.execute(insert(StockQuant.__table__), quants)
        if rules_:
            connection.execute(insert(ReorderRule.__table__), rules_)
        if incoming:
            connection.execute(insert(IncomingStock.__table__), incoming)
    if database.dialect == "postgresql":
        # A live database has planner statistics; a freshly filled one gets them here.
        with database.engine.connect() as connection:
            connection.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")


def bench_stock(n: int, url: str) -> list[BenchResult]:
    rng = random.Random(11)
    database = open_database(url)
    results = []
    try:
        _fill(database, n, rng)
        dialect = database.dialect

        def result(figure: str, count: int, seconds: float, target: float | None = None):
            results.append(BenchResult("stock", count, seconds, dialect, figure, target))

        # one scan: identify + advance, as the desk does on each Enter
        codes = []
        for _ in range(SCANS):
            kind = rng.random()
            p = rng.randint(1, n)
            if kind < 0.4:
                codes.append(f"20{p:011d}")
            elif kind < 0.6:
                codes.append(f"BEN-{p:07d}")
            elif kind < 0.8:
                codes.append(f"B1-{rng.randrange(BINS_PER_WAREHOUSE):04d}")
            else:
                codes.append(str(rng.randint(1, 50)))
        timings = []
        state = rules.start("receive").state
        for code in codes:
            start = time.perf_counter()
            with database.unit_of_work() as uow:
                token = identify(uow.session, 1, code)
            step = rules.advance(state, token)
            state = step.state if not step.ready else rules.start("receive").state
            timings.append(time.perf_counter() - start)
        result("scan", 1, statistics.median(timings), 0.03)

        products = [rng.randrange(1, n + 1, 2) if n > 1 else 1 for _ in range(VERBS)]
        with stopwatch() as elapsed:
            for p in products:
                with database.unit_of_work() as uow:
                    receive_stock(
                        uow, BENCH_ACTOR, warehouse="BEN2", product=f"BEN-{p:07d}", quantity=5,
                        bin_code="B2-0000", free_receiving=True,
                    )  # fmt: skip
        result("receive", VERBS, elapsed())
        with stopwatch() as elapsed:
            for p in products:
                with database.unit_of_work() as uow:
                    move_stock(
                        uow, BENCH_ACTOR, warehouse="BEN2", product=f"BEN-{p:07d}", quantity=1,
                        from_bin="B2-0000", to_bin="B2-0001",
                    )  # fmt: skip
        result("move", VERBS, elapsed())

        pages = queries.StockPages(database, BENCH_ACTOR, queries.StockFilter(warehouse_id=1))
        with stopwatch() as elapsed:
            total = pages.count()
            pages.page_after(None, 100)
        result("stock_first_page", n, elapsed(), 0.3)
        search = queries.StockPages(database, BENCH_ACTOR, queries.StockFilter(search="product 12"))
        with stopwatch() as elapsed:
            search.count()
            search.page_after(None, 100)
        result("stock_search", n, elapsed(), 0.3)
        with stopwatch() as elapsed:
            pages.page_at(max(0, total - 100), 100, total)
        result("stock_last_page", n, elapsed(), 0.3)
        with stopwatch() as elapsed, database.unit_of_work() as uow:
            queries.low_stock(uow.session, BENCH_ACTOR)
        result("low_stock", n, elapsed(), 1.0)
    finally:
        database.dispose()
    return results
