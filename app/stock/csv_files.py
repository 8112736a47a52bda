"""The stock desk's CSV files: incoming stock and bins in, the low-stock list out.

Reading is pure (text in, rows and problems out); the service resolves SKUs, warehouses
and bins against the database and imports all rows or none. The file formats are
documented in ``docs/stock-csv.md``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from app.i18n import _, ngettext
from app.stock.model import BinKind, LowStockRow

INCOMING_COLUMNS = ("sku", "quantity", "expected_date", "warehouse", "reference")
INCOMING_REQUIRED = ("sku", "quantity", "expected_date")
BIN_COLUMNS = ("warehouse", "bin", "pick_sequence", "kind")
BIN_REQUIRED = ("warehouse", "bin", "pick_sequence")
LOW_STOCK_COLUMNS = (
    "warehouse",
    "sku",
    "name",
    "on_hand",
    "reserved",
    "available",
    "threshold",
    "incoming",
    "next_arrival",
    "demand_30d",
    "suggested_order",
)


@dataclass(frozen=True)
class CsvRow:
    line: int  # line number in the file (the header is line 1)
    values: dict[str, str]


def read_rows(
    text: str, columns: Sequence[str], required: Sequence[str]
) -> tuple[list[CsvRow], list[str]]:
    """Rows keyed by the known column names (header case and spaces ignored), and the
    problems found: a missing column, an unknown one, an empty required cell."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return [], [
            _("the file is empty; expected a header line: {columns}").format(
                columns=",".join(columns)
            )
        ]
    sample = text[:4096]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [cell.strip().lower().replace(" ", "_") for cell in next(reader)]
    problems = []
    missing = [name for name in required if name not in header]
    if missing:
        problems.append(
            ngettext(
                "line 1: missing column {missing}; expected {columns}",
                "line 1: missing columns {missing}; expected {columns}",
                len(missing),
            ).format(missing=", ".join(missing), columns=",".join(columns))
        )
    unknown = [name for name in header if name and name not in columns]
    if unknown:
        problems.append(
            ngettext(
                "line 1: unknown column {unknown}; expected {columns}",
                "line 1: unknown columns {unknown}; expected {columns}",
                len(unknown),
            ).format(unknown=", ".join(unknown), columns=",".join(columns))
        )
    if problems:
        return [], problems
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        values = {
            name: (cells[index].strip() if index < len(cells) else "")
            for index, name in enumerate(header)
            if name
        }
        empty = [name for name in required if not values.get(name)]
        if empty:
            problems.append(
                _("line {line}: {fields} empty").format(line=number, fields=", ".join(empty))
            )
            continue
        rows.append(CsvRow(number, values))
    if not rows and not problems:
        problems.append(_("the file has a header but no rows"))
    return rows, problems


def bin_kind(value: str) -> str | None:
    """A bin kind as written in a file ("pick face", "Pick_Face" …), or None if unknown."""
    text = (value or "storage").strip().lower().replace(" ", "_").replace("-", "_")
    return text if text in {kind.value for kind in BinKind} else None


def low_stock_csv(rows: Sequence[LowStockRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(LOW_STOCK_COLUMNS)
    for row in rows:
        writer.writerow(
            (
                row.warehouse_code,
                row.sku,
                row.name,
                row.on_hand,
                row.reserved,
                row.available,
                row.min_quantity,
                row.incoming,
                row.next_arrival.isoformat() if row.next_arrival else "",
                row.demand_30d,
                row.suggested,
            )
        )
    return out.getvalue()
