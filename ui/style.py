"""The one look of every desk: Fusion, one palette, one spacing scale, one font with CJK.

Screens use the constants here instead of their own numbers and colours, so a change of
look is a change in this file only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QColor, QFont, QFontDatabase, QPalette
from PySide6.QtWidgets import QApplication

# Spacing scale in pixels: layouts use these, never ad-hoc margins.
SPACE_XS, SPACE_S, SPACE_M, SPACE_L, SPACE_XL = 2, 4, 8, 12, 20

BASE_POINT_SIZE = 10

# Qt's own CJK fallback picks whatever it finds first (often a Japanese face), and a
# machine without any CJK font shows boxes; so a Simplified Chinese family is named
# explicitly, loaded from the file when the system does not already know it.
CJK_FONT_FILES = (
    Path(__file__).resolve().parent.parent / "resources" / "fonts" / "wqy-microhei.ttc",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
)
CJK_FAMILY_PREFERENCE = (
    "WenQuanYi Micro Hei",
    "Microsoft YaHei",
    "PingFang SC",
    "Noto Sans CJK SC",
    "Source Han Sans SC",
)


@dataclass(frozen=True)
class Tone:
    """A meaning shown by colour; the words or symbol beside it carry the same meaning."""

    foreground: str
    background: str
    symbol: str


NEUTRAL = Tone("#1f2933", "#eef1f4", "•")
INFO = Tone("#0b4f8a", "#e3effa", "•")
GOOD = Tone("#1e6b34", "#e2f3e6", "✓")
WARN = Tone("#7a4d00", "#fff1cc", "!")
BAD = Tone("#a3231b", "#fde4e1", "✕")
MUTED = Tone("#5b6670", "#f1f2f3", "–")

ACCENT = "#1d5fa8"


def apply_look(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(desk_palette())
    app.setFont(desk_font())


def desk_palette() -> QPalette:
    palette = QPalette()
    colours = {
        QPalette.ColorRole.Window: "#f4f5f7",
        QPalette.ColorRole.WindowText: "#1f2933",
        QPalette.ColorRole.Base: "#ffffff",
        QPalette.ColorRole.AlternateBase: "#f7f9fb",
        QPalette.ColorRole.Text: "#1f2933",
        QPalette.ColorRole.Button: "#e9ecef",
        QPalette.ColorRole.ButtonText: "#1f2933",
        QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.ToolTipBase: "#ffffe8",
        QPalette.ColorRole.ToolTipText: "#1f2933",
        QPalette.ColorRole.PlaceholderText: "#6b7680",
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, colour in colours.items():
        palette.setColor(role, QColor(colour))
    disabled = QPalette.ColorGroup.Disabled
    for role in (
        QPalette.ColorRole.Text,
        QPalette.ColorRole.WindowText,
        QPalette.ColorRole.ButtonText,
    ):
        palette.setColor(disabled, role, QColor("#9aa3ab"))
    return palette


def desk_font() -> QFont:
    font = QFont(QApplication.font())
    font.setPointSize(BASE_POINT_SIZE)
    cjk = cjk_family()
    if cjk:
        font.setFamilies([font.family(), cjk])
    return font


def cjk_family() -> str | None:
    """A Simplified Chinese family this process can draw with, loading one if needed."""
    for family in CJK_FAMILY_PREFERENCE:
        if QFontDatabase.hasFamily(family):
            return family
    for path in CJK_FONT_FILES:
        if path.is_file():
            font_id = QFontDatabase.addApplicationFont(str(path))
            families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
            if families:
                return families[0]
    return None


def heading_font(base: QFont, scale: float = 1.3) -> QFont:
    font = QFont(base)
    font.setPointSizeF(base.pointSizeF() * scale)
    font.setBold(True)
    return font
