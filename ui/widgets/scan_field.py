"""The scan field of a scan station: the instruction big above it, feedback inline below it.

A scanner types fast and ends with Enter; ``scanned`` carries the text and the field is
cleared and keeps the keyboard, ready for the next scan. Feedback is a line in words with
a symbol and a colour (never colour alone) and a beep when something is wrong -- never a
dialog in the middle of scanning. Esc emits ``escaped`` (the screen decides: start over).

The shop counter has its own field, entwined with its product search list; new scan
stations (stock, picking, packing) use this one.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QVBoxLayout, QWidget

from ui.style import BAD, SPACE_S, Tone, heading_font
from ui.widgets.display import set_tone


class ScanField(QWidget):
    scanned = Signal(str)
    escaped = Signal()

    def __init__(self, object_name: str = "scanField", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)

        self.instruction = QLabel()
        self.instruction.setObjectName(f"{object_name}Instruction")
        self.instruction.setFont(heading_font(self.font(), 1.6))
        self.instruction.setWordWrap(True)
        layout.addWidget(self.instruction)

        self.edit = QLineEdit()
        self.edit.setObjectName(object_name)
        self.edit.setFont(heading_font(self.font(), 1.35))
        self.edit.setClearButtonEnabled(True)
        self.edit.returnPressed.connect(self._entered)
        self.edit.installEventFilter(self)
        layout.addWidget(self.edit)

        self.feedback = QLabel()
        self.feedback.setObjectName(f"{object_name}Feedback")
        self.feedback.setWordWrap(True)
        self.feedback.setFont(heading_font(self.font(), 1.1))
        self.feedback.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.feedback.hide()
        layout.addWidget(self.feedback)
        self.tone: Tone | None = None

    def set_instruction(self, text: str) -> None:
        self.instruction.setText(text)

    def set_placeholder(self, text: str) -> None:
        self.edit.setPlaceholderText(text)

    def say(self, tone: Tone, text: str) -> None:
        """Inline feedback; a wrong scan also beeps, so the picker hears it from a step away."""
        self.tone = tone
        self.feedback.setText(f"{tone.symbol} {text}")
        set_tone(self.feedback, tone)
        self.feedback.show()
        if tone is BAD:
            QApplication.beep()

    def clear_feedback(self) -> None:
        self.tone = None
        self.feedback.clear()
        self.feedback.hide()

    def take_focus(self) -> None:
        self.edit.setFocus(Qt.FocusReason.OtherFocusReason)

    def _entered(self) -> None:
        text = self.edit.text()
        self.edit.clear()
        self.scanned.emit(text)
        self.take_focus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.edit
            and event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
        ):
            self.edit.clear()
            self.escaped.emit()
            return True
        return super().eventFilter(watched, event)
