"""What every lazy list of a desk is built from: its paged model sized by the desk's
settings, the table view (one row per line, fixed heights, no sorting), the pause after
typing before a search runs, and the muted count line under the list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QObject, QTimer
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QLabel, QTableView

from ui.settings import DeskSettings
from ui.style import MUTED, SPACE_L
from ui.widgets.paged_table_model import Column, PagedTableModel


def list_model(
    columns: Sequence[Column], key: Callable[[Any], Any], settings: DeskSettings, parent: QObject
) -> PagedTableModel:
    """A paged model holding as many pages as the desk's settings say."""
    return PagedTableModel(
        columns,
        key=key,
        page_rows=settings.page_rows,
        cached_pages=settings.cached_pages,
        parent=parent,
    )


def search_pause(parent: QObject, settings: DeskSettings, search: Callable[[], None]) -> QTimer:
    """A timer started at each key typed: the search runs once typing pauses."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(settings.search_delay_ms)
    timer.timeout.connect(search)
    return timer


def count_label(object_name: str) -> QLabel:
    """The muted line under a list: how many rows, or what to do when there are none."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setStyleSheet(f"color: {MUTED.foreground};")
    return label


def lazy_table_view(
    object_name: str, model: QAbstractItemModel, column_widths: Sequence[int]
) -> QTableView:
    """A read-only, single-selection view over a paged model.

    Row heights are fixed so the view never measures a million rows, and sorting is off:
    the query decides the order.
    """
    table = QTableView()
    table.setObjectName(object_name)
    table.setModel(model)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setAlternatingRowColors(True)
    table.setWordWrap(False)
    table.setSortingEnabled(False)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setTabKeyNavigation(False)
    rows = table.verticalHeader()
    rows.hide()
    rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    rows.setDefaultSectionSize(table.fontMetrics().height() + SPACE_L)
    header = table.horizontalHeader()
    header.setSectionsMovable(True)
    header.setHighlightSections(False)
    header.setStretchLastSection(False)
    for column, width in enumerate(column_widths):
        header.resizeSection(column, width)
    return table
