"""2×1 inch bin, product and tote labels (one page per label, many in one PDF).

A code too long to scan as Code 128 at 2 inches either moves to a 4×1 inch label
(``SmallLabelFallback.WIDER``, for printers loaded with both) or prints as a QR code on the
same 2×1 label (the default: the roll in the printer stays the same).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

from app.i18n import _
from app.labels.barcodes import (
    LinearCode,
    code128,
    min_module_dots,
    module_mm,
    product_code,
)
from app.labels.layout import INCH_MM, Align, Code, Page, Text
from app.labels.model import LabelKind, SmallLabel
from app.labels.pdf import DEFAULT_DPI, render_pdf
from app.labels.text import abbreviate

SMALL_WIDTH_MM = 2 * INCH_MM
WIDE_WIDTH_MM = 4 * INCH_MM
SMALL_HEIGHT_MM = 1 * INCH_MM
MARGIN_MM = 1.5
TITLE_CHARS = 60  # a longer product title is abbreviated with a visible …


class SmallLabelFallback(StrEnum):
    QR = "qr"  # same 2×1 label, the code as a QR code
    WIDER = "wider"  # a 4×1 inch label with the Code 128 (QR if even that is too narrow)


def small_label_symbol(label: SmallLabel) -> LinearCode:
    """Product labels carry the product's code as the picker scans it (a valid EAN/UPC is
    given as ``code`` by the caller when it has one); bins and totes their code."""
    if label.kind is LabelKind.PRODUCT and label.code.isdigit():
        return product_code(label.code, label.code)
    return code128(label.code)


def fits_linear(symbol: LinearCode, width_mm: float, dpi: int) -> bool:
    return symbol.total_modules * module_mm(min_module_dots(dpi), dpi) <= width_mm + 1e-9


def small_label_page(
    label: SmallLabel,
    *,
    dpi: int = DEFAULT_DPI,
    fallback: SmallLabelFallback = SmallLabelFallback.QR,
) -> Page:
    symbol = small_label_symbol(label)
    width = SMALL_WIDTH_MM
    if fallback is SmallLabelFallback.WIDER and not fits_linear(
        symbol, SMALL_WIDTH_MM - 2 * MARGIN_MM, dpi
    ):
        width = WIDE_WIDTH_MM
    inner = width - 2 * MARGIN_MM
    kind_word = {
        LabelKind.BIN: _("BIN"),
        LabelKind.PRODUCT: _("ITEM"),
        LabelKind.TOTE: _("TOTE"),
    }[label.kind]
    if fits_linear(symbol, inner, dpi):
        title = abbreviate(label.title, TITLE_CHARS) or label.code
        elements = (
            Text(MARGIN_MM, 1.2, 9, 3.4, kind_word, "kind", max_pt=6.5, min_pt=5, bold=True),
            Text(
                MARGIN_MM + 9.5,
                1.0,
                inner - 9.5,
                4.6,
                title,
                "title",
                max_pt=9,
                min_pt=4.5,
                bold=True,
                align=Align.RIGHT,
            ),
            Text(
                MARGIN_MM,
                5.6,
                inner,
                2.8,
                label.subtitle,
                "subtitle",
                max_pt=7,
                min_pt=4.5,
                align=Align.RIGHT,
                max_lines=1,
            ),
            Code(MARGIN_MM, 8.6, inner, 12.2, symbol, "code", caption=False),
            Text(
                MARGIN_MM,
                20.8,
                inner,
                3.6,
                symbol.text,
                "code",
                max_pt=10,
                min_pt=5,
                bold=True,
                align=Align.CENTER,
                max_lines=1,
            ),
        )
    else:  # a QR code on the left, the words on the right
        qr_side = SMALL_HEIGHT_MM - 2 * MARGIN_MM
        text_x = MARGIN_MM + qr_side + 0.8
        text_w = width - MARGIN_MM - text_x
        elements = (
            Code(MARGIN_MM, MARGIN_MM, qr_side, qr_side, symbol, "code", caption=False),
            Text(text_x, 1.2, text_w, 3.2, kind_word, "kind", max_pt=6.5, min_pt=5, bold=True),
            Text(
                text_x,
                4.6,
                text_w,
                8.0,
                abbreviate(label.title, TITLE_CHARS),
                "title",
                max_pt=8,
                min_pt=4.5,
                bold=True,
            ),
            Text(text_x, 12.8, text_w, 3.4, label.subtitle, "subtitle", max_pt=6.5, min_pt=4.5),
            Text(text_x, 16.4, text_w, 7.6, symbol.text, "code", max_pt=8, min_pt=4.5),
        )
    return Page(width, SMALL_HEIGHT_MM, elements, name=_("{kind} label").format(kind=label.kind))


def render_small_labels_pdf(
    labels: Sequence[SmallLabel] | Iterable[SmallLabel],
    *,
    dpi: int = DEFAULT_DPI,
    fallback: SmallLabelFallback = SmallLabelFallback.QR,
) -> bytes:
    """Bin, product and tote labels, one 2×1 inch page each (4×1 for long codes with
    ``fallback=WIDER``), in one PDF."""
    return render_pdf(
        (small_label_page(label, dpi=dpi, fallback=fallback) for label in labels),
        title=_("Labels"),
        dpi=dpi,
    )
