"""Reads for the import desk and the CLI: a file's first orders as the import would read them."""

from __future__ import annotations

from pathlib import Path

from app.formats import read_orders
from app.formats.common import (
    IncomingOrder,
    RejectedOrder,
)
from app.i18n import Sentence as S
from app.intake.model import ImportPreview, PreviewRow


def preview_file(
    path: Path | str,
    format: str | None = None,
    channel: str | None = None,
    limit: int = 20,
    encoding: str | None = None,
) -> ImportPreview:
    """The first ``limit`` orders as the import would read them; nothing is written.

    Raises ``FormatError`` like ``import_file`` when the file cannot be read.
    """
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
    ship = item.ship_to
    return PreviewRow(
        rows=_span(list(item.rows)),
        order_id=item.channel_order_id,
        purchased_at=item.purchased_at,
        buyer=item.buyer.name or item.buyer.email or "",
        ship_to=", ".join(part for part in (ship.name, ship.city, ship.country_code) if part),
        lines=len(item.lines),
        total_minor=item.total_minor,
        currency=item.currency,
        remark=remark,
    )


def _span(numbers: list[int]) -> str:
    numbers = [n for n in numbers if n > 0]  # 0: no place in the file (JSON items alone)
    if not numbers:
        return ""
    low, high = min(numbers), max(numbers)
    return str(low) if low == high else f"{low}–{high}"
