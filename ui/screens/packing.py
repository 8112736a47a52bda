"""The packing station, scanner-first: scan a picked shipment (its SH-/SO- number or its
tote), scan every item into the parcel, weigh, print label and slip.

One scan field keeps the keyboard; whatever is scanned goes through ``station_scan``, which
knows a shipment, a weight ("1.25 kg", as a keyboard-wedge scale types it), a package code,
PRINT and NEW-PARCEL from an item. The next step is shown large, readable from a step
away; a refused scan turns the message red with its reason and beeps; a cancelled order's
shipment fills the instruction with "CANCELLED — put back" and lists what to put back.
Nothing modal interrupts scanning: only the supervisor's override asks for its reason.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError, PrintFailed
from app.i18n import N_, _, ngettext
from app.labels.shipping import weight_text
from app.packing import labelling as pl
from app.packing import queries
from app.packing import service as ps
from app.packing.model import NEW_PARCEL_CODE, PACK_VERBS, PRINT_CODE, Notice, PackState
from app.packing.printers import LabelPrinter, RawLabelPrinter, StationPrinters
from app.packing.put_back import bin_code_of, due_for_shipment
from app.packing.put_back import put_back as put_back_units
from app.packing.reprint import reprint_label
from app.printing.model import PrintReceipt
from app.shipping.queries import label_history
from ui.actions import make_action
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text
from ui.screens.packing_history import fill_history, history_table, retitle
from ui.style import BAD, GOOD, INFO, MUTED, SPACE_M, SPACE_S, WARN
from ui.widgets.display import set_tone
from ui.widgets.scan_field import ScanField

ITEM_COLUMNS = (N_("SKU"), N_("Product"), N_("Wanted"), N_("Scanned"))
PARCEL_COLUMNS = (
    N_("Parcel"),
    N_("Package"),
    N_("Weight"),
    N_("Expected weight"),
    N_("Items"),
    N_("Label"),
)


class QtPdfPrinter:
    """Labels and slips as PDF through Qt, to the printer this workstation remembers."""

    label_format = "pdf"

    def __init__(self, context: DeskContext, parent: QWidget) -> None:
        self._context = context
        self._parent = parent
        self.name = context.settings.document_printer or _("the default printer")

    def send(self, data: bytes, title: str) -> PrintReceipt:
        from ui.printing import print_pdf

        try:
            print_pdf(
                data,
                parent=self._parent,
                settings=self._context.settings,
                store=self._context.store,
                ask=False,
                title=title,
            )
        except RuntimeError as error:
            raise PrintFailed(self.name, str(error)) from error
        return PrintReceipt(self.name, len(data))


def station_printers(context: DeskContext, parent: QWidget) -> StationPrinters:
    """ZPL to the label printer when one is set up (settings), PDF through Qt otherwise;
    the slip always as PDF through Qt."""
    from ui.printing import label_printer_settings, label_zpl_settings

    settings = context.settings
    pdf = QtPdfPrinter(context, parent)
    label: LabelPrinter = pdf
    if settings.label_printer_host or settings.label_printer_queue:
        try:
            label = RawLabelPrinter(label_printer_settings(settings), label_zpl_settings(settings))
        except OrderdeskError:
            label = pdf  # a wrong setting: print PDF rather than nothing; settings say why
    return StationPrinters(label, pdf if label is not pdf else None, label_zpl_settings(settings))


def _table(columns: tuple[str, ...], name: str) -> QTableWidget:
    table = QTableWidget(0, len(columns))
    table.setObjectName(name)
    table.setHorizontalHeaderLabels([_(c) for c in columns])
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.verticalHeader().hide()
    table.horizontalHeader().setStretchLastSection(True)
    table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return table


def _filling(table: QTableWidget, rows: int) -> None:
    """Before filling: columns sized to their contents once afterwards (``_fit``), not on
    every cell set, which costs seconds on a long waiting list."""
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    table.setRowCount(rows)


def _fit(table: QTableWidget, stretch: int | None = None) -> None:
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch is not None:
        header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)


def _cell(value: object, right: bool = False) -> QTableWidgetItem:
    cell = QTableWidgetItem(str(value))
    if right:
        cell.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return cell


class PackingScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("packingScreen")
        self._context = context
        self._actor = context.actor
        self.state: PackState | None = None
        self.refused_scans = 0
        self._printers: StationPrinters | None = None
        self._build()
        self._build_actions()
        self.refresh_waiting()
        self._show_state()

    @property
    def printers(self) -> StationPrinters:
        if self._printers is None:
            self._printers = station_printers(self._context, self)
        return self._printers

    @printers.setter
    def printers(self, printers: StationPrinters) -> None:
        self._printers = printers

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
        outer.setSpacing(SPACE_M)

        left = QVBoxLayout()
        self.waiting_title = QLabel()
        left.addWidget(self.waiting_title)
        self.waiting = _table(("Shipment", "Order", "Units"), "waitingTable")
        left.addWidget(self.waiting, 1)
        self.codes_label = QLabel()
        self.codes_label.setObjectName("codesLabel")
        self.codes_label.setWordWrap(True)
        self.codes_label.setStyleSheet(f"color: {MUTED.foreground};")
        left.addWidget(self.codes_label)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setMinimumWidth(280)
        outer.addWidget(left_box, 2)

        right = QVBoxLayout()
        right.setSpacing(SPACE_S)
        self.header_label = QLabel()
        self.header_label.setObjectName("shipmentHeader")
        self.header_label.setWordWrap(True)
        right.addWidget(self.header_label)
        # The shared scan field: instruction above, feedback inline below, Esc, focus.
        self.scan = ScanField("scanEdit")
        self.scan.scanned.connect(self._scanned)
        self.scan.escaped.connect(self.close_shipment)
        self.instruction = self.scan.instruction
        self.scan_edit = self.scan.edit
        self.message = self.scan.feedback
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.4)
        big.setBold(True)
        self.instruction.setFont(big)  # read from a step away
        self.instruction.setMinimumHeight(120)
        self.instruction.setFrameShape(QFrame.Shape.StyledPanel)
        right.addWidget(self.scan)
        self.items = _table(ITEM_COLUMNS, "itemsTable")
        self.items.horizontalHeader().setStretchLastSection(False)
        right.addWidget(self.items, 3)
        self.parcels = _table(PARCEL_COLUMNS, "parcelsTable")
        right.addWidget(self.parcels, 2)
        self.history_title = QLabel()
        self.history_title.setObjectName("historyTitle")
        right.addWidget(self.history_title)
        self.history = history_table()
        self.history.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the keys
        right.addWidget(self.history, 2)
        verbs = QHBoxLayout()
        self.verb_buttons: dict[str, QPushButton] = {}
        for verb, slot in (
            ("undo", self.undo),
            ("new_parcel", self.new_parcel),
            ("print", self.print_labels),
            ("override", self.override),
            ("reprint", self.reprint),
            ("put_back", self.put_back),
        ):
            button = QPushButton()
            button.setObjectName(f"verb_{verb}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            verbs.addWidget(button)
            self.verb_buttons[verb] = button
        right.addLayout(verbs)
        right_box = QWidget()
        right_box.setLayout(right)
        outer.addWidget(right_box, 5)
        self._set_texts()

    def _set_texts(self) -> None:
        self.scan_edit.setPlaceholderText(
            _("Scan here: shipment, item, weight (1.25 kg), package, PRINT")
        )
        for verb, button in self.verb_buttons.items():
            spec = PACK_VERBS[verb]
            button.setText(f"{_(spec.label)} ({spec.shortcut})")
        self.items.setHorizontalHeaderLabels([_(c) for c in ITEM_COLUMNS])
        self.parcels.setHorizontalHeaderLabels([_(c) for c in PARCEL_COLUMNS])
        self.waiting.setHorizontalHeaderLabels([_("Shipment"), _("Order"), _("Units")])
        retitle(self.history)
        self.history_title.setText(_("Label history (F9 reprints, asking why)"))

    def _build_actions(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.actions_by_key: list[QAction] = [
            make_action(self, _("Undo last scan"), "F4", self.undo, context=context),
            make_action(self, _("New parcel"), "F6", self.new_parcel, context=context),
            make_action(self, _("Print label"), "F10", self.print_labels, context=context),
            make_action(
                self, _("Print unverified (supervisor)"), "Ctrl+F10", self.override, context=context
            ),
            make_action(self, _("Reprint label"), "F9", self.reprint, context=context),
            make_action(self, _("Put back"), "F8", self.put_back, context=context),
            make_action(self, _("Refresh"), "F5", self.refresh_waiting, context=context),
        ]

    # ----------------------------------------------------------------- DeskScreen

    def desk_actions(self) -> list[QAction]:
        return list(self.actions_by_key)

    def focus_primary(self) -> None:
        self.scan_edit.setFocus()

    def retranslate(self) -> bool:
        self._set_texts()
        self.refresh_waiting()
        self._show_state()
        return True

    # ----------------------------------------------------------------- waiting list

    def refresh_waiting(self) -> None:
        with self._context.database.unit_of_work() as uow:
            rows = queries.waiting_at_station(uow)
            packages = queries.package_types(uow)
        _filling(self.waiting, len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate((row.number, row.order, row.units)):
                self.waiting.setItem(r, c, _cell(value, isinstance(value, int)))
        _fit(self.waiting)
        self.waiting_title.setText(_("Waiting at the station: {count}").format(count=len(rows)))
        codes = ", ".join(f"{p.code} ({_(p.name)})" for p in packages)
        self.codes_label.setText(
            _("Packages (scan the code): {codes}").format(codes=codes or "-")
            + "\n"
            + _("Commands: {print} prints the label, {parcel} starts another parcel.").format(
                print=PRINT_CODE, parcel=NEW_PARCEL_CODE
            )
        )

    # ----------------------------------------------------------------- actions

    @property
    def shipment_id(self) -> int | None:
        return self.state.shipment_id if self.state is not None else None

    def _scanned(self, text: str) -> None:
        code = text.strip()
        if not code:
            return
        db, actor, sid = self._context.database, self._actor, self.shipment_id
        if self.state is not None and self.state.put_back_left:
            # A cancelled shipment's items: a scanned bin is where they go back.
            bin_code = db.read(bin_code_of, sid, code)
            if bin_code is not None:
                self.put_back(bin_code)
                return
        self._run(lambda: ps.station_scan(db, actor, sid, code, self._printers_if_needed(code)))

    def _printers_if_needed(self, code: str) -> StationPrinters | None:
        return self.printers if code.upper() == PRINT_CODE else None

    def undo(self) -> None:
        if self._holding():
            self._run(
                lambda: ps.undo_last_scan(self._context.database, self._actor, self.shipment_id)
            )

    def new_parcel(self) -> None:
        if self._holding():
            self._run(lambda: ps.new_parcel(self._context.database, self._actor, self.shipment_id))

    def print_labels(self) -> None:
        if self._holding():
            self._run(
                lambda: pl.print_labels(
                    self._context.database, self._actor, self.shipment_id, self.printers
                )
            )

    def override(self, reason: str | None = None) -> None:
        """A supervisor prints before every item was scanned, saying why (recorded)."""
        if not self._holding():
            return
        if reason is None:
            reason, ok = QInputDialog.getText(
                self,
                _("Print unverified (supervisor)"),
                _("Why may {shipment} leave without every item scanned?").format(
                    shipment=self.state.number
                ),
            )
            if not ok:
                self.scan_edit.setFocus()
                return
        self._run(
            lambda: pl.print_labels(
                self._context.database,
                self._actor,
                self.shipment_id,
                self.printers,
                override_reason=reason,
            )
        )

    def reprint(self, reason: str | None = None) -> None:
        """An explicit reprint of one labelled parcel (the one selected in the parcels
        table, or the only one), asking why; the label history shows it at once."""
        if not self._holding():
            return
        parcel = self._parcel_to_reprint()
        if parcel is None:
            return
        if reason is None:
            reason, ok = QInputDialog.getText(
                self,
                _("Reprint label"),
                _("Why reprint the label of {shipment} parcel {n}? (recorded)").format(
                    shipment=self.state.number, n=parcel.sequence
                ),
            )
            if not ok:
                self.scan_edit.setFocus()
                return
        db, actor, printers = self._context.database, self._actor, self.printers
        self._run(lambda: reprint_label(db, actor, parcel.parcel_id, printers, reason))
        self._show_history()

    def _parcel_to_reprint(self):
        labelled = [p for p in self.state.parcels if p.status in ("labelled", "handed_over")]
        if not labelled:
            self._refused_text(
                _("No label printed yet for {shipment}: print it first (F10).").format(
                    shipment=self.state.number
                )
            )
            return None
        if len(labelled) == 1:
            return labelled[0]
        row = self.parcels.currentRow()
        chosen = self.state.parcels[row] if 0 <= row < len(self.state.parcels) else None
        if chosen is None or chosen not in labelled:
            self._say(
                _("{shipment} has {count} labelled parcels: select the one to reprint.").format(
                    shipment=self.state.number, count=len(labelled)
                ),
                WARN,
            )
            return None
        return chosen

    def put_back(self, bin_code: str | None = None) -> None:
        """A cancelled shipment's picked units back to stock: into the bin scanned, or
        (F8) to the bins they were picked from."""
        if not self._holding():
            return
        shipment_id = self.state.shipment_id
        try:
            done = put_back_units(
                self._context.database, self._actor, shipment_id, bin_code=bin_code
            )
        except OrderdeskError as error:
            self._refused(error)
            return
        self.state = ps.state(self._context.database, shipment_id)
        where = ", ".join(f"{x.quantity} × {x.sku} → {x.bin_code}" for x in done.lines)
        self._say(
            ngettext(
                "{n} item put back to stock: {where}",
                "{n} items put back to stock: {where}",
                done.units,
            ).format(n=done.units, where=where),
            GOOD,
        )
        self._show_state()
        self.refresh_waiting()

    def close_shipment(self) -> None:
        self.state = None
        self.history.setRowCount(0)
        self.scan.clear_feedback()
        self.refresh_waiting()
        self._show_state()
        self.scan_edit.setFocus()

    def _holding(self) -> bool:
        if self.state is None:
            self._say(_("Scan a shipment, its order or its tote first."), WARN)
            return False
        return True

    def _run(self, action) -> None:
        try:
            result = action()
        except OrderdeskError as error:
            self._refused(error)
            return
        opened = self.state is None or self.state.shipment_id != result.state.shipment_id
        self.state = result.state
        tone = GOOD
        if result.state.notice in (Notice.CANCELLED, Notice.SHIPPED):
            tone = BAD  # said in red, with a beep
        elif result.state.notice is Notice.NOT_PICKED:
            tone = WARN
        if result.warning:
            tone = WARN
            QApplication.beep()  # a weight off: the packer should look before printing
        message = f"{result.message} — {result.warning}" if result.warning else result.message
        self._say(message, tone)
        self._show_state()
        if opened or result.state.status == "packed":
            self.refresh_waiting()
            self._show_history()

    def _show_history(self) -> None:
        """Read when a shipment is opened and after each print: not on every item scan."""
        if self.state is None:
            self.history.setRowCount(0)
            return
        fill_history(self.history, self._context.database.read(label_history, self.shipment_id))

    def _refused(self, error: OrderdeskError) -> None:
        self._refused_text(error_text(error))
        if self.state is not None:
            self.state = ps.state(self._context.database, self.state.shipment_id)
            self._show_state()

    def _refused_text(self, text: str) -> None:
        self.refused_scans += 1
        self._say(text, BAD)  # red, in words, with a beep

    def _say(self, text: str, tone) -> None:
        self.scan.say(tone, text)
        self.scan.take_focus()

    # ----------------------------------------------------------------- showing the state

    def _show_state(self) -> None:
        state = self.state
        self._show_verbs(state)
        if state is None:
            self.header_label.setText(_("No shipment open."))
            self.instruction.setText(_("Scan a shipment, its order or its tote"))
            set_tone(self.instruction, INFO)
            self.items.setRowCount(0)
            self.parcels.setRowCount(0)
            return
        self.header_label.setText(
            _("{shipment} · order {order} · {ship_to}").format(
                shipment=state.number, order=state.order_number, ship_to=state.ship_to
            )
        )
        text, tone = self._instruction(state)
        self.instruction.setText(text)
        set_tone(self.instruction, tone)
        self._show_items(state)
        self._show_parcels(state)

    def _instruction(self, state: PackState) -> tuple[str, object]:
        if state.notice is Notice.CANCELLED and not state.put_back_left:
            return _("✕ CANCELLED — its items are back in stock. Next shipment: scan it"), WARN
        if state.notice is Notice.CANCELLED:
            due = self._context.database.read(due_for_shipment, state.shipment_id)
            bins = ", ".join(due.bins) if due is not None else "-"
            return ngettext(
                "✕ CANCELLED — put back\n{units} item: scan a bin, or F8 for {bins}",
                "✕ CANCELLED — put back\n{units} items: scan a bin, or F8 for {bins}",
                state.put_back_left,
            ).format(units=state.put_back_left, bins=bins), BAD
        if state.notice is Notice.SHIPPED:
            return _("✕ ALREADY SHIPPED — nothing to pack"), BAD
        if state.notice is Notice.NOT_PICKED:
            return _("! Not picked yet — finish its pick list first"), WARN
        if state.notice is Notice.PACKED:
            return _("✓ Packed — labels printed. Next shipment: scan it"), GOOD
        if not state.verified:
            left = state.wanted - state.scanned
            return _("Scan the items: {left} of {wanted} to go").format(
                left=left, wanted=state.wanted
            ), INFO
        current = state.current
        if current is not None and current.weight_g is None:
            return _("Weigh parcel {n}: put it on the scale or type e.g. 1.25 kg").format(
                n=current.sequence
            ), INFO
        return _("✓ All verified — scan PRINT or press F10"), GOOD

    def _show_items(self, state: PackState) -> None:
        _filling(self.items, len(state.items))
        put_back = state.notice is Notice.CANCELLED
        for r, item in enumerate(state.items):
            marks = "".join(
                f" [{m}]"
                for m, on in ((_("FRAGILE"), item.fragile), (_("HIGH VALUE"), item.high_value))
                if on
            )
            status = f"{item.scanned}"
            if put_back and state.put_back_left:
                status = _("put back {n}").format(n=item.wanted)
            elif put_back:
                status = _("back in stock")
            elif item.done:
                status = f"✓ {item.scanned}"
            values = (item.sku, f"{item.name}{' · ' + item.spec if item.spec else ''}{marks}")
            self.items.setItem(r, 0, _cell(values[0]))
            self.items.setItem(r, 1, _cell(values[1]))
            self.items.setItem(r, 2, _cell(item.wanted, True))
            self.items.setItem(r, 3, _cell(status, True))
        _fit(self.items, stretch=1)

    def _show_parcels(self, state: PackState) -> None:
        _filling(self.parcels, len(state.parcels))
        count = len(state.parcels)
        for r, p in enumerate(state.parcels):
            package = p.package_type or (
                _("{code} (suggested)").format(code=p.suggested_package)
                if p.suggested_package
                else "-"
            )
            label = _("printed ×{n}").format(n=p.labels) if p.labels else _("not printed")
            values = (
                _("{n} of {count}").format(n=p.sequence, count=count),
                package,
                weight_text(p.weight_g) or "-",
                weight_text(p.expected_g) if p.units else "-",
                p.units,
                label,
            )
            for c, value in enumerate(values):
                self.parcels.setItem(r, c, _cell(value, c in (2, 3, 4)))
        _fit(self.parcels)

    def _show_verbs(self, state: PackState | None) -> None:
        for verb, button in self.verb_buttons.items():
            if state is None:
                button.setEnabled(False)
                button.setToolTip(_("Scan a shipment first."))
                continue
            answer = ps.verb_state(verb, state.status, self._actor)
            enabled = answer.enabled
            if verb == "print":
                enabled = enabled and state.verified
            if verb == "override":
                enabled = enabled and not state.verified
            if verb == "put_back":
                enabled = enabled and state.put_back_left > 0
            button.setEnabled(enabled)
            button.setToolTip(answer.why_not)
