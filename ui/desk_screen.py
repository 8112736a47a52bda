"""What every desk screen is handed (``DeskContext``) and what the main window expects of it
(``DeskScreen``). Screens import this; the desk registry (``ui/desks.py``) imports screens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.permissions import Actor
from ui.settings import DeskSettings, SettingsStore
from ui.tasks import TaskRunner

if TYPE_CHECKING:
    from app.database import Database
    from ui.live import LiveChanges


@dataclass(frozen=True)
class DeskContext:
    """Everything a desk screen needs, passed in rather than looked up globally."""

    database: Database
    actor: Actor
    settings: DeskSettings
    store: SettingsStore
    tasks: TaskRunner
    live: LiveChanges | None = None  # changes committed by other desks (ui/live.py)


class DeskScreen(QWidget):
    """What the main window expects of a desk's screen (override what applies)."""

    def desk_actions(self) -> list[QAction]:
        """The desk's own commands, shown in its menu with their shortcuts."""
        return []

    def focus_primary(self) -> None:
        """Put the keyboard where work on this desk starts."""
        self.setFocus()

    def save_layout(self) -> None:
        """Remember column widths and splitters for this user."""

    def retranslate(self) -> bool:
        """Set every text again in the current language, keeping what the person was doing.

        Return True when done. A desk that returns False (the default) is opened afresh by
        the main window after a language switch, which loses its state: override this.
        """
        return False
