"""Draw layout pages with reportlab: one PDF, one page per label or document page."""

from __future__ import annotations

import io
from collections.abc import Iterable

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from app.labels.barcodes import LinearCode, MatrixCode, Placement, place_symbol
from app.labels.layout import CAPTION_MM, CAPTION_PT, Align, Code, Element, Frame, Page, Rule, Text
from app.labels.text import FittedText, fit_text, pdf_font_for, pdf_width_at_one, register_fonts

DEFAULT_DPI = 203  # bars snap to this printer's dot grid (a 300/600 dpi printer prints it too)
_ASCENT = 0.84  # baseline below the top of a line, as a share of the size (wqy and Helvetica)


def render_pdf(pages: Iterable[Page], *, title: str = "", dpi: int = DEFAULT_DPI) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pageCompression=1, invariant=1)
    if title:
        canvas.setTitle(title)
    canvas.setCreator("orderdesk")
    drawn = 0
    for page in pages:
        canvas.setPageSize((page.width * mm, page.height * mm))
        _PageDrawer(canvas, page, dpi).draw()
        canvas.showPage()
        drawn += 1
    if drawn == 0:
        raise ValueError("a PDF needs at least one page")
    canvas.save()
    return buffer.getvalue()


class _PageDrawer:
    def __init__(self, canvas: Canvas, page: Page, dpi: int) -> None:
        self.canvas = canvas
        self.page = page
        self.dpi = dpi
        self.height_pt = page.height * mm

    def draw(self) -> None:
        for element in self.page.elements:
            self.draw_element(element)

    def draw_element(self, element: Element) -> None:
        if isinstance(element, Text):
            self.text(element)
        elif isinstance(element, Code):
            self.code(element)
        elif isinstance(element, Rule):
            canvas = self.canvas
            canvas.setLineWidth(element.thickness * mm)
            canvas.line(
                element.x1 * mm,
                self.height_pt - element.y1 * mm,
                element.x2 * mm,
                self.height_pt - element.y2 * mm,
            )
        elif isinstance(element, Frame):
            canvas = self.canvas
            canvas.setLineWidth(element.thickness * mm)
            canvas.rect(
                element.x * mm,
                self.height_pt - (element.y + element.h) * mm,
                element.w * mm,
                element.h * mm,
                stroke=1,
                fill=1 if element.filled else 0,
            )

    # ------------------------------------------------------------------ text

    def text(self, element: Text) -> None:
        if not element.text.strip():
            return
        font = pdf_font_for(element.text, element.bold)
        pad = 0.8 if element.inverse else 0.0
        fitted = fit_text(
            element.text,
            pdf_width_at_one(font),
            (element.w - 2 * pad) * mm,
            (element.h - 2 * pad * 0.5) * mm,
            max_size=element.max_pt,
            min_size=element.min_pt,
            field=element.field,
            label=self.page.name,
            max_lines=element.max_lines,
        )
        canvas = self.canvas
        if element.inverse:
            canvas.setFillGray(0)
            canvas.rect(
                element.x * mm,
                self.height_pt - (element.y + element.h) * mm,
                element.w * mm,
                element.h * mm,
                stroke=0,
                fill=1,
            )
            canvas.setFillGray(1)
        self.lines(element, fitted, font, pad)
        if element.inverse:
            canvas.setFillGray(0)

    def lines(self, element: Text, fitted: FittedText, font: str, pad: float) -> None:
        canvas = self.canvas
        top = element.y * mm
        if element.middle or element.inverse:
            top += (element.h * mm - fitted.height) / 2 + (fitted.leading - fitted.size) / 2
        fake_bold = element.bold and font != "Helvetica-Bold"
        text_object = canvas.beginText()
        text_object.setFont(font, fitted.size)
        if fake_bold:  # the CJK font has no bold face: stroke the outline as well
            # (the render mode is text state that outlives the text object: save/restore)
            canvas.saveState()
            text_object.setTextRenderMode(2)
            canvas.setLineWidth(fitted.size * 0.03)
            canvas.setStrokeGray(1 if element.inverse else 0)
        width_at_one = pdf_width_at_one(font)
        left = (element.x + pad) * mm
        right = (element.x + element.w - pad) * mm
        for index, line in enumerate(fitted.lines):
            baseline = self.height_pt - (top + index * fitted.leading + fitted.size * _ASCENT)
            if element.align is Align.LEFT:
                x = left
            else:
                width = width_at_one(line) * fitted.size
                x = right - width if element.align is Align.RIGHT else (left + right - width) / 2
            text_object.setTextOrigin(x, baseline)
            text_object.textOut(line)
        canvas.drawText(text_object)
        if fake_bold:
            canvas.restoreState()

    # ------------------------------------------------------------------ barcodes

    def code(self, element: Code) -> None:
        bars_height = element.h - (CAPTION_MM if element.caption else 0.0)
        placement = place_symbol(
            element.symbol,
            element.w,
            bars_height,
            self.dpi,
            max_module_dots=element.max_module_dots,
            field=element.field,
        )
        if placement.is_linear:
            x = _aligned_x(element.x, element.w, placement.width_mm, element.align)
            self.linear(placement, x, element.y, bars_height)
            if element.caption:
                self.text(
                    Text(
                        element.x,
                        element.y + bars_height,
                        element.w,
                        CAPTION_MM,
                        element.symbol.text,
                        element.field,
                        max_pt=CAPTION_PT,
                        min_pt=5,
                        align=element.align,
                        max_lines=1,
                    )
                )
            return
        side = placement.width_mm
        x = (
            element.x
            if element.align is Align.LEFT
            else _aligned_x(element.x, element.w, side, element.align)
        )
        if element.caption and element.w - side >= 12:
            x = element.x
        self.matrix(placement, x, element.y)
        if element.caption:
            if element.w - side >= 12:  # the text beside the code
                self.text(
                    Text(
                        x + side + 0.5,
                        element.y,
                        element.w - side - 0.5,
                        min(element.h, side),
                        element.symbol.text,
                        element.field,
                        max_pt=CAPTION_PT,
                        min_pt=5,
                    )
                )
            elif element.h - side >= CAPTION_MM:
                self.text(
                    Text(
                        element.x,
                        element.y + side,
                        element.w,
                        element.h - side,
                        element.symbol.text,
                        element.field,
                        max_pt=CAPTION_PT,
                        min_pt=5,
                        align=element.align,
                    )
                )

    def _snap(self, value_mm: float) -> float:
        """A position on the printer's dot grid, in points."""
        dots = round(value_mm * self.dpi / 25.4)
        return dots * 72.0 / self.dpi

    def linear(self, placement: Placement, x_mm: float, y_mm: float, height_mm: float) -> None:
        symbol = placement.symbol
        assert isinstance(symbol, LinearCode)
        module_pt = placement.module_dots * 72.0 / self.dpi
        origin = self._snap(x_mm) + symbol.quiet_left * module_pt
        top = self.height_pt - self._snap(y_mm)
        height = self._snap(height_mm)
        path = self.canvas.beginPath()
        for start, width in symbol.bars():
            path.rect(origin + start * module_pt, top - height, width * module_pt, height)
        self.canvas.setFillGray(0)
        self.canvas.drawPath(path, stroke=0, fill=1)

    def matrix(self, placement: Placement, x_mm: float, y_mm: float) -> None:
        symbol = placement.symbol
        assert isinstance(symbol, MatrixCode)
        module_pt = placement.module_dots * 72.0 / self.dpi
        left = self._snap(x_mm) + symbol.quiet * module_pt
        top = self.height_pt - self._snap(y_mm) - symbol.quiet * module_pt
        path = self.canvas.beginPath()
        for row, start, width in symbol.runs():
            path.rect(
                left + start * module_pt,
                top - (row + 1) * module_pt,
                width * module_pt,
                module_pt,
            )
        self.canvas.setFillGray(0)
        self.canvas.drawPath(path, stroke=0, fill=1)


def _aligned_x(x: float, box_w: float, width: float, align: Align) -> float:
    if align is Align.LEFT:
        return x
    if align is Align.RIGHT:
        return x + box_w - width
    return x + (box_w - width) / 2
