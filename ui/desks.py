"""The desks a person can switch between, and what every desk screen is handed.

A new desk (Review, Picking, Packing, Complaints …) is one more ``Desk`` in ``DESKS``: the
main window shows it to the roles holding its permission, with its shortcut. Factories
import their screen module when first opened, so start-up does not pay for every desk.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.database import Database
from app.i18n import N_, _
from app.permissions import Actor, Permission
from ui.settings import DeskSettings, SettingsStore
from ui.tasks import TaskRunner

if TYPE_CHECKING:
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


@dataclass(frozen=True)
class Desk:
    key: str
    title: str  # source text; shown through label()
    shortcut: str
    permission: Permission
    factory: Callable[[DeskContext], DeskScreen]

    def label(self) -> str:
        return _(self.title)


def _orders_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.orders import OrdersScreen

    return OrdersScreen(context)


def _import_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.import_orders import ImportOrdersScreen

    return ImportOrdersScreen(context)


def _review_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.review import ReviewScreen

    return ReviewScreen(context)


def _counter_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.counter import CounterScreen

    return CounterScreen(context)


def _stock_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.stock import StockScreen

    return StockScreen(context)


def _picking_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.picking import PickingScreen

    return PickingScreen(context)


def _packing_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.packing import PackingScreen

    return PackingScreen(context)


DESKS: tuple[Desk, ...] = (
    Desk(
        "orders",
        N_("Orders"),
        "Ctrl+1",
        Permission.VIEW_ORDERS,
        _orders_screen,
    ),
    Desk(
        "import",
        N_("Import"),
        "Ctrl+2",
        Permission.IMPORT_ORDERS,
        _import_screen,
    ),
    Desk(
        "review",
        N_("Review"),
        "Ctrl+3",
        Permission.REVIEW_ORDERS,
        _review_screen,
    ),
    Desk(
        "counter",
        N_("Shop counter"),
        "Ctrl+4",
        Permission.IMPORT_ORDERS,
        _counter_screen,
    ),
    Desk(
        "stock",
        N_("Stock"),
        "Ctrl+6",
        Permission.ADJUST_STOCK,
        _stock_screen,
    ),
    Desk(
        "picking",
        N_("Pick lists"),
        "Ctrl+5",
        Permission.PICK_AND_PACK,
        _picking_screen,
    ),
    Desk(
        "packing",
        N_("Packing"),
        "Ctrl+7",
        Permission.PICK_AND_PACK,
        _packing_screen,
    ),
)


def desks_for(actor: Actor, desks: Sequence[Desk] = DESKS) -> list[Desk]:
    """The desks ``actor`` may use, in registry order; a key listed twice counts once."""
    seen: set[str] = set()
    allowed = []
    for desk in desks:
        if desk.key not in seen and actor.may(desk.permission):
            seen.add(desk.key)
            allowed.append(desk)
    return allowed
