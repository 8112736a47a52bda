"""The low-stock list as a printable PDF table (reportlab), Chinese names included.

The CJK font is the TrueType WenQuanYi Micro Hei, embedded in the PDF (reportlab cannot
embed CFF fonts such as Noto CJK, and its built-in CID fonts are not embedded at all).
Without the font file the PDF is still written, in Helvetica, and CJK glyphs are lost:
``cjk_font_available`` says which happened.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.i18n import _, ngettext
from app.stock.model import LowStockRow

CJK_FONT_FILES = (
    Path(__file__).resolve().parents[2] / "resources" / "fonts" / "wqy-microhei.ttc",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
FONT_NAME = "OrderdeskCJK"


def cjk_font_available() -> bool:
    return _register_font() == FONT_NAME


def _register_font() -> str:
    if FONT_NAME in pdfmetrics.getRegisteredFontNames():
        return FONT_NAME
    for path in CJK_FONT_FILES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(FONT_NAME, str(path), subfontIndex=0))
            return FONT_NAME
    return "Helvetica"


def low_stock_pdf(
    rows: Sequence[LowStockRow], path: str | Path, *, generated_at: dt.datetime
) -> Path:
    """One A4 landscape table: what is low, where, and what to order."""
    font = _register_font()
    target = Path(path)
    document = SimpleDocTemplate(
        str(target),
        pagesize=landscape(A4),
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=12 * mm,
        title=_("Low stock"),
    )
    title = ParagraphStyle("title", fontName=font, fontSize=15, leading=19)
    small = ParagraphStyle("small", fontName=font, fontSize=8.5, leading=10.5)
    header = [
        _("Warehouse"),
        _("SKU"),
        _("Product"),
        _("On hand"),
        _("Reserved"),
        _("Available"),
        _("Threshold"),
        _("Incoming"),
        _("Next arrival"),
        _("30-day demand"),
        _("Order"),
    ]
    head = ParagraphStyle("head", fontName=font, fontSize=8.5, leading=10, textColor=colors.white)
    head_right = ParagraphStyle("head_right", parent=head, alignment=2)
    header = [
        Paragraph(_escape(text), head_right if column >= 3 else head)
        for column, text in enumerate(header)
    ]
    body = [
        [
            row.warehouse_code,
            row.sku,
            Paragraph(_escape(row.name), small),
            row.on_hand,
            row.reserved,
            row.available,
            row.min_quantity,
            row.incoming,
            row.next_arrival.isoformat() if row.next_arrival else "–",
            row.demand_30d,
            row.suggested,
        ]
        for row in rows
    ]
    table = Table(
        [header, *body],
        repeatRows=1,
        colWidths=[21 * mm, 28 * mm, 77 * mm, 16 * mm, 17 * mm, 18 * mm, 18 * mm, 17 * mm,
                   22 * mm, 22 * mm, 17 * mm],
    )  # fmt: skip
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), font, 8.5),
                ("FONT", (0, 0), (-1, 0), font, 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#1d5fa8")),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, colors.HexColor("#eef1f4")]),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c9d1d9")),
            ]
        )
    )
    stamp = generated_at.astimezone().strftime("%Y-%m-%d %H:%M")
    story = [
        Paragraph(
            ngettext(
                "Low stock — {count} product, {stamp}",
                "Low stock — {count} products, {stamp}",
                len(rows),
            ).format(count=len(rows), stamp=stamp),
            title,
        ),
        Spacer(1, 4 * mm),
        table if body else Paragraph(_("Nothing is below its threshold."), small),
    ]
    document.build(story)
    return target


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
