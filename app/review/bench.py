"""``orderdesk bench review --n N``: auto-review N received orders, and read the queues.

The orders come from a bulk filler here rather than the demo generator: the demo puts most
of its orders in later stages, and this bench needs exactly N orders waiting for review,
about nine in a hundred with one problem each (as a real intake day has), over customers,
countries and stock shaped like the demo's. Rows are written with Core ``executemany`` in
one transaction, so the filling is not what is measured.

Figures: ``auto_review`` (target 5,000 orders/s), ``queue_counts``, ``queue_first_page``
and ``detail`` (the review screen's reads: ≤ 0.5 s for the first rows, ≤ 0.1 s for the
next order's detail).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import Table, func, insert, select

from app.bench import BenchResult, stopwatch
from app.database import Database, open_database
from app.permissions import Actor, Role
from app.review.auto import ALL_RECEIVED, review_orders
from app.review.detail import review_detail
from app.review.model import ReviewSettings
from app.review.queries import QueuePages, ReviewQueue, queue_counts
from db.models import (
    Address,
    Bin,
    Customer,
    Order,
    OrderLine,
    Payment,
    Product,
    StockQuant,
    Warehouse,
)

TARGET_PER_SECOND = 5000
PROBLEM_SHARE = 0.09
CUSTOMERS_PER_ORDER = 0.3
PRODUCTS = 400
BENCH_ACTOR = Actor(user_id=None, username="bench", roles=frozenset({Role.SUPERVISOR.value}))


@dataclass(frozen=True)
class _Country:
    code: str
    city: str
    region: str
    language: str
    postal: str  # a format with # for digits
    phone: str  # a prefix of valid numbers; the rest is random digits


COUNTRIES = (
    _Country("DE", "Berlin", "", "en", "1####", "+49301234"),
    _Country("GB", "London", "", "en", "SW1A #AA", "+44207946"),
    _Country("FR", "Paris", "", "en", "750##", "+3314234"),
    _Country("US", "Mountain View", "CA", "en", "940##", "+1650253"),
    _Country("CN", "上海", "上海市", "zh", "200###", "+86138"),
    _Country("JP", "千代田区", "東京都", "en", "100-####", "+81352"),
)
PHONE_LENGTH = {"DE": 12, "GB": 13, "FR": 12, "US": 12, "CN": 14, "JP": 12}
CATEGORIES = ("kitchen", "garden", "toys", "books", "electronics", "tools", "home", "sport")
PROBLEMS = ("no_phone", "bad_postcode", "unpaid", "price_off", "unknown_sku", "short", "dup")


def bench_review(n: int, url: str) -> list[BenchResult]:
    database = open_database(url)
    try:
        fill_received_orders(database, n, seed=1)
        with stopwatch() as elapsed:
            # The rules alone: the allocation that follows at the desk has its own bench.
            summary = review_orders(
                database,
                BENCH_ACTOR,
                ALL_RECEIVED,
                settings=ReviewSettings(allocate_approved=False),
            )
        results = [
            BenchResult(
                "review",
                summary.reviewed,
                elapsed(),
                database.dialect,
                "auto_review",
                target_seconds=n / TARGET_PER_SECOND,
            )
        ]
        results.extend(_screen_reads(database))
        return results
    finally:
        database.dispose()


def _screen_reads(database: Database) -> list[BenchResult]:
    with stopwatch() as elapsed, database.unit_of_work() as uow:
        counts = queue_counts(uow.session, BENCH_ACTOR)
    results = [BenchResult("review", 1, elapsed(), database.dialect, "queue_counts", 0.5)]
    biggest = max(ReviewQueue, key=counts.of)
    with stopwatch() as elapsed:
        pages = QueuePages(database, BENCH_ACTOR, biggest)
        total = pages.count()
        rows = pages.page_after(None, 100)
    results.append(
        BenchResult("review", total, elapsed(), database.dialect, "queue_first_page", 0.5)
    )
    if rows:
        with stopwatch() as elapsed, database.unit_of_work() as uow:
            review_detail(uow.session, BENCH_ACTOR, rows[len(rows) // 2].id)
        results.append(BenchResult("review", 1, elapsed(), database.dialect, "detail", 0.1))
    return results


# --------------------------------------------------------------------------- filler


def fill_received_orders(database: Database, n: int, seed: int = 1) -> None:
    """N received orders (with customers, products, stock) added in one transaction."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with database.engine.begin() as connection:
        ids = _Ids(connection)
        products = _products(connection, ids, rng)
        customers = _customers(connection, ids, rng, max(1, int(n * CUSTOMERS_PER_ORDER)), now)
        _orders(connection, ids, rng, n, products, customers, now)


class _Ids:
    """Next free primary keys, so related rows can be written without reading ids back."""

    def __init__(self, connection) -> None:
        self._next: dict[str, int] = {}
        self._connection = connection

    def take(self, table: Table, count: int = 1) -> int:
        if table.name not in self._next:
            top = self._connection.scalar(select(func.max(table.c.id)))
            self._next[table.name] = (top or 0) + 1
        first = self._next[table.name]
        self._next[table.name] += count
        return first


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randint(0, 9)) if ch == "#" else ch for ch in pattern)


def _products(connection, ids: _Ids, rng: random.Random) -> list[tuple]:
    """(id, sku, price) of every product; a few with almost no stock."""
    warehouses = []
    for index, (code, cats) in enumerate(
        (("BER", ""), ("MAN", "books,toys,home"), ("LYO", "kitchen,garden"), ("SZX", ""))
    ):
        wid = ids.take(Warehouse.__table__)
        warehouses.append((wid, ids.take(Bin.__table__)))
        connection.execute(
            insert(Warehouse.__table__),
            [
                {
                    "id": wid,
                    "code": f"{code}{wid}",
                    "name": code,
                    "country_code": "DE",
                    "categories": cats,
                }
            ],
        )
        connection.execute(
            insert(Bin.__table__),
            [
                {
                    "id": warehouses[-1][1],
                    "warehouse_id": wid,
                    "code": f"A-{index:02d}",
                    "pick_sequence": index,
                }
            ],
        )
    first = ids.take(Product.__table__, PRODUCTS)
    rows, quants, products = [], [], []
    for pid in range(first, first + PRODUCTS):
        price = rng.randint(3, 300) * 100 - 1
        sku = f"BEN-{pid:06d}"
        category = CATEGORIES[pid % len(CATEGORIES)]
        rows.append(
            {
                "id": pid,
                "sku": sku,
                "name": f"Bench item {pid}",
                "spec": "",
                "model": "",
                "category": category,
                "price_cents": price,
                "currency": "EUR",
                "weight_g": 500,
                "fragile": False,
                "high_value": False,
                "active": True,
            }
        )
        scarce = pid % 97 == 0
        for wid, bin_id in warehouses[: 1 if scarce else 2]:
            quants.append(
                {
                    "product_id": pid,
                    "warehouse_id": wid,
                    "bin_id": bin_id,
                    "on_hand": 2 if scarce else 1_000_000,
                    "reserved": 0,
                    "received_date": dt.date(2026, 1, 1),
                    "version": 1,
                }
            )
        products.append((pid, sku, price))
    connection.execute(insert(Product.__table__), rows)
    connection.execute(insert(StockQuant.__table__), quants)
    return products


def _customers(connection, ids: _Ids, rng: random.Random, count: int, now) -> list[tuple]:
    """(id, country, phone, address line) per customer; one address each on file."""
    first = ids.take(Customer.__table__, count)
    first_address = ids.take(Address.__table__, count)
    customers, rows, addresses = [], [], []
    for offset in range(count):
        cid = first + offset
        country = COUNTRIES[offset % len(COUNTRIES)]
        width = PHONE_LENGTH[country.code] - len(country.phone)
        phone = country.phone + _digits(rng, "#" * width)
        line1 = f"Street {rng.randint(1, 9999)}"
        status = "banned" if offset % 500 == 499 else "active"
        rows.append(
            {
                "id": cid,
                "name": f"Customer {cid}",
                "email": f"c{cid}@example.com",
                "phone": phone,
                "status": status,
                "language": country.language,
                "created_at": now - dt.timedelta(days=rng.randint(30, 2000)),
                "version": 1,
            }
        )
        addresses.append(
            {
                "id": first_address + offset,
                "customer_id": cid,
                "recipient": "",
                "line1": line1,
                "line2": "",
                "line3": "",
                "city": country.city,
                "region": country.region,
                "postal_code": _digits(rng, country.postal),
                "country_code": country.code,
                "is_default": True,
            }
        )
        customers.append((cid, country, phone, line1, addresses[-1]["postal_code"]))
    connection.execute(insert(Customer.__table__), rows)
    connection.execute(insert(Address.__table__), addresses)
    return customers


def _orders(connection, ids: _Ids, rng: random.Random, n: int, products, customers, now) -> None:
    first = ids.take(Order.__table__, n)
    orders, lines, payments = [], [], []
    chunk = 20_000
    twin_of: tuple | None = None
    span_s = 30 * 86_400
    start = now - dt.timedelta(seconds=span_s + 600)
    for offset in range(n):
        oid = first + offset
        problem = rng.choice(PROBLEMS) if rng.random() < PROBLEM_SHARE else None
        if twin_of is not None:
            # The order just before, sent again by the same customer minutes later.
            customer, items, placed = twin_of
            placed += dt.timedelta(minutes=3)
            problem, twin_of = None, None
        else:
            customer = customers[rng.randrange(len(customers))]
            # Over the last 30 days, in the order they arrived (ids grow with time).
            placed = start + dt.timedelta(seconds=offset * span_s // n + rng.randint(0, 59))
            items = rng.sample(products, rng.randint(1, 3))
            if problem == "dup":
                twin_of = (customer, items, placed)
        cid, country, phone, line1, postal = customer
        order_lines = []
        for line_no, (pid, sku, price) in enumerate(items, start=1):
            quantity = rng.randint(1, 3) if problem != "short" else 50
            unit = price if problem != "price_off" or line_no > 1 else price * 9 // 10
            order_lines.append(
                {
                    "order_id": oid,
                    "line_no": line_no,
                    "product_id": None if problem == "unknown_sku" else pid,
                    "sku": "NO-SUCH-SKU" if problem == "unknown_sku" else sku,
                    "product_name": f"Bench item {pid}",
                    "quantity": quantity,
                    "unit_price_cents": unit,
                    "line_total_cents": unit * quantity,
                    "tax_cents": 0,
                    "discount_cents": 0,
                }
            )
        total = sum(line["line_total_cents"] for line in order_lines)
        orders.append(
            {
                "id": oid,
                "channel": "bench",
                "channel_order_id": f"B-{oid:09d}",
                "customer_id": cid,
                "status": "received",
                "priority": 0,
                "requested_service": "standard",
                "currency": "EUR",
                "subtotal_cents": total,
                "shipping_cents": 0,
                "tax_cents": 0,
                "discount_cents": 0,
                "total_cents": total,
                "ship_name": f"Customer {cid}",
                "ship_phone": None if problem == "no_phone" else phone,
                "ship_line1": line1,
                "ship_line2": "",
                "ship_line3": "",
                "ship_city": country.city,
                "ship_region": country.region,
                "ship_postal_code": "??" if problem == "bad_postcode" else postal,
                "ship_country": country.code,
                "purchased_at": placed,
                "received_at": placed,
                "status_changed_at": placed,
                "version": 1,
            }
        )
        lines.extend(order_lines)
        if problem != "unpaid":
            payments.append(
                {
                    "order_id": oid,
                    "method": "card",
                    "status": "captured",
                    "amount_cents": total,
                    "currency": "EUR",
                    "card_brand": "visa",
                    "card_last4": "4242",
                    "card_exp_month": 12,
                    "card_exp_year": now.year + 3,
                    "processor_token": f"tok_{oid}",
                    "paid_at": placed,
                }
            )
        if len(orders) >= chunk:
            _write(connection, orders, lines, payments)
    _write(connection, orders, lines, payments)


def _write(connection, orders: list, lines: list, payments: list) -> None:
    if orders:
        connection.execute(insert(Order.__table__), orders)
    if lines:
        connection.execute(insert(OrderLine.__table__), lines)
    if payments:
        connection.execute(insert(Payment.__table__), payments)
    orders.clear()
    lines.clear()
    payments.clear()
