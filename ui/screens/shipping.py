"""The hand-over desk, scanner-first: the carrier's driver is at the door, each parcel's
label is scanned (its shipment number or tracking number) and the parcel is handed over.

The scan field keeps the keyboard; each scan's result is a line in words with a symbol and
a colour (a cancelled or already shipped shipment is refused in red, loudly, with a beep),
never a dialog. Below, this session's hand-overs, newest first, and the count per carrier.
The day's manifest per carrier is saved as PDF and CSV (Ctrl+M).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import _, ngettext
from app.labels.manifest import render_manifest_csv, render_manifest_pdf
from app.shipping.documents import carriers_in_use, manifests_for_day
from app.shipping.model import HandOver
from app.shipping.service import hand_over
from ui.actions import make_action
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text
from ui.style import BAD, GOOD, INFO, SPACE_M, WARN
from ui.widgets.display import status_text
from ui.widgets.scan_field import ScanField
from ui.widgets.simple_table import simple_table


def _columns() -> list[str]:
    return [_("Time"), _("Shipment"), _("Parcel"), _("Carrier"), _("Tracking number"),
            _("Order")]  # fmt: skip


class ShippingScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("shippingScreen")
        self._context = context
        self.handed: list[HandOver] = []
        self.refused_scans = 0
        self._build()
        self._manifest_action = make_action(
            self, _("Save the day's manifest…"), "Ctrl+M", self.save_manifest
        )
        self.retranslate()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
        outer.setSpacing(SPACE_M)
        self.scan = ScanField("handOverScan")
        self.scan.scanned.connect(self.scanned)
        self.scan.escaped.connect(self.scan.clear_feedback)
        outer.addWidget(self.scan)
        self.counts = QLabel()
        self.counts.setObjectName("handOverCounts")
        outer.addWidget(self.counts)
        self.table = simple_table("handOverTable", _columns(), (90, 110, 70, 130, 220, 110))
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        outer.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.carrier_label = QLabel()
        row.addWidget(self.carrier_label)
        self.carrier_combo = QComboBox()
        self.carrier_combo.setObjectName("manifestCarrier")
        self.carrier_combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for code, name in carriers_in_use(self._context.database.unit_of_work()):
            self.carrier_combo.addItem(name, code)
        row.addWidget(self.carrier_combo)
        self.manifest_button = QPushButton()
        self.manifest_button.setObjectName("saveManifest")
        self.manifest_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.manifest_button.clicked.connect(lambda: self.save_manifest())
        row.addWidget(self.manifest_button)
        row.addStretch(1)
        outer.addLayout(row)

    # ----------------------------------------------------------------- DeskScreen

    def desk_actions(self) -> list[QAction]:
        return [self._manifest_action]

    def focus_primary(self) -> None:
        self.scan.take_focus()

    def retranslate(self) -> bool:
        self.scan.set_instruction(_("Scan each parcel's label as the carrier takes it"))
        self.scan.set_placeholder(_("Shipment number (SH-…) or tracking number"))
        self.table.setHorizontalHeaderLabels(_columns())
        self.carrier_label.setText(_("Manifest for:"))
        self.manifest_button.setText(_("Save the day's manifest… (Ctrl+M)"))
        self._manifest_action.setText(_("Save the day's manifest…"))
        self._show_counts()
        return True

    # ----------------------------------------------------------------- scanning

    def scanned(self, code: str) -> None:
        code = code.strip()
        if not code:
            return
        try:
            done = hand_over(self._context.database.unit_of_work(), self._context.actor, code)
        except OrderdeskError as error:  # the message names the state loudly (CANCELLED …)
            self.refused_scans += 1
            self.scan.say(BAD, error_text(error))
            return
        self.handed.insert(0, done)
        self._add_row(done)
        self._show_counts()
        self.scan.say(*self._result_words(done))

    def _result_words(self, done: HandOver):
        parcel = _("{shipment} parcel {index} of {count} handed over to {carrier}.").format(
            shipment=done.shipment_number,
            index=done.parcel_index,
            count=done.parcel_count,
            carrier=done.carrier or "?",
        )
        if not done.shipment_shipped:
            left = ngettext(
                "{left} more parcel of this shipment to scan.",
                "{left} more parcels of this shipment to scan.",
                done.parcels_left,
            ).format(left=done.parcels_left)
            return WARN, f"{parcel} {left}"
        shipped = _("Shipment shipped; order {order} is {status}.").format(
            order=done.order_number, status=status_text(done.order_status)
        )
        return GOOD, f"{parcel} {shipped}"

    def _add_row(self, done: HandOver) -> None:
        self.table.insertRow(0)
        local = done.handed_over_at.astimezone().strftime("%H:%M:%S")
        cells = (
            local,
            done.shipment_number,
            f"{done.parcel_index}/{done.parcel_count}",
            done.carrier or "",
            done.tracking_number or "",
            done.order_number,
        )
        for column, text in enumerate(cells):
            self.table.setItem(0, column, QTableWidgetItem(text))

    def _show_counts(self) -> None:
        if not self.handed:
            self.counts.setText(_("Nothing handed over at this desk yet."))
            return
        per: dict[str, int] = {}
        for done in self.handed:
            per[done.carrier or "?"] = per.get(done.carrier or "?", 0) + 1
        parts = " · ".join(f"{name} {count}" for name, count in sorted(per.items()))
        self.counts.setText(
            ngettext(
                "{count} parcel handed over here: {parts}",
                "{count} parcels handed over here: {parts}",
                len(self.handed),
            ).format(count=len(self.handed), parts=parts)
        )

    # ----------------------------------------------------------------- manifest

    def save_manifest(self, path: str | None = None) -> list[Path]:
        """The chosen carrier's manifest of today as PDF and CSV; ``path`` skips the dialog
        (tests, scripts). Returns the files written."""
        code = self.carrier_combo.currentData()
        if code is None:
            return []
        today = dt.date.today()
        if path is None:
            path, _filter = QFileDialog.getSaveFileName(
                self, _("Save the day's manifest"), f"manifest-{code}-{today}.pdf", "PDF (*.pdf)"
            )
            if not path:
                self.scan.take_focus()
                return []
        local = dt.datetime.now().astimezone().tzinfo
        try:
            docs = manifests_for_day(self._context.database.unit_of_work(), code, today, local)
        except OrderdeskError as error:
            self.scan.say(BAD, error_text(error))
            return []
        written: list[Path] = []
        base = Path(path)
        for index, doc in enumerate(docs):
            target = base if len(docs) == 1 else base.with_stem(f"{base.stem}-{index + 1}")
            target.with_suffix(".pdf").write_bytes(render_manifest_pdf(doc))
            target.with_suffix(".csv").write_bytes(render_manifest_csv(doc))
            written += [target.with_suffix(".pdf"), target.with_suffix(".csv")]
        parcels = sum(len(doc.parcels) for doc in docs)
        if docs:
            self.scan.say(
                INFO,
                _("{parcels} on {manifests}: {files}").format(
                    parcels=ngettext("{n} parcel", "{n} parcels", parcels).format(n=parcels),
                    manifests=ngettext("{n} manifest", "{n} manifests", len(docs)).format(
                        n=len(docs)
                    ),
                    files=", ".join(str(p) for p in written),
                ),
            )
        else:
            self.scan.say(WARN, _("No parcel was handed over to {carrier} today.").format(
                carrier=self.carrier_combo.currentText()))  # fmt: skip
        self.scan.take_focus()
        return written
