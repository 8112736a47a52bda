"""Small read-only tables filled whole (a product's bins, a short list), and inline messages.

For lists that can grow without bound use ``PagedTableModel`` and ``lazy_table_view``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
)

from ui.style import Tone
from ui.widgets.display import set_tone


def simple_table(name: str, headers: Sequence[str], widths: Sequence[int]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels(list(headers))
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    table.setTabKeyNavigation(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    # The last column takes the width left over: no blank band beside the columns on a
    # wide desk.
    header.setStretchLastSection(True)
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    return table


@contextmanager
def refilling(table: QTableWidget) -> Iterator[None]:
    """Set many cells at once: a column sized to its contents is measured once at the end,
    not again over every row at each cell set (which made a board of a hundred lists take
    a second to fill)."""
    header = table.horizontalHeader()
    modes = [header.sectionResizeMode(c) for c in range(table.columnCount())]
    fitted = QHeaderView.ResizeMode.ResizeToContents
    table.setUpdatesEnabled(False)
    for column, mode in enumerate(modes):
        if mode == fitted:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
    try:
        yield
    finally:
        for column, mode in enumerate(modes):
            if mode == fitted:
                header.setSectionResizeMode(column, mode)
        table.setUpdatesEnabled(True)


def fill_table(
    table: QTableWidget, rows: Sequence[Sequence[object]], right: Sequence[int] = ()
) -> None:
    """Replace the rows; columns listed in ``right`` (numbers people compare) align right."""
    with refilling(table):
        table.setRowCount(len(rows))
        for r, values in enumerate(rows):
            for c, value in enumerate(values):
                item = QTableWidgetItem("" if value is None else str(value))
                if c in right:
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                table.setItem(r, c, item)


def say(label: QLabel, tone: Tone, text: str) -> None:
    """An inline message: the tone's symbol and words, coloured; shown until replaced."""
    label.setText(f"{tone.symbol} {text}")
    set_tone(label, tone)
    label.show()
