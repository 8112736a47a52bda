"""Finance's refund desk: refunds customer service requested, decided and paid here.

Left, the refunds newest first (filter by status), each with its order's balance. Right,
the refund chosen: amount, reason, who asked, the decision so far, and the order's balance
(paid, being refunded, refunded, left to give back) beside it. The verbs come from the
declaration in ``app.refunds.model`` (``REFUND_VERBS``): the refund's status decides which are
shown, and one that cannot run (the role, or approving one's own request) is disabled with
the reason beside it. Rejecting needs a reason, paying needs the payment reference (Amazon's
adjustment id for Amazon orders); the service refuses without them too. The list follows
other desks by itself (``ui/live.py``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import N_, _, ngettext
from app.money import display_money
from app.refunds.desk import PAGE, RefundDeskRow, refund_desk_page, refund_verb_states
from app.refunds.model import REFUND_VERBS, RefundStatus
from app.refunds.service import REFUNDS, STATUS_WORDS, decide
from ui.actions import make_action
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text
from ui.live import ANY, LiveChanges
from ui.style import BAD, GOOD, INFO, SPACE_M, SPACE_S
from ui.widgets.display import local_datetime
from ui.widgets.simple_table import fill_table, say, simple_table
from ui.widgets.verb_bar import VerbBar, key_text

LIST_COLUMNS = (N_("Refund"), N_("Order"), N_("Amount"), N_("Status"), N_("Left to refund"))
LIST_WIDTHS = (90, 90, 85, 80, 100)
STATUS_FILTERS = (
    ("", N_("All refunds")),
    (RefundStatus.REQUESTED, N_("Requested")),
    (RefundStatus.APPROVED, N_("Approved")),
    (RefundStatus.REJECTED, N_("Rejected")),
    (RefundStatus.PAID, N_("Paid")),
)
SHORTCUTS = {"approve": "Alt+A", "reject": "Alt+R", "pay": "Alt+P"}


@dataclass(frozen=True)
class _Declared:
    key: str
    label: str
    shortcut: str


@dataclass(frozen=True)
class _Shown:
    key: str
    label: str
    enabled: bool
    why_not: str


class RefundsScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("refundsScreen")
        self._context = context
        self.rows: list[RefundDeskRow] = []
        self.current: RefundDeskRow | None = None
        self._build()
        self._refresh_action = make_action(self, _("Refresh"), "F5", self.reload)
        self.live = context.live or LiveChanges(context.database, self)
        self.live.changed.connect(self._live_changed)
        self.retranslate()
        self.reload()

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
        outer.setSpacing(SPACE_S)
        top = QHBoxLayout()
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("refundStatusFilter")
        for code, _words in STATUS_FILTERS:
            self.status_filter.addItem("", str(code))
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.count_label = QLabel()
        self.count_label.setObjectName("refundCount")
        top.addWidget(self.status_filter)
        top.addStretch(1)
        top.addWidget(self.count_label)
        outer.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = simple_table("refundList", [_(c) for c in LIST_COLUMNS], LIST_WIDTHS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        split.addWidget(self.table)
        split.addWidget(self._build_detail())
        split.setSizes([540, 600])
        outer.addWidget(split, 1)
        self.message = QLabel()
        self.message.setObjectName("refundMessage")
        self.message.setWordWrap(True)
        self.message.hide()
        outer.addWidget(self.message)

    def _build_detail(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        self.title = QLabel()
        self.title.setObjectName("refundTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.facts = QLabel()
        self.facts.setObjectName("refundFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.balance = QLabel()
        self.balance.setObjectName("refundBalance")
        self.balance.setWordWrap(True)
        self.balance.setTextFormat(Qt.TextFormat.PlainText)
        self.balance.setStyleSheet(
            f"background: {INFO.background}; color: {INFO.foreground}; padding: 6px;"
        )
        form = QFormLayout()
        self.reason_label = QLabel()
        self.reason = QLineEdit()
        self.reason.setObjectName("refundDecisionReason")
        self.reference_label = QLabel()
        self.reference = QLineEdit()
        self.reference.setObjectName("refundPaymentReference")
        self.reference.setMaxLength(80)
        form.addRow(self.reason_label, self.reason)
        form.addRow(self.reference_label, self.reference)
        declared = [
            _Declared(verb.name, verb.label, SHORTCUTS[verb.name]) for verb in REFUND_VERBS.values()
        ]
        handlers = {name: (lambda name=name: self.run_verb(name)) for name in REFUND_VERBS}
        self.verbs = VerbBar(self, declared, handlers, "refund")
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addWidget(self.balance)
        layout.addLayout(form)
        layout.addWidget(self.verbs)
        layout.addWidget(self.verbs.why_not_label)
        layout.addStretch(1)
        return box

    # ----------------------------------------------------------------- DeskScreen

    def desk_actions(self) -> list[QAction]:
        return [self._refresh_action, *self.verbs.actions.values()]

    def focus_primary(self) -> None:
        self.table.setFocus()

    def retranslate(self) -> bool:
        for index, (_code, words) in enumerate(STATUS_FILTERS):
            self.status_filter.setItemText(index, _(words))
        self.table.setHorizontalHeaderLabels([_(c) for c in LIST_COLUMNS])
        self.reason_label.setText(_("Reason (to reject):"))
        self.reason.setPlaceholderText(_("Why the refund is rejected"))
        self.reference_label.setText(_("Payment reference:"))
        self.reference.setPlaceholderText(
            _("Bank transfer or card refund id; Amazon's adjustment id for Amazon orders")
        )
        self._refresh_action.setText(_("Refresh"))
        for key, action in self.verbs.actions.items():
            action.setText(_(REFUND_VERBS[key].label))
            action.setIconText(f"{_(REFUND_VERBS[key].label)}  {key_text(SHORTCUTS[key])}")
        self._fill_list()
        self._show_current()
        return True

    # ----------------------------------------------------------------- the list

    def reload(self) -> None:
        selected = self.current.id if self.current else None
        self.rows = self._context.database.read(
            refund_desk_page, status=self.status_filter.currentData() or None, limit=PAGE
        )
        self._fill_list()
        chosen = next((i for i, r in enumerate(self.rows) if r.id == selected), None)
        if chosen is None and self.rows:
            chosen = 0
        if chosen is None:
            self.current = None
            self._show_current()
        else:
            self.table.selectRow(chosen)
            self.current = self.rows[chosen]
            self._show_current()

    def _fill_list(self) -> None:
        fill_table(
            self.table,
            [
                (
                    row.number,
                    row.order,
                    display_money(row.amount_cents, row.currency),
                    _(STATUS_WORDS[RefundStatus(row.status)]),
                    display_money(row.balance.available_cents, row.balance.currency),
                )
                for row in self.rows
            ],
            right=(2, 4),
        )
        shown = len(self.rows)
        self.count_label.setText(
            _("{n} refunds shown (the newest {page})").format(n=shown, page=PAGE)
            if shown == PAGE
            else ngettext("{n} refund", "{n} refunds", shown).format(n=shown)
        )

    def _selection_changed(self) -> None:
        index = self.table.currentRow()
        if 0 <= index < len(self.rows) and self.rows[index] is not self.current:
            self.current = self.rows[index]
            self.message.hide()
            self._show_current()

    def _live_changed(self, topic: str) -> None:
        if topic in (REFUNDS, ANY):
            self.reload()

    def select(self, number: str) -> None:
        """Choose the refund ``number`` (RF-…) in the list."""
        for index, row in enumerate(self.rows):
            if row.number == number:
                self.table.selectRow(index)
                self.current = row
                self._show_current()
                return

    # ----------------------------------------------------------------- one refund

    def _show_current(self) -> None:
        row = self.current
        if row is None:
            self.title.setText(
                _("No refund to decide. Customer service requests refunds at the Cases desk.")
                if not self.rows
                else _("Choose a refund on the left.")
            )
            self.facts.clear()
            self.balance.hide()
            self.verbs.show_states([])
            return
        self.title.setText(
            _("{refund} · order {order} · {amount}").format(
                refund=row.number,
                order=row.order,
                amount=display_money(row.amount_cents, row.currency),
            )
        )
        lines = [
            _("Status: {status}").format(status=_(STATUS_WORDS[RefundStatus(row.status)])),
            _("Requested by {who} on {when}").format(
                who=row.requested_by or "–", when=local_datetime(row.requested_at)
            ),
            _("Reason: {reason}").format(reason=row.reason),
        ]
        if row.decision_note:
            lines.append(_("Decision note: {note}").format(note=row.decision_note))
        if row.payment_reference:
            lines.append(
                _("Payment reference: {reference}").format(reference=row.payment_reference)
            )
        self.facts.setText("\n".join(lines))
        b = row.balance
        self.balance.setText(
            _(
                "Order {order}: paid {paid} · being refunded {refunding} · refunded {refunded}"
                " · left to refund {available}"
            ).format(
                order=row.order,
                paid=display_money(b.paid_cents, b.currency),
                refunding=display_money(b.refunding_cents, b.currency),
                refunded=display_money(b.refunded_cents, b.currency),
                available=display_money(b.available_cents, b.currency),
            )
        )
        self.balance.show()
        states = refund_verb_states(row, self._context.actor)
        self.verbs.show_states(
            _Shown(s.key, _(s.label), s.enabled, _(s.why_not) if s.why_not else "") for s in states
        )
        if not states:  # said, so an empty bar is not taken for a fault
            self.verbs.why_not_label.setText(
                _("Nothing is left to decide on a refund that is {status}.").format(
                    status=_(STATUS_WORDS[RefundStatus(row.status)])
                )
            )
            self.verbs.why_not_label.show()

    def run_verb(self, name: str) -> bool:
        """Run ``name`` on the chosen refund with the typed reason or reference."""
        row = self.current
        if row is None:
            return False
        try:
            decide(
                self._context.database,
                self._context.actor,
                row.id,
                name,
                note=self.reason.text(),
                reference=self.reference.text(),
                expected_version=row.version,
            )
        except OrderdeskError as error:
            say(self.message, BAD, error_text(error))
            self.reload()
            return False
        said = {
            "approve": _("{refund} approved: it can now be paid."),
            "reject": _("{refund} rejected; its amount counts for the order again."),
            "pay": _("{refund} paid, reference {reference}."),
        }[name]
        say(
            self.message,
            GOOD,
            said.format(refund=row.number, reference=self.reference.text().strip()),
        )
        self.reason.clear()
        self.reference.clear()
        self.reload()
        return True
