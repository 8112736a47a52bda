"""The lines of an order being put together: product, quantity, what the store has free,
unit price (with its currency), line total and the reason for a price off the list.

Quantities and prices are edited in place and checked as they are typed (a wrong one never
reaches the total, and is said under the table at once); Delete or the visible "Remove
line" button takes the selected line off. The checks come from ``app/`` as functions, so
the picking and packing desks can show their lines with the same widget.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.cards import card_number_in
from app.counter.model import ProductMatch
from app.errors import FullCardNumber, InvalidInput
from app.i18n import _, ngettext
from app.money import format_money, parse_amount
from ui.actions import with_shortcut
from ui.style import BAD, MUTED, SPACE_S, WARN, heading_font
from ui.widgets.form import FieldErrors, expected_text

SKU, NAME, QTY, STOCK, PRICE, LINE_TOTAL, REASON = range(7)


@dataclass
class Line:
    product: ProductMatch
    quantity: int
    unit_price_cents: int
    reason: str = ""
    available: int | None = None  # what the store has free; None: not known here

    @property
    def overridden(self) -> bool:
        return self.unit_price_cents != self.product.price_cents

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_price_cents


class LinesTable(QWidget):
    changed = Signal()  # lines, quantities or prices changed: the total with them
    said = Signal(object, str)  # (Tone, text): what happened, for the screen's feedback line

    def __init__(
        self,
        errors: FieldErrors,
        quantity_check: Callable[[int, str], InvalidInput | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.lines: list[Line] = []
        self._quantity_check = quantity_check
        self._errors = errors
        self._filling = False
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACE_S)
        self.table = self._build_table()
        self.empty_label = QLabel(
            _("No products yet: scan a barcode or type a SKU in the field above.")
        )
        self.empty_label.setObjectName("counterEmpty")
        self.empty_label.setStyleSheet(f"color: {MUTED.foreground};")
        column.addWidget(self.empty_label)
        column.addWidget(self.table, 1)
        column.addWidget(errors.register("lines", self.table))
        column.addLayout(self._build_totals())
        self.show_lines()

    def _build_table(self) -> QTableWidget:
        table = QTableWidget(0, 7)
        table.setObjectName("counterLines")
        table.setHorizontalHeaderLabels(
            [
                _("SKU"),
                _("Product"),
                _("Qty"),
                _("In store"),
                _("Unit price"),
                _("Line total"),
                _("Reason"),
            ]
        )
        table.horizontalHeaderItem(REASON).setToolTip(_("Reason for another price"))
        table.horizontalHeaderItem(STOCK).setToolTip(_("Units this store has free now"))
        table.verticalHeader().hide()
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        table.setTabKeyNavigation(False)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        # The product and the reason share what is left; the figures keep their widths.
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(REASON, QHeaderView.ResizeMode.Stretch)
        widths = ((SKU, 95), (QTY, 45), (STOCK, 70), (PRICE, 90), (LINE_TOTAL, 100))
        for col, width in widths:
            header.resizeSection(col, width)
        table.itemChanged.connect(self._edited)
        table.installEventFilter(self)
        return table

    def _build_totals(self) -> QHBoxLayout:
        totals = QHBoxLayout()
        self.remove_button = QPushButton(with_shortcut(_("Remove line"), "Del"))
        self.remove_button.setObjectName("removeLine")
        self.remove_button.clicked.connect(self.remove_current)
        totals.addWidget(self.remove_button)
        self.count_label = QLabel()
        self.count_label.setObjectName("counterCount")
        self.count_label.setStyleSheet(f"color: {MUTED.foreground};")
        totals.addWidget(self.count_label)
        totals.addStretch(1)
        self.total_label = QLabel()
        self.total_label.setObjectName("counterTotal")
        self.total_label.setFont(heading_font(self.font(), 1.5))
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        totals.addWidget(self.total_label)
        return totals

    # ----------------------------------------------------------------- reading

    def currency(self) -> str:
        return self.lines[0].product.currency if self.lines else ""

    def total(self) -> int:
        return sum(line.total_cents for line in self.lines)

    # ----------------------------------------------------------------- changing

    def add(self, product: ProductMatch, available: int | None = None) -> Line:
        """One of ``product``, or one more of it when it is on a line already."""
        index = next(
            (i for i, line in enumerate(self.lines) if line.product.id == product.id), None
        )
        if index is None:
            self.lines.append(Line(product, 1, product.price_cents, available=available))
            index = len(self.lines) - 1
        else:
            self.lines[index].quantity += 1
            if available is not None:
                self.lines[index].available = available
        self._errors.clear("lines")
        self.show_lines(select=index)
        self.changed.emit()
        return self.lines[index]

    def set_available(self, available: Mapping[int, int]) -> None:
        for line in self.lines:
            line.available = available.get(line.product.id)
        self.show_lines(select=self.table.currentRow())

    def remove_current(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.lines):
            removed = self.lines.pop(row)
            self._errors.clear("lines")
            self.show_lines(select=min(row, len(self.lines) - 1))
            self.changed.emit()
            self.said.emit(MUTED, _("Removed {name}.").format(name=removed.product.name))

    def clear(self) -> None:
        self.lines.clear()
        self.show_lines()
        self.changed.emit()

    def select_cell(self, line_no: int, what: str) -> None:
        """The cell of line ``line_no`` that a problem about ``what`` names."""
        column = {"quantity": QTY, "unit_price": PRICE, "price_reason": REASON}.get(what, SKU)
        if 1 <= line_no <= self.table.rowCount():
            self.table.setCurrentCell(line_no - 1, column)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Delete  # type: ignore[attr-defined]
            and self.table.state() != QAbstractItemView.State.EditingState
        ):
            self.remove_current()
            return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- showing

    def show_lines(self, select: int | None = None) -> None:
        self._filling = True
        table = self.table
        table.setRowCount(len(self.lines))
        for row, line in enumerate(self.lines):
            self._fill_row(row, line)
        self._filling = False
        if select is not None and 0 <= select < len(self.lines):
            table.setCurrentCell(select, QTY)
        # The reason column takes room only while a price is off the list.
        self.table.setColumnHidden(REASON, not any(line.overridden for line in self.lines))
        has_lines = bool(self.lines)
        self.empty_label.setVisible(not has_lines)
        self.remove_button.setEnabled(has_lines)
        units = sum(line.quantity for line in self.lines)
        self.count_label.setText(
            _("{lines}, {units}").format(
                lines=ngettext("{n} line", "{n} lines", len(self.lines)).format(n=len(self.lines)),
                units=ngettext("{n} item", "{n} items", units).format(n=units),
            )
            if has_lines
            else ""
        )
        self.total_label.setText(
            _("Total {amount}").format(amount=format_money(self.total(), self.currency()))
            if has_lines
            else _("Total —")
        )

    def _fill_row(self, row: int, line: Line) -> None:
        currency = line.product.currency
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        stock = "—" if line.available is None else str(line.available)
        cells = (
            (line.product.sku, False, None),
            (line.product.name, False, None),
            (str(line.quantity), True, right),
            (stock, False, right),
            (format_money(line.unit_price_cents, currency), True, right),
            (format_money(line.total_cents, currency), False, right),
            (line.reason, True, None),
        )
        plain = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        for column, (text, can_edit, align) in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setFlags(plain | Qt.ItemFlag.ItemIsEditable if can_edit else plain)
            if align is not None:
                item.setTextAlignment(align)
            self.table.setItem(row, column, item)
        self.table.item(row, NAME).setToolTip(f"{line.product.name} {line.product.spec}".strip())
        self._mark_stock(row, line)
        if line.overridden:
            price = self.table.item(row, PRICE)
            price.setToolTip(
                _("List price {price}").format(
                    price=format_money(line.product.price_cents, currency)
                )
            )
            price.setForeground(QColor(WARN.foreground))
            if not line.reason:
                reason = self.table.item(row, REASON)
                reason.setBackground(QColor(WARN.background))
                reason.setToolTip(_("Say why the price differs from the list"))

    def _mark_stock(self, row: int, line: Line) -> None:
        item = self.table.item(row, STOCK)
        if line.available is None:
            item.setToolTip(_("This store keeps no stock of its own here"))
            return
        if line.quantity > line.available:
            item.setText(f"{BAD.symbol} {line.available}")
            item.setForeground(QColor(BAD.foreground))
            item.setToolTip(
                _("Only {available} free in this store").format(available=line.available)
            )

    # ----------------------------------------------------------------- editing

    def _edited(self, item: QTableWidgetItem) -> None:
        if self._filling:
            return
        row, column = item.row(), item.column()
        if not 0 <= row < len(self.lines):
            return
        line = self.lines[row]
        text = item.text().strip()
        last4 = card_number_in(text)
        if last4 is not None:
            if column == REASON:
                line.reason = ""
            self._say_problem(FullCardNumber(f"lines[{row + 1}]", last4), "")
        elif column == QTY:
            self._quantity_typed(row, line, text)
        elif column == PRICE:
            self._price_typed(row, line, text)
        elif column == REASON:
            line.reason = text
        QTimer.singleShot(0, lambda: self._after_edit(row))

    def _after_edit(self, row: int) -> None:
        self.show_lines(select=row)
        self.changed.emit()

    def _quantity_typed(self, row: int, line: Line, text: str) -> None:
        # Limits are checked as typed: a wrong quantity never reaches the total.
        problem = self._quantity_check(row + 1, text)
        if problem is None:
            line.quantity = int(text)
            self._errors.clear("lines")
        else:
            self._say_problem(problem, _("quantity {text}").format(text=text))

    def _price_typed(self, row: int, line: Line, text: str) -> None:
        currency = line.product.currency
        try:
            line.unit_price_cents = parse_amount(
                text.replace(currency, "").strip(), currency, f"lines[{row + 1}].unit_price"
            )
            self._errors.clear("lines")
        except InvalidInput as problem:
            self._say_problem(problem, _("price {text}").format(text=text))

    def _say_problem(self, problem: InvalidInput, what: str) -> None:
        number = problem.field[len("lines[") :].split("]", 1)[0]
        if isinstance(problem, FullCardNumber):
            text = _("That was a full card number (ending {last4}); it has been cleared.").format(
                last4=problem.last4
            )
        else:
            text = _("Line {n}: {what} — needs {expected}.").format(
                n=number, what=what, expected=expected_text(problem)
            )
        self._errors.show("lines", [text])
