"""Barcode symbols as plain data: the bar pattern python-barcode encodes, or a QR matrix.

Every layout (PDF, ZPL, a screen) asks here what to draw; none encodes on its own. A linear
code is drawn with whole printer dots per module (a module that falls between dots prints
thick or thin bars and scans badly) and with its quiet zones. A code that does not fit the
space at the smallest module a scanner reads reliably falls back to a QR code, never to an
unscannable barcode.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache

import barcode
import segno
from barcode.charsets import code128 as _C128

from app.errors import BarcodeDoesNotFit, BarcodeNotEncodable
from app.gtin import gtin_valid

MM_PER_INCH = 25.4
# 10 mil: the thinnest module general-purpose scanners read at arm's length (GS1 allows
# less for small retail items, but labels are scanned on shelves and parcels).
MIN_MODULE_MM = 0.25


class Symbology(StrEnum):
    CODE128 = "code128"
    EAN13 = "ean13"
    UPCA = "upca"
    EAN8 = "ean8"
    QR = "qr"


_GTIN_SYMBOLOGY = {13: Symbology.EAN13, 12: Symbology.UPCA, 8: Symbology.EAN8}
# quiet zones in modules on the left and right (GS1 for EAN/UPC; ISO 15417 for Code 128)
_QUIET = {
    Symbology.CODE128: (10, 10),
    Symbology.EAN13: (11, 7),
    Symbology.UPCA: (9, 9),
    Symbology.EAN8: (7, 7),
}
QR_QUIET_MODULES = 4
_PRINTABLE_ASCII = re.compile(r"[ -~]+")


@dataclass(frozen=True)
class LinearCode:
    """A one-dimensional barcode of ``text`` (what a scanner reads back). ``modules`` is the
    encoder's pattern, ``1`` = a dark module, without quiet zones; it is encoded on first
    use (a ZPL label leaves the encoding to the printer and never needs it)."""

    symbology: Symbology
    text: str
    quiet_left: int
    quiet_right: int

    @cached_property
    def modules(self) -> str:
        return _pattern(self.symbology, self.text)

    @property
    def total_modules(self) -> int:
        return self.quiet_left + len(self.modules) + self.quiet_right

    def bars(self) -> tuple[tuple[int, int], ...]:
        """The dark bars as (first module, width in modules), quiet zone excluded: what a
        screen or a printer draws as rectangles."""
        return dark_runs(self.modules)


_NO_WRITER = object()  # only the bar pattern is wanted: no SVG/PNG writer set up per code


@lru_cache(maxsize=8192)
def _pattern(symbology: Symbology, text: str) -> str:
    if symbology is Symbology.CODE128 and _PRINTABLE_ASCII.fullmatch(text):
        return "".join([_C128.CODES[value] for value in code128_values(text)]) + CODE128_END
    encoder = barcode.get(symbology.value, text, writer=_NO_WRITER)
    if symbology is not Symbology.CODE128 and encoder.get_fullcode() != text:
        raise BarcodeNotEncodable(symbology.value, text, "the encoder changed the number")
    return encoder.build()[0]


CODE128_END = _C128.STOP + "11"  # the stop symbol and its final bar
_C128_TO_B_FROM_C = _C128.C["TO_B"]
_C128_TO_C_FROM_B = _C128.B["TO_C"]


_C128_RUNS = re.compile(r"\d+|\D+")


def code128_values(text: str) -> list[int]:
    """The symbol values of ``text`` (printable ASCII) with its check symbol, exactly as
    python-barcode chooses them, run by run rather than character by character (every
    parcel's tracking number is new, and its encoder ran a fifth of a PDF label's time):
    it starts in set C; leading digits go in pairs; anything else goes in B, except runs
    of four or more digits, which go in C; an odd digit left over at the end of a run in
    C goes in B. Pinned against python-barcode by the tests."""
    values = [_C128.START_CODES["C"]]
    in_c = True
    pending = ""  # an odd digit left over in C
    for run in _C128_RUNS.findall(text):
        if run[0].isdigit():
            if in_c or len(run) >= 4:
                if not in_c:
                    values.append(_C128_TO_C_FROM_B)
                    in_c = True
                pairs = len(run) // 2 * 2
                values += [int(run[i : i + 2]) for i in range(0, pairs, 2)]
                pending = run[pairs:]
                continue
        elif in_c:
            values.append(_C128_TO_B_FROM_C)
            in_c = False
            if pending:
                values.append(ord(pending) - 32)
                pending = ""
        values += [ord(char) - 32 for char in run]  # set B: printable ASCII from 32 on
    if pending:
        values += [_C128_TO_B_FROM_C, ord(pending) - 32]
    if values[1] in _C128.TO:  # a start in C switched at once: start in that set instead
        values[:2] = [_C128.TO[values[1]]]
    values.append((values[0] + sum([index * value for index, value in enumerate(values)])) % 103)
    return values


@dataclass(frozen=True)
class MatrixCode:
    """A QR code: ``rows`` of ``1``/``0`` modules without the quiet zone."""

    symbology: Symbology
    text: str
    rows: tuple[str, ...]
    quiet: int = QR_QUIET_MODULES

    @property
    def size(self) -> int:
        return len(self.rows)

    @property
    def total_modules(self) -> int:
        return self.size + 2 * self.quiet

    def runs(self) -> tuple[tuple[int, int, int], ...]:
        """Dark runs as (row, first column, width): a row's neighbouring modules merged."""
        return tuple(
            (row_index, start, width)
            for row_index, row in enumerate(self.rows)
            for start, width in dark_runs(row)
        )


Symbol = LinearCode | MatrixCode


@lru_cache(maxsize=4096)
def dark_runs(pattern: str) -> tuple[tuple[int, int], ...]:
    """Runs of dark modules as (first module, width). ``str.find`` rather than a regular
    expression: every tracking number's bars are new, so this runs once per barcode."""
    runs = []
    find = pattern.find
    end = len(pattern)
    start = find("1")
    while start != -1:
        stop = find("0", start)
        if stop == -1:
            stop = end
        runs.append((start, stop - start))
        start = find("1", stop)
    return tuple(runs)


# --------------------------------------------------------------------------- encoders


def code128(text: str) -> LinearCode:
    """Code 128 of ``text`` (printable ASCII; python-barcode picks subsets A/B/C)."""
    if not text:
        raise BarcodeNotEncodable("code128", text, "an empty value cannot be a barcode")
    if not _PRINTABLE_ASCII.fullmatch(text):
        raise BarcodeNotEncodable(
            "code128", text, "Code 128 carries printable ASCII only (letters, digits, - . / …)"
        )
    left, right = _QUIET[Symbology.CODE128]
    return LinearCode(Symbology.CODE128, text, left, right)


def gtin(code: str) -> LinearCode:
    """EAN-13, UPC-A or EAN-8 of a GTIN whose check digit is right (the project's one GTIN
    check, ``app.gtin``). python-barcode would silently replace a wrong check digit with the
    right one, printing a number nobody has on file; that is refused here instead."""
    digits = code.strip()
    symbology = _GTIN_SYMBOLOGY.get(len(digits))
    if symbology is None or not gtin_valid(digits):
        raise BarcodeNotEncodable(
            "gtin", code, "an EAN-13, UPC-A or EAN-8 number with a right check digit"
        )
    left, right = _QUIET[symbology]
    return LinearCode(symbology, digits, left, right)


@lru_cache(maxsize=1024)
def qr(text: str) -> MatrixCode:
    """A QR code (error correction M, raised when it costs no extra size)."""
    if not text:
        raise BarcodeNotEncodable("qr", text, "an empty value cannot be a barcode")
    symbol = segno.make(text, error="m", micro=False)
    rows = tuple("".join("1" if cell else "0" for cell in row) for row in symbol.matrix)
    return MatrixCode(Symbology.QR, text, rows)


def product_code(barcode_value: str | None, sku: str) -> LinearCode:
    """What a picker scans for a product: its EAN/UPC when it has a valid one, else its SKU
    (or its non-GTIN barcode) as Code 128 — the scan accepts either."""
    if barcode_value:
        value = barcode_value.strip()
        if value.isdigit() and len(value) in _GTIN_SYMBOLOGY and gtin_valid(value):
            return gtin(value)
        if not value.isdigit() and _PRINTABLE_ASCII.fullmatch(value):
            return code128(value)
    return code128(sku)


def barcode_for_screen(value: str, barcode_value: str | None = None) -> LinearCode:
    """The same pattern the labels print, for a screen to paint (``bars()`` in modules)."""
    if barcode_value is not None:
        return product_code(barcode_value, value)
    return code128(value)


# --------------------------------------------------------------------------- fitting


def dots_per_mm(dpi: int) -> float:
    return dpi / MM_PER_INCH


def module_mm(dots: int, dpi: int) -> float:
    return dots * MM_PER_INCH / dpi


def min_module_dots(dpi: int) -> int:
    return max(1, math.ceil(MIN_MODULE_MM * dpi / MM_PER_INCH - 1e-6))


def preferred_module_dots(dpi: int) -> int:
    """About 0.375 mm (15 mil): 3 dots at 203 dpi, 4 at 300 dpi."""
    return max(min_module_dots(dpi), round(0.375 * dpi / MM_PER_INCH))


@dataclass(frozen=True)
class Placement:
    """Where a symbol goes in a box: ``module_dots`` printer dots per module at ``dpi``;
    ``width_mm``/``height_mm`` include the quiet zones."""

    symbol: Symbol
    module_dots: int
    dpi: int
    width_mm: float
    height_mm: float

    @property
    def module_mm(self) -> float:
        return module_mm(self.module_dots, self.dpi)

    @property
    def is_linear(self) -> bool:
        return isinstance(self.symbol, LinearCode)


def place_symbol(
    symbol: LinearCode,
    box_width_mm: float,
    box_height_mm: float,
    dpi: int,
    *,
    max_module_dots: int | None = None,
    field: str = "barcode",
) -> Placement:
    """The widest whole-dot module (up to the preferred one) at which ``symbol`` and its
    quiet zones fit ``box_width_mm``; if none does, a QR code of the same text sized to the
    box. Raises ``BarcodeDoesNotFit`` when even the QR code would be too small to read."""
    largest = max_module_dots or preferred_module_dots(dpi)
    for dots in range(largest, min_module_dots(dpi) - 1, -1):
        width = symbol.total_modules * module_mm(dots, dpi)
        if width <= box_width_mm + 1e-9:
            return Placement(symbol, dots, dpi, width, box_height_mm)
    return place_qr(symbol.text, box_width_mm, box_height_mm, dpi, field=field)


def place_qr(
    text: str, box_width_mm: float, box_height_mm: float, dpi: int, *, field: str = "barcode"
) -> Placement:
    matrix = qr(text)
    side = min(box_width_mm, box_height_mm)
    dots = int(side / module_mm(1, dpi) // matrix.total_modules)
    # 0.375 mm is about the smallest QR module a handheld imager reads off a label reliably
    smallest = max(min_module_dots(dpi), math.ceil(0.375 * dpi / MM_PER_INCH - 1e-6))
    if dots < smallest:
        raise BarcodeDoesNotFit(field, text, round(box_width_mm, 1), round(box_height_mm, 1))
    dots = min(dots, 3 * preferred_module_dots(dpi))
    width = matrix.total_modules * module_mm(dots, dpi)
    return Placement(matrix, dots, dpi, width, width)
