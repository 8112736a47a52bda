"""Put back at the picking desk: a picker holding units of a cancelled order returns them
to stock without leaving the scanner.

While a list is in hand, a red banner names each of its shipments whose order was
cancelled after units were picked (shipment, tote, what, from which bin). Put back (F3),
or a scan of that tote or its SH-/SO- number (with or without a list in hand), starts the
put back: the big instruction says what goes where; scan the bin to put it into, or scan
CONFIRM (or F3 again) for the bins shown. Esc stops without changing anything. The work is
``app.packing.put_back.put_back``, the service the packing station and the command line use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QLabel

from app.errors import OrderdeskError
from app.i18n import _, ngettext
from app.packing.put_back import PutBackDue, due_for_code, due_on_list, put_back
from ui.style import BAD, GOOD
from ui.widgets.display import set_tone

if TYPE_CHECKING:
    from ui.screens.picking import PickingScreen

CONFIRM_CODE = "CONFIRM"


def _what(due: PutBackDue) -> str:
    return ", ".join(f"{x.quantity} × {x.sku} → {x.bin_code}" for x in due.lines)


def _where(due: PutBackDue) -> str:
    return (
        _("{shipment} (tote {tote})").format(shipment=due.number, tote=due.tote)
        if due.tote
        else due.number
    )


class PutBackAtPicking:
    """The desk's put-back state: what the list in hand owes back, and the one being put
    back now (``current``), with the banner that says so."""

    def __init__(self, screen: PickingScreen) -> None:
        self._screen = screen
        self.due: list[PutBackDue] = []
        self.current: PutBackDue | None = None
        self.banner = QLabel()
        self.banner.setObjectName("putBackBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()

    @property
    def active(self) -> bool:
        return self.current is not None

    # ----------------------------------------------------------------- reading

    def refresh(self, list_id: int | None) -> None:
        """What the list in hand owes back (none without a list); the banner follows."""
        database = self._screen._context.database
        self.due = database.read(due_on_list, list_id) if list_id is not None else []
        if self.current is not None and all(
            d.shipment_id != self.current.shipment_id for d in self.due
        ):
            fresh = database.read(due_for_code, self.current.number)
            self.current = fresh  # put back elsewhere meanwhile: nothing left to do
        self._show_banner()

    def _show_banner(self) -> None:
        if not self.due:
            self.banner.hide()
            return
        lines = [
            _("✕ CANCELLED — put back {shipment}: {what}").format(shipment=_where(d), what=_what(d))
            for d in self.due
        ]
        lines.append(_("Press F3 or scan the tote to put it back."))
        self.banner.setText("\n".join(lines))
        set_tone(self.banner, BAD)
        self.banner.show()

    # ----------------------------------------------------------------- scanning

    def claims(self, code: str) -> bool:
        """Whether a scan belongs to the put back: in put-back mode every scan does; else
        a tote, SH- or SO- number of a cancelled shipment owing units starts it."""
        if self.current is not None:
            self._scanned_in_mode(code)
            return True
        wanted = code.strip().upper()
        for due in self.due:  # the list in hand: no query
            if wanted in (due.number, due.order, due.tote.upper()):
                self.begin(due)
                return True
        if self._screen.holding_list:
            return False  # the list's own scan (a tote for a slot, a bin, an item)
        found = self._screen._context.database.read(due_for_code, code)
        if found is None:
            return False
        self.begin(found)
        return True

    def key(self) -> None:
        """F3: start with the first shipment owing units, or confirm the bins shown."""
        if self.current is not None:
            self._put(None)
            return
        if self._screen.holding_list:  # the live feed may not have told us yet
            self.refresh(self._screen.state.list_id)
            self._screen._show_verbs()
        if self.due:
            self.begin(self.due[0])
        else:
            self._screen._say(_("Nothing to put back: no cancelled order's units in hand."), GOOD)

    def begin(self, due: PutBackDue) -> None:
        self.current = due
        self._screen._show_state()
        self._screen._say(
            _("Scan a bin, or {confirm} (F3) for the bins shown · Esc stops").format(
                confirm=CONFIRM_CODE
            ),
            BAD,
        )

    def stop(self) -> None:
        if self.current is None:
            return
        self.current = None
        self._screen._show_state()
        self._screen._say(_("Put back stopped: nothing was changed."), GOOD)

    def instruction(self) -> str:
        due = self.current
        return ngettext(
            "✕ CANCELLED — put back {shipment}\n{units} item: {what}",
            "✕ CANCELLED — put back {shipment}\n{units} items: {what}",
            due.units,
        ).format(shipment=_where(due), units=due.units, what=_what(due))

    def _scanned_in_mode(self, code: str) -> None:
        self._put(None if code.strip().upper() == CONFIRM_CODE else code)

    def _put(self, bin_code: str | None) -> None:
        screen, due = self._screen, self.current
        try:
            done = put_back(screen._context.database, screen._actor, due.shipment_id, bin_code)
        except OrderdeskError as error:
            screen._refused(error)
            return
        self.current = None
        self.refresh(screen.state.list_id if screen.holding_list else None)
        screen._show_state()
        where = ", ".join(f"{x.quantity} × {x.sku} → {x.bin_code}" for x in done.lines)
        screen._say(
            ngettext(
                "{n} item put back to stock: {where}",
                "{n} items put back to stock: {where}",
                done.units,
            ).format(n=done.units, where=where),
            GOOD,
        )
