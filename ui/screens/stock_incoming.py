"""The Incoming tab of the Stock desk: deliveries on their way, listed for the desk's
warehouse; supervisors enter one, import a CSV, or cancel one with the reason."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import _
from app.stock import queries
from app.stock.incoming import add_incoming, cancel_incoming
from app.stock.model import ADD_INCOMING, CANCEL_INCOMING, IncomingRow
from app.stock.setup import import_incoming_csv
from ui.desk_screen import DeskContext
from ui.errors import error_text
from ui.style import BAD, GOOD, INFO, MUTED, SPACE_M
from ui.widgets.display import tone_label
from ui.widgets.simple_table import fill_table, say, simple_table


class IncomingPanel(QWidget):
    """``warehouse()`` gives the desk's warehouse id; ``changed()`` after a change the
    stock lists show; ``open_path(title)`` asks for a CSV file."""

    def __init__(
        self,
        context: DeskContext,
        warehouse: Callable[[], int | None],
        changed: Callable[[], None],
        open_path: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._actor = context.actor
        self._warehouse = warehouse
        self._changed = changed
        self._open_path = open_path
        self.incoming_rows: list[IncomingRow] = []
        self._build()

    def _read(self, read: Callable):
        return self._context.database.read(read)

    def _build(self) -> None:
        box = QVBoxLayout(self)
        box.setContentsMargins(0, SPACE_M, 0, 0)
        may = self._actor.may(ADD_INCOMING.permission)
        form = QHBoxLayout()
        self.incoming_product = QLineEdit()
        self.incoming_product.setObjectName("incomingProduct")
        self.incoming_product.setPlaceholderText(_("SKU or barcode"))
        self.incoming_quantity = QSpinBox()
        self.incoming_quantity.setObjectName("incomingQuantity")
        self.incoming_quantity.setRange(1, 100_000)
        self.incoming_date = QDateEdit()
        self.incoming_date.setObjectName("incomingDate")
        self.incoming_date.setCalendarPopup(True)
        self.incoming_date.setDisplayFormat("yyyy-MM-dd")
        self.incoming_date.setDate(QDate.currentDate().addDays(7))
        self.incoming_reference = QLineEdit()
        self.incoming_reference.setObjectName("incomingReference")
        self.incoming_reference.setPlaceholderText(_("PO or transfer number"))
        add = QPushButton(_("Add expected delivery"))
        add.setObjectName("addIncoming")
        add.clicked.connect(self.add_incoming_line)
        importing = QPushButton(_("Import CSV…"))
        importing.setObjectName("importIncoming")
        importing.clicked.connect(self.import_incoming)
        for widget in (
            self.incoming_product,
            self.incoming_quantity,
            self.incoming_date,
            self.incoming_reference,
            add,
            importing,
        ):
            widget.setEnabled(may)
            form.addWidget(widget)
        if not may:
            note = QLabel(_("Supervisors enter and import incoming stock."))
            note.setStyleSheet(f"color: {MUTED.foreground};")
            box.addWidget(note)
        box.addLayout(form)
        self.incoming_message = tone_label("incomingMessage", INFO)
        box.addWidget(self.incoming_message)
        self.incoming_table = simple_table(
            "incomingTable",
            [_("Expected"), _("Warehouse"), _("SKU"), _("Product"), _("Quantity"), _("Reference")],
            (95, 80, 120, 280, 75, 140),
        )
        box.addWidget(self.incoming_table, 1)
        cancel_row = QHBoxLayout()
        self.incoming_cancel_reason = QLineEdit()
        self.incoming_cancel_reason.setObjectName("incomingCancelReason")
        self.incoming_cancel_reason.setPlaceholderText(_("Why it will not come"))
        cancel = QPushButton(_("Cancel the selected delivery"))
        cancel.setObjectName("cancelIncoming")
        cancel.clicked.connect(self.cancel_incoming_line)
        may_cancel = self._actor.may(CANCEL_INCOMING.permission)
        for widget in (self.incoming_cancel_reason, cancel):
            widget.setEnabled(may_cancel)
            cancel_row.addWidget(widget)
        box.addLayout(cancel_row)

    def load(self) -> None:
        rows = self._read(lambda s: queries.incoming_lines(s, warehouse_id=self._warehouse()))
        self.incoming_rows = rows
        fill_table(
            self.incoming_table,
            [
                (r.expected_date.isoformat(), r.warehouse_code or _("any"), r.sku, r.name,
                 r.quantity, r.reference)
                for r in rows
            ],
            right=(4,),
        )  # fmt: skip

    def _incoming_change(self, work: Callable, said: Callable) -> bool:
        """One change of expected deliveries: what it did (``said`` of its result) or why
        not, on the Incoming tab; the list reloads after a change."""
        try:
            with self._context.database.unit_of_work() as uow:
                result = work(uow)
        except OrderdeskError as error:
            say(self.incoming_message, BAD, error_text(error))
            return False
        say(self.incoming_message, GOOD, said(result))
        self.load()
        return True

    def add_incoming_line(self) -> None:
        date = self.incoming_date.date()
        if self._incoming_change(
            lambda uow: add_incoming(
                uow,
                self._actor,
                product=self.incoming_product.text(),
                quantity=self.incoming_quantity.value(),
                expected_date=dt.date(date.year(), date.month(), date.day()),
                warehouse=self._warehouse(),
                reference=self.incoming_reference.text(),
            ),
            lambda row: _("Expected {q} × {sku} on {d}.").format(
                q=row.quantity, sku=row.sku, d=row.expected_date
            ),
        ):
            self.incoming_product.clear()
            self.incoming_reference.clear()

    def cancel_incoming_line(self) -> None:
        picked = sorted({index.row() for index in self.incoming_table.selectedIndexes()})
        if not picked:
            say(self.incoming_message, INFO, _("Select a delivery in the list first."))
            return
        line = self.incoming_rows[picked[0]]
        if self._incoming_change(
            lambda uow: cancel_incoming(
                uow, self._actor, line.id, self.incoming_cancel_reason.text()
            ),
            lambda row: _("Cancelled the delivery of {q} × {sku} expected on {d}.").format(
                q=row.quantity, sku=row.sku, d=row.expected_date
            ),
        ):
            self.incoming_cancel_reason.clear()
            self._changed()

    def import_incoming(self, path: str | None = None) -> None:
        path = path or self._open_path(_("Import incoming stock"))
        if path and self._incoming_change(
            lambda uow: import_incoming_csv(uow, self._actor, path),
            lambda result: _("{file}: {n} expected deliveries added.").format(
                file=result.file_name, n=result.added
            ),
        ):
            self._changed()
