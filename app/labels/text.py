"""Fonts and fitting text into a box: shrink first, then wrap; never cut.

One embedded TrueType font that draws Chinese, Japanese and accented Latin (WenQuanYi Micro
Hei) is registered with reportlab once. Fitting is pure arithmetic over widths measured at
size 1, so the same routine serves the PDF layouts (reportlab's metrics) and the ZPL writer
(an estimate of the printer font, or Pillow's metrics for text sent as a graphic).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from app.errors import LabelFontMissing, LabelTextDoesNotFit

CJK_FONT = "OrderdeskCJK"
BOLD_LATIN_FONT = "Helvetica-Bold"
FONT_PATHS = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
    "/usr/local/share/fonts/wqy-microhei.ttc",
)
_lock = threading.Lock()
_registered = False


def cjk_font_path() -> str:
    """The font file: ``ORDERDESK_LABEL_FONT`` if set, else the first known place."""
    override = os.environ.get("ORDERDESK_LABEL_FONT")
    candidates = (override, *FONT_PATHS) if override else FONT_PATHS
    for path in candidates:
        if os.path.exists(path):
            return path
    raise LabelFontMissing(tuple(candidates))


def register_fonts() -> str:
    """Register the CJK font with reportlab (once per process) and return its name."""
    global _registered
    if _registered:
        return CJK_FONT
    with _lock:
        if not _registered:
            from reportlab.pdfbase import pdfmetrics
            from reportlab.pdfbase.ttfonts import TTFont

            pdfmetrics.registerFont(TTFont(CJK_FONT, cjk_font_path(), subfontIndex=0))
            _registered = True
    return CJK_FONT


def is_latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


# --------------------------------------------------------------------------- fitting

_WIDE = "\u1100-\u11ff\u2e80-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff00-\uffef"
# a CJK character is a token of its own (a line may break after any); Latin words stay whole
_TOKEN = re.compile(rf"\s+|[{_WIDE}]|[^\s{_WIDE}]+")

WidthAtOne = Callable[[str], float]  # width of a string at size 1 (same unit as the box)
# no Latin-1 character of the fonts used here (Helvetica-Bold, WenQuanYi Micro Hei, the
# printers' font 0) is wider than its size (an em): n of them fit in n ems unmeasured
MAX_CHAR_EM = 1.0
_LATIN1 = re.compile(r"[ -~\xa0-\xff]*")


@dataclass(frozen=True)
class FittedText:
    size: float  # font size in the caller's unit (points for PDF, dots for ZPL)
    lines: tuple[str, ...]
    leading: float  # distance between baselines

    @property
    def height(self) -> float:
        return self.leading * len(self.lines)


def _measured_tokens(text: str, width_at_one: WidthAtOne) -> list[list[tuple[str, float]]]:
    """Per paragraph, its tokens with their widths at size 1 (measured once, reused for
    every size tried)."""
    return [
        [
            (token, width_at_one(" ") if token.isspace() else width_at_one(token))
            for token in _TOKEN.findall(paragraph)
        ]
        for paragraph in text.split("\n")
    ]


def _wrap_measured(
    paragraphs: list[list[tuple[str, float]]],
    width_at_one: WidthAtOne,
    limit: float,
    max_lines: int,
) -> list[str] | None:
    """Greedy wrap at ``limit`` (width at size 1); None as soon as more than ``max_lines``
    lines are needed."""
    lines: list[str] = []
    for tokens in paragraphs:
        parts: list[str] = []
        width = 0.0
        for token, token_width in tokens:
            if token.isspace():
                if parts:
                    parts.append(" ")
                    width += token_width
                continue
            if width + token_width <= limit:
                parts.append(token)
                width += token_width
                continue
            if parts and "".join(parts).strip():
                lines.append("".join(parts).rstrip())
                if len(lines) > max_lines:
                    return None
            parts, width = [], 0.0
            if token_width <= limit:
                parts, width = [token], token_width
                continue
            for char in token:  # a word wider than the line: break it between characters
                char_width = width_at_one(char)
                if parts and width + char_width > limit:
                    lines.append("".join(parts))
                    if len(lines) > max_lines:
                        return None
                    parts, width = [], 0.0
                parts.append(char)
                width += char_width
        line = "".join(parts).rstrip()
        if line:
            lines.append(line)
            if len(lines) > max_lines:
                return None
    return lines


def wrap(text: str, width_at_one: WidthAtOne, max_width: float, size: float) -> list[str]:
    """Greedy wrap at spaces (and between CJK characters); a word longer than the line is
    broken between characters. Newlines in ``text`` always break."""
    lines = _wrap_measured(
        _measured_tokens(text, width_at_one), width_at_one, max_width / size, 1 << 30
    )
    return lines or [""]


def fit_text(
    text: str,
    width_at_one: WidthAtOne,
    box_width: float,
    box_height: float,
    *,
    max_size: float,
    min_size: float,
    field: str,
    label: str,
    leading_factor: float = 1.18,
    max_lines: int | None = None,
    step: float = 0.5,
) -> FittedText:
    """The largest size from ``max_size`` down to ``min_size`` (in ``step``s) at which
    ``text`` fits the box, wrapped if need be. Raises ``LabelTextDoesNotFit`` rather than
    cut the text."""
    text = text.strip()
    if not text:
        return FittedText(max_size, (), max_size * leading_factor)
    if (
        len(text) * MAX_CHAR_EM * max_size <= box_width
        and max_size <= box_height + 1e-6
        and _LATIN1.fullmatch(text) is not None
    ):  # short enough that no measuring is needed: one line at the largest size
        return FittedText(max_size, (text,), max_size * leading_factor)
    if max_size <= box_height + 1e-6:
        # every line as given fits at the largest size: one measurement per line, no wrapping
        given = text.split("\n")
        lines_fit = (len(given) - 1) * max_size * leading_factor + max_size <= box_height + 1e-6
        if (max_lines is None or len(given) <= max_lines) and lines_fit:
            limit = box_width / max_size
            if all(  # a short Latin line fits unmeasured, as the whole text above
                (len(line) * MAX_CHAR_EM <= limit and _LATIN1.fullmatch(line) is not None)
                or width_at_one(line) <= limit
                for line in given
            ):
                return FittedText(max_size, tuple(given), max_size * leading_factor)
    paragraphs = _measured_tokens(text, width_at_one)
    widest_paragraph = max(sum(width for _, width in tokens) for tokens in paragraphs)
    size = max_size
    if widest_paragraph > 0:
        # no size above the one that puts the widest paragraph on one line can need fewer
        # lines than that one: skip straight down when it is one line anyway
        one_line = box_width / widest_paragraph
        if (
            len(paragraphs) == 1
            and one_line < size
            and box_height < one_line * (1 + leading_factor)
        ):
            size = max(min_size, min_size + step * int((one_line - min_size) / step + 1e-9))
    while size >= min_size - 1e-9:
        leading = size * leading_factor
        # n lines need (n - 1) leadings plus one size of height
        allowed = int((box_height + 1e-6 + (leading - size)) // leading)
        if max_lines is not None:
            allowed = min(allowed, max_lines)
        if allowed >= 1:
            lines = _wrap_measured(paragraphs, width_at_one, box_width / size, allowed)
            if lines is not None:
                return FittedText(size, tuple(lines), leading)
        size -= step
    raise LabelTextDoesNotFit(field, text, label)


# the same text in the same box fits the same way: captions, carriers, bins repeat a lot
fit_text_cached = lru_cache(maxsize=32768)(fit_text)


@lru_cache(maxsize=65536)
def _in_win_ansi(text: str) -> bool:
    """Text the built-in PDF fonts draw (WinAnsi: Latin-1 letters, – — … € and quotes)."""
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return all(char >= " " for char in text)


@lru_cache(maxsize=65536)
def _pdf_width(token: str, font: str) -> float:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    return stringWidth(token, font, 1.0)


def pdf_font_for(text: str, bold: bool = False) -> str:
    """Bold Latin text uses Helvetica-Bold (built in, nothing embedded); everything else the
    CJK font, which also draws accented Latin, Cyrillic and Greek."""
    if bold and _in_win_ansi(text):
        return BOLD_LATIN_FONT
    return register_fonts()


@lru_cache(maxsize=16)
def pdf_width_at_one(font: str) -> WidthAtOne:
    """Width in points at size 1 for ``font`` (cached per word)."""
    register_fonts()
    return lambda token: _pdf_width(token, font)


def abbreviate(text: str, max_chars: int) -> str:
    """``text`` cut at a word boundary to at most ``max_chars`` with a visible "…": for a
    marketplace title in a one-line list (the packing slip and pick list print it whole)."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    cut = text[: max_chars - 1]
    space = cut.rfind(" ")
    if space > max_chars // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:-·") + "…"
