"""A desk's work queues as a list on the left: each queue's title with its count, a
shortcut per queue (Alt+1 …), the chosen one signalled. The review desk's queues today;
the picking and packing desks' waves and stations next.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QWidget

from app.i18n import _
from ui.actions import with_shortcut
from ui.style import heading_font


class QueueList(QListWidget):
    """``queues``: (key, title marked with N_, shortcut) in the order shown."""

    chosen = Signal(object)  # the key of the queue a person picked

    def __init__(
        self,
        name: str,
        queues: Sequence[tuple[object, str, str]],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.queues = tuple(queues)
        self.setObjectName(name)
        self.setFont(heading_font(self.font(), 1.05))
        self.setMinimumWidth(175)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for key, title, shortcut in self.queues:
            item = QListWidgetItem(_(title))
            item.setData(Qt.ItemDataRole.UserRole, getattr(key, "value", key))
            item.setToolTip(with_shortcut(_(title), shortcut))
            self.addItem(item)
        self.currentRowChanged.connect(self._row_changed)

    def row_of(self, key: object) -> int:
        return next(i for i, (k, _t, _s) in enumerate(self.queues) if k == key)

    def show_count(self, key: object, count: int) -> None:
        row = self.row_of(key)
        self.item(row).setText(f"{_(self.queues[row][1])}  ({count:,})")

    def select_quietly(self, key: object) -> None:
        """Mark ``key`` as the queue shown without signalling it was chosen."""
        row = self.row_of(key)
        if self.currentRow() != row:
            self.blockSignals(True)
            self.setCurrentRow(row)
            self.blockSignals(False)

    def _row_changed(self, row: int) -> None:
        if 0 <= row < len(self.queues):
            self.chosen.emit(self.queues[row][0])
