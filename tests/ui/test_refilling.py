"""Filling a table sized to its contents: measured once after the fill, and the table left
as it was found even when the fill fails."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QHeaderView, QTableWidget, QTableWidgetItem

from ui.widgets.simple_table import refilling

FITTED = QHeaderView.ResizeMode.ResizeToContents


def _table(qtbot) -> QTableWidget:
    table = QTableWidget(0, 2)
    qtbot.addWidget(table)
    table.horizontalHeader().setSectionResizeMode(0, FITTED)
    table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    return table


def test_columns_fit_their_contents_after_the_fill(qtbot) -> None:
    table = _table(qtbot)
    table.show()
    with refilling(table):
        assert table.horizontalHeader().sectionResizeMode(0) != FITTED
        table.setRowCount(3)
        for row in range(3):
            table.setItem(row, 0, QTableWidgetItem("PL-000000" + "9" * row * 10))
    header = table.horizontalHeader()
    assert header.sectionResizeMode(0) == FITTED
    assert header.sectionResizeMode(1) == QHeaderView.ResizeMode.Stretch
    assert table.updatesEnabled()
    needed = table.fontMetrics().horizontalAdvance("PL-000000" + "9" * 20)
    assert header.sectionSize(0) >= needed


def test_a_failed_fill_leaves_the_table_as_it_was(qtbot) -> None:
    table = _table(qtbot)
    with pytest.raises(RuntimeError), refilling(table):
        raise RuntimeError("read failed")
    assert table.horizontalHeader().sectionResizeMode(0) == FITTED
    assert table.updatesEnabled()
