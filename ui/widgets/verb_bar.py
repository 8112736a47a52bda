"""A desk's verbs as a compact bar of buttons with their keys, and why-not beside them.

Built from a verb declaration (anything with ``key``, ``label`` (N_) and ``shortcut``) and a
handler per key; ``show_states`` takes the verb states a query worked out for the record on
screen (``key``, ``label``, ``enabled``, ``why_not``): a verb not listed is hidden, a listed
one that cannot run is shown disabled with the reason in words (``why_not_label``, placed
by the owner under the bar). The review desk uses it; picking and packing desks can
declare their verbs the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QToolButton, QWidget

from app.i18n import _
from ui.actions import make_action, with_shortcut
from ui.style import BAD, SPACE_S, WARN
from ui.widgets.flow_layout import FlowLayout


class DeclaredVerb(Protocol):
    key: str
    label: str
    shortcut: str


class ShownVerb(Protocol):
    key: str
    label: str
    enabled: bool
    why_not: str


def key_text(shortcut: str) -> str:
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


class VerbBar(QWidget):
    """Buttons for the verbs; their actions live on ``owner`` so the keys work desk-wide."""

    def __init__(
        self,
        owner: QWidget,
        verbs: Iterable[DeclaredVerb],
        handlers: Mapping[str, Callable[[], None]],
        name: str,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.verbs = tuple(verbs)
        self.setObjectName(f"{name}Verbs")
        # The flow layout sits on this widget itself: nested in another layout, its height
        # for the width would not reach the parent and the last row would be clipped.
        self.grid = FlowLayout(self, SPACE_S)
        # Why-not is a label of its own, for the owner to place under the bar.
        self.why_not_label = QLabel()
        self.why_not_label.setObjectName(f"{name}WhyNot")
        self.why_not_label.setWordWrap(True)
        self.why_not_label.setStyleSheet(f"color: {WARN.foreground};")
        self.why_not_label.hide()
        self.actions: dict[str, QAction] = {}
        self.buttons: dict[str, QToolButton] = {}
        for verb in self.verbs:
            label = _(verb.label)
            action = make_action(
                owner,
                label,
                verb.shortcut,
                handlers[verb.key],
                context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
            )
            action.setEnabled(False)
            # The key on the button itself: people learn them by looking.
            action.setIconText(f"{label}  {key_text(verb.shortcut)}")
            button = QToolButton()
            button.setObjectName(f"{name}_{verb.key}")
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.hide()
            self.grid.addWidget(button)
            self.actions[verb.key] = action
            self.buttons[verb.key] = button

    def show_states(self, states: Iterable[ShownVerb]) -> None:
        """Show the listed verbs (enabled, or disabled with why); hide the others."""
        shown = {state.key: state for state in states}
        reasons = []
        for verb in self.verbs:
            button, action = self.buttons[verb.key], self.actions[verb.key]
            state = shown.get(verb.key)
            if state is None:
                action.setEnabled(False)
                button.hide()
                continue
            action.setEnabled(state.enabled)
            button.setToolTip(state.why_not or with_shortcut(state.label, verb.shortcut))
            button.show()
            if not state.enabled:
                reasons.append(f"{state.label.rstrip('…')}: {state.why_not}")
        self.why_not_label.setText("\n".join(f"{BAD.symbol} {r}" for r in reasons))
        self.why_not_label.setVisible(bool(reasons))
        self.grid.invalidate()
