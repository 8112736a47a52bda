"""``orderdesk bench labels`` and ``orderdesk bench picklist-pdf``: label drawing speed.

No database is involved (the labels layer is plain data in, bytes out); the ``--db`` option
is ignored. Each label has its own order, shipment and tracking numbers and its own
addressee (every tenth one in Chinese or Japanese, drawn as a ^GF graphic in ZPL), as on a
mixed day's parcels.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

from app.address import PostalAddress
from app.bench import BenchResult, stopwatch
from app.labels.model import (
    ContentLine,
    PickListDoc,
    PickStop,
    ShippingLabelDoc,
    ToteSplit,
)

PDF_LABELS_PER_SECOND = 1_000
ZPL_LABELS_PER_SECOND = 20_000
PICKLIST_SECONDS = 1.0

_WAREHOUSE = PostalAddress(
    recipient="Orderdesk Warehouse GmbH",
    line1="Lagerstraße 12",
    city="Hamburg",
    postal_code="20095",
    country_code="DE",
)
_STREETS = ("Hauptstraße", "Rue de Rivoli", "Via Roma", "Calle Mayor", "Kerkstraat", "High Street")
_CITIES = (
    ("Berlin", "10115", "DE"),
    ("Paris", "75001", "FR"),
    ("Roma", "00184", "IT"),
    ("Madrid", "28013", "ES"),
    ("Utrecht", "3511", "NL"),
    ("London", "SW1A 1AA", "GB"),
)
_EAST = (
    PostalAddress(
        recipient="王小明",
        line1="朝阳区建国路88号",
        city="北京市",
        postal_code="100022",
        country_code="CN",
    ),
    PostalAddress(
        recipient="山田 太郎",
        line1="千代田1-1-1",
        city="千代田区",
        postal_code="100-0001",
        region="東京都",
        country_code="JP",
    ),
)
_PRODUCTS = (
    ContentLine("EAR-PRO", "Wireless earbuds Pro", "black", 1),
    ContentLine("TORCH-M", "Crème brûlée torch", "size M", 2),
    ContentLine("MUG-BLU", "Enamel mug", "blue, 350 ml", 1),
    ContentLine("EAR-CN", "无线蓝牙耳机 降噪", "黑色", 1),
)


@contextmanager
def cpu_stopwatch() -> Iterator[Callable[[], float]]:
    """Processor time of this process: on a machine shared with other work the wall clock
    measures the neighbours too, so the benches report both."""
    start = time.process_time()
    end: list[float] = []
    yield lambda: (end[0] if end else time.process_time()) - start
    end.append(time.process_time())


def sample_shipping_docs(n: int) -> list[ShippingLabelDoc]:
    docs = []
    for i in range(n):
        if i % 10 == 9:  # each its own person: the name line is drawn anew every time
            east = _EAST[(i // 10) % 2]
            ship_to = replace(east, recipient=f"{east.recipient} {i:06d}")
        else:
            city, postal, country = _CITIES[i % len(_CITIES)]
            ship_to = PostalAddress(
                recipient=f"Customer {i:06d}",
                line1=f"{_STREETS[i % len(_STREETS)]} {i % 180 + 1}",
                city=city,
                postal_code=postal,
                country_code=country,
            )
        docs.append(
            ShippingLabelDoc(
                ship_from=_WAREHOUSE,
                ship_to=ship_to,
                order_number=f"SO-{i + 1:06d}",
                shipment_number=f"SH-{i + 1:06d}",
                carrier=("DHL Paket", "Own fleet", "UPS")[i % 3],
                service=("Standard", "Next day")[i % 2],
                tracking_number=f"JJD{i + 1:014d}",
                parcel_index=1,
                parcel_count=1 + i % 2,
                contents=_PRODUCTS[: 1 + i % 4],
                weight_g=300 + i % 2000,
                fragile=i % 4 == 0,
                this_side_up=i % 8 == 0,
            )
        )
    return docs


def sample_pick_list(stops: int) -> PickListDoc:
    names = (
        "Wireless earbuds Pro",
        "无线蓝牙耳机 降噪 Pro 黑色",
        "Crème brûlée torch",
        "ワイヤレスマウス",
    )
    return PickListDoc(
        number="PL-000001",
        warehouse="Main warehouse",
        created_at=dt.datetime(2026, 11, 29, 8, 0, tzinfo=dt.UTC),
        stops=tuple(
            PickStop(
                sequence=i + 1,
                bin_code=f"{'ABCD'[i // 250 % 4]}-{i // 10 % 25:02d}-{i % 10:02d}",
                sku=f"SKU-{i:05d}",
                barcode="4006381333931" if i % 3 == 0 else None,
                product_name=names[i % 4],
                spec=("black", "size M", "黑色 · 500 ml")[i % 3],
                quantity=1 + i % 5,
                totes=tuple(ToteSplit(f"T-{(i + t) % 40:04d}", 1) for t in range(1 + i % 3)),
                fragile=i % 7 == 0,
                high_value=i % 11 == 0,
            )
            for i in range(stops)
        ),
        shipments=tuple(f"SH-{k:06d}" for k in range(1, 21)),
        picker="bench",
    )


def bench_labels(n: int, _db_url: str) -> list[BenchResult]:
    from app.labels.shipping import render_shipping_labels_pdf
    from app.labels.zpl import ZplSettings, render_shipping_labels_zpl

    docs = sample_shipping_docs(n)
    render_shipping_labels_pdf(docs[:20])  # fonts registered, caches warm as on a desk
    with stopwatch() as elapsed, cpu_stopwatch() as cpu:
        pdf = render_shipping_labels_pdf(docs)
    target = n / PDF_LABELS_PER_SECOND
    results = [
        BenchResult("labels", n, elapsed(), "none", f"pdf ({len(pdf) // 1024} KiB)", target),
        BenchResult("labels", n, cpu(), "none", "pdf, cpu time", target),
    ]
    for dpi in (203, 300):
        settings = ZplSettings(dpi=dpi)
        render_shipping_labels_zpl(docs[:20], settings)
        with stopwatch() as elapsed, cpu_stopwatch() as cpu:
            render_shipping_labels_zpl(docs, settings)
        target = n / ZPL_LABELS_PER_SECOND
        results.append(BenchResult("labels", n, elapsed(), "none", f"zpl {dpi} dpi", target))
        results.append(BenchResult("labels", n, cpu(), "none", f"zpl {dpi} dpi, cpu time", target))
    return results


def bench_picklist_pdf(n: int, _db_url: str) -> list[BenchResult]:
    """``n`` is the number of stops (the target is for 500)."""
    from app.labels.picklist import render_pick_list_pdf

    doc = sample_pick_list(n)
    render_pick_list_pdf(sample_pick_list(5))
    with stopwatch() as elapsed, cpu_stopwatch() as cpu:
        pdf = render_pick_list_pdf(doc)
    target = PICKLIST_SECONDS if n <= 500 else None
    size = f"stops ({len(pdf) // 1024} KiB)"
    return [
        BenchResult("picklist-pdf", n, elapsed(), "none", size, target),
        BenchResult("picklist-pdf", n, cpu(), "none", "stops, cpu time", target),
    ]
