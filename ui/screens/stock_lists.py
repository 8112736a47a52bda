"""Two tabs of the Stock desk built from the same reads: the low-stock list with a
suggested order (CSV to send, PDF to print) and the pick faces to replenish."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from app.i18n import _
from app.stock import queries
from app.stock.csv_files import low_stock_csv
from app.stock.export import low_stock_pdf
from app.stock.model import LowStockRow
from db.models import utcnow
from ui.actions import with_shortcut
from ui.desk_screen import DeskContext
from ui.style import SPACE_M
from ui.widgets.simple_table import fill_table, simple_table

# Where the desk is: (warehouse id, code) of the warehouse chosen at the top.
Warehouse = Callable[[], tuple[int | None, str]]


class LowStockPanel(QWidget):
    """``save_path(title, suggested name, pattern)`` asks where to save; ``done()`` hands the
    keyboard back to the scan field; ``failed(error)`` shows a problem."""

    def __init__(
        self,
        context: DeskContext,
        warehouse: Warehouse,
        save_path: Callable[[str, str, str], str],
        done: Callable[[], None],
        failed: Callable[[BaseException], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._warehouse = warehouse
        self._save_path = save_path
        self._done = done
        self._failed = failed
        self.rows: list[LowStockRow] = []
        box = QVBoxLayout(self)
        box.setContentsMargins(0, SPACE_M, 0, 0)
        row = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("lowSummary")
        row.addWidget(self.summary, 1)
        self.export_button = QPushButton(_("Export CSV…"))
        self.export_button.setObjectName("exportLowCsv")
        self.export_button.setToolTip(with_shortcut(_("Export the low-stock list"), "Ctrl+E"))
        self.export_button.clicked.connect(lambda: self.export_csv())
        self.pdf_button = QPushButton(_("PDF to print…"))
        self.pdf_button.setObjectName("exportLowPdf")
        self.pdf_button.setToolTip(with_shortcut(_("Save the low-stock list as PDF"), "Ctrl+P"))
        self.pdf_button.clicked.connect(lambda: self.export_pdf())
        row.addWidget(self.export_button)
        row.addWidget(self.pdf_button)
        box.addLayout(row)
        self.table = simple_table(
            "lowTable",
            [
                _("Warehouse"),
                _("SKU"),
                _("Product"),
                _("Available"),
                _("Threshold"),
                _("Incoming"),
                _("Next arrival"),
                _("30-day demand"),
                _("Suggested order"),
            ],
            (80, 120, 260, 75, 75, 75, 95, 100, 110),
        )
        box.addWidget(self.table, 1)

    def load(self) -> None:
        warehouse_id, code = self._warehouse()
        actor = self._context.actor
        self.rows = self._context.database.read(
            lambda s: queries.low_stock(s, actor, warehouse_id=warehouse_id)
        )
        fill_table(
            self.table,
            [
                (r.warehouse_code, r.sku, r.name, r.available, r.min_quantity, r.incoming,
                 r.next_arrival.isoformat() if r.next_arrival else "—", r.demand_30d, r.suggested)
                for r in self.rows
            ],
            right=(3, 4, 5, 7, 8),
        )  # fmt: skip
        self.summary.setText(
            _("{n} products below their threshold in {w}").format(n=len(self.rows), w=code)
            if self.rows
            else _("Nothing is below its threshold in {w}.").format(w=code)
        )

    def _fresh_list_to(self, path: str | None, title: str, ending: str, pattern: str) -> str:
        """The list read again, and where to save it (asked when not given; "" = cancelled)."""
        self.load()
        return path or self._save_path(title, f"low-stock-{self._warehouse()[1]}{ending}", pattern)

    def export_csv(self, path: str | None = None) -> None:
        path = self._fresh_list_to(path, _("Export low stock"), ".csv", _("CSV files (*.csv)"))
        if not path:
            return
        Path(path).write_text(low_stock_csv(self.rows), encoding="utf-8")
        self.summary.setText(_("Saved {n} rows to {path}").format(n=len(self.rows), path=path))
        self._done()

    def export_pdf(self, path: str | None = None) -> None:
        path = self._fresh_list_to(path, _("Low stock as PDF"), ".pdf", _("PDF files (*.pdf)"))
        if not path:
            return
        rows = list(self.rows)

        def done(written: Path) -> None:
            self.summary.setText(
                _("Saved the list to {path} — open it to print.").format(path=written)
            )
            self._done()

        self._context.tasks.run(
            lambda _progress: low_stock_pdf(rows, path, generated_at=utcnow()),
            on_done=done,
            on_error=self._failed,
            parent=self,
        )


class ReplenishPanel(QWidget):
    """Pick faces below their minimum, and the move that refills each."""

    def __init__(
        self, context: DeskContext, warehouse: Warehouse, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._warehouse = warehouse
        box = QVBoxLayout(self)
        box.setContentsMargins(0, SPACE_M, 0, 0)
        hint = QLabel(
            _(
                "Pick faces below their minimum. Refill with Move (F3): scan the bin to take "
                "from, the product, type the quantity, scan the pick face."
            )
        )
        hint.setWordWrap(True)
        box.addWidget(hint)
        self.table = simple_table(
            "replenishTable",
            [_("SKU"), _("Product"), _("From bin"), _("To pick face"), _("Move"), _("Now / min")],
            (120, 280, 90, 100, 70, 90),
        )
        box.addWidget(self.table, 1)

    def load(self) -> None:
        warehouse_id = self._warehouse()[0]
        if warehouse_id is None:
            return
        rows = self._context.database.read(queries.replenishment, warehouse_id)
        fill_table(
            self.table,
            [
                (r.sku, r.name, r.from_bin, r.to_bin, r.quantity,
                 f"{r.pick_face_now} / {r.pick_face_min}")
                for r in rows
            ],
            right=(4,),
        )  # fmt: skip
