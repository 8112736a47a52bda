"""The picking desk, scanner-first: the board of the warehouse's lists, and the walk.

A scanner types fast and ends with Enter into the scan field, which keeps the keyboard.
With no list in hand a scanned ``PL-…`` claims that list; then every scan goes to the
list (tote, bin, CONFIRM, item, or a typed count). The instruction for the next stop is
shown large, readable from a step away. A refused scan turns the message red with its
reason and beeps; nothing modal interrupts the walk. Short pick (F8) flags the bin and
offers the bins that still have the item: scan one, or scan SHORT to mark the line short.
A cancelled order's units already in a tote are named in red; Put back (F3) or a scan of
that tote returns them to a bin (``picking_put_back``), as the packing station does.
The board follows the other desks by itself (``ui/live.py``: lists made, claimed, released,
finished elsewhere show within a second or two); F5 stays for the impatient.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import N_, _, ngettext
from app.labels.picklist import render_pick_list_pdf
from app.live import PICKING
from app.packing.service import SHIPMENTS
from app.picking import lists as pl
from app.picking import queries
from app.picking.errors import PickingError
from app.picking.model import PICK_VERBS, PickState, Step, allocation_text
from app.picking.service import allocate
from ui.actions import make_action
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text
from ui.live import ANY, LiveChanges
from ui.printing import print_pdf
from ui.screens.picking_put_back import PutBackAtPicking
from ui.style import BAD, GOOD, INFO, MUTED, SPACE_M, SPACE_S, WARN
from ui.widgets.display import local_time, set_tone
from ui.widgets.simple_table import fill_table, refilling, simple_table

SHORT_CODE = "SHORT"
# Marked here, translated when the board is built (in the desk's language at that time).
BOARD_COLUMNS = (N_("List"), N_("Status"), N_("Kind"), N_("Shipments"), N_("Stops"), N_("Units"),
                 N_("Picker"))  # fmt: skip


# What the board shows for a list's state and kind: words, never the stored codes.
BOARD_WORDS = {
    "open": N_("waiting to be picked"),
    "claimed": N_("being picked"),
    "finished": N_("finished"),
    "cancelled": N_("cancelled"),
    "single": N_("single order"),
    "batch": N_("batch"),
}
# A shipment due today, in words.
SHIPMENT_WORDS = {"pending": N_("not picked yet"), "picking": N_("being picked")}


class PickingScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("pickingScreen")
        self._context = context
        self._actor = context.actor
        self.state: PickState | None = None
        self._choosing_short = False
        self._board_stale = False
        self.refused_scans = 0
        self.put_backs = PutBackAtPicking(self)
        self._due_read_for: tuple[int, str] | None = None  # (list, status) last read for
        self._build()
        self._build_actions()
        self.load_warehouses()
        self.live = context.live or LiveChanges(context.database, self)
        self.live.changed.connect(self._live_changed)

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
        outer.setSpacing(SPACE_M)

        left = QVBoxLayout()
        top = QHBoxLayout()
        top.addWidget(QLabel(_("Warehouse:")))
        self.warehouse_combo = QComboBox()
        self.warehouse_combo.setObjectName("warehouseCombo")
        self.warehouse_combo.currentIndexChanged.connect(lambda _i: self.refresh_board())
        top.addWidget(self.warehouse_combo, 1)
        left.addLayout(top)
        self.board = QTableWidget(0, len(BOARD_COLUMNS))
        self.board.setObjectName("listBoard")
        self.board.setHorizontalHeaderLabels([_(name) for name in BOARD_COLUMNS])
        self.board.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.board.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.board.verticalHeader().hide()
        self.board.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.board.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        left.addWidget(self.board, 1)
        self.board_note = QLabel()
        self.board_note.setObjectName("boardNote")
        self.board_note.setStyleSheet(f"color: {MUTED.foreground};")
        self.board_note.setWordWrap(True)
        left.addWidget(self.board_note)
        # What protects the channel's late-shipment rate: due today or late, not yet picked.
        self.ship_by_title = QLabel()
        self.ship_by_title.setObjectName("shipByTitle")
        left.addWidget(self.ship_by_title)
        self.ship_by_table = simple_table(
            "shipByToday",
            [_("Shipment"), _("Order"), _("Ship by"), _("Status")],
            (100, 100, 130, 110),
        )
        self.ship_by_table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.ship_by_table.setMaximumHeight(170)
        left.addWidget(self.ship_by_table)
        buttons = QHBoxLayout()
        self.make_button = QPushButton(_("Allocate && make lists (F7)"))
        self.make_button.setObjectName("makeLists")
        self.make_button.clicked.connect(self.make_lists)
        self.take_button = QPushButton(_("Take over selected"))
        self.take_button.setObjectName("takeOver")
        self.take_button.clicked.connect(self.take_over_selected)
        self.print_button = QPushButton(_("Print list (Ctrl+P)"))
        self.print_button.setObjectName("printList")
        self.print_button.clicked.connect(self.print_list)
        self.save_pdf_button = QPushButton(_("Save as PDF…"))
        self.save_pdf_button.setObjectName("saveListPdf")
        self.save_pdf_button.clicked.connect(self._save_pdf_clicked)
        printing = QHBoxLayout()
        for row, button in (
            (buttons, self.make_button),
            (buttons, self.take_button),
            (printing, self.print_button),
            (printing, self.save_pdf_button),
        ):
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            row.addWidget(button)
        left.addLayout(buttons)
        left.addLayout(printing)
        left_box = QWidget()
        left_box.setLayout(left)
        left_box.setMinimumWidth(340)
        outer.addWidget(left_box, 2)

        right = QVBoxLayout()
        right.setSpacing(SPACE_S)
        self.header_label = QLabel(_("Scan a pick list barcode (PL-…) to start."))
        self.header_label.setObjectName("listHeader")
        right.addWidget(self.header_label)
        right.addWidget(self.put_backs.banner)
        self.instruction = QLabel()
        self.instruction.setObjectName("instruction")
        self.instruction.setWordWrap(True)
        big = QFont(self.font())
        big.setPointSizeF(big.pointSizeF() * 2.6)
        big.setBold(True)
        self.instruction.setFont(big)
        self.instruction.setMinimumHeight(140)
        self.instruction.setFrameShape(QFrame.Shape.StyledPanel)
        set_tone(self.instruction, INFO)
        right.addWidget(self.instruction)
        self.item_label = QLabel()
        self.item_label.setObjectName("itemLabel")
        self.item_label.setWordWrap(True)
        medium = QFont(self.font())
        medium.setPointSizeF(medium.pointSizeF() * 1.5)
        self.item_label.setFont(medium)
        right.addWidget(self.item_label)
        self.totes_label = QLabel()
        self.totes_label.setObjectName("totesLabel")
        self.totes_label.setWordWrap(True)
        right.addWidget(self.totes_label)
        self.message = QLabel()
        self.message.setObjectName("scanMessage")
        self.message.setWordWrap(True)
        self.message.setFont(medium)
        right.addWidget(self.message)
        self.scan_edit = QLineEdit()
        self.scan_edit.setObjectName("scanEdit")
        self.scan_edit.setPlaceholderText(_("Scan here (a scanner ends with Enter)"))
        self.scan_edit.setFont(medium)
        self.scan_edit.returnPressed.connect(self._scanned)
        right.addWidget(self.scan_edit)
        self.progress_label = QLabel()
        self.progress_label.setObjectName("progressLabel")
        right.addWidget(self.progress_label)
        verbs = QHBoxLayout()
        self.verb_buttons: dict[str, QPushButton] = {}
        for verb, key, slot in (
            ("undo", "F4", self.undo),
            ("confirm", "F6", self.confirm),
            ("short", "F8", self.short),
            ("release", "F9", self.release),
            ("finish", "F10", self.finish),
        ):
            button = QPushButton(f"{_(PICK_VERBS[verb].label)} ({key})")
            button.setObjectName(f"verb_{verb}")
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.clicked.connect(slot)
            verbs.addWidget(button)
            self.verb_buttons[verb] = button
        self.put_back_button = QPushButton(_("Put back (F3)"))
        self.put_back_button.setObjectName("putBack")
        self.put_back_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.put_back_button.clicked.connect(self.put_backs.key)
        verbs.addWidget(self.put_back_button)
        right.addLayout(verbs)
        right.addStretch(1)
        right_box = QWidget()
        right_box.setLayout(right)
        outer.addWidget(right_box, 3)
        self._show_state()

    def _build_actions(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.actions_by_key: list[QAction] = [
            make_action(self, _("Allocate and make lists"), "F7", self.make_lists, context=context),
            # F4, not Ctrl+Z: the scan field would take Ctrl+Z as its own text undo.
            make_action(self, _("Undo last scan"), "F4", self.undo, context=context),
            make_action(self, _("Confirm handling"), "F6", self.confirm, context=context),
            make_action(self, _("Short pick"), "F8", self.short, context=context),
            make_action(self, _("Release the list"), "F9", self.release, context=context),
            make_action(self, _("Finish the list"), "F10", self.finish, context=context),
            make_action(self, _("Refresh the board"), "F5", self.refresh_board, context=context),
            make_action(self, _("Put back"), "F3", self.put_backs.key, context=context),
            make_action(self, _("Stop putting back"), "Esc", self.put_backs.stop, context=context),
            make_action(self, _("Print the pick list"), "Ctrl+P", self.print_list, context=context),
            make_action(
                self,
                _("Save the pick list as PDF"),
                "Ctrl+Shift+S",
                self._save_pdf_clicked,
                context=context,
            ),
        ]

    # ----------------------------------------------------------------- DeskScreen

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._board_stale:
            self._board_stale = False
            self.refresh_board()

    def desk_actions(self) -> list[QAction]:
        return list(self.actions_by_key)

    def focus_primary(self) -> None:
        self.scan_edit.setFocus()

    # ----------------------------------------------------------------- board

    @property
    def warehouse_id(self) -> int | None:
        data = self.warehouse_combo.currentData()
        return int(data) if data is not None else None

    def load_warehouses(self) -> None:
        with self._context.database.unit_of_work() as uow:
            rows = queries.warehouses(uow)
        self.warehouse_combo.blockSignals(True)
        self.warehouse_combo.clear()
        for wid, code, name in rows:
            self.warehouse_combo.addItem(f"{code} — {name}", wid)
        self.warehouse_combo.blockSignals(False)
        self.refresh_board()

    def refresh_board(self) -> None:
        rows = []
        if self.warehouse_id is not None:
            with self._context.database.unit_of_work() as uow:
                rows = queries.list_board(uow, self.warehouse_id)
        with refilling(self.board):
            self.board.setRowCount(len(rows))
            for r, row in enumerate(rows):
                values = (row.number, _(BOARD_WORDS.get(row.status, row.status)),
                          _(BOARD_WORDS.get(row.kind, row.kind)), row.shipments, row.stops,
                          row.units, row.picker)  # fmt: skip
                for c, value in enumerate(values):
                    cell = QTableWidgetItem(str(value))
                    cell.setData(Qt.ItemDataRole.UserRole, row.list_id)
                    if isinstance(value, int):
                        cell.setTextAlignment(
                            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                        )
                    self.board.setItem(r, c, cell)
        open_count = sum(1 for r in rows if r.status == "open")
        self.board_note.setText(
            _("{open} open, {claimed} being picked. Scan a list's barcode to claim it.").format(
                open=open_count, claimed=len(rows) - open_count
            )
            if rows
            else _("No open lists here. Allocate and make lists (F7) when orders are approved.")
        )
        self._fill_ship_by_today()
        may_supervise = self._actor.may(PICK_VERBS["take_over"].permission)
        self.take_button.setVisible(may_supervise)
        self.make_button.setEnabled(self._actor.may(PICK_VERBS["claim"].permission))

    def _fill_ship_by_today(self) -> None:
        due = []
        if self.warehouse_id is not None:
            with self._context.database.unit_of_work() as uow:
                due = queries.ship_by_today(uow, self.warehouse_id)
        late = sum(1 for r in due if r.late)
        late_word = _("late")
        self.ship_by_title.setText(
            _("Ship by today: {n}, {late} late").format(n=len(due), late=late)
            if due
            else _("Ship by today: nothing due.")
        )
        fill_table(
            self.ship_by_table,
            [
                (r.shipment, r.order,
                 f"{BAD.symbol} {late_word} {local_time(r.ship_by_at)}" if r.late
                 else local_time(r.ship_by_at),
                 _(SHIPMENT_WORDS.get(r.status, r.status)))
                for r in due
            ],
        )  # fmt: skip
        for row, r in enumerate(due):
            if r.late:
                self.ship_by_table.item(row, 2).setForeground(QColor(BAD.foreground))

    def _live_changed(self, topic: str) -> None:
        """Another desk (or this one) committed a picking change: the board follows it,
        keeping the row selected on it. A shipment changed (an order cancelled at the
        service desk): the list in hand may owe units back."""
        if topic in (SHIPMENTS, ANY) and self.holding_list:
            self.put_backs.refresh(self.state.list_id)
            self._show_verbs()
        if topic not in (PICKING, ANY):
            return
        if not self.isVisible():
            self._board_stale = True  # read when the desk is shown again
            return
        row = self.board.currentRow()
        chosen = self.board.item(row, 0).text() if row >= 0 and self.board.item(row, 0) else None
        self.refresh_board()
        if chosen is not None:
            found = self.board.findItems(chosen, Qt.MatchFlag.MatchExactly)
            if found:
                self.board.selectRow(found[0].row())

    def make_lists(self) -> None:
        if self.warehouse_id is None:
            return
        database, actor, wid = self._context.database, self._actor, self.warehouse_id

        def work(_progress):
            summary = allocate(database, actor)
            made = pl.create_pick_lists(database.unit_of_work(), actor, wid)
            return summary, made

        def done(result) -> None:
            summary, made = result
            lists = ngettext("{n} new list.", "{n} new lists.", len(made)).format(n=len(made))
            self._say(f"{allocation_text(summary)} {lists}", GOOD)
            self.refresh_board()

        self._context.tasks.run(work, on_done=done, on_error=self._refused, parent=self)

    # ----------------------------------------------------------------- printing

    def list_to_print(self) -> int | None:
        """The list in hand (claimed at this desk), else the one selected on the board."""
        if self.state is not None and self.state.status == "claimed":
            return self.state.list_id
        row = self.board.currentRow()
        if row >= 0 and self.board.item(row, 0) is not None:
            return self.board.item(row, 0).data(Qt.ItemDataRole.UserRole)
        return None

    def pick_list_pdf(self) -> tuple[str, bytes] | None:
        """(number, PDF) of the list to print; says what to do when there is none."""
        list_id = self.list_to_print()
        if list_id is None:
            self._say(_("Select a list on the board (or claim one) to print it."), WARN)
            return None
        try:
            with self._context.database.unit_of_work() as uow:
                doc = queries.pick_list_document(uow, list_id)
        except OrderdeskError as error:
            self._refused(error)
            return None
        return doc.number, render_pick_list_pdf(doc)

    def print_list(self) -> None:
        made = self.pick_list_pdf()
        if made is None:
            return
        number, pdf = made
        try:
            printed = print_pdf(pdf, parent=self, settings=self._context.settings,
                                store=self._context.store, ask=True, title=number)  # fmt: skip
        except RuntimeError as error:
            self._refused_text(_("{list} could not be printed: {error}").format(
                list=number, error=error))  # fmt: skip
            return
        if printed:
            self._say(_("{list} sent to the printer.").format(list=number), GOOD)
        else:
            self.scan_edit.setFocus()

    def _save_pdf_clicked(self) -> None:
        self.save_list_pdf()

    def save_list_pdf(self, path: str | None = None) -> None:
        made = self.pick_list_pdf()
        if made is None:
            return
        number, pdf = made
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Save the pick list as PDF"), f"{number}.pdf", _("PDF files (*.pdf)")
            )
            if not path:
                self.scan_edit.setFocus()
                return
        try:
            with open(path, "wb") as out:
                out.write(pdf)
        except OSError as error:
            self._refused_text(_("{path} could not be written: {error}").format(
                path=path, error=error.strerror or error))  # fmt: skip
            return
        self._say(_("{list} saved as {path}.").format(list=number, path=path), GOOD)

    def take_over_selected(self) -> None:
        row = self.board.currentRow()
        if row < 0:
            self._say(_("Select the list to take over on the board first."), WARN)
            return
        list_id = self.board.item(row, 0).data(Qt.ItemDataRole.UserRole)
        self._run(lambda: pl.take_over(self._context.database, self._actor, list_id,
                                       _("taken over at the picking desk")))  # fmt: skip

    # ----------------------------------------------------------------- scanning

    def _scanned(self) -> None:
        code = self.scan_edit.text().strip()
        self.scan_edit.clear()
        if not code:
            return
        if self._choosing_short:
            self._short_choice(code)
            return
        if self.put_backs.claims(code):
            return
        if self.state is None or self.state.status != "claimed":
            self._claim(code)
            return
        if code.upper() == self.state.number or code.upper() == "FINISH":
            self.finish()
            return
        self._run(lambda: pl.scan(self._context.database, self._actor, self.state.list_id, code))

    def _claim(self, code: str) -> None:
        with self._context.database.unit_of_work() as uow:
            list_id = queries.list_of_code(uow, code)
        if list_id is None:
            self._refused_text(
                _("{code} is not a pick list: scan a PL-… barcode.").format(code=code)
            )
            return
        self._run(lambda: pl.claim_list(self._context.database, self._actor, list_id))
        self.refresh_board()

    def undo(self) -> None:
        if self._holding():
            self._run(
                lambda: pl.undo_last_scan(self._context.database, self._actor, self.state.list_id)
            )

    def confirm(self) -> None:
        if self._holding():
            self._run(
                lambda: pl.confirm_handling(self._context.database, self._actor, self.state.list_id)
            )

    def short(self) -> None:
        if not self._holding():
            return
        others = self._context.database.read(pl.other_bins, self.state.list_id)
        self._choosing_short = True
        where = ", ".join(
            _("{bin} ({free} free)").format(bin=o.bin_code, free=o.free) for o in others
        )
        self._say(
            (_("Short pick: scan another bin — {bins} — or scan SHORT to mark the line short.")
             .format(bins=where))
            if others
            else _("Short pick: no other bin has it. Scan SHORT to mark the line short."),
            WARN,
        )  # fmt: skip

    def _short_choice(self, code: str) -> None:
        self._choosing_short = False
        other = None if code.upper() == SHORT_CODE else code
        self._run(lambda: pl.short_pick(self._context.database, self._actor, self.state.list_id,
                                        other_bin=other))  # fmt: skip

    def release(self) -> None:
        if self._holding():
            self._run(
                lambda: pl.release_list(self._context.database, self._actor, self.state.list_id)
            )
            self.refresh_board()

    def finish(self) -> None:
        if self._holding():
            self._run(
                lambda: pl.finish_list(self._context.database, self._actor, self.state.list_id)
            )
            self.refresh_board()

    @property
    def holding_list(self) -> bool:
        return self.state is not None and self.state.status == "claimed"

    def _holding(self) -> bool:
        if self.state is None or self.state.status != "claimed":
            self._say(_("Scan a pick list barcode (PL-…) first."), WARN)
            return False
        return True

    def _run(self, action) -> None:
        try:
            result = action()
        except OrderdeskError as error:
            self._refused(error)
            return
        state = getattr(result, "state", result)
        message = getattr(result, "message", "")
        if isinstance(state, PickState):
            self.state = state
        if state.status == "finished":
            message = _("{list} finished: its shipments are picked.").format(list=state.number)
        elif state.status == "open":
            message = _("{list} released back to the board.").format(list=state.number)
        elif not message and state.step is not Step.DONE:
            message = _("{list} is yours.").format(list=state.number)
        # What the list owes back is read when the list in hand changes (claim, release,
        # finish), on the live feed's shipment news and on F3: not on every scan.
        held = (state.list_id, state.status) if self.holding_list else None
        if held != self._due_read_for:
            self._due_read_for = held
            self.put_backs.refresh(state.list_id if held else None)
        self._say(message or _("Every stop is done: scan the list again or press F10 to finish."),
                  GOOD)  # fmt: skip
        self._show_state()

    def _refused(self, error: BaseException) -> None:
        text = error_text(error) if isinstance(error, OrderdeskError) else str(error)
        self._refused_text(text)
        if isinstance(error, PickingError) and self.state is not None:
            self._reload()

    def _refused_text(self, text: str) -> None:
        self.refused_scans += 1
        self._say(text, BAD)
        QApplication.beep()

    def _reload(self) -> None:
        with self._context.database.unit_of_work() as uow:
            self.state = queries.state(uow, self.state.list_id)
        self._show_state()

    def _say(self, text: str, tone) -> None:
        self.message.setText(f"{tone.symbol} {text}")
        set_tone(self.message, tone)
        self.scan_edit.setFocus()

    # ----------------------------------------------------------------- the big instruction

    def _show_verbs(self) -> None:
        self.put_back_button.setEnabled(self.put_backs.active or bool(self.put_backs.due))

    def _show_state(self) -> None:
        state = self.state
        holding = state is not None and state.status == "claimed"
        self._show_verbs()
        if self.put_backs.active:
            self.instruction.setText(self.put_backs.instruction())
            set_tone(self.instruction, BAD)
            return
        for verb, button in self.verb_buttons.items():
            if state is None:
                button.setEnabled(False)
                button.setToolTip(_("Scan a pick list first."))
                continue
            answer = pl.verb_state(verb, state.status, state.picker_id, state.picker, self._actor)
            enabled = holding and answer.enabled
            if verb == "confirm":
                enabled = enabled and state.step is Step.CONFIRM
            if verb == "finish":
                enabled = enabled and state.step is Step.DONE
            button.setEnabled(enabled)
            button.setToolTip(answer.why_not)
        if not holding:
            self.header_label.setText(_("Scan a pick list barcode (PL-…) to start."))
            self.instruction.setText(_("Scan a list"))
            set_tone(self.instruction, INFO)
            self.item_label.clear()
            self.totes_label.clear()
            self.progress_label.clear()
            return
        self.header_label.setText(
            _("{list} — picker {picker}").format(list=state.number, picker=state.picker)
        )
        stop = state.stop
        step = state.step
        tone = INFO
        if step is Step.TOTE:
            text = _("Put a tote for {shipment}: scan the tote").format(shipment=state.tote_for)
        elif step is Step.BIN:
            text = _("Go to bin {bin}\n{qty} × {sku}").format(
                bin=stop.bin_code, qty=stop.quantity - stop.picked - stop.short, sku=stop.sku
            )
        elif step is Step.CONFIRM:
            flags = ((_("FRAGILE"), stop.fragile), (_("HIGH VALUE"), stop.high_value))
            marks = " + ".join(mark for mark, on in flags if on)
            text = _("{marks}: handle with care — scan CONFIRM or press F6").format(marks=marks)
            tone = WARN
        elif step is Step.ITEM:
            text = _("Bin {bin}: take {left} × {sku}").format(
                bin=stop.bin_code, left=stop.quantity - stop.picked - stop.short, sku=stop.sku
            )
        else:
            text = _("All stops done — scan the list again or press F10")
            tone = GOOD
        self.instruction.setText(text)
        set_tone(self.instruction, tone)
        if stop is not None:
            self.item_label.setText(
                f"{stop.sku} · {stop.product_name}" + (f" · {stop.spec}" if stop.spec else "")
                + "\n" + _("{picked} of {qty} picked").format(picked=stop.picked, qty=stop.quantity)
            )  # fmt: skip
            self.totes_label.setText(
                "   ".join(
                    _("{tote}: {picked}/{wanted}").format(tote=t, picked=p, wanted=w)
                    for t, w, p in stop.totes
                )
            )
        else:
            self.item_label.clear()
            self.totes_label.clear()
        self.progress_label.setText(
            _("Stop {done} of {total} done · wrong scans on this list: {wrong}").format(
                done=state.stops_done, total=state.stops_total, wrong=state.wrong_scans
            )
        )
