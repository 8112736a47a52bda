"""Small read-only tables filled whole (a product's bins, a short list), and inline messages.

For lists that can grow without bound use ``PagedTableModel`` and ``lazy_table_view``.
"""

from __future__ import annotations

from collections.abc import Sequence

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
    for column, width in enumerate(widths):
        header.resizeSection(column, width)
    return table


def fill_table(
    table: QTableWidget, rows: Sequence[Sequence[object]], right: Sequence[int] = ()
) -> None:
    """Replace the rows; columns listed in ``right`` (numbers people compare) align right."""
    table.setRowCount(len(rows))
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            item = QTableWidgetItem("" if value is None else str(value))
            if c in right:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(r, c, item)


def say(label: QLabel, tone: Tone, text: str) -> None:
    """An inline message: the tone's symbol and words, coloured; shown until replaced."""
    label.setText(f"{tone.symbol} {text}")
    set_tone(label, tone)
    label.show()
