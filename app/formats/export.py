"""Writing rejected rows back out as CSV, safely, for someone to fix and re-import.

A cell that a spreadsheet would run as a formula (``=HYPERLINK(...)``, ``+``, ``-``,
``@``, or a tab/CR at the start) gets a leading apostrophe, the usual defence against
CSV injection: the text is shown, never evaluated.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TextIO

from app.formats.common import RejectedRow
from app.i18n import say

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def write_safe_csv(stream: TextIO, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])


def write_rejected_rows(
    path: Path | str, rejected: Iterable[RejectedRow], source_header: Sequence[str] = ()
) -> None:
    """``row, order_id, error`` then the row's original cells under the file's own header.

    The error is written in the current language (the person fixing the rows reads it);
    the column names stay as they are, so the fixed file imports again. UTF-8 with BOM
    so Excel opens non-Latin names correctly.
    """
    header = ["row", "order_id", "error", *source_header]
    rows = ([r.row, r.order_id or "", say(r.reason), *r.cells] for r in rejected)
    with Path(path).open("w", encoding="utf-8-sig", newline="") as stream:
        write_safe_csv(stream, header, rows)
