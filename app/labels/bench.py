"""``orderdesk bench labels`` and ``orderdesk bench picklist-pdf``: label drawing speed.

No database is involved (the labels layer is plain data in, bytes out); the ``--db`` option
is ignored. Each label has its own order, shipment and tracking numbers and its own
addressee (every tenth one in Chinese or Japanese, drawn as a ^GF graphic in ZPL), as on a
mixed day's parcels.

What is warm and what is not: the PDF pass runs after 20 labels were drawn (fonts
registered, as on a desk that printed before). Each ZPL pass (203, then 300 dpi) is cold: it
runs in a fresh process of its own, with nothing drawn before it: every font loaded, glyph
rasterised, text fitted and label part laid out is inside the figure. Outside it are only
the modules a desk has loaded when it starts (the ZPL writer and the shipping label's
layout, which the packing service imports) and making the sample parcels. The ZPL lines
also give, as ``warm_per_s``, the same pass in this process after the PDF pass and 20 ZPL
labels (caches warm: the figure earlier sessions reported). Before each timed pass the
process collects its garbage: otherwise a full collection owed to the work before it (the
PDF pass, the modules of the command) lands in one pass or another by chance; in the
``orderdesk`` command's process one costs ~70 ms, and made a 300 dpi pass look half as
fast as the same pass run again.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

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
    gc.collect()
    with stopwatch() as elapsed, cpu_stopwatch() as cpu:
        pdf = render_shipping_labels_pdf(docs)
    target = n / PDF_LABELS_PER_SECOND
    results = [
        BenchResult("labels", n, elapsed(), "none", f"pdf ({len(pdf) // 1024} KiB)", target),
        BenchResult("labels", n, cpu(), "none", "pdf, cpu time", target),
    ]
    for dpi in (203, 300):
        cold = _cold_zpl_pass(n, dpi)
        settings = ZplSettings(dpi=dpi)
        render_shipping_labels_zpl(docs[:20], settings)
        gc.collect()
        with cpu_stopwatch() as warm_cpu:
            render_shipping_labels_zpl(docs, settings)
        warm = {"warm_per_s": round(n / max(warm_cpu(), 1e-9))}
        target = n / ZPL_LABELS_PER_SECOND
        figure = f"zpl {dpi} dpi"
        size = f"{cold['bytes'] // 1024} KiB"
        results += [
            BenchResult("labels", n, cold["wall"], "none", f"{figure} (cold, {size})", target),
            BenchResult(
                "labels", n, cold["cpu"], "none", f"{figure}, cpu time (cold)", target, warm
            ),
        ]
    return results


def _cold_zpl_pass(n: int, dpi: int) -> dict:
    """One ZPL pass of ``n`` labels in a fresh process: (wall, cpu) seconds and bytes."""
    root = str(Path(__file__).resolve().parents[2])  # the folder the ``app`` package is in
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}
    code = f"from app.labels.bench import zpl_pass_in_this_process as p; p({n}, {dpi})"
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def zpl_pass_in_this_process(n: int, dpi: int) -> None:
    """Run by ``_cold_zpl_pass`` in its own process: the first labels this process draws."""
    import app.labels.shipping  # noqa: F401  (loaded at a desk's start, see above)
    from app.labels.zpl import ZplSettings, render_shipping_labels_zpl

    docs = sample_shipping_docs(n)
    settings = ZplSettings(dpi=dpi)
    gc.collect()
    with stopwatch() as elapsed, cpu_stopwatch() as cpu:
        zpl = render_shipping_labels_zpl(docs, settings)
    print(json.dumps({"wall": elapsed(), "cpu": cpu(), "bytes": len(zpl)}))


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
