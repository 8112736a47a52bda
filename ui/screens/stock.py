"""The Stock desk: receive, move and count by scanner; see stock, low stock, incoming; set up.

Scanner first: the scan field at the top keeps the keyboard. F2 receive, F3 move, F4 count
(supervisors); each is a short dialogue decided by ``app.stock.rules`` -- the screen only
identifies each scan (``app.stock.service.identify``), shows the next instruction big, and
calls the verb when the dialogue is complete. A wrong scan is said inline in red with
words and a beep, never in a dialog; Esc starts the dialogue over.

Below: the stock per product and warehouse (a lazy, keyset-paged list searched by SKU,
name or barcode) with the selected row's bins and quant ages; the low-stock list with a
suggested order (CSV export, PDF to print); incoming deliveries (CSV import for
supervisors); pick faces to replenish; and warehouse setup for supervisors.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import N_, _, ngettext
from app.permissions import Permission
from app.picking.check import check_database
from app.picking.model import CheckViolation
from app.stock import queries, rules
from app.stock.model import (
    BIN_KIND_TEXT,
    COUNT,
    MOVE,
    RECEIVE,
    SET_UP,
    CountPreview,
    StockRow,
    StockVerb,
)
from app.stock.service import (
    book_count,
    identify,
    move_stock,
    preview_count,
    receive_stock,
)
from ui.actions import make_action, with_shortcut
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text
from ui.screens.stock_incoming import IncomingPanel
from ui.screens.stock_lists import LowStockPanel, ReplenishPanel
from ui.screens.stock_routing import RoutingPanel
from ui.screens.stock_setup import StockSetupPanel
from ui.style import BAD, GOOD, INFO, MUTED, SPACE_L, SPACE_M, SPACE_S, WARN
from ui.widgets.display import tone_label
from ui.widgets.lazy_table import count_label, lazy_table_view, list_model, search_pause
from ui.widgets.paged_table_model import Column, PagedTableModel
from ui.widgets.scan_field import ScanField
from ui.widgets.simple_table import say
from ui.widgets.stock_detail import StockDetailPane

WAREHOUSE_KEY = "stock/warehouse"
COUNT_REASONS = (
    N_("Cycle count"),
    N_("Damaged"),
    N_("Found"),
    N_("Lost or stolen"),
    N_("Bin flagged by a short pick"),
)


def stock_columns() -> list[Column[StockRow]]:
    def low(row: StockRow) -> str | None:
        return BAD.foreground if row.is_low else None

    return [
        Column(_("SKU"), lambda r: r.sku),
        Column(_("Product"), lambda r: r.name, tooltip=lambda r: r.name),
        Column(_("Warehouse"), lambda r: r.warehouse_code),
        Column(_("On hand"), lambda r: str(r.on_hand), align_right=True),
        Column(_("Reserved"), lambda r: str(r.reserved), align_right=True),
        Column(
            _("Available"),
            lambda r: f"! {r.available}" if r.is_low else str(r.available),
            align_right=True,
            foreground=low,
            tooltip=lambda r: (
                _("Below the threshold of {n}").format(n=r.min_quantity) if r.is_low else ""
            ),
        ),
        Column(_("Incoming"), lambda r: str(r.incoming) if r.incoming else "", align_right=True),
        Column(
            _("Threshold"),
            lambda r: "" if r.min_quantity is None else str(r.min_quantity),
            align_right=True,
        ),
        Column(
            _("Oldest"),
            lambda r: r.oldest_received.isoformat() if r.oldest_received else "",
        ),
    ]


_STOCK_WIDTHS = (120, 260, 80, 70, 70, 80, 70, 75, 90)


class StockScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._actor = context.actor
        self._warehouses = self._read(queries.warehouses)
        self.step = rules.start(RECEIVE.key)
        self.preview: CountPreview | None = None
        self._search_timer = search_pause(self, context.settings, self.apply_search)
        self.model: PagedTableModel[StockRow] = list_model(
            stock_columns(), lambda row: row.key, context.settings, self
        )
        self._build()
        self._build_actions()
        self._restore_warehouse()
        self.set_verb(RECEIVE)
        self.apply_search()

    # ----------------------------------------------------------------- reading

    def _read(self, read: Callable, *args, **kwargs):
        return self._context.database.read(read, *args, **kwargs)

    @property
    def warehouse_id(self) -> int | None:
        return self.warehouse_combo.currentData()

    @property
    def warehouse_code(self) -> str:
        return next((code for id_, code, _n in self._warehouses if id_ == self.warehouse_id), "")

    def _place(self) -> tuple[int | None, str]:
        return self.warehouse_id, self.warehouse_code

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_S)
        layout.setSpacing(SPACE_M)

        top = QHBoxLayout()
        top.setSpacing(SPACE_M)
        self.warehouse_combo = QComboBox()
        self.warehouse_combo.setObjectName("stockWarehouse")
        for id_, code, name in self._warehouses:
            self.warehouse_combo.addItem(f"{code} · {name}", id_)
        self.warehouse_combo.currentIndexChanged.connect(self._warehouse_changed)
        label = QLabel(_("&Warehouse"))
        label.setBuddy(self.warehouse_combo)
        top.addWidget(label)
        top.addWidget(self.warehouse_combo)
        top.addSpacing(SPACE_L)
        self.verb_buttons: dict[str, QPushButton] = {}
        for verb in (RECEIVE, MOVE, COUNT):
            button = QPushButton(f"{_(verb.label)} ({verb.shortcut})")
            button.setObjectName(f"verb_{verb.key}")
            button.setCheckable(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the scan field keeps the keyboard
            allowed = self._actor.may(verb.permission)
            button.setEnabled(allowed)
            button.setToolTip(
                with_shortcut(_(verb.label), verb.shortcut)
                if allowed
                else _("Your role may not {verb}; a supervisor can.").format(
                    verb=_(verb.label).lower()
                )
            )
            button.clicked.connect(lambda _checked=False, v=verb: self.set_verb(v))
            self.verb_buttons[verb.key] = button
            top.addWidget(button)
        top.addSpacing(SPACE_L)
        self.free_check = QCheckBox(_("&Free receiving (not against an expected delivery)"))
        self.free_check.setObjectName("freeReceiving")
        self.free_check.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        top.addWidget(self.free_check)
        self.reason_combo = QComboBox()
        self.reason_combo.setObjectName("countReason")
        self.reason_combo.setEditable(True)
        self.reason_combo.addItems([_(reason) for reason in COUNT_REASONS])
        self.reason_label = QLabel(_("&Reason"))
        self.reason_label.setBuddy(self.reason_combo)
        top.addWidget(self.reason_label)
        top.addWidget(self.reason_combo, 1)
        top.addStretch(0)
        layout.addLayout(top)

        self.scan = ScanField("stockScan")
        self.scan.set_placeholder(_("Scan a barcode, bin or SKU, or type a quantity; then Enter"))
        self.scan.scanned.connect(self.handle_scan)
        self.scan.escaped.connect(self.start_over)
        layout.addWidget(self.scan)

        self.problem_label = tone_label("stockProblem", BAD)
        layout.addWidget(self.problem_label)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("stockTabs")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.addTab(self._build_stock_tab(), _("Stock"))
        self.low = LowStockPanel(
            self._context, self._place, self._save_path, self.scan.take_focus, self._problem
        )
        self.tabs.addTab(self.low, _("Low stock"))
        self.incoming = IncomingPanel(
            self._context, lambda: self.warehouse_id, self.refresh, self._open_path
        )
        self.tabs.addTab(self.incoming, _("Incoming"))
        self.replenish = ReplenishPanel(self._context, self._place)
        self.tabs.addTab(self.replenish, _("Replenish pick faces"))
        if self._actor.may(SET_UP.permission):
            self.setup = StockSetupPanel(
                self._context,
                self._place,
                self.refresh,
                self._warehouses_added,
            )
            self.tabs.addTab(self.setup, _("Setup"))
        if self._actor.may(Permission.SUPERVISE_WAREHOUSE):
            self.routing = RoutingPanel(self._context)
            self.tabs.addTab(self.routing, _("Routing"))
        self.tabs.currentChanged.connect(self._tab_changed)
        layout.addWidget(self.tabs, 1)

    def _build_stock_tab(self) -> QWidget:
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("stockSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(_("Find by SKU, product name or barcode"))
        self.search_edit.textEdited.connect(lambda _t: self._search_timer.start())
        self.search_edit.returnPressed.connect(self._search_entered)
        self.low_only = QCheckBox(_("Only &low stock"))
        self.low_only.setObjectName("lowOnly")
        self.low_only.toggled.connect(self.apply_search)
        row = QHBoxLayout()
        row.addWidget(self.search_edit, 1)
        row.addWidget(self.low_only)

        self.table = lazy_table_view("stockTable", self.model, _STOCK_WIDTHS)
        # Rows are chosen with the mouse; the keyboard stays in the scan field for the scanner.
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.selectionModel().currentRowChanged.connect(lambda *_a: self.show_detail())
        self.count_label = count_label("stockCount")

        left = QWidget()
        box = QVBoxLayout(left)
        box.setContentsMargins(0, 0, 0, 0)
        box.addLayout(row)
        box.addWidget(self.table, 1)
        box.addWidget(self.count_label)

        self.detail_pane = StockDetailPane()

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(left)
        splitter.addWidget(self.detail_pane)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([760, 480])
        return splitter

    def _build_actions(self) -> None:
        self.actions_: list[QAction] = []
        for verb in (RECEIVE, MOVE, COUNT):
            action = make_action(
                self, _(verb.label), verb.shortcut, lambda v=verb: self.set_verb(v)
            )
            action.setEnabled(self._actor.may(verb.permission))
            self.actions_.append(action)
        self.actions_.append(make_action(self, _("&Scan"), "Ctrl+L", self.focus_primary))
        self.actions_.append(
            make_action(self, _("Export low stock"), "Ctrl+E", self.export_low_csv)
        )
        self.actions_.append(
            make_action(self, _("Low stock as PDF"), "Ctrl+P", self.export_low_pdf)
        )
        self.actions_.append(make_action(self, _("&Refresh"), "F5", self.refresh))
        if self._actor.may(Permission.SUPERVISE_WAREHOUSE):
            self.actions_.append(
                make_action(self, _("Check the stock invariants"), "Ctrl+K", self.check_stock)
            )
        for action in self.actions_:
            self.addAction(action)

    def desk_actions(self) -> list[QAction]:
        return self.actions_

    def focus_primary(self) -> None:
        self.scan.take_focus()

    # ----------------------------------------------------------------- warehouse

    def _restore_warehouse(self) -> None:
        saved = self._context.store.blob(WAREHOUSE_KEY)
        code = bytes(saved.data()).decode() if saved is not None else ""
        for index in range(self.warehouse_combo.count()):
            if self.warehouse_combo.itemText(index).split(" · ")[0] == code:
                self.warehouse_combo.setCurrentIndex(index)
                return

    def _warehouses_added(self) -> None:
        self._warehouses = self._read(queries.warehouses)
        self.warehouse_combo.blockSignals(True)
        current = self.warehouse_id
        self.warehouse_combo.clear()
        for id_, code, name in self._warehouses:
            self.warehouse_combo.addItem(f"{code} · {name}", id_)
        index = self.warehouse_combo.findData(current)
        self.warehouse_combo.setCurrentIndex(max(0, index))
        self.warehouse_combo.blockSignals(False)
        self._warehouse_changed()

    def _warehouse_changed(self) -> None:
        self._context.store.set_blob(WAREHOUSE_KEY, QByteArray(self.warehouse_code.encode()))
        if not hasattr(self, "tabs"):
            return
        self.step = rules.start(self.step.state.verb)
        self.preview = None
        self._show_prompt()
        self.apply_search()
        self.show_detail()
        self._tab_changed(self.tabs.currentIndex())
        self.scan.take_focus()

    # ----------------------------------------------------------------- the scan dialogue

    def set_verb(self, verb: StockVerb) -> None:
        if not self._actor.may(verb.permission):
            self.scan.say(
                BAD,
                _("Your role may not {verb}; a supervisor can.").format(verb=_(verb.label).lower()),
            )
            return
        for key, button in self.verb_buttons.items():
            button.setChecked(key == verb.key)
        self.free_check.setVisible(verb is RECEIVE)
        self.reason_combo.setVisible(verb is COUNT)
        self.reason_label.setVisible(verb is COUNT)
        self.step = rules.start(verb.key)
        self.preview = None
        self.scan.clear_feedback()
        self._show_prompt()
        self.scan.take_focus()

    def start_over(self) -> None:
        self.step = rules.start(self.step.state.verb)
        self.preview = None
        self.scan.say(MUTED, _("Started over."))
        self._show_prompt()
        self.scan.take_focus()

    def _show_prompt(self) -> None:
        verb = {"receive": RECEIVE, "move": MOVE, "count": COUNT}[self.step.state.verb]
        self.scan.set_instruction(f"{_(verb.label)} · {self.step.prompt}")

    def handle_scan(self, text: str) -> None:
        """One scan or typed entry: identify it, advance the dialogue, book when complete."""
        if self.warehouse_id is None:
            self.scan.say(BAD, _("No warehouse is set up yet: a supervisor adds one first."))
            return
        try:
            token = self._read(identify, self.warehouse_id, text)
        except OrderdeskError as error:
            self.scan.say(BAD, error_text(error))
            return
        step = rules.advance(self.step.state, token)
        if step.error:
            self.scan.say(BAD, step.error)
            self._show_prompt()
            return
        self.step = step
        self._show_prompt()
        if step.preview:
            self._show_count_preview()
        elif not step.ready:
            self._say_progress(token)
        if step.ready:
            self._book()

    def _say_progress(self, token: rules.Token) -> None:
        if token.kind == "product" and token.product is not None:
            marks = []
            if token.product.fragile:
                marks.append(_("FRAGILE"))
            if token.product.high_value:
                marks.append(_("HIGH VALUE"))
            suffix = f" — {', '.join(marks)}" if marks else ""
            expected = ""
            if self.step.state.verb == RECEIVE.key:
                expected = " · " + self._expected_text(token.product.id)
            self.scan.say(INFO, f"{token.product.sku} · {token.product.name}{suffix}{expected}")
        elif token.kind == "bin" and token.bin is not None:
            kind = BIN_KIND_TEXT.get(token.bin.kind, token.bin.kind)  # type: ignore[call-overload]
            self.scan.say(INFO, _("Bin {bin} ({kind})").format(bin=token.bin.code, kind=_(kind)))
        elif token.kind == "number":
            self.scan.say(INFO, _("Quantity {n}").format(n=self.step.state.quantity))

    def _expected_text(self, product_id: int) -> str:
        """What this receipt will be booked against, so the receiver can check the paperwork."""
        if self.free_check.isChecked():
            return _("free receiving")
        lines = self._read(
            lambda s: queries.incoming_lines(
                s, product_id=product_id, warehouse_id=self.warehouse_id, limit=1
            )
        )
        if not lines:
            return _("no delivery expected: received freely")
        line = lines[0]
        return _("expected {ref}: {n} due {day}").format(
            ref=line.reference or f"#{line.id}", n=line.quantity, day=line.expected_date.isoformat()
        )

    def _show_count_preview(self) -> None:
        state = self.step.state
        assert state.product and state.from_bin and state.quantity is not None
        try:
            self.preview = self._read(
                preview_count,
                self._actor,
                warehouse=self.warehouse_id,
                product=state.product.sku,
                bin_code=state.from_bin.code,
                counted=state.quantity,
            )
        except OrderdeskError as error:
            self.scan.say(BAD, error_text(error))
            return
        p = self.preview
        if p.counted < p.reserved:
            self.scan.say(
                BAD,
                _(
                    "Counted {c}, but {r} are reserved for orders: this count cannot be booked."
                ).format(c=p.counted, r=p.reserved),
            )
        elif p.difference == 0:
            self.scan.say(
                GOOD,
                _("Counted {c} = system {s}: no difference. Enter books the count.").format(
                    c=p.counted, s=p.system
                ),
            )
        else:
            self.scan.say(
                WARN,
                _(
                    "Counted {c}, system {s}: difference {d:+d}. Enter books it as: {reason}."
                ).format(
                    c=p.counted, s=p.system, d=p.difference, reason=self.reason_combo.currentText()
                ),
            )

    def _book(self) -> None:
        state = self.step.state
        assert state.product is not None
        try:
            with self._context.database.unit_of_work() as uow:
                if state.verb == "receive":
                    assert state.to_bin is not None
                    r = receive_stock(
                        uow,
                        self._actor,
                        warehouse=self.warehouse_id,  # type: ignore[arg-type]
                        product=state.product.sku,
                        quantity=state.quantity or 1,
                        bin_code=state.to_bin.code,
                        free_receiving=self.free_check.isChecked(),
                    )
                    against = (
                        _(" against {ref}, {left} still expected").format(
                            ref=r.incoming_reference, left=r.incoming_left
                        )
                        if r.incoming_id
                        else _(" (free receiving)")
                    )
                    extra = _("; {n} more than expected").format(n=r.surplus) if r.surplus else ""
                    said = _(
                        "Received {q} × {sku} into {bin}{against}{extra}. {n} now in the bin."
                    ).format(
                        q=r.quantity,
                        sku=r.sku,
                        bin=r.bin_code,
                        against=against,
                        extra=extra,
                        n=r.on_hand_in_bin,
                    )
                elif state.verb == "move":
                    assert state.from_bin and state.to_bin
                    m = move_stock(
                        uow,
                        self._actor,
                        warehouse=self.warehouse_id,  # type: ignore[arg-type]
                        product=state.product.sku,
                        quantity=state.quantity or 1,
                        from_bin=state.from_bin.code,
                        to_bin=state.to_bin.code,
                    )
                    said = _("Moved {q} × {sku} from {a} ({left} left) to {b} ({now} now).").format(
                        q=m.quantity, sku=m.sku, a=m.from_bin, left=m.left_in_from_bin,
                        b=m.to_bin, now=m.now_in_to_bin,
                    )  # fmt: skip
                else:
                    assert state.from_bin is not None
                    c = book_count(
                        uow,
                        self._actor,
                        warehouse=self.warehouse_id,  # type: ignore[arg-type]
                        product=state.product.sku,
                        bin_code=state.from_bin.code,
                        counted=state.quantity,
                        reason=self.reason_combo.currentText(),
                        expected_system=self.preview.system if self.preview else None,
                    )
                    said = _("Count booked: {sku} in {bin} {a} → {b} ({d:+d}).").format(
                        sku=c.sku, bin=c.bin_code, a=c.before, b=c.after, d=c.difference
                    )
        except OrderdeskError as error:
            self.scan.say(BAD, error_text(error))
            if state.verb in ("receive", "move"):
                # Keep what was scanned; another bin can be scanned to finish.
                state.to_bin = None
                self.step = rules.Step(state, rules.prompt_for(state))
                self._show_prompt()
            return
        self.scan.say(GOOD, said)
        self.step = rules.start(state.verb)
        self.preview = None
        self._show_prompt()
        self.refresh()

    # ----------------------------------------------------------------- lists

    def apply_search(self) -> None:
        flt = queries.StockFilter(
            search=self.search_edit.text(),
            warehouse_id=self.warehouse_id,
            low_only=self.low_only.isChecked(),
        )
        try:
            self.model.set_source(queries.StockPages(self._context.database, self._actor, flt))
        except OrderdeskError as error:
            self._problem(error)
            return
        total = self.model.total
        self.count_label.setText(
            _("{n} products in {w}").format(n=total, w=self.warehouse_code)
            if total
            else _("Nothing found. Receive stock with F2, or search by another SKU or name.")
        )

    def _search_entered(self) -> None:
        """Enter in the search: show the first match and hand the keyboard back to scanning."""
        self._search_timer.stop()
        self.apply_search()
        if self.model.total:
            self.table.selectRow(0)
        self.scan.take_focus()

    def refresh(self) -> None:
        self.problem_label.hide()
        current = self.table.currentIndex().row()
        self.model.reload()
        if 0 <= current < self.model.total:
            self.table.selectRow(current)
        self.show_detail()
        self._tab_changed(self.tabs.currentIndex())

    def show_detail(self) -> None:
        row = (
            self.model.row_at(self.table.currentIndex().row())
            if self.table.currentIndex().isValid()
            else None
        )
        if row is None:
            self.detail_pane.clear()
            return
        detail = self._read(queries.stock_detail, row.product_id, row.warehouse_id)
        if detail is not None:
            self.detail_pane.show_detail(detail)

    def _tab_changed(self, index: int) -> None:
        page = self.tabs.widget(index)
        if page is None:
            return
        title = self.tabs.tabText(index)
        if title == _("Low stock"):
            self.low.load()
        elif title == _("Incoming"):
            self.incoming.load()
        elif title == _("Replenish pick faces"):
            self.replenish.load()
        elif title == _("Setup"):
            self.setup.load_bins()
        elif title == _("Routing"):
            self.routing.load()
        self.scan.take_focus()

    # ----------------------------------------------------------------- exports and setup

    def _save_path(self, title: str, suggested: str, pattern: str) -> str:
        path, _filter = QFileDialog.getSaveFileName(self, title, suggested, pattern)
        return path

    def _open_path(self, title: str) -> str:
        path, _filter = QFileDialog.getOpenFileName(self, title, "", _("CSV files (*.csv)"))
        return path

    def export_low_csv(self, path: str | None = None) -> None:
        self.low.export_csv(path)

    def export_low_pdf(self, path: str | None = None) -> None:
        self.low.export_pdf(path)

    def check_stock(self) -> None:
        """``orderdesk stock check`` from the desk: every invariant over the whole database."""
        database = self._context.database

        def done(violations: list[CheckViolation]) -> None:
            if not violations:
                say(self.problem_label, GOOD, _("Stock invariants hold."))
                return
            first = violations[0]
            say(
                self.problem_label,
                BAD,
                ngettext(
                    "{n} violation of the stock invariants, first: {first}",
                    "{n} violations of the stock invariants, first: {first}",
                    len(violations),
                ).format(n=len(violations), first=first.said()),
            )

        self._context.tasks.run(
            lambda _progress: check_database(database),
            on_done=done,
            on_error=self._problem,
            parent=self,
        )

    def _problem(self, error: BaseException) -> None:
        text = error_text(error) if isinstance(error, OrderdeskError) else str(error)
        say(self.problem_label, BAD, text)
