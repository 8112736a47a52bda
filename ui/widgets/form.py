"""Pieces of an entry form: titled sections, captions, and a red line under each field for
what ``app/`` said about it (``FieldErrors``, keyed by the field names its errors carry).

A form shows every problem of one save at once, each beside its field; the first one's
field gets the keyboard. ``problem_sentence`` turns an ``InvalidInput`` into the line the
person reads, in the desk's language.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.errors import InvalidInput
from app.i18n import Sentence, _
from ui.style import BAD, SPACE_M, SPACE_S, heading_font


def ok_cancel(dialog: QDialog) -> QDialogButtonBox:
    """OK and Cancel for a dialog, wired to accept and reject."""
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


def section(title: str, font_of: QWidget) -> tuple[QFrame, QGridLayout]:
    """A framed group with a heading in row 0 of its four-column grid."""
    box = QFrame()
    box.setFrameShape(QFrame.Shape.StyledPanel)
    # As tall as its fields and their error lines; hiding fields gives the room back.
    box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    grid = QGridLayout(box)
    grid.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
    grid.setHorizontalSpacing(SPACE_M)
    grid.setVerticalSpacing(SPACE_S)
    heading = QLabel(title)
    heading.setFont(heading_font(font_of.font(), 1.05))
    grid.addWidget(heading, 0, 0, 1, 4)
    return box, grid


def line_edit(name: str, placeholder: str = "") -> QLineEdit:
    edit = QLineEdit()
    edit.setObjectName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def caption(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def error_label(name: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {BAD.foreground};")
    label.hide()
    return label


def field_key(field: str) -> str:
    """Every line's problem is said under the lines table (``lines[2].quantity`` → lines)."""
    return "lines" if field.startswith("lines") else field


def line_number(field: str) -> int | None:
    """``lines[2].quantity`` → 2."""
    if not field.startswith("lines["):
        return None
    try:
        return int(field[len("lines[") :].split("]", 1)[0])
    except ValueError:
        return None


def expected_text(error: InvalidInput) -> str:
    """The error's ``expected`` in the desk's language (a sentence made with values, or a
    marked phrase)."""
    expected = error.expected
    return expected.translated() if isinstance(expected, Sentence) else _(str(expected))


def problem_sentence(error: InvalidInput) -> str:
    """What a person reads under the field: what it needs, in the desk's language."""
    expected = expected_text(error)
    number = line_number(error.field)
    if number is not None:
        return _("Line {n}: needs {expected}.").format(n=number, expected=expected)
    return _("Needs {expected}.").format(expected=expected)


class FieldErrors:
    """The red lines under a form's fields; the widgets that build the form register here."""

    def __init__(self) -> None:
        self._labels: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}

    def wrap(self, field: str, widget: QWidget) -> QWidget:
        """``widget`` with its (hidden) error line under it."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(widget)
        column.addWidget(self.register(field, widget))
        return box

    def register(self, field: str, widget: QWidget) -> QLabel:
        """A field whose error line the caller places itself."""
        label = error_label(f"error_{field}")
        self._labels[field] = label
        self._widgets[field] = widget
        return label

    def add_row(self, grid: QGridLayout, row: int, column: int, text: str, field: str, widget):
        grid.addWidget(caption(text, widget), row, column)
        grid.addWidget(self.wrap(field, widget), row, column + 1)

    def widget(self, field: str) -> QWidget | None:
        return self._widgets.get(field_key(field))

    def field_of(self, widget: QWidget) -> str | None:
        return next((f for f, w in self._widgets.items() if w is widget), None)

    def show(self, field: str, lines: Iterable[str]) -> bool:
        """Say ``lines`` under ``field``; False when the form has no such field."""
        label = self._labels.get(field_key(field))
        if label is None:
            return False
        label.setText("\n".join(f"{BAD.symbol} {line}" for line in lines))
        label.show()
        return True

    def clear(self, field: str) -> None:
        label = self._labels.get(field)
        if label is not None:
            label.hide()
            label.clear()

    def clear_all(self) -> None:
        for field in self._labels:
            self.clear(field)

    def shown(self) -> list[str]:
        return [field for field, label in self._labels.items() if not label.isHidden()]
