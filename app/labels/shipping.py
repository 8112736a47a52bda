"""The 4×6 inch shipping label: ship-from, ship-to in its own script, order and shipment
numbers, carrier and service, the tracking number and the shipment number as Code 128,
contents, FRAGILE / THIS SIDE UP, parcel n of m. One layout, drawn as PDF here and as ZPL by
``zpl.py``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from app.address import PostalAddress
from app.i18n import N_, _, current_language
from app.labels.address import address_lines
from app.labels.barcodes import LinearCode, Symbology, code128
from app.labels.layout import DEFAULT_DPI, INCH_MM, Align, Code, Element, Page, Rule, Text
from app.labels.model import CarrierLabelSource, ContentLine, ShippingLabelDoc
from app.labels.text import abbreviate

WIDTH_MM = 4 * INCH_MM
HEIGHT_MM = 6 * INCH_MM
M = 3.0  # margin
INNER = WIDTH_MM - 2 * M
CONTENT_ROWS = 6
CONTENT_ROW_H = 3.3
CONTENT_CHARS = 90  # a longer title is abbreviated with a visible … (the slip has it all)


def weight_text(weight_g: int | None) -> str:
    if weight_g is None:
        return ""
    return f"{weight_g / 1000:.2f} kg" if weight_g >= 1000 else f"{weight_g} g"


def contents_rows(doc: ShippingLabelDoc) -> list[tuple[str, str]]:
    """(quantity, product) rows; beyond what the label holds, one row says how many more
    lines the packing slip lists (the label never drops lines without saying so)."""
    return list(_contents_rows(doc.contents, current_language()))


@lru_cache(maxsize=4096)
def _contents_rows(contents: tuple[ContentLine, ...], _language: str) -> tuple:
    """The same products go out all day: their rows are made once per language."""
    rows = [
        (
            f"{line.quantity} ×",
            abbreviate(
                f"{line.product_name} · {line.spec}" if line.spec else line.product_name,
                CONTENT_CHARS,
            ),
        )
        for line in contents
    ]
    if len(rows) > CONTENT_ROWS:
        hidden = len(rows) - (CONTENT_ROWS - 1)
        units = sum(line.quantity for line in contents[CONTENT_ROWS - 1 :])
        more = _("… and {lines} more lines ({units} units): see the packing slip").format(
            lines=hidden, units=units
        )
        rows = [*rows[: CONTENT_ROWS - 1], ("", more)]
    return tuple(rows)


@dataclass(frozen=True)
class _FixedKey:
    """What the parts of a label that repeat from parcel to parcel depend on."""

    ship_from: PostalAddress
    destination_country: str
    carrier: str
    service: str
    fragile: bool
    this_side_up: bool
    has_tracking: bool
    source: CarrierLabelSource


def fixed_part_key(doc: ShippingLabelDoc) -> tuple:
    """``fixed_key`` for a lookup within one run of labels: the ship-from by its identity
    (hashing an address per parcel costs more than the lookup; the caller keeps the
    ship-from with its entry and checks it is the same one)."""
    return (id(doc.ship_from), *_besides_ship_from(doc))


def fixed_key(doc: ShippingLabelDoc) -> _FixedKey:
    return _FixedKey(doc.ship_from, *_besides_ship_from(doc))


def _besides_ship_from(doc: ShippingLabelDoc) -> tuple:
    """The rest of ``_FixedKey``, in its order."""
    return (
        doc.ship_to.country_code,
        doc.carrier,
        doc.service,
        doc.fragile,
        doc.this_side_up,
        bool(doc.tracking_number),
        doc.source,
    )


RIGHT_X = M + 62
RIGHT_W = INNER - 62


@lru_cache(maxsize=512)
def fixed_elements(key: _FixedKey) -> tuple[Element, ...]:
    """Ship-from, carrier, service, marks, captions and rules: the same on every parcel of
    a warehouse's carrier service, so laid out once."""
    e: list[Element] = [
        Text(M, M, 12, 2.6, _("FROM"), "ship_from", 6, 5, bold=True),
        Text(
            M,
            M + 2.6,
            60,
            16.4,
            "\n".join(address_lines(key.ship_from, home_country=key.destination_country)),
            "ship_from",
            7.5,
            4.5,
        ),
        Text(RIGHT_X, M, RIGHT_W, 7.5, key.carrier, "carrier", 14, 6, True, Align.RIGHT),
        Text(RIGHT_X, M + 7.5, RIGHT_W, 6, key.service, "service", 11, 5, True, Align.RIGHT),
        Rule(M, 22.5, WIDTH_MM - M, 22.5, 0.5),
        Text(M, 23.5, 20, 3, _("SHIP TO"), "ship_to", 7, 5, bold=True),
        Rule(M, 60.5, WIDTH_MM - M, 60.5, 0.5),
        Text(RIGHT_X, 61.2, RIGHT_W, 3, _("PARCEL"), "parcel", 6.5, 5, True, Align.RIGHT),
        Rule(M, 80.5, WIDTH_MM - M, 80.5, 0.5),
    ]
    marks = []
    if key.fragile:
        marks.append(_("FRAGILE"))
    if key.this_side_up:
        marks.append(_("↑ THIS SIDE UP ↑"))
    mark_x = M
    for mark in marks:
        mark_w = INNER / 2 - 1 if len(marks) > 1 else INNER
        e.append(
            Text(mark_x, 73.5, mark_w, 6, mark, "marks", 13, 7, True, Align.CENTER, inverse=True)
        )
        mark_x += mark_w + 2
    if key.has_tracking:
        tracking_title = _("TRACKING NUMBER")
        if key.source is CarrierLabelSource.CARRIER:
            tracking_title = _("CARRIER TRACKING NUMBER (carrier label on the parcel)")
        e.append(Text(M, 81.5, INNER, 3, tracking_title, "tracking_number", 7, 5, bold=True))
    shipment_y = 107.0 if key.has_tracking else 84.0
    e.append(Text(M, shipment_y - 0.5, INNER, 3, _("SHIPMENT"), "shipment_number", 7, 5, True))
    e.append(Rule(M, 124.5, WIDTH_MM - M, 124.5, 0.5))
    e.append(Text(M, 125.2, 30, 3, _("CONTENTS"), "contents", 7, 5, bold=True))
    return tuple(e)


_NO_CODE = LinearCode(Symbology.CODE128, "", 10, 10)  # a template's place for a code


@lru_cache(maxsize=64)
def parcel_templates(has_tracking: bool, content_rows: int) -> tuple[Text | Code, ...]:
    """Where the parts that change from parcel to parcel go, without their values (in the
    order ``parcel_values`` gives them)."""
    e: list[Text | Code] = [
        Text(RIGHT_X, M + 13.5, RIGHT_W, 5, "", "weight", 9, 5, align=Align.RIGHT),
        Text(M + 2, 26.5, INNER - 2, 33.5, "", "ship_to", 14, 6, bold=True),
        Text(M, 61.5, 62, 11, "", "numbers", 8.5, 5),
        Text(RIGHT_X, 64.2, RIGHT_W, 8.5, "", "parcel", 18, 8, True, Align.RIGHT),
    ]
    if has_tracking:
        e.append(Code(M, 84.5, INNER, 21, _NO_CODE, "tracking_number"))
        shipment_y, shipment_h = 107.0, 16.0
    else:
        shipment_y, shipment_h = 84.0, 39.0
    e.append(Code(M, shipment_y + 2.5, INNER, shipment_h - 2.5, _NO_CODE, "shipment_number"))
    y = 128.4
    for _row in range(content_rows):
        e.append(
            Text(M, y, 9, CONTENT_ROW_H, "", "contents", 7.5, 4.5, True, Align.RIGHT, max_lines=1)
        )
        e.append(Text(M + 10, y, INNER - 10, CONTENT_ROW_H, "", "contents", 7.5, 4, max_lines=1))
        y += CONTENT_ROW_H
    return tuple(e)


@lru_cache(maxsize=8)
def _label_words(_language: str) -> tuple[str, str, str, str]:
    """The label's number captions in the current language, looked up once per language."""
    return (
        _("Order {order}"),
        _("Ref. {reference}"),
        _("Shipment {shipment}"),
        _("{index} of {count}"),
    )


def parcel_values(doc: ShippingLabelDoc) -> tuple[tuple[Text | Code, ...], list[str]]:
    """The templates for this parcel and the values that go in them, in order."""
    language = current_language()
    values = head_values(doc, language)
    values += content_values(doc.contents, language)
    return parcel_templates(bool(doc.tracking_number), content_row_count(doc.contents)), values


def head_values(doc: ShippingLabelDoc, language: str) -> list[str]:
    """The values of the templates before the contents rows: weight, ship-to, numbers,
    parcel n of m, tracking and shipment numbers."""
    order, reference, shipment, parcel = _label_words(language)
    numbers = order.format(order=doc.order_number)
    if doc.channel_order_id:
        numbers += "\n" + reference.format(reference=doc.channel_order_id)
    numbers += "\n" + shipment.format(shipment=doc.shipment_number)
    values = [
        weight_text(doc.weight_g),
        "\n".join(address_lines(doc.ship_to, home_country=doc.ship_from.country_code or None)),
        numbers,
        parcel.format(index=doc.parcel_index, count=doc.parcel_count),
    ]
    if doc.tracking_number:
        values.append(doc.tracking_number)
    values.append(doc.shipment_number)
    return values


def content_row_count(contents: tuple[ContentLine, ...]) -> int:
    return min(len(contents), CONTENT_ROWS)


@lru_cache(maxsize=4096)
def content_values(contents: tuple[ContentLine, ...], language: str) -> tuple[str, ...]:
    """Quantity and product of each contents row, in the templates' order."""
    return tuple(value for row in _contents_rows(contents, language) for value in row)


def fill(template: Text | Code, value: str) -> Text | Code:
    if isinstance(template, Code):
        c = template
        return Code(
            c.x, c.y, c.w, c.h, code128(value), c.field, c.caption, c.align, c.max_module_dots
        )
    t = template  # spelled out: dataclasses.replace costs a third of a label's layout
    return Text(
        t.x,
        t.y,
        t.w,
        t.h,
        value,
        t.field,
        t.max_pt,
        t.min_pt,
        t.bold,
        t.align,
        t.middle,
        t.inverse,
        t.max_lines,
    )


def parcel_elements(doc: ShippingLabelDoc) -> list[Element]:
    """What changes from parcel to parcel: ship-to, numbers, weight, codes, contents."""
    templates, values = parcel_values(doc)
    return [fill(template, value) for template, value in zip(templates, values, strict=True)]


LABEL_NAME = N_("shipping label")


def shipping_label_page(doc: ShippingLabelDoc) -> Page:
    elements = fixed_elements(fixed_key(doc)) + tuple(parcel_elements(doc))
    return Page(WIDTH_MM, HEIGHT_MM, elements, name=_(LABEL_NAME))


def render_shipping_labels_pdf(
    docs: Iterable[ShippingLabelDoc], *, dpi: int = DEFAULT_DPI
) -> bytes:
    """4×6 inch labels, one page per parcel, in one PDF: the same PDF as drawing each
    parcel's page (tested so), without making the pages. The parts every parcel of a
    carrier service shares are drawn once per PDF; a field's value drawn once is the same
    operators wherever it comes again (a contents line, a weight, "1 of 2")."""
    from app.labels.pdf import PdfWriter  # here, not at import: ZPL needs no reportlab

    writer = PdfWriter(title=_("Shipping labels"), dpi=dpi)
    language = current_language()
    name = _(LABEL_NAME)
    drawer = writer.drawer(Page(WIDTH_MM, HEIGHT_MM, (), name=name))
    # by the ship-from's identity (hashing an address per parcel costs more than the
    # lookup; the entry keeps it alive)
    fixed_parts: dict[tuple, tuple[PostalAddress, str]] = {}
    fields: dict[int, tuple[Text | Code, dict[str, str]]] = {}  # by the template's identity
    for doc in docs:
        ship_from = doc.ship_from
        has_tracking = bool(doc.tracking_number)
        key = fixed_part_key(doc)
        fixed = fixed_parts.get(key)
        if fixed is None or fixed[0] is not ship_from:
            page = Page(WIDTH_MM, HEIGHT_MM, fixed_elements(fixed_key(doc)), name=name)
            fixed = fixed_parts[key] = (ship_from, "\n".join(writer.page_ops(page)))
        templates = parcel_templates(has_tracking, content_row_count(doc.contents))
        values = head_values(doc, language)
        values += content_values(doc.contents, language)
        ops = [fixed[1]]
        for template, value in zip(templates, values, strict=True):
            entry = fields.get(id(template))
            if entry is None:
                entry = fields[id(template)] = (template, {})
            drawn = entry[1]
            field_ops = drawn.get(value)
            if field_ops is None:
                field_ops = drawer.element_ops(fill(template, value))
                if len(drawn) >= 4096:
                    drawn.clear()
                drawn[value] = field_ops
            ops.append(field_ops)
        writer.add_page(WIDTH_MM, HEIGHT_MM, ops)
    return writer.finish()


def render_shipping_label_pdf(doc: ShippingLabelDoc, *, dpi: int = DEFAULT_DPI) -> bytes:
    return render_shipping_labels_pdf([doc], dpi=dpi)
