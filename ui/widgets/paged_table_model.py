"""A lazy table model: knows how many rows there are, reads only the pages it is asked for.

``rowCount`` comes from one ``count()``; ``data()`` for a row fetches that row's page on
first use. A page that follows a cached one is read by keyset (``page_after``, "older than
the last id I have"), which costs the same at any depth; any other page is read by
position from the nearer end (``page_at``), so opening a million rows and jumping to the
last one are both a single short query. Pages live in a small LRU cache.

The model knows nothing about orders: a screen gives it a source and its columns.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, Protocol, TypeVar

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from app.errors import OrderdeskError

log = logging.getLogger(__name__)

Row = TypeVar("Row")
Index = QModelIndex | QPersistentModelIndex


class PageSource(Protocol[Row]):
    def count(self) -> int: ...

    def page_at(self, offset: int, limit: int, total: int) -> list[Row]: ...

    def page_after(self, after_key: Any, limit: int) -> list[Row]: ...


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One column: its header, its text, and optionally how it looks for a row."""

    title: str
    text: Callable[[Row], str]
    align_right: bool = False
    foreground: Callable[[Row], str | None] | None = None
    background: Callable[[Row], str | None] | None = None
    tooltip: Callable[[Row], str] | None = None


_LEFT = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)


class PagedTableModel(QAbstractTableModel, Generic[Row]):
    """Rows of one source, read page by page as the view asks for them."""

    # A read failed (database gone, file locked): the screen says so in words.
    fetch_failed = Signal(object)

    def __init__(
        self,
        columns: Sequence[Column[Row]],
        key: Callable[[Row], Any],
        *,
        page_rows: int = 100,
        cached_pages: int = 64,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._key = key
        self._page_rows = max(1, page_rows)
        self._cached_pages = max(2, cached_pages)
        self._source: PageSource[Row] | None = None
        self._total = 0
        self._pages: OrderedDict[int, list[Row]] = OrderedDict()
        # Each row's cell texts, made on its first paint: formatting money and times with
        # the locale's rules costs far more than painting, and a view repaints often.
        self._texts: dict[int, tuple[str, ...]] = {}
        self._failed_pages: set[int] = set()
        self.page_fetches = 0  # how many pages were read: tests and benches watch this

    def set_columns(self, columns: Sequence[Column[Row]]) -> None:
        """Same columns with new titles or texts (a language switch); rows stay as read."""
        self._columns = list(columns)
        self._texts.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._columns) - 1)
        if self._total:
            self.dataChanged.emit(
                self.index(0, 0), self.index(self._total - 1, len(self._columns) - 1)
            )

    # ----------------------------------------------------------------- source

    def set_source(self, source: PageSource[Row] | None) -> None:
        """Show another list (a new filter); counts it, reads nothing else yet."""
        self.beginResetModel()
        self._source = source
        self._pages.clear()
        self._texts.clear()
        self._failed_pages.clear()
        self._total = 0
        try:
            self._total = source.count() if source is not None else 0
        except OrderdeskError as error:
            self._source = None
            self.fetch_failed.emit(error)
        finally:
            self.endResetModel()

    def reload(self) -> None:
        self.set_source(self._source)

    @property
    def source(self) -> PageSource[Row] | None:
        return self._source

    @property
    def total(self) -> int:
        return self._total

    @property
    def page_rows(self) -> int:
        return self._page_rows

    # ----------------------------------------------------------------- rows

    def row_at(self, row: int) -> Row | None:
        """The row's value, reading its page if needed; None past the end or on failure."""
        if row < 0 or row >= self._total:
            return None
        page_number, within = divmod(row, self._page_rows)
        page = self._page(page_number)
        return page[within] if page is not None and within < len(page) else None

    def cached_row(self, row: int) -> Row | None:
        """The row if its page is already in memory; never reads."""
        page = self._pages.get(row // self._page_rows)
        within = row % self._page_rows
        return page[within] if page is not None and within < len(page) else None

    def _page(self, number: int) -> list[Row] | None:
        page = self._pages.get(number)
        if page is not None:
            self._pages.move_to_end(number)
            return page
        if number in self._failed_pages or self._source is None:
            return None
        try:
            page = self._fetch(number)
        except OrderdeskError as error:
            # Remembered so the view's next repaint does not ask again and again.
            self._failed_pages.add(number)
            log.warning("could not read page %s: %s", number, error.message)
            self.fetch_failed.emit(error)
            return None
        self._pages[number] = page
        if len(self._pages) > self._cached_pages:
            dropped, _rows = self._pages.popitem(last=False)
            first = dropped * self._page_rows
            for row in range(first, first + self._page_rows):
                self._texts.pop(row, None)
        return page

    def _fetch(self, number: int) -> list[Row]:
        assert self._source is not None
        self.page_fetches += 1
        previous = self._pages.get(number - 1)
        if number > 0 and previous and len(previous) == self._page_rows:
            return self._source.page_after(self._key(previous[-1]), self._page_rows)
        offset = number * self._page_rows
        return self._source.page_at(offset, self._page_rows, self._total)

    # ----------------------------------------------------------------- Qt model

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._total

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = 0) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        column = self._columns[section]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.title
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.align_right else _LEFT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if column.align_right else _LEFT
        if role not in _ROW_ROLES:
            return None
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            texts = self._texts.get(index.row())
            if texts is None:
                texts = self._texts[index.row()] = tuple(c.text(row) for c in self._columns)
            return texts[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and column.foreground:
            return _brush(column.foreground(row))
        if role == Qt.ItemDataRole.BackgroundRole and column.background:
            return _brush(column.background(row))
        if role == Qt.ItemDataRole.ToolTipRole and column.tooltip:
            return column.tooltip(row)
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


_ROW_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.BackgroundRole,
        Qt.ItemDataRole.ToolTipRole,
    }
)


def _brush(colour: str | None) -> QBrush | None:
    return _solid_brush(colour) if colour else None


@lru_cache(maxsize=64)
def _solid_brush(colour: str) -> QBrush:
    # A handful of tone colours, asked for on every repaint of every visible cell.
    return QBrush(QColor(colour))
