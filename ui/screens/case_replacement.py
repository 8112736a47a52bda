"""The case screen's replacement dialog: which products go out at no charge, how many.

Filled with what the customer received (the shipment being replaced); the agent changes a
SKU to the variant to send, a quantity, or adds a product. OK resolves the case as a
replacement (``app.returns.replacement``): a new shipment through the warehouse.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.returns.replacement import MAX_UNITS, ReplaceableLine, ReplacementItem
from ui.widgets.form import ok_cancel


class ReplacementDialog(QDialog):
    def __init__(
        self, case_number: str, received: list[ReplaceableLine], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("replacementDialog")
        self.setWindowTitle(_("Replacement for {case}").format(case=case_number))
        self.setMinimumWidth(480)
        layout = QVBoxLayout(self)
        intro = QLabel(
            _(
                "Sent at no charge through the warehouse. Change a SKU to the variant to send, "
                "a quantity (0 leaves it out), or add a product."
            )
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.grid = QGridLayout()
        self.grid.addWidget(QLabel(_("SKU")), 0, 0)
        self.grid.addWidget(QLabel(_("Quantity")), 0, 1)
        self.grid.addWidget(QLabel(_("Received")), 0, 2)
        layout.addLayout(self.grid)
        self.rows: list[tuple[QLineEdit, QSpinBox]] = []
        for line in received:
            spec = f" · {line.spec}" if line.spec else ""
            self.add_row(line.sku, line.quantity, f"{line.quantity} × {line.name}{spec}")
        if not received:
            self.add_row()
        more = QPushButton(_("Add a product"))
        more.setObjectName("addReplacementRow")
        more.clicked.connect(lambda _c=False: self.add_row())
        layout.addWidget(more)
        layout.addWidget(ok_cancel(self))

    def add_row(self, sku: str = "", quantity: int = 1, received: str = "") -> None:
        row = len(self.rows) + 1
        sku_edit = QLineEdit(sku)
        sku_edit.setObjectName(f"replacementSku{row}")
        count = QSpinBox()
        count.setObjectName(f"replacementQuantity{row}")
        count.setRange(0, MAX_UNITS)
        count.setValue(quantity)
        self.grid.addWidget(sku_edit, row, 0)
        self.grid.addWidget(count, row, 1)
        self.grid.addWidget(QLabel(received), row, 2)
        self.rows.append((sku_edit, count))
        sku_edit.setFocus()

    def items(self) -> tuple[ReplacementItem, ...]:
        """The rows with a SKU and a quantity above 0 (the service checks the rest)."""
        return tuple(
            ReplacementItem(sku.text().strip(), count.value())
            for sku, count in self.rows
            if sku.text().strip() and count.value() > 0
        )
