"""The block list, for supervisors: the entries standing now (or every entry, lifted ones
too), an e-mail address or phone number blocked by hand with a reason, and an entry lifted
with a reason. Review holds a matching buyer's order however the identifier was typed (the
keys are made by ``app.review.keys``). The screen calls ``app.review.blocklist``; the
service checks the permission again and writes the audit events.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import N_, _, ngettext
from app.review.blocklist import (
    KINDS,
    BlockRow,
    add_block_entry,
    lift_block_entry,
    list_block_entries,
)
from ui.actions import make_action
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text
from ui.style import BAD, GOOD, SPACE_M, SPACE_S
from ui.widgets.simple_table import fill_table, say, simple_table

# The reason is last: it is the long one and takes what width is left.
COLUMNS = (N_("Entry"), N_("Kind"), N_("Blocked"), N_("By"), N_("Standing"), N_("Reason"))
WIDTHS = (60, 100, 260, 100, 80, 300)
KIND_WORDS = {
    "email": N_("E-mail"),
    "phone": N_("Phone"),
    "customer": N_("Customer"),
    "address": N_("Address"),
}
LIMIT = 500


class BlockListScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("blockListScreen")
        self._context = context
        self.rows: list[BlockRow] = []
        self._build()
        self._add_action = make_action(self, _("Block"), "Ctrl+B", self.add_entry)
        self._refresh_action = make_action(self, _("Refresh"), "F5", self.reload)
        self.retranslate()
        self.reload()

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
        outer.setSpacing(SPACE_S)
        top = QHBoxLayout()
        self.show_lifted = QCheckBox()
        self.show_lifted.setObjectName("showLifted")
        self.show_lifted.toggled.connect(lambda _on: self.reload())
        self.count_label = QLabel()
        self.count_label.setObjectName("blockCount")
        top.addWidget(self.show_lifted)
        top.addStretch(1)
        top.addWidget(self.count_label)
        outer.addLayout(top)
        self.table = simple_table("blockList", [_(c) for c in COLUMNS], WIDTHS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        outer.addWidget(self.table, 1)

        forms = QHBoxLayout()
        self.add_box = QGroupBox()
        add_form = QFormLayout(self.add_box)
        self.kind = QComboBox()
        self.kind.setObjectName("blockKind")
        for kind in KINDS:
            self.kind.addItem("", kind)
        self.value = QLineEdit()
        self.value.setObjectName("blockValue")
        self.country = QLineEdit()
        self.country.setObjectName("blockCountry")
        self.country.setMaxLength(2)
        self.country.setMaximumWidth(60)
        self.add_reason = QLineEdit()
        self.add_reason.setObjectName("blockReason")
        self.add_button = QPushButton()
        self.add_button.setObjectName("blockAdd")
        self.add_button.clicked.connect(lambda: self.add_entry())
        self.kind_label, self.value_label = QLabel(), QLabel()
        self.country_label, self.add_reason_label = QLabel(), QLabel()
        add_form.addRow(self.kind_label, self.kind)
        add_form.addRow(self.value_label, self.value)
        add_form.addRow(self.country_label, self.country)
        add_form.addRow(self.add_reason_label, self.add_reason)
        add_form.addRow(self.add_button)

        self.lift_box = QGroupBox()
        lift_form = QFormLayout(self.lift_box)
        self.chosen = QLabel()
        self.chosen.setObjectName("liftChosen")
        self.chosen.setWordWrap(True)
        self.lift_reason = QLineEdit()
        self.lift_reason.setObjectName("liftReason")
        self.lift_button = QPushButton()
        self.lift_button.setObjectName("blockLift")
        self.lift_button.clicked.connect(lambda: self.lift_entry())
        self.lift_reason_label = QLabel()
        lift_form.addRow(self.chosen)
        lift_form.addRow(self.lift_reason_label, self.lift_reason)
        lift_form.addRow(self.lift_button)
        forms.addWidget(self.add_box, 1)
        forms.addWidget(self.lift_box, 1)
        outer.addLayout(forms)
        self.message = QLabel()
        self.message.setObjectName("blockMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)

    # ----------------------------------------------------------------- DeskScreen

    def desk_actions(self) -> list[QAction]:
        return [self._add_action, self._refresh_action]

    def focus_primary(self) -> None:
        self.value.setFocus()

    def retranslate(self) -> bool:
        self.show_lifted.setText(_("Show lifted entries too"))
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        for index, kind in enumerate(KINDS):
            self.kind.setItemText(index, _(KIND_WORDS[kind]))
        self.add_box.setTitle(_("Block an e-mail address or phone number"))
        self.kind_label.setText(_("Kind:"))
        self.value_label.setText(_("E-mail or phone:"))
        self.country_label.setText(_("Country (for a phone without +code):"))
        self.add_reason_label.setText(_("Reason:"))
        self.add_reason.setPlaceholderText(_("Why it is blocked (kept in the audit trail)"))
        self.add_button.setText(_("Block (Ctrl+B)"))
        self.lift_box.setTitle(_("Lift the chosen entry"))
        self.lift_reason_label.setText(_("Reason:"))
        self.lift_reason.setPlaceholderText(_("Why it is lifted (kept in the audit trail)"))
        self.lift_button.setText(_("Lift"))
        self._add_action.setText(_("Block"))
        self._refresh_action.setText(_("Refresh"))
        self._fill()
        self._selection_changed()
        return True

    # ----------------------------------------------------------------- list

    def reload(self) -> None:
        self.rows = list_block_entries(
            self._context.database, active_only=not self.show_lifted.isChecked(), limit=LIMIT
        )
        self._fill()
        self._selection_changed()

    def _fill(self) -> None:
        fill_table(
            self.table,
            [
                (
                    row.id,
                    _(KIND_WORDS.get(row.kind, row.kind)),
                    row.shown,
                    row.added_by,
                    _("standing") if row.active else _("lifted"),
                    row.reason,
                )
                for row in self.rows
            ],
            right=(0,),
        )
        for index, row in enumerate(self.rows):
            if not row.active:
                for column in range(self.table.columnCount()):
                    self.table.item(index, column).setForeground(Qt.GlobalColor.darkGray)
        shown = len(self.rows)
        self.count_label.setText(
            ngettext("{n} entry", "{n} entries", shown).format(n=shown)
            if shown
            else _("The block list is empty: block an e-mail or phone number below.")
        )

    def _chosen(self) -> BlockRow | None:
        index = self.table.currentRow()
        return self.rows[index] if 0 <= index < len(self.rows) else None

    def _selection_changed(self) -> None:
        row = self._chosen()
        if row is None:
            self.chosen.setText(_("Choose an entry in the list to lift it."))
        elif not row.active:
            self.chosen.setText(_("{shown} is already lifted.").format(shown=row.shown))
        else:
            self.chosen.setText(
                _("{kind} {shown}, blocked because: {reason}").format(
                    kind=_(KIND_WORDS.get(row.kind, row.kind)), shown=row.shown, reason=row.reason
                )
            )
        self.lift_button.setEnabled(row is not None and row.active)

    def select(self, shown: str) -> None:
        for index, row in enumerate(self.rows):
            if row.shown == shown:
                self.table.selectRow(index)
                return

    # ----------------------------------------------------------------- verbs

    def add_entry(self) -> bool:
        value = self.value.text().strip()
        try:
            add_block_entry(
                self._context.database,
                self._context.actor,
                self.kind.currentData(),
                value,
                self.add_reason.text(),
                country=self.country.text().strip().upper(),
            )
        except OrderdeskError as error:
            say(self.message, BAD, error_text(error))
            return False
        say(self.message, GOOD, _("{value} is blocked.").format(value=value))
        self.value.clear()
        self.add_reason.clear()
        self.reload()
        self.select(value)
        return True

    def lift_entry(self) -> bool:
        row = self._chosen()
        if row is None:
            return False
        try:
            lift_block_entry(
                self._context.database, self._context.actor, row.id, self.lift_reason.text()
            )
        except OrderdeskError as error:
            say(self.message, BAD, error_text(error))
            return False
        say(self.message, GOOD, _("{value} is no longer blocked.").format(value=row.shown))
        self.lift_reason.clear()
        self.reload()
        return True
