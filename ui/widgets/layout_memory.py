"""A screen's layout remembered per person: column widths and order, splitter positions.

Each screen names its parts once (``{key: widget}``, the keys versioned when the columns
change so an older saved layout does not apply); a table view's header or a splitter is
saved and restored by the same two calls.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtWidgets import QAbstractItemView, QSplitter, QTableView, QWidget

Parts = Mapping[str, QSplitter | QAbstractItemView]


def _state_of(widget: QWidget):
    return widget.horizontalHeader() if isinstance(widget, QTableView) else widget


def restore_layout(store, username: str, parts: Parts) -> None:
    for key, widget in parts.items():
        saved = store.user_blob(username, key)
        if saved is not None:
            _state_of(widget).restoreState(saved)


def save_layout(store, username: str, parts: Parts) -> None:
    for key, widget in parts.items():
        store.set_user_blob(username, key, _state_of(widget).saveState())
