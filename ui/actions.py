"""Actions the same way everywhere: text, shortcut, and a tooltip that names the key."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget


def with_shortcut(text: str, shortcut: str | QKeySequence) -> str:
    """Tooltip text naming the key, written as the menus write it."""
    sequence = QKeySequence(shortcut)
    return f"{text} ({sequence.toString(QKeySequence.SequenceFormat.NativeText)})"


def make_action(
    owner: QWidget,
    text: str,
    shortcut: str | QKeySequence | QKeySequence.StandardKey,
    slot: Callable[[], object],
    *,
    context: Qt.ShortcutContext = Qt.ShortcutContext.WindowShortcut,
) -> QAction:
    """An action on ``owner``; its shortcut works where ``context`` says."""
    action = QAction(text, owner)
    action.setShortcut(QKeySequence(shortcut))
    action.setShortcutContext(context)
    action.setToolTip(with_shortcut(text.replace("&", ""), action.shortcut()))
    action.triggered.connect(lambda _checked=False: slot())
    owner.addAction(action)
    return action


def retitle(action: QAction, text: str) -> None:
    """New text for an action (a language switch), its tooltip naming the key again."""
    action.setText(text)
    action.setToolTip(with_shortcut(text.replace("&", ""), action.shortcut()))
