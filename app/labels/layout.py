"""A label or document page as boxes on paper, in millimetres from the top-left corner.

The layouts (``small.py``, ``shipping.py`` …) decide *where* things go and return pages of
these elements; the renderers (``pdf.py``, ``zpl.py``) decide *how* to draw them: each fits
text with its own font metrics and places barcodes on its own printer-dot grid. So one
layout gives the PDF and the ZPL of a label, and they agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from app.labels.barcodes import LinearCode

INCH_MM = 25.4


class Align(StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


@dataclass(frozen=True)
class Text:
    """``text`` fitted into the box: the largest size from ``max_pt`` down to ``min_pt`` at
    which it fits, wrapped if need be (sizes in points; the ZPL writer converts)."""

    x: float
    y: float
    w: float
    h: float
    text: str
    field: str
    max_pt: float = 10
    min_pt: float = 5
    bold: bool = False
    align: Align = Align.LEFT
    middle: bool = False  # centre vertically in the box
    inverse: bool = False  # white on a black box (FRAGILE …)
    max_lines: int | None = None


@dataclass(frozen=True)
class Code:
    """A barcode placed in the box (quiet zones inside it); the human-readable text under
    the bars when ``caption``. Too long for the box → a QR code with the text beside it."""

    x: float
    y: float
    w: float
    h: float
    symbol: LinearCode
    field: str
    caption: bool = True
    align: Align = Align.CENTER
    max_module_dots: int | None = None


@dataclass(frozen=True)
class Rule:
    x1: float
    y1: float
    x2: float
    y2: float
    thickness: float = 0.3


@dataclass(frozen=True)
class Frame:
    x: float
    y: float
    w: float
    h: float
    thickness: float = 0.3
    filled: bool = False


Element = Text | Code | Rule | Frame


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    elements: tuple[Element, ...]
    name: str = "label"  # what the page is, for messages ("shipping label", "pick list")


DEFAULT_DPI = 203  # bars snap to this printer's dot grid (a 300/600 dpi printer prints it too)
CAPTION_MM = 3.2  # height of the human-readable line under a barcode
CAPTION_PT = 8.0
