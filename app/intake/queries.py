"""Reads for the import desk and the CLI: a file's first orders as the import would read them."""

from __future__ import annotations

from pathlib import Path

from app.bulk.forked import run_forked
from app.formats import read_orders
from app.formats.common import (
    IncomingOrder,
    RejectedOrder,
)
from app.i18n import Sentence as S
from app.intake.matching import needs_price_list
from app.intake.model import ImportPreview, PreviewRow


def preview_file(
    path: Path | str,
    format: str | None = None,
    channel: str | None = None,
    limit: int = 20,
    encoding: str | None = None,
    *,
    apart: bool = False,
) -> ImportPreview:
    """The first ``limit`` orders as the import would read them; nothing is written.

    Raises ``FormatError`` like ``import_file`` when the file cannot be read. ``apart``:
    read in a forked reader process (a window's preview: scanning a 200,000-row file
    takes seconds of the interpreter, which the window's thread must not wait for).
    """
    if apart:
        return run_forked(
            lambda: preview_file(path, format, channel, limit, encoding),
            "orderdesk-intake-preview",
        )
    stream = read_orders(Path(path), format, channel, encoding)
    rows = []
    for item in stream:
        rows.append(_preview_row(item))
        if len(rows) >= limit:
            break
    return ImportPreview(str(path), stream.format, stream.total_units, rows)


def _preview_row(item: IncomingOrder | RejectedOrder) -> PreviewRow:
    if isinstance(item, RejectedOrder):
        numbers = [r.row for r in item.rows]
        return PreviewRow(
            _span(numbers), item.order_id or "", None, "", "", 0, 0, "", item.reason, True
        )
    remark = ""
    if item.fulfilled_by_channel:
        remark = S("Amazon-fulfilled: not for our warehouse")
    elif item.cancelled:
        remark = S("cancelled by the channel: not for our warehouse")
    elif item.notes:
        remark = "; ".join(item.notes)
    facts = []
    if item.purchase_order_number:
        facts.append(S("purchase order {number}", number=item.purchase_order_number))
    if item.buyer_requested_cancellation:
        facts.append(S("the buyer asked to cancel: for the service desk"))
    if item.verge_of_late_shipment:
        facts.append(S("about to ship late: it goes first"))
    ship = item.ship_to
    return PreviewRow(
        rows=_span(list(item.rows)),
        order_id=item.channel_order_id,
        purchased_at=item.purchased_at,
        buyer=item.buyer.name or item.buyer.email or "",
        ship_to=", ".join(part for part in (ship.recipient, ship.city, ship.country_code) if part),
        lines=len(item.lines),
        total_minor=item.total_minor,
        currency=item.currency,
        remark=remark,
        facts=tuple(facts),
        priced_at_import=needs_price_list(item),
    )


def _span(numbers: list[int]) -> str:
    numbers = [n for n in numbers if n > 0]  # 0: no place in the file (JSON items alone)
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    return str(low) if low == high else f"{low}–{high}"
