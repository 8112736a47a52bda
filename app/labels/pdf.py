"""Draw layout pages with reportlab: one PDF, one page per label or document page."""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from functools import lru_cache

from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFObject, PDFResourceDictionary
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfgen.canvas import Canvas

from app.labels.barcodes import (
    CODE128_END,
    LinearCode,
    MatrixCode,
    Placement,
    dark_runs,
    place_symbol,
)
from app.labels.layout import (
    CAPTION_MM,
    CAPTION_PT,
    DEFAULT_DPI,
    Align,
    Code,
    Element,
    Frame,
    Page,
    Rule,
    Text,
)
from app.labels.text import (
    BOLD_LATIN_FONT,
    FittedText,
    fit_text_cached,
    pdf_font_for,
    pdf_width_at_one,
    register_fonts,
)

_REPLAY_ENTRIES = 20_000  # elements whose operators a PDF keeps for later pages
_REPLAY_LARGEST = 4_000  # characters
_ASCENT = 0.84  # baseline below the top of a line, as a share of the size (wqy and Helvetica)


def render_pdf(pages: Iterable[Page], *, title: str = "", dpi: int = DEFAULT_DPI) -> bytes:
    writer = PdfWriter(title=title, dpi=dpi)
    for page in pages:
        writer.add_page(page.width, page.height, writer.page_ops(page))
    return writer.finish()


class PdfWriter:
    """One PDF of layout pages, built in reportlab's document.

    Each page's operators are one string per element (an element drawn once is the same
    string on every later page of this PDF: the font subsets are the document's own, so
    the replays live as long as the writer). Pages go into the document as page objects
    of their own, formatted straight to bytes and sharing one resource dictionary:
    reportlab's general page objects cost as much to write out as the label's drawing.
    """

    def __init__(self, *, title: str = "", dpi: int = DEFAULT_DPI) -> None:
        register_fonts()
        self.buffer = io.BytesIO()
        self.canvas = canvas = Canvas(self.buffer, pageCompression=1, invariant=1)
        if title:
            canvas.setTitle(title)
        canvas.setCreator("orderdesk")
        self.dpi = dpi
        self.drawn_before: dict[tuple[Element, float], str] = {}
        self.resources = PDFResourceDictionary()
        self.resources.basicFonts()
        self.resources.allProcs()
        self.size: tuple[float, float] | None = None
        self.media_box = b""
        self.preamble = ""
        self.pages = 0

    def drawer(self, page: Page) -> _PageDrawer:
        return _PageDrawer(self.canvas, page, self.dpi, self.drawn_before)

    def page_ops(self, page: Page) -> list[str]:
        """The operators of each element of ``page``, replayed where drawn before."""
        drawer = self.drawer(page)
        drawn_before = self.drawn_before
        height = page.height
        ops = []
        for element in page.elements:
            key = (element, height)
            element_ops = drawn_before.get(key)
            if element_ops is None:
                element_ops = drawer.element_ops(element)
                if len(drawn_before) < _REPLAY_ENTRIES and len(element_ops) <= _REPLAY_LARGEST:
                    drawn_before[key] = element_ops
            ops.append(element_ops)
        return ops

    def add_page(self, width_mm: float, height_mm: float, ops: list[str]) -> None:
        """A page of ``ops`` (its content as reportlab's canvas writes it)."""
        if self.size != (width_mm, height_mm):
            self.size = (width_mm, height_mm)
            self.canvas.setPageSize((width_mm * mm, height_mm * mm))
            self.preamble = self.canvas._preamble
            self.media_box = b"[ 0 0 %s %s ]" % (
                fp_str(width_mm * mm).encode(),
                fp_str(height_mm * mm).encode(),
            )
        content = "\n".join([self.preamble, *ops, " "]) + "\n"
        stream = _PageStream(content.encode("utf-8"))
        self.canvas._doc.addPage(_PageObject(stream, self.media_box, self.resources))
        self.pages += 1

    def finish(self) -> bytes:
        if self.pages == 0:
            raise ValueError("a PDF needs at least one page")
        self.canvas.save()
        return self.buffer.getvalue()


class _PageStream(PDFObject):
    """A page's content, compressed as reportlab's page streams are."""

    __RefOnly__ = 1

    def __init__(self, content: bytes) -> None:
        self.content = content

    def format(self, document) -> bytes:
        # the fastest level: a label's operators are short and repetitive, and the
        # default level took a tenth of a label's time for a tenth less size
        data = document.encrypt.encode(zlib.compress(self.content, 1))
        return b"<<\n/Filter [ /FlateDecode ] /Length %d\n>>\nstream\n%sendstream\n" % (
            len(data),
            data,
        )


class _PageObject(PDFObject):
    """A page dictionary: its content, size, the pages tree and the shared resources."""

    __RefOnly__ = 1

    def __init__(self, stream: _PageStream, media_box: bytes, resources: PDFObject) -> None:
        self.stream = stream
        self.media_box = media_box
        self.resources = resources

    def format(self, document) -> bytes:
        contents = document.Reference(self.stream).format(document)
        parent = document.Reference(document.Pages).format(document)
        resources = document.Reference(self.resources).format(document)
        return (
            b"<<\n/Contents %s /MediaBox %s /Parent %s /Resources %s /Rotate 0\n  /Type /Page\n>>"
            % (
                contents,
                self.media_box,
                parent,
                resources,
            )
        )


class _PageDrawer:
    def __init__(
        self, canvas: Canvas, page: Page, dpi: int, drawn_before: dict[tuple[Element, float], str]
    ) -> None:
        self.canvas = canvas
        self.page = page
        self.drawn_before = drawn_before
        self.dpi = dpi
        self.height_pt = page.height * mm

    def element_ops(self, element: Element) -> str:
        """The operators that draw ``element``, as one string."""
        code = self.canvas._code
        start = len(code)
        self.draw_element(element)
        ops = " ".join(code[start:])
        del code[start:]
        return ops

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
        fitted = fit_text_cached(
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
        """One text object per box, written as PDF operators (reportlab's text object
        measures and re-encodes every line again, a third of a label's time)."""
        top = element.y * mm
        if element.middle or element.inverse:
            top += (element.h * mm - fitted.height) / 2 + (fitted.leading - fitted.size) / 2
        fake_bold = element.bold and font != BOLD_LATIN_FONT
        width_at_one = pdf_width_at_one(font)
        left = (element.x + pad) * mm
        right = (element.x + element.w - pad) * mm
        doc = self.canvas._doc
        font_object = getFont(font)
        size = f"{fitted.size:.2f}"
        ops = ["BT"]
        if fake_bold:  # the CJK font has no bold face: stroke the outline as well
            gray = 1 if element.inverse else 0
            ops = ["q", f"{fitted.size * 0.03:.3f} w {gray} G", "BT", "2 Tr"]
        subset_in_use = None
        for index, line in enumerate(fitted.lines):
            baseline = self.height_pt - (top + index * fitted.leading + fitted.size * _ASCENT)
            if element.align is Align.LEFT:
                x = left
            else:
                width = width_at_one(line) * fitted.size
                x = right - width if element.align is Align.RIGHT else (left + right - width) / 2
            ops.append(f"1 0 0 1 {x:.2f} {baseline:.2f} Tm")
            if font_object._dynamicFont:
                chunks = (
                    [(0, line.encode("ascii"))]
                    if line.isascii() and line.isprintable() and _ascii_as_is(font_object)
                    else font_object.splitString(line, doc)
                )
                for subset, chunk in chunks:
                    if subset != subset_in_use:
                        ops.append(f"{font_object.getSubsetInternalName(subset, doc)} {size} Tf")
                        subset_in_use = subset
                    ops.append(f"({escapePDF(chunk)}) Tj")
            else:
                if subset_in_use is None:
                    ops.append(f"{doc.getInternalFontName(font)} {size} Tf")
                    subset_in_use = 0
                ops.append(f"({escapePDF(line.encode('cp1252'))}) Tj")
        ops.append("ET Q" if fake_bold else "ET")
        self.canvas._code.append(" ".join(ops))

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
        left_dots = round(x_mm * self.dpi / 25.4) + symbol.quiet_left * placement.module_dots
        top_dots = round(self.height_pt * self.dpi / 72.0) - round(y_mm * self.dpi / 25.4)
        height_dots = round(height_mm * self.dpi / 25.4)
        self.canvas._code.append(  # drawn in printer dots: whole numbers, cached per pattern
            _dot_grid(self.dpi)
            + _linear_ops(symbol.modules, placement.module_dots, left_dots, top_dots, height_dots)
        )

    def matrix(self, placement: Placement, x_mm: float, y_mm: float) -> None:
        symbol = placement.symbol
        assert isinstance(symbol, MatrixCode)
        dots = placement.module_dots
        left_dots = round(x_mm * self.dpi / 25.4) + symbol.quiet * dots
        top_dots = round(self.height_pt * self.dpi / 72.0) - round(y_mm * self.dpi / 25.4)
        top_dots -= symbol.quiet * dots
        ops = " ".join(
            f"{left_dots + start * dots} {top_dots - (row + 1) * dots} {width * dots} {dots} re"
            for row, start, width in symbol.runs()
        )
        self.canvas._code.append(f"{_dot_grid(self.dpi)} 0 g {ops} f Q")


@lru_cache(maxsize=8)
def _ascii_as_is(font) -> bool:
    """Whether ``font`` keeps printable ASCII as its own codes in its first subset in every
    document (reportlab's readable-ASCII subsets, when the font has all those characters):
    then a line of it is that one chunk, as ``splitString`` would find character by
    character (most lines on a label are ASCII: numbers, Latin addresses)."""
    face = getattr(font, "face", None)
    if not getattr(font, "_asciiReadable", False) or getattr(face, "_full_font", False):
        return False
    return all(code in face.charToGlyph for code in range(32, 127))


@lru_cache(maxsize=8)
def _dot_grid(dpi: int) -> str:
    """Save the state and scale user space to printer dots (1 unit = 1 dot)."""
    scale = 72.0 / dpi
    return f"q {scale:.6f} 0 0 {scale:.6f} 0 0 cm "


@lru_cache(maxsize=4096)
def _linear_ops(modules: str, dots: int, left: int, top: int, height: int) -> str:
    bottom = top - height
    if _is_code128_pattern(modules):
        return _code128_ops(modules, dots, left, bottom, height)
    bars = " ".join(
        [
            f"{left + start * dots} {bottom} {width * dots} {height} re"
            for start, width in dark_runs(modules)
        ]
    )
    return f"0 g {bars} f Q"


def _is_code128_pattern(modules: str) -> bool:
    return len(modules) % 11 == 2 and modules.endswith(CODE128_END) and modules[:3] == "110"


def _code128_ops(modules: str, dots: int, left: int, bottom: int, height: int) -> str:
    """A Code 128 symbol's bars, symbol character by symbol character: each character's
    bars are filled where it starts, then the origin moves on by its 11 modules. Every
    character starts with a bar and ends with a space, so the dots are the same as one
    path of all the bars, and a character's operators are written once (a tracking
    number's bars are new on every parcel; placing each bar took a fifth of a label)."""
    table = _code128_char_ops(dots, height)
    end = len(modules) - len(CODE128_END)
    chars = [table[modules[offset : offset + 11]] for offset in range(0, end, 11)]
    return f"0 g 1 0 0 1 {left} {bottom} cm {''.join(chars)}{_code128_stop_ops(dots, height)} Q"


class _CharOps(dict):
    """A symbol character's pattern → its bars' operators at one module size and height,
    made when first asked for."""

    def __init__(self, dots: int, height: int) -> None:
        super().__init__()
        self.dots = dots
        self.height = height

    def __missing__(self, pattern: str) -> str:
        dots, height = self.dots, self.height
        bars = " ".join(
            [f"{start * dots} 0 {width * dots} {height} re" for start, width in dark_runs(pattern)]
        )
        self[pattern] = ops = f"{bars} f 1 0 0 1 {len(pattern) * dots} 0 cm "
        return ops


@lru_cache(maxsize=64)
def _code128_char_ops(dots: int, height: int) -> _CharOps:
    return _CharOps(dots, height)


@lru_cache(maxsize=64)
def _code128_stop_ops(dots: int, height: int) -> str:
    bars = " ".join(
        [f"{start * dots} 0 {width * dots} {height} re" for start, width in dark_runs(CODE128_END)]
    )
    return f"{bars} f"


def _aligned_x(x: float, box_w: float, width: float, align: Align) -> float:
    if align is Align.LEFT:
        return x
    if align is Align.RIGHT:
        return x + box_w - width
    return x + (box_w - width) / 2
