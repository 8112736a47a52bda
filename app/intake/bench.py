"""``orderdesk bench import --n N``: import an N-row Amazon order report, then again.

The report is generated like a real Orders report (``GET_FLAT_FILE_ORDERS_DATA``): 1–4
items per order, returning customers (a few buy often, most once), a catalogue in the
database that knows most SKUs but not all, UK and US marketplaces, some non-Latin names.
Figures: ``first`` (everything new), ``again`` (the same file: all already present) and
``changed`` (every order sent again with a new address line: the channel's later word,
decided and applied for each order).
Peak memory is the process's peak resident set size, and its reader worker's, shown
beside the database name. ``cpu_s`` and ``worker_cpu_s`` are the CPU seconds of this
process and of its reader worker over each figure (on a shared machine, compare those).
"""

from __future__ import annotations

import datetime as dt
import random
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import insert, select

from app.bench import BenchResult, stopwatch
from app.database import open_database
from app.intake import import_file
from app.permissions import Actor, Role
from db.models import Product

HEADER = (
    "order-id\torder-item-id\tpurchase-date\tpayments-date\tbuyer-email\tbuyer-name\t"
    "buyer-phone-number\tsku\tproduct-name\tquantity-purchased\tcurrency\titem-price\t"
    "item-tax\tshipping-price\tshipping-tax\tship-service-level\trecipient-name\t"
    "ship-address-1\tship-address-2\tship-address-3\tship-city\tship-state\t"
    "ship-postal-code\tship-country\tship-phone-number\tdelivery-start-date\t"
    "delivery-end-date\tdelivery-time-zone\tdelivery-Instructions\tsales-channel\t"
    "is-business-order\tpurchase-order-number\tprice-designation\tis-sold-by-ab"
)
CATALOGUE_SIZE = 500
UNKNOWN_SKU_SHARE = 0.05
FIRST_NAMES = ["Anna", "Ben", "Chloé", "David", "Emma", "Finn", "Grace", "Hiro", "Ines", "Jonas"]
LAST_NAMES = ["Smith", "Müller", "García", "Novak", "Brown", "O'Neill", "Dubois", "Rossi"]
CJK_NAMES = ["王小明", "李娜", "佐藤健", "김민준"]
CITIES = [
    ("London", "", "E1 6AN", "GB"),
    ("York", "North Yorkshire", "YO1 7HH", "GB"),
    ("Leeds", "West Yorkshire", "LS1 1AA", "GB"),
    ("Seattle", "WA", "98121-2778", "US"),
    ("Austin", "TX", "73301", "US"),
]
SERVICES = ["Standard"] * 8 + ["Expedited", "NextDay"]
BENCH_ACTOR = Actor(user_id=None, username="bench", roles=frozenset({Role.ADMIN.value}))


def bench_import(n: int, url: str) -> list[BenchResult]:
    database = open_database(url)
    try:
        _ensure_catalogue(database)
        with tempfile.TemporaryDirectory(prefix="orderdesk-import-bench-") as folder:
            path = Path(folder) / "orders.txt"
            rows = write_report(path, n)
            results = []
            for figure, target_rate in (("first", 20_000), ("again", 50_000)):
                with stopwatch() as elapsed, cpu_watch() as cpu:
                    summary = import_file(database, BENCH_ACTOR, path)
                peak_mib, worker_peak_mib = _peak_rss_mib()
                assert summary.rejected_row_count == 0, summary.rejected_rows[:3]
                label = f"{database.dialect}, {summary.new_orders} new / {summary.already_present}"
                results.append(
                    BenchResult(
                        bench="import",
                        n=rows,
                        seconds=elapsed(),
                        db=f"{label} present, peak RSS {peak_mib:.0f} MiB"
                        f" + reader worker {worker_peak_mib:.0f} MiB",
                        figure=figure,
                        target_seconds=rows / target_rate,
                        extra=cpu(),
                    )
                )
            # The channel's later word for every order (a second address line): each is
            # decided and updated in bulk (``channel_updates``), none is a conflict.
            changed = Path(folder) / "orders-changed.txt"
            _with_second_address_line(path, changed)
            with stopwatch() as elapsed, cpu_watch() as cpu:
                summary = import_file(database, BENCH_ACTOR, changed)
            assert summary.conflicts == 0 and summary.rejected_row_count == 0
            results.append(
                BenchResult(
                    bench="import",
                    n=rows,
                    seconds=elapsed(),
                    db=f"{database.dialect}, {summary.channel_updates} updated by the channel",
                    figure="changed",
                    target_seconds=rows / 10_000,
                    extra=cpu(),
                )
            )
            return results
    finally:
        database.dispose()


def _with_second_address_line(source: Path, target: Path) -> None:
    column = HEADER.split("\t").index("ship-address-2")
    with source.open(encoding="utf-8") as rows, target.open("w", encoding="utf-8") as out:
        out.write(next(rows))
        for row in rows:
            cells = row.rstrip("\n").split("\t")
            cells[column] = "Flat 2"
            out.write("\t".join(cells) + "\n")


@contextmanager
def cpu_watch() -> Iterator[Callable[[], dict]]:
    """CPU seconds of this process and of its finished children (the reader worker) over
    the block: the machine is shared, so wall time alone says little."""
    start_own, start_children = time.process_time(), _children_cpu()
    end: list[dict] = []
    yield lambda: end[0]
    end.append(
        {
            "cpu_s": round(time.process_time() - start_own, 2),
            "worker_cpu_s": round(_children_cpu() - start_children, 2),
        }
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _peak_rss_mib() -> tuple[float, float]:
    """This process's high-water mark so far, and the biggest of its finished children's
    (the import's reader worker; 0 when it read in this process)."""
    # ru_maxrss is in KiB on Linux.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def _ensure_catalogue(database) -> None:
    skus = [_sku(i) for i in range(CATALOGUE_SIZE)]
    with database.unit_of_work() as uow:
        known = set(uow.session.scalars(select(Product.sku).where(Product.sku.in_(skus))))
        missing = [
            {
                "sku": sku,
                "name": f"Product {sku}",
                "spec": "",
                "model": "",
                "category": "kitchen",
                "price_cents": 1299,
                "currency": "GBP",
                "weight_g": 400,
                "fragile": False,
                "high_value": False,
                "active": True,
            }
            for sku in skus
            if sku not in known
        ]
        if missing:
            uow.session.execute(insert(Product.__table__), missing)
        uow.commit()


def _sku(i: int) -> str:
    return f"BENCH-{i:05d}"


def write_report(path: Path, n: int, seed: int = 7) -> int:
    """Write an Orders report with ``n`` item rows; returns ``n``."""
    rng = random.Random(seed)
    customers = [_customer(rng, i) for i in range(max(1, n // 8))]
    start = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    written = 0
    order_no = 0
    with path.open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(HEADER + "\n")
        while written < n:
            order_no += 1
            items = min(rng.choice((1, 1, 1, 2, 2, 3, 4)), n - written)
            # A few customers buy often, most rarely: index skewed towards the front.
            customer = customers[int(len(customers) * rng.random() ** 3)]
            purchased = start + dt.timedelta(seconds=order_no * 7)
            order_id = f"{200 + order_no % 800:03d}-{order_no:07d}-{rng.randrange(10**7):07d}"
            service = rng.choice(SERVICES)
            for item in range(items):
                handle.write(_row(rng, order_id, item, purchased, customer, service) + "\n")
            written += items
    return written


def _customer(rng: random.Random, i: int) -> dict:
    name = (
        rng.choice(CJK_NAMES)
        if rng.random() < 0.05
        else f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
    )
    city, region, postal_code, country = rng.choice(CITIES)
    return {
        "email": f"b{i:07d}x@marketplace.amazon.co.uk",
        "name": name,
        "phone": f"+44 20 7946 {i % 10000:04d}" if rng.random() < 0.6 else "",
        "line1": f"{rng.randrange(1, 300)} {rng.choice(['Mill Lane', 'High St', 'Pine Ave'])}",
        "city": city,
        "region": region,
        "postal_code": postal_code,
        "country": country,
        "currency": "USD" if country == "US" else "GBP",
    }


def _row(
    rng: random.Random, order_id: str, item: int, purchased: dt.datetime, c: dict, service: str
) -> str:
    if rng.random() < UNKNOWN_SKU_SHARE:
        sku = f"UNLISTED-{rng.randrange(1000):04d}"
    else:
        sku = _sku(rng.randrange(CATALOGUE_SIZE))
    quantity = rng.choice((1, 1, 1, 2, 3))
    price = quantity * rng.randrange(299, 9999)
    paid = purchased + dt.timedelta(minutes=2)
    cells = [
        order_id,
        f"{rng.randrange(10**13):014d}",
        purchased.isoformat(),
        paid.isoformat(),
        c["email"],
        c["name"],
        c["phone"],
        sku,
        f"Product {sku}",
        str(quantity),
        c["currency"],
        f"{price / 100:.2f}",
        f"{price / 600:.2f}",
        "2.99" if item == 0 else "0.00",
        "0.50" if item == 0 else "0.00",
        service,
        c["name"],
        c["line1"],
        "",
        "",
        c["city"],
        c["region"],
        c["postal_code"],
        c["country"],
        c["phone"],
        "",
        "",
        "",
        "",
        "Amazon.co.uk" if c["country"] == "GB" else "Amazon.com",
        "false",
        "",
        "",
        "false",
    ]
    return "\t".join(cells)
