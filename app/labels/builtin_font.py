"""Widths the ZPL writer measures the printer's built-in font 0 with, without reportlab.

Helvetica-Bold's advance widths per WinAnsi code (Adobe's AFM, as reportlab has them; a test
checks they are the same), in thousandths of an em: wider than font 0 (CG Triumvirate Bold
Condensed), so a field measured with them stays inside the label. Writing ZPL then needs no
reportlab, whose loading was a third of a first run of ZPL labels in a fresh process.
"""

from __future__ import annotations

_FROM_SPACE = """
    278 333 474 556 556 889 722 238 333 333 389 584 278 333 278 278 556 556 556 556 556
    556 556 556 556 556 333 333 584 584 584 611 975 722 722 722 722 667 611 778 722 278
    556 722 611 833 722 778 667 778 722 667 611 722 667 944 667 667 611 333 278 333 584
    556 333 556 611 556 611 556 333 611 611 278 278 556 278 889 611 611 611 611 389 556
    333 611 556 778 556 556 500 389 280 389 584 350 556 350 278 556 500 1000 556 556 333
    1000 667 333 1000 350 611 350 350 278 278 500 500 350 556 1000 333 1000 556 333 944
    350 500 667 278 333 556 556 556 556 280 556 333 737 370 556 584 333 737 333 400 584
    333 333 333 611 556 278 333 333 365 556 834 834 834 611 722 722 722 722 722 722 1000
    722 667 667 667 667 278 278 278 278 722 722 778 778 778 778 778 584 778 722 722 722
    722 667 667 611 556 556 556 556 556 556 889 556 556 556 556 556 278 278 278 278 611
    611 611 611 611 611 611 584 611 611 611 611 611 556 611 556
"""

# codes 0-31 draw nothing
HELVETICA_BOLD_WIDTHS: tuple[float, ...] = (0.0,) * 32 + tuple(
    int(width) / 1000 for width in _FROM_SPACE.split()
)
