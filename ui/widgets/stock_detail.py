"""One product's stock in one warehouse, beside a stock list: the figures, the marks a
picker must see (fragile, high value), the bins with each quant's age (oldest first, as
stock is picked) and the deliveries expected."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.i18n import _
from app.stock.model import BIN_KIND_TEXT, StockDetail
from ui.style import heading_font
from ui.widgets.simple_table import fill_table, simple_table


class StockDetailPane(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        box = QVBoxLayout(self)
        box.setContentsMargins(0, 0, 0, 0)
        self.title = QLabel(_("Select a product to see its bins and how old its stock is."))
        self.title.setObjectName("stockDetailTitle")
        self.title.setWordWrap(True)
        self.title.setFont(heading_font(self.font(), 1.1))
        self.flags = QLabel()
        self.flags.setObjectName("stockDetailFlags")
        self.quant_table = simple_table(
            "quantTable",
            [_("Bin"), _("Kind"), _("On hand"), _("Reserved"), _("Received"), _("Age (days)")],
            (80, 80, 64, 64, 90, 70),
        )
        self.incoming = QLabel()
        self.incoming.setObjectName("stockDetailIncoming")
        self.incoming.setWordWrap(True)
        box.addWidget(self.title)
        box.addWidget(self.flags)
        box.addWidget(self.quant_table, 1)
        box.addWidget(self.incoming)

    def clear(self) -> None:
        self.quant_table.setRowCount(0)
        self.flags.clear()
        self.incoming.clear()

    def show_detail(self, detail: StockDetail) -> None:
        r = detail.row
        self.title.setText(
            _("{sku} · {name} — {w}: {on} on hand, {res} reserved, {av} available").format(
                sku=r.sku,
                name=r.name,
                w=r.warehouse_code,
                on=r.on_hand,
                res=r.reserved,
                av=r.available,
            )
        )
        marks = [
            m
            for m, on in ((_("! FRAGILE"), detail.fragile), (_("! HIGH VALUE"), detail.high_value))
            if on
        ]
        barcode = (
            _("Barcode {code}").format(code=r.barcode)
            if r.barcode
            else _("No barcode: scan the SKU")
        )
        self.flags.setText("  ".join([barcode, *marks]))
        fill_table(
            self.quant_table,
            [
                (q.bin_code, _(BIN_KIND_TEXT.get(q.bin_kind, q.bin_kind)), q.on_hand, q.reserved,  # type: ignore[call-overload]
                 q.received_date.isoformat(), q.age_days)
                for q in detail.quants
            ],
            right=(2, 3, 5),
        )  # fmt: skip
        self.incoming.setText(
            "\n".join(
                _("Expected {d}: {q} ({ref})").format(
                    d=line.expected_date.isoformat(), q=line.quantity, ref=line.reference or "—"
                )
                for line in detail.incoming
            )
            or _("No delivery expected.")
        )
