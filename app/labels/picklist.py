"""The pick list PDF: A4, the list number as Code 128 on every page, one row per stop in
walk order (bin, the item's barcode, name and spec, quantity, tote split, FRAGILE / HIGH
VALUE), page n of m."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from app.i18n import _, current_language, ngettext
from app.labels.barcodes import code128, product_code
from app.labels.layout import Align, Code, Element, Frame, Page, Rule, Text
from app.labels.model import PickListDoc, PickStop
from app.labels.pdf import DEFAULT_DPI, render_pdf
from app.labels.text import pdf_font_for, pdf_width_at_one, wrap

A4 = (210.0, 297.0)
MARGIN = 10.0
HEADER_H = 26.0
COLUMNS_H = 6.0
FOOTER_H = 8.0
ROW_MIN_H = 23.0
TOTE_LINE_H = 4.4

# column x positions and widths (mm)
COL_SEQ = (MARGIN, 8.0)
COL_BIN = (COL_SEQ[0] + COL_SEQ[1], 30.0)
COL_CODE = (COL_BIN[0] + COL_BIN[1], 46.0)
COL_ITEM = (COL_CODE[0] + COL_CODE[1], 58.0)
COL_QTY = (COL_ITEM[0] + COL_ITEM[1], 14.0)
COL_TOTES = (COL_QTY[0] + COL_QTY[1], A4[0] - MARGIN - (COL_QTY[0] + COL_QTY[1]))


NAME_LINES = 3  # a product name longer than this at 7 pt makes its row taller
NAME_PT = 7.0


def _name_extra_mm(stop: PickStop) -> float:
    """Extra row height a long product name needs (marketplace titles run to 200 chars)."""
    name = stop.product_name.strip()
    if len(name) < 60:
        return 0.0
    font = pdf_font_for(name, bold=True)
    lines = wrap(name, pdf_width_at_one(font), (COL_ITEM[1] - 2) * 72 / 25.4, NAME_PT)
    return max(0, len(lines) - NAME_LINES) * NAME_PT * 1.18 * 25.4 / 72


def _row_height(stop: PickStop) -> float:
    return max(ROW_MIN_H + _name_extra_mm(stop), 2.0 + TOTE_LINE_H * len(stop.totes))


def paginate(stops: tuple[PickStop, ...]) -> list[tuple[PickStop, ...]]:
    """Stops per page, in walk order; a page holds as many rows as fit under the header."""
    usable = A4[1] - 2 * MARGIN - HEADER_H - COLUMNS_H - FOOTER_H
    pages: list[tuple[PickStop, ...]] = []
    current: list[PickStop] = []
    used = 0.0
    for stop in stops:
        height = _row_height(stop)
        if current and used + height > usable:
            pages.append(tuple(current))
            current, used = [], 0.0
        current.append(stop)
        used += height
    pages.append(tuple(current))
    return pages


def _when(moment: dt.datetime, zone: dt.tzinfo | None = None) -> str:
    """The desk's local date and time (``zone``: this machine's unless given) as CLDR
    writes them for the language, with the zone's name: a sheet outlives the screen."""
    from babel.dates import format_date, format_time

    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    local = moment.astimezone(zone)
    language = current_language()
    day = format_date(local, format="medium", locale=language)
    time = format_time(local, format="short", locale=language).replace("\u202f", " ")
    return f"{day} {time} {local.tzname() or ''}".strip()


@dataclass(frozen=True)
class _Totals:
    stops: int
    units: int


def _header(doc: PickListDoc, totals: _Totals, first: bool) -> list[Element]:
    width = A4[0] - 2 * MARGIN
    elements: list[Element] = [
        Text(
            MARGIN,
            MARGIN,
            100,
            8,
            _("Pick list {number}").format(number=doc.number),
            "number",
            max_pt=18,
            min_pt=10,
            bold=True,
        ),
        Code(A4[0] - MARGIN - 75, MARGIN, 75, 17, code128(doc.number), "number", align=Align.RIGHT),
    ]
    facts = [
        _("Warehouse: {warehouse}").format(warehouse=doc.warehouse),
        _("Created: {when}").format(when=_when(doc.created_at)),
    ]
    if doc.picker:
        facts.append(_("Picker: {picker}").format(picker=doc.picker))
    facts.append(
        ngettext("{count} stop", "{count} stops", totals.stops).format(count=totals.stops)
        + " · "
        + ngettext("{count} unit", "{count} units", totals.units).format(count=totals.units)
    )
    elements.append(Text(MARGIN, MARGIN + 8.5, 112, 5, "   ".join(facts), "warehouse", 8, 5))
    if first and doc.shipments:
        count = len(doc.shipments)
        shipments = ngettext("{count} shipment", "{count} shipments", count).format(count=count)
        if count <= 40:
            shipments += ": " + ", ".join(doc.shipments)
        elements.append(
            Text(MARGIN, MARGIN + 13.5, 112, 9, shipments, "shipments", max_pt=7.5, min_pt=5)
        )
    y = MARGIN + HEADER_H
    elements.append(Frame(MARGIN, y, width, COLUMNS_H, thickness=0.2, filled=True))
    for (x, w), title, align in (
        (COL_SEQ, "#", Align.CENTER),
        (COL_BIN, _("Bin"), Align.LEFT),
        (COL_CODE, _("Scan item"), Align.LEFT),
        (COL_ITEM, _("Product"), Align.LEFT),
        (COL_QTY, _("Qty"), Align.CENTER),
        (COL_TOTES, _("Totes"), Align.LEFT),
    ):
        elements.append(
            Text(x + 1, y, w - 2, COLUMNS_H, title, "column", 8.5, 6, True, align, True, True)
        )
    return elements


def _row(stop: PickStop, y: float) -> list[Element]:
    height = _row_height(stop)
    extra = _name_extra_mm(stop)
    x_item, w_item = COL_ITEM
    marks = [
        mark
        for mark, present in ((_("FRAGILE"), stop.fragile), (_("HIGH VALUE"), stop.high_value))
        if present
    ]
    elements: list[Element] = [
        Text(
            COL_SEQ[0],
            y + 1.5,
            COL_SEQ[1],
            6,
            str(stop.sequence),
            "sequence",
            10,
            6,
            align=Align.CENTER,
        ),
        Text(COL_BIN[0] + 1, y + 1.5, COL_BIN[1] - 2, 10, stop.bin_code, "bin", 14, 7, bold=True),
        Code(
            COL_CODE[0] + 1,
            y + 1.5,
            COL_CODE[1] - 2,
            17.5,
            product_code(stop.barcode, stop.sku),
            "barcode",
            align=Align.LEFT,
            max_module_dots=2,
        ),
        Text(
            x_item + 1,
            y + 1.2,
            w_item - 2,
            8.6 + extra,
            stop.product_name,
            "product_name",
            9.5,
            5.5,
            bold=True,
        ),
        Text(x_item + 1, y + 9.9 + extra, w_item - 2, 4.2, stop.spec, "spec", 8, 5),
        Text(
            x_item + 1,
            y + 14.1 + extra,
            w_item - 2,
            3.6,
            _("SKU {sku}").format(sku=stop.sku),
            "sku",
            7,
            5,
            max_lines=1,
        ),
        Text(
            COL_QTY[0],
            y + 2,
            COL_QTY[1],
            10,
            str(stop.quantity),
            "quantity",
            20,
            10,
            bold=True,
            align=Align.CENTER,
        ),
    ]
    mark_x = x_item + 1
    for mark in marks:
        mark_w = 3.2 + 2.0 * len(mark)
        elements.append(
            Text(
                mark_x,
                y + 18.2 + extra,
                mark_w,
                4.0,
                mark,
                "mark",
                8,
                6,
                True,
                Align.CENTER,
                inverse=True,
            )
        )
        mark_x += mark_w + 1.5
    if stop.totes:
        lines = "\n".join(
            _("{tote} × {quantity}").format(tote=split.tote, quantity=split.quantity)
            for split in stop.totes
        )
        elements.append(
            Text(
                COL_TOTES[0] + 1,
                y + 1.5,
                COL_TOTES[1] - 2,
                height - 2,
                lines,
                "totes",
                9.5,
                5.5,
                bold=True,
                max_lines=len(stop.totes),  # one line per tote: shrink, never wrap a split
            )
        )
    elements.append(Rule(MARGIN, y + height, A4[0] - MARGIN, y + height, 0.2))
    return elements


def pick_list_pages(doc: PickListDoc) -> list[Page]:
    totals = _Totals(len(doc.stops), sum(stop.quantity for stop in doc.stops))
    chunks = paginate(doc.stops)
    count = len(chunks)
    pages: list[Page] = []
    for index, chunk in enumerate(chunks, start=1):
        elements = _header(doc, totals, index == 1)
        y = MARGIN + HEADER_H + COLUMNS_H
        if not chunk:
            elements.append(
                Text(MARGIN, y + 4, 150, 8, _("This list has no stops."), "stops", 11, 8)
            )
        for stop in chunk:
            elements.extend(_row(stop, y))
            y += _row_height(stop)
        footer_y = A4[1] - MARGIN - FOOTER_H + 2
        elements.append(
            Text(MARGIN, footer_y, 120, 5, f"{doc.number} · {doc.warehouse}", "footer", 8, 6)
        )
        elements.append(
            Text(
                A4[0] - MARGIN - 60,
                footer_y,
                60,
                5,
                _("Page {page} of {pages}").format(page=index, pages=count),
                "page",
                9,
                6,
                bold=True,
                align=Align.RIGHT,
            )
        )
        pages.append(Page(A4[0], A4[1], tuple(elements), name=_("pick list")))
    return pages


def render_pick_list_pdf(doc: PickListDoc, *, dpi: int = DEFAULT_DPI) -> bytes:
    """The printable pick list: A4 pages, bars on a ``dpi`` printer's dot grid."""
    return render_pdf(
        pick_list_pages(doc), title=_("Pick list {number}").format(number=doc.number), dpi=dpi
    )
