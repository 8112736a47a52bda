"""The packing slip that goes in the parcel: A5 (or 4×6 inch) pages with the order and the
customer's purchase-order numbers, the items and quantities, the gift message; a gift order
shows no prices."""

from __future__ import annotations

from enum import StrEnum

from app.i18n import _
from app.labels.address import address_lines
from app.labels.barcodes import code128
from app.labels.layout import INCH_MM, Align, Code, Element, Frame, Page, Rule, Text
from app.labels.model import PackingSlipDoc, SlipLine
from app.labels.pdf import DEFAULT_DPI, render_pdf
from app.labels.text import MAX_CHAR_EM, is_latin1, pdf_font_for, pdf_width_at_one, wrap
from app.money import format_money


class SlipSize(StrEnum):
    A5 = "a5"
    LABEL_4X6 = "4x6"


_SIZES = {SlipSize.A5: (148.0, 210.0), SlipSize.LABEL_4X6: (4 * INCH_MM, 6 * INCH_MM)}
M = 7.0
ROW_H = 10.5
NAME_PT = 7.0
DETAIL_PT = 5.5  # the smallest the spec line prints at; longer ones wrap
FIRST_HEADER_H = 62.0
NEXT_HEADER_H = 20.0
FOOTER_H = 8.0
GIFT_H = 30.0
TOTAL_H = 8.0


def shows_prices(doc: PackingSlipDoc) -> bool:
    """Prices only on a slip that is not a gift and whose every line has a price."""
    return not doc.gift and all(line.unit_price_cents is not None for line in doc.lines)


def _item_width(doc: PackingSlipDoc, width: float) -> float:
    return width - 2 * M - 12.0 - (44.0 if shows_prices(doc) else 0.0)


def _name_extra_mm(line: SlipLine, item_w: float) -> float:
    """Extra height a long product name needs: the slip shows every title in full."""
    name = line.product_name.strip()
    lines = _wrapped_lines(name, pdf_font_for(name, bold=True), item_w - 2, NAME_PT)
    return max(0, lines - 2) * NAME_PT * 1.18 * 25.4 / 72


def _detail(line: SlipLine) -> str:
    return " · ".join(part for part in (line.spec, _("SKU {sku}").format(sku=line.sku)) if part)


def _detail_extra_mm(line: SlipLine, item_w: float) -> float:
    """Extra height a long spec needs: it wraps (at a size still read at arm's length)
    rather than lose the SKU at the end of the line."""
    detail = _detail(line)
    lines = _wrapped_lines(detail, pdf_font_for(detail), item_w - 2, DETAIL_PT)
    return max(0, lines - 1) * DETAIL_PT * 1.18 * 25.4 / 72


def _wrapped_lines(text: str, font: str, width_mm: float, size: float) -> int:
    """How many lines ``text`` takes at ``size`` points in ``width_mm``; a Latin text
    short enough to fit at a full em a character is one line without measuring."""
    width_pt = width_mm * 72 / 25.4
    if is_latin1(text) and len(text) * MAX_CHAR_EM * size <= width_pt:
        return 1
    return len(wrap(text, pdf_width_at_one(font), width_pt, size))


def _row_h(line: SlipLine, item_w: float) -> float:
    return ROW_H + _name_extra_mm(line, item_w) + _detail_extra_mm(line, item_w)


def _paginate(doc: PackingSlipDoc, width: float, height: float) -> list[tuple[SlipLine, ...]]:
    tail = (GIFT_H if doc.gift_message else 0.0) + (TOTAL_H if shows_prices(doc) else 6.5)
    tail += 8.0 if doc.note else 0.0
    item_w = _item_width(doc, width)
    pages: list[tuple[SlipLine, ...]] = []
    lines = list(doc.lines)
    first = True
    while True:
        header = FIRST_HEADER_H if first else NEXT_HEADER_H
        usable = height - 2 * M - header - 6 - FOOTER_H
        chunk: list[SlipLine] = []
        used = 0.0
        while lines and (not chunk or used + _row_h(lines[0], item_w) <= usable):
            used += _row_h(lines[0], item_w)
            chunk.append(lines.pop(0))
        if not lines:
            if usable - used >= tail:
                pages.append(tuple(chunk))
                return pages
            if len(chunk) > 1:  # move the last row over so the gift message stays with it
                lines = [chunk.pop()]
                pages.append(tuple(chunk))
                first = False
                continue
            pages.append(tuple(chunk))
            pages.append(())
            return pages
        pages.append(tuple(chunk))
        first = False


def packing_slip_pages(doc: PackingSlipDoc, size: SlipSize = SlipSize.A5) -> list[Page]:
    width, height = _SIZES[size]
    inner = width - 2 * M
    prices = shows_prices(doc)
    chunks = _paginate(doc, width, height)
    pages = []
    for number, chunk in enumerate(chunks, start=1):
        e: list[Element] = [
            Text(M, M, inner - 52, 8, _("Packing slip"), "title", 16, 9, bold=True),
            Code(
                width - M - 50,
                M,
                50,
                13,
                code128(doc.shipment_number),
                "shipment_number",
                align=Align.RIGHT,
            ),
        ]
        y = M + 9
        facts = [_("Order {order}").format(order=doc.order_number)]
        if doc.channel_order_id:
            facts.append(_("Your order {reference}").format(reference=doc.channel_order_id))
        if doc.customer_po:
            facts.append(_("Your PO number {po}").format(po=doc.customer_po))
        facts.append(_("Order date {date}").format(date=doc.order_date.isoformat()))
        if number == 1:
            e.append(Text(M, y, inner - 52, 12, "\n".join(facts), "order_number", 8.5, 5.5))
            y = M + 23
            half = inner / 2 - 2
            e.append(Text(M, y, half, 3, _("SHIP TO"), "ship_to", 6.5, 5, bold=True))
            e.append(
                Text(M, y + 3, half, 28, "\n".join(address_lines(doc.ship_to)), "ship_to", 9, 5)
            )
            e.append(Text(M + half + 4, y, half, 3, _("FROM"), "ship_from", 6.5, 5, bold=True))
            e.append(
                Text(
                    M + half + 4,
                    y + 3,
                    half,
                    28,
                    "\n".join(address_lines(doc.ship_from)),
                    "ship_from",
                    8,
                    5,
                )
            )
            y = M + FIRST_HEADER_H
        else:
            e.append(Text(M, y, inner - 52, 8, " · ".join(facts[:1]), "order_number", 8.5, 5.5))
            y = M + NEXT_HEADER_H
        # column heads
        qty_w, price_w = 12.0, (22.0 if prices else 0.0)
        item_w = inner - qty_w - 2 * price_w
        e.append(Rule(M, y, M + inner, y, 0.4))
        e.append(Text(M, y + 0.8, qty_w - 1, 4, _("Qty"), "column", 7.5, 5, True, Align.RIGHT))
        e.append(Text(M + qty_w + 1, y + 0.8, item_w - 2, 4, _("Item"), "column", 7.5, 5, True))
        if prices:
            e.append(
                Text(
                    M + qty_w + item_w,
                    y + 0.8,
                    price_w - 1,
                    4,
                    _("Unit price"),
                    "column",
                    7.5,
                    5,
                    True,
                    Align.RIGHT,
                )
            )
            e.append(
                Text(
                    M + qty_w + item_w + price_w,
                    y + 0.8,
                    price_w - 1,
                    4,
                    _("Amount"),
                    "column",
                    7.5,
                    5,
                    True,
                    Align.RIGHT,
                )
            )
        y += 5.5
        e.append(Rule(M, y, M + inner, y, 0.2))
        for line in chunk:
            e.append(
                Text(
                    M, y + 1, qty_w - 1, 5, str(line.quantity), "quantity", 11, 6, True, Align.RIGHT
                )
            )
            e.append(
                Text(
                    M + qty_w + 1,
                    y + 0.6,
                    item_w - 2,
                    6.6 + _name_extra_mm(line, item_w),
                    line.product_name,
                    "product_name",
                    8.5,
                    5,
                    bold=True,
                )
            )
            e.append(
                Text(
                    M + qty_w + 1,
                    y + 7.1 + _name_extra_mm(line, item_w),
                    item_w - 2,
                    3.2 + _detail_extra_mm(line, item_w),
                    _detail(line),
                    "spec",
                    7,
                    DETAIL_PT,
                )
            )
            if prices and line.unit_price_cents is not None:
                e.append(
                    Text(
                        M + qty_w + item_w,
                        y + 1,
                        price_w - 1,
                        4,
                        format_money(line.unit_price_cents, doc.currency),
                        "price",
                        7.5,
                        5,
                        align=Align.RIGHT,
                    )
                )
                e.append(
                    Text(
                        M + qty_w + item_w + price_w,
                        y + 1,
                        price_w - 1,
                        4,
                        format_money(line.unit_price_cents * line.quantity, doc.currency),
                        "amount",
                        7.5,
                        5,
                        align=Align.RIGHT,
                    )
                )
            y += _row_h(line, item_w)
            e.append(Rule(M, y, M + inner, y, 0.1))
        if number == len(chunks):
            units = sum(line.quantity for line in doc.lines)
            summary = _("{units} items in {lines} lines").format(units=units, lines=len(doc.lines))
            e.append(Text(M, y + 1.5, inner / 2, 4.5, summary, "total", 8, 5, bold=True))
            if prices:
                total = sum(line.unit_price_cents * line.quantity for line in doc.lines)  # type: ignore[operator]
                e.append(
                    Text(
                        M + inner / 2,
                        y + 1.5,
                        inner / 2,
                        4.5,
                        _("Total {amount}").format(amount=format_money(total, doc.currency)),
                        "total",
                        9,
                        5,
                        bold=True,
                        align=Align.RIGHT,
                    )
                )
            y += TOTAL_H if prices else 6.5
            if doc.gift_message:
                e.append(Frame(M, y, inner, GIFT_H - 3, 0.4))
                e.append(
                    Text(
                        M + 2,
                        y + 1.5,
                        inner - 4,
                        3.5,
                        _("GIFT MESSAGE"),
                        "gift_message",
                        7,
                        5,
                        bold=True,
                    )
                )
                e.append(
                    Text(
                        M + 2,
                        y + 5.5,
                        inner - 4,
                        GIFT_H - 10,
                        doc.gift_message,
                        "gift_message",
                        11,
                        5.5,
                    )
                )
            if doc.note:
                e.append(Text(M, height - M - FOOTER_H - 7, inner, 6.5, doc.note, "note", 7, 4.5))
        e.append(
            Text(
                M,
                height - M - 4,
                inner,
                4,
                _("{order} · page {page} of {pages}").format(
                    order=doc.order_number, page=number, pages=len(chunks)
                ),
                "page",
                7,
                5,
                align=Align.RIGHT,
            )
        )
        pages.append(Page(width, height, tuple(e), name=_("packing slip")))
    return pages


def render_packing_slip_pdf(
    doc: PackingSlipDoc, *, size: SlipSize = SlipSize.A5, dpi: int = DEFAULT_DPI
) -> bytes:
    return render_pdf(
        packing_slip_pages(doc, size),
        title=_("Packing slip {order}").format(order=doc.order_number),
        dpi=dpi,
    )
