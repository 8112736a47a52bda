"""Shipping confirmation files (formats): Amazon's tab-separated upload and our CSV for
partner platforms. Plain rows in, bytes out.

Amazon: ``order-id, order-item-id, quantity, ship-date, carrier-code, carrier-name,
tracking-number, ship-method``; one row per order item and shipment, with the quantity in
that shipment (a split order gets one row per part, each with its own tracking number).
``carrier-name`` is given only when ``carrier-code`` is ``Other``, as Amazon asks.
"""

from __future__ import annotations

import io
from collections.abc import Iterable

from app.formats.export import write_safe_csv
from app.shipping.model import ConfirmationRow

AMAZON_HEADER = (
    "order-id",
    "order-item-id",
    "quantity",
    "ship-date",
    "carrier-code",
    "carrier-name",
    "tracking-number",
    "ship-method",
)
PARTNER_HEADER = (
    "order_id",
    "line_id",
    "sku",
    "quantity",
    "ship_date",
    "carrier",
    "tracking_number",
    "ship_method",
    "shipment_number",
)
OTHER = "Other"


def _clean(value: str) -> str:
    """A tab or line break inside a value would shift Amazon's columns."""
    text = str(value)
    # Every whitespace character but the ASCII space is unprintable: a printable text with
    # no doubled, leading or trailing space is already clean (most cells, at every row).
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def render_amazon_confirmation(rows: Iterable[ConfirmationRow]) -> bytes:
    lines = ["\t".join(AMAZON_HEADER)]
    for row in rows:
        other = row.carrier_code == OTHER
        cells = (
            row.channel_order_id,
            row.channel_line_id,
            str(row.quantity),
            row.ship_date.isoformat(),
            row.carrier_code,
            row.carrier_name if other else "",
            row.tracking_number,
            row.ship_method,
        )
        lines.append("\t".join(_clean(cell) for cell in cells))
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_partner_confirmation(rows: Iterable[ConfirmationRow]) -> bytes:
    """Our documented CSV for partner platforms (UTF-8 with BOM, formula-safe cells)."""
    stream = io.StringIO()
    write_safe_csv(
        stream,
        PARTNER_HEADER,
        (
            (
                row.channel_order_id,
                row.channel_line_id,
                row.sku,
                row.quantity,
                row.ship_date.isoformat(),
                row.carrier_name,
                row.tracking_number,
                row.ship_method,
                row.shipment_number,
            )
            for row in rows
        ),
    )
    return stream.getvalue().encode("utf-8-sig")


def read_amazon_confirmation(data: bytes) -> list[dict[str, str]]:
    """The rows of an Amazon confirmation file as dicts (for checks and tests)."""
    text = data.decode("utf-8")
    lines = [line for line in text.split("\n") if line]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
