"""The 4×6 inch shipping label: ship-from, ship-to in its own script, order and shipment
numbers, carrier and service, the tracking number and the shipment number as Code 128,
contents, FRAGILE / THIS SIDE UP, parcel n of m. One layout, drawn as PDF here and as ZPL by
``zpl.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.i18n import _
from app.labels.address import address_lines
from app.labels.barcodes import code128
from app.labels.layout import INCH_MM, Align, Code, Element, Page, Rule, Text
from app.labels.model import CarrierLabelSource, ShippingLabelDoc
from app.labels.pdf import DEFAULT_DPI, render_pdf

WIDTH_MM = 4 * INCH_MM
HEIGHT_MM = 6 * INCH_MM
M = 3.0  # margin
INNER = WIDTH_MM - 2 * M
CONTENT_ROWS = 6
CONTENT_ROW_H = 3.3


def weight_text(weight_g: int | None) -> str:
    if weight_g is None:
        return ""
    return f"{weight_g / 1000:.2f} kg" if weight_g >= 1000 else f"{weight_g} g"


def contents_rows(doc: ShippingLabelDoc) -> list[tuple[str, str]]:
    """(quantity, product) rows; beyond what the label holds, one row says how many more
    lines the packing slip lists (the label never drops lines without saying so)."""
    rows = [
        (
            f"{line.quantity} ×",
            f"{line.product_name} · {line.spec}" if line.spec else line.product_name,
        )
        for line in doc.contents
    ]
    if len(rows) > CONTENT_ROWS:
        hidden = len(rows) - (CONTENT_ROWS - 1)
        units = sum(line.quantity for line in doc.contents[CONTENT_ROWS - 1 :])
        more = _("… and {lines} more lines ({units} units): see the packing slip").format(
            lines=hidden, units=units
        )
        rows = [*rows[: CONTENT_ROWS - 1], ("", more)]
    return rows


def shipping_label_page(doc: ShippingLabelDoc) -> Page:
    home = doc.ship_from.country_code or None
    e: list[Element] = []
    # --- from, carrier, service
    e.append(Text(M, M, 12, 2.6, _("FROM"), "ship_from", 6, 5, bold=True))
    e.append(
        Text(
            M,
            M + 2.6,
            60,
            16.4,
            "\n".join(address_lines(doc.ship_from, home_country=doc.ship_to.country_code)),
            "ship_from",
            7.5,
            4.5,
        )
    )
    right_x = M + 62
    right_w = INNER - 62
    e.append(
        Text(right_x, M, right_w, 7.5, doc.carrier, "carrier", 14, 6, bold=True, align=Align.RIGHT)
    )
    e.append(
        Text(
            right_x,
            M + 7.5,
            right_w,
            6,
            doc.service,
            "service",
            11,
            5,
            bold=True,
            align=Align.RIGHT,
        )
    )
    e.append(
        Text(
            right_x,
            M + 13.5,
            right_w,
            5,
            weight_text(doc.weight_g),
            "weight",
            9,
            5,
            align=Align.RIGHT,
        )
    )
    e.append(Rule(M, 22.5, WIDTH_MM - M, 22.5, 0.5))
    # --- ship to
    e.append(Text(M, 23.5, 20, 3, _("SHIP TO"), "ship_to", 7, 5, bold=True))
    e.append(
        Text(
            M + 2,
            26.5,
            INNER - 2,
            33.5,
            "\n".join(address_lines(doc.ship_to, home_country=home)),
            "ship_to",
            14,
            6,
            bold=True,
        )
    )
    e.append(Rule(M, 60.5, WIDTH_MM - M, 60.5, 0.5))
    # --- numbers, parcel n of m
    numbers = [_("Order {order}").format(order=doc.order_number)]
    if doc.channel_order_id:
        numbers.append(_("Ref. {reference}").format(reference=doc.channel_order_id))
    numbers.append(_("Shipment {shipment}").format(shipment=doc.shipment_number))
    e.append(Text(M, 61.5, 62, 11, "\n".join(numbers), "numbers", 8.5, 5))
    e.append(
        Text(right_x, 61.2, right_w, 3, _("PARCEL"), "parcel", 6.5, 5, bold=True, align=Align.RIGHT)
    )
    e.append(
        Text(
            right_x,
            64.2,
            right_w,
            8.5,
            _("{index} of {count}").format(index=doc.parcel_index, count=doc.parcel_count),
            "parcel",
            18,
            8,
            bold=True,
            align=Align.RIGHT,
        )
    )
    marks = []
    if doc.fragile:
        marks.append(_("FRAGILE"))
    if doc.this_side_up:
        marks.append(_("↑ THIS SIDE UP ↑"))
    mark_x = M
    for mark in marks:
        mark_w = INNER / 2 - 1 if len(marks) > 1 else INNER
        e.append(
            Text(
                mark_x,
                73.5,
                mark_w,
                6,
                mark,
                "marks",
                13,
                7,
                bold=True,
                align=Align.CENTER,
                inverse=True,
            )
        )
        mark_x += mark_w + 2
    e.append(Rule(M, 80.5, WIDTH_MM - M, 80.5, 0.5))
    # --- tracking number and shipment number
    if doc.tracking_number:
        tracking_title = _("TRACKING NUMBER")
        if doc.source is CarrierLabelSource.CARRIER:
            tracking_title = _("CARRIER TRACKING NUMBER (carrier label on the parcel)")
        e.append(Text(M, 81.5, INNER, 3, tracking_title, "tracking_number", 7, 5, bold=True))
        e.append(Code(M, 84.5, INNER, 21, code128(doc.tracking_number), "tracking_number"))
        shipment_y = 107.0
        shipment_h = 16.0
    else:
        shipment_y = 84.0
        shipment_h = 39.0
    e.append(Text(M, shipment_y - 0.5, INNER, 3, _("SHIPMENT"), "shipment_number", 7, 5, bold=True))
    e.append(
        Code(
            M,
            shipment_y + 2.5,
            INNER,
            shipment_h - 2.5,
            code128(doc.shipment_number),
            "shipment_number",
        )
    )
    e.append(Rule(M, 124.5, WIDTH_MM - M, 124.5, 0.5))
    # --- contents
    e.append(Text(M, 125.2, 30, 3, _("CONTENTS"), "contents", 7, 5, bold=True))
    y = 128.4
    for quantity, product in contents_rows(doc):
        e.append(
            Text(
                M,
                y,
                9,
                CONTENT_ROW_H,
                quantity,
                "contents",
                7.5,
                4.5,
                bold=True,
                align=Align.RIGHT,
                max_lines=1,
            )
        )
        e.append(
            Text(M + 10, y, INNER - 10, CONTENT_ROW_H, product, "contents", 7.5, 4, max_lines=1)
        )
        y += CONTENT_ROW_H
    return Page(WIDTH_MM, HEIGHT_MM, tuple(e), name=_("shipping label"))


def render_shipping_labels_pdf(
    docs: Iterable[ShippingLabelDoc], *, dpi: int = DEFAULT_DPI
) -> bytes:
    """4×6 inch labels, one page per parcel, in one PDF."""
    return render_pdf(
        (shipping_label_page(doc) for doc in docs), title=_("Shipping labels"), dpi=dpi
    )


def render_shipping_label_pdf(doc: ShippingLabelDoc, *, dpi: int = DEFAULT_DPI) -> bytes:
    return render_shipping_labels_pdf([doc], dpi=dpi)
