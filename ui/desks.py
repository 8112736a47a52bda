"""The desk registry: the desks a person can switch between (``DESKS``) and who sees which.

A new desk (Review, Picking, Packing, Complaints …) is one more ``Desk`` in ``DESKS``: the
main window shows it to the roles holding its permission, with its shortcut. Factories
import their screen module when first opened, so start-up does not pay for every desk.
What a screen is handed and must offer (``DeskContext``, ``DeskScreen``) lives in
``ui/desk_screen.py``: screens import that, never this registry.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.i18n import N_, _
from app.permissions import Actor, Permission
from ui.desk_screen import DeskContext, DeskScreen


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


def _shipping_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.shipping import ShippingScreen

    return ShippingScreen(context)


def _cases_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.cases import CasesScreen

    return CasesScreen(context)


def _refunds_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.refunds import RefundsScreen

    return RefundsScreen(context)


def _blocklist_screen(context: DeskContext) -> DeskScreen:
    from ui.screens.blocklist import BlockListScreen

    return BlockListScreen(context)


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
        Permission.SELL_AT_COUNTER,
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
    Desk(
        "shipping",
        N_("Hand-over"),
        "Ctrl+8",
        Permission.SHIP_ORDERS,
        _shipping_screen,
    ),
    Desk(
        "cases",
        N_("Cases"),
        "Ctrl+9",
        Permission.HANDLE_CASES,
        _cases_screen,
    ),
    Desk(
        "refunds",
        N_("Refunds"),
        "Ctrl+0",
        Permission.ISSUE_REFUNDS,
        _refunds_screen,
    ),
    Desk(
        "blocklist",
        N_("Block list"),
        "Ctrl+Shift+B",
        Permission.BAN_CUSTOMERS,
        _blocklist_screen,
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
