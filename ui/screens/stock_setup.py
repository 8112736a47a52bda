"""The Setup tab of the Stock desk, for supervisors: bins and their walk order (one by one or
from a CSV), pick-face minimums, low-stock thresholds, product barcodes and handling flags,
new warehouses, and bin and product labels.

Bin and product labels are 2×1 inch labels drawn by ``app/labels`` (``SmallLabel``) and
printed through the desk's print dialog (``ui/printing.py``, the printer remembered at this
workstation): the bins selected in the list, or every bin of the warehouse when none is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import _, ngettext
from app.labels.model import LabelKind, SmallLabel
from app.labels.small import render_small_labels_pdf
from app.stock import queries
from app.stock.model import BIN_KIND_TEXT
from app.stock.service import find_product
from app.stock.setup import (
    add_warehouse,
    import_bins_csv,
    label_codes_for_bins,
    label_codes_for_product,
    save_bin,
    set_pick_face_rule,
    set_product_barcode,
    set_product_flags,
    set_reorder_rule,
)
from ui.desk_screen import DeskContext
from ui.errors import error_text
from ui.printing import print_pdf
from ui.style import BAD, GOOD, INFO, SPACE_M, WARN
from ui.widgets.display import tone_label
from ui.widgets.simple_table import fill_table, say, simple_table

W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str) -> W:
    """``widget`` with its object name (what screen tests find it by)."""
    widget.setObjectName(name)
    return widget


def spin(name: str, lowest: int, highest: int = 100_000) -> QSpinBox:
    box = named(QSpinBox(), name)
    box.setRange(lowest, highest)
    return box


def button(text: str, name: str, slot: Callable[[], object]) -> QPushButton:
    pressed = named(QPushButton(text), name)
    pressed.clicked.connect(slot)
    return pressed


def form_rows(group: QGroupBox, *rows: tuple[str, QWidget] | QWidget) -> QFormLayout:
    """``group`` laid out as a form: (label, field) rows, a lone widget (a button) as its
    own row."""
    form = QFormLayout(group)
    for row in rows:
        if isinstance(row, tuple):
            form.addRow(*row)
        else:
            form.addRow(row)
    return form


class StockSetupPanel(QWidget):
    """``warehouse()`` gives the desk's (id, code); ``changed()`` after a change the stock
    lists show; ``warehouses_changed()`` after a warehouse was added."""

    def __init__(
        self,
        context: DeskContext,
        warehouse: Callable[[], tuple[int | None, str]],
        changed: Callable[[], None],
        warehouses_changed: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._context = context
        self._actor = context.actor
        self._warehouse = warehouse
        self._changed = changed
        self._warehouses_changed = warehouses_changed
        self._build()

    @property
    def warehouse_id(self) -> int | None:
        return self._warehouse()[0]

    @property
    def warehouse_code(self) -> str:
        return self._warehouse()[1]

    def _read(self, read: Callable, *args, **kwargs):
        return self._context.database.read(read, *args, **kwargs)

    def _open_path(self, title: str) -> str:
        path, _filter = QFileDialog.getOpenFileName(self, title, "", _("CSV files (*.csv)"))
        return path

    def _build(self) -> None:
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, SPACE_M, 0, 0)

        bins = QGroupBox(_("Bins and walk order"))
        bins_box = QVBoxLayout(bins)
        import_bins = QPushButton(_("Import bins from CSV…"))
        import_bins.setObjectName("importBins")
        import_bins.clicked.connect(self.import_bins)
        self.labels_button = QPushButton(_("Print bin labels"))
        self.labels_button.setObjectName("printBinLabels")
        self.labels_button.clicked.connect(self.print_bin_labels)
        self.labels_button.setToolTip(_("The bins selected in the list, or every bin"))
        self.bins_table = simple_table(
            "binsTable", [_("Walk"), _("Bin"), _("Kind"), _("Units")], (48, 76, 76, 52)
        )
        self.bins_table.itemSelectionChanged.connect(self._bin_chosen)
        bins_box.addWidget(self.bins_table, 1)
        row = QHBoxLayout()
        row.addWidget(import_bins)
        row.addWidget(self.labels_button)
        bins_box.addLayout(row)
        one_bin = QGroupBox(_("Bin"))
        b_form = QFormLayout(one_bin)
        self.bin_code_edit = QLineEdit()
        self.bin_code_edit.setObjectName("binCode")
        self.bin_walk = QSpinBox()
        self.bin_walk.setObjectName("binWalk")
        self.bin_walk.setRange(0, 1_000_000)
        self.bin_walk.setToolTip(_("Walk position: pick lists visit bins in this order"))
        self.bin_kind = QComboBox()
        self.bin_kind.setObjectName("binKind")
        for kind, text in BIN_KIND_TEXT.items():
            self.bin_kind.addItem(_(text), kind.value)
        self.bin_kind.setCurrentIndex(1)
        save_bin_button = QPushButton(_("Save bin"))
        save_bin_button.setObjectName("saveBin")
        save_bin_button.clicked.connect(self.save_one_bin)
        b_form.addRow(_("Code"), self.bin_code_edit)
        b_form.addRow(_("Walk position"), self.bin_walk)
        b_form.addRow(_("Kind"), self.bin_kind)
        b_form.addRow(save_bin_button)

        pick_face = QGroupBox(_("Pick face of the bin above"))
        self.face_product = named(QLineEdit(), "faceProduct")
        self.face_min = spin("faceMin", 0)
        self.face_max = spin("faceMax", 1)
        form_rows(
            pick_face,
            (_("SKU"), self.face_product),
            (_("Refill below"), self.face_min),
            (_("Refill up to"), self.face_max),
            button(_("Save pick face"), "savePickFace", self.save_pick_face),
        )

        warehouse = QGroupBox(_("New warehouse"))
        w_form = QFormLayout(warehouse)
        self.new_warehouse = {}
        for key, label in (
            ("code", _("Code")),
            ("name", _("Name")),
            ("country", _("Country (2 letters)")),
            ("city", _("City")),
        ):
            edit = QLineEdit()
            edit.setObjectName(f"newWarehouse_{key}")
            self.new_warehouse[key] = edit
            w_form.addRow(label, edit)
        add_warehouse_button = QPushButton(_("Add warehouse"))
        add_warehouse_button.setObjectName("addWarehouse")
        add_warehouse_button.clicked.connect(self.add_new_warehouse)
        w_form.addRow(add_warehouse_button)

        threshold = QGroupBox(_("Low-stock threshold (this warehouse)"))
        self.threshold_product = named(QLineEdit(), "thresholdProduct")
        self.threshold_min = spin("thresholdMin", 0)
        self.threshold_pack = spin("thresholdPack", 1)
        form_rows(
            threshold,
            (_("SKU or barcode"), self.threshold_product),
            (_("Low below"), self.threshold_min),
            (_("Order in packs of"), self.threshold_pack),
            button(_("Save threshold"), "saveThreshold", self.save_threshold),
        )

        product = QGroupBox(_("Product barcode and handling"))
        p_form = QFormLayout(product)
        self.setup_product = QLineEdit()
        self.setup_product.setObjectName("setupProduct")
        self.setup_product.editingFinished.connect(self.load_product_setup)
        self.setup_barcode = QLineEdit()
        self.setup_barcode.setObjectName("setupBarcode")
        self.setup_fragile = QCheckBox(_("Fragile"))
        self.setup_high_value = QCheckBox(_("High value"))
        save_product = QPushButton(_("Save product"))
        save_product.setObjectName("saveProduct")
        save_product.clicked.connect(self.save_product)
        product_label = QPushButton(_("Print product label"))
        product_label.setObjectName("printProductLabel")
        product_label.clicked.connect(self.print_product_label)
        p_form.addRow(_("SKU"), self.setup_product)
        p_form.addRow(_("Barcode (empty: scan the SKU)"), self.setup_barcode)
        p_form.addRow(self.setup_fragile)
        p_form.addRow(self.setup_high_value)
        buttons = QHBoxLayout()
        buttons.addWidget(save_product)
        buttons.addWidget(product_label)
        p_form.addRow(buttons)

        column = QVBoxLayout()
        column.addWidget(threshold)
        column.addWidget(product)
        column.addWidget(warehouse)
        self.setup_message = tone_label("setupMessage", INFO)
        column.addWidget(self.setup_message)
        column.addStretch(1)
        middle = QVBoxLayout()
        middle.addWidget(one_bin)
        middle.addWidget(pick_face)
        middle.addStretch(1)
        outer.addWidget(bins, 3)
        outer.addLayout(middle, 3)
        outer.addLayout(column, 4)

    def import_bins(self, path: str | None = None) -> None:
        path = path or self._open_path(_("Import bins"))
        if not path:
            return
        self._setup(
            lambda uow: import_bins_csv(uow, self._actor, path),
            lambda r: _("{file}: {n} bins added or changed.").format(file=r.file_name, n=r.added),
        )

    def save_threshold(self) -> None:
        self._setup(
            lambda uow: set_reorder_rule(
                uow,
                self._actor,
                product=self.threshold_product.text(),
                warehouse=self.warehouse_id,  # type: ignore[arg-type]
                min_quantity=self.threshold_min.value(),
                pack_size=self.threshold_pack.value(),
            ),
            lambda _r: _("Threshold saved: {sku} is low below {n} in {w}.").format(
                sku=self.threshold_product.text().strip(),
                n=self.threshold_min.value(),
                w=self.warehouse_code,
            ),
        )

    def save_product(self) -> None:
        code = self.setup_product.text()
        try:
            with self._context.database.unit_of_work() as uow:
                set_product_barcode(uow, self._actor, code, self.setup_barcode.text())
            with self._context.database.unit_of_work() as uow:
                set_product_flags(
                    uow, self._actor, code, fragile=self.setup_fragile.isChecked(),
                    high_value=self.setup_high_value.isChecked(),
                )  # fmt: skip
        except OrderdeskError as error:
            say(self.setup_message, BAD, error_text(error))
            return
        say(self.setup_message, GOOD, _("{sku} saved.").format(sku=code.strip()))
        self._changed()

    def load_bins(self) -> None:
        if self.warehouse_id is None:
            return
        rows = self._read(queries.bins_of, self.warehouse_id)
        fill_table(
            self.bins_table,
            [
                (sequence, code, _(BIN_KIND_TEXT.get(kind, kind)), units)  # type: ignore[call-overload]
                for code, kind, sequence, units in rows
            ],
            right=(0, 3),
        )
        for row, (_code, kind, _sequence, _units) in enumerate(rows):
            self.bins_table.item(row, 2).setData(Qt.ItemDataRole.UserRole, kind)

    def _bin_chosen(self) -> None:
        """A bin picked in the list fills the bin form, to change its walk position or kind."""
        row = self.bins_table.currentRow()
        if row < 0 or self.bins_table.item(row, 1) is None:
            return
        self.bin_code_edit.setText(self.bins_table.item(row, 1).text())
        self.bin_walk.setValue(int(self.bins_table.item(row, 0).text()))
        kind = self.bins_table.item(row, 2).data(Qt.ItemDataRole.UserRole)
        index = self.bin_kind.findData(kind)
        if index >= 0:
            self.bin_kind.setCurrentIndex(index)

    def save_one_bin(self) -> None:
        self._setup(
            lambda uow: save_bin(
                uow,
                self._actor,
                warehouse=self.warehouse_id,  # type: ignore[arg-type]
                code=self.bin_code_edit.text(),
                pick_sequence=self.bin_walk.value(),
                kind=self.bin_kind.currentData(),
            ),
            lambda _r: _("Bin {code} saved at walk position {n}.").format(
                code=self.bin_code_edit.text().strip().upper(), n=self.bin_walk.value()
            ),
        )
        self.load_bins()

    def save_pick_face(self) -> None:
        self._setup(
            lambda uow: set_pick_face_rule(
                uow,
                self._actor,
                warehouse=self.warehouse_id,  # type: ignore[arg-type]
                bin_code=self.bin_code_edit.text(),
                product=self.face_product.text(),
                min_quantity=self.face_min.value(),
                max_quantity=self.face_max.value(),
            ),
            lambda _r: _("{bin} keeps {sku} between {a} and {b}.").format(
                bin=self.bin_code_edit.text().strip().upper(),
                sku=self.face_product.text().strip(),
                a=self.face_min.value(),
                b=self.face_max.value(),
            ),
        )

    def load_product_setup(self) -> None:
        """The product's barcode and flags as they stand, to change them."""
        code = self.setup_product.text().strip()
        if not code:
            return
        try:
            product = self._read(find_product, code)
        except OrderdeskError as error:
            say(self.setup_message, BAD, error_text(error))
            return
        self.setup_product.setText(product.sku)
        self.setup_barcode.setText(product.barcode or "")
        self.setup_fragile.setChecked(product.fragile)
        self.setup_high_value.setChecked(product.high_value)
        say(self.setup_message, INFO, f"{product.sku} · {product.name}")

    def add_new_warehouse(self) -> None:
        values = {key: edit.text() for key, edit in self.new_warehouse.items()}
        try:
            with self._context.database.unit_of_work() as uow:
                add_warehouse(
                    uow,
                    self._actor,
                    code=values["code"],
                    name=values["name"],
                    country_code=values["country"],
                    city=values["city"],
                )
        except OrderdeskError as error:
            say(self.setup_message, BAD, error_text(error))
            return
        code = values["code"].strip().upper()
        for edit in self.new_warehouse.values():
            edit.clear()
        say(
            self.setup_message,
            GOOD,
            _("Warehouse {code} added; choose it above to set up its bins.").format(code=code),
        )
        self._warehouses_changed()

    def print_product_label(self) -> None:
        try:
            codes = self._read(label_codes_for_product, self.setup_product.text())
        except OrderdeskError as error:
            say(self.setup_message, BAD, error_text(error))
            return
        self.print_labels([SmallLabel(LabelKind.PRODUCT, code, caption) for code, caption in codes])

    def selected_bins(self) -> set[str]:
        rows = {index.row() for index in self.bins_table.selectionModel().selectedRows()}
        return {self.bins_table.item(r, 1).text() for r in rows if self.bins_table.item(r, 1)}

    def print_bin_labels(self) -> None:
        """Labels for the bins selected in the list, or for every bin when none is."""
        if self.warehouse_id is None:
            return
        chosen = self.selected_bins()
        codes = self._read(label_codes_for_bins, self.warehouse_id)
        self.print_labels(
            [
                SmallLabel(LabelKind.BIN, code, caption)
                for code, caption in codes
                if not chosen or code in chosen
            ]
        )

    def print_labels(self, labels: list[SmallLabel]) -> None:
        if not labels:
            say(self.setup_message, WARN, _("There are no labels to print."))
            return
        pdf = render_small_labels_pdf(labels)
        try:
            printed = print_pdf(
                pdf,
                parent=self,
                settings=self._context.settings,
                store=self._context.store,
                ask=True,
                title=_("Labels"),
            )
        except RuntimeError as error:
            say(self.setup_message, BAD, _("The labels could not be printed: {error}").format(
                error=error))  # fmt: skip
            return
        if printed:
            say(
                self.setup_message,
                GOOD,
                ngettext("{n} label sent to the printer.", "{n} labels sent to the printer.",
                         len(labels)).format(n=len(labels)),
            )  # fmt: skip

    def _setup(self, work: Callable, said: Callable) -> None:
        try:
            with self._context.database.unit_of_work() as uow:
                result = work(uow)
        except OrderdeskError as error:
            say(self.setup_message, BAD, error_text(error))
            return
        say(self.setup_message, GOOD, said(result))
        self._changed()
