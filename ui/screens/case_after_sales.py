"""The case screen's after-sales part: the claim and its deadline, the reship shipments with
their warehouse status, and the case's returns — booked here by the agent with the reason
and the fee the policy allows, received and inspected by the warehouse (the verbs come from
``app.returns.model.RETURN_VERBS``: shown for the return's status, disabled with the reason
when the person's role may not run them). Also the dialog for a marketplace or carrier claim.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.cases.claims import CLAIM_WORDS, ClaimKind
from app.cases.service import ClaimDraft
from app.errors import InvalidInput, OrderdeskError
from app.i18n import N_, _
from app.money import display_money, parse_amount
from app.numbers import entity_number, parse_number
from app.returns.model import (
    BOOK_PERMISSION,
    REASON_WORDS,
    RETURN_VERBS,
    STATUS_WORDS,
    ReturnReason,
    ReturnStatus,
    return_why_not,
)
from app.workflow import ShipmentStatus
from ui.desk_screen import DeskContext
from ui.errors import error_text
from ui.style import BAD, GOOD, SPACE_S, WARN
from ui.widgets.display import local_datetime
from ui.widgets.form import ok_cancel
from ui.widgets.simple_table import say

SHIPMENT_WORDS = {
    ShipmentStatus.PENDING: N_("waiting for the warehouse"),
    ShipmentStatus.PICKING: N_("being picked"),
    ShipmentStatus.PICKED: N_("picked"),
    ShipmentStatus.PACKED: N_("packed"),
    ShipmentStatus.SHIPPED: N_("shipped"),
    ShipmentStatus.IN_TRANSIT: N_("in transit"),
    ShipmentStatus.OUT_FOR_DELIVERY: N_("out for delivery"),
    ShipmentStatus.DELIVERED: N_("delivered"),
}


def after_sales_lines(detail, now: dt.datetime, countdown) -> list[str]:
    """The claim, the reships and the returns of a case, one line each."""
    row = detail.row
    lines = []
    if row.claim_kind and row.claim_due_at:
        lines.append(
            _("{claim} {reference}: answer by {due} ({left})").format(
                claim=_(CLAIM_WORDS[ClaimKind(row.claim_kind)]),
                reference=detail.claim_reference or "",
                due=local_datetime(row.claim_due_at),
                left=countdown(row.claim_due_at, now),
            )
        )
    # A replacement's shipment is kept as the case's reship: the resolution tells them apart.
    words = (
        N_("Replacement {shipment} at no charge: {status}")
        if detail.resolution == "replacement"
        else N_("Reship {shipment} at no charge: {status}")
    )
    for reship in detail.reships:
        lines.append(
            _(words).format(
                shipment=reship.shipment, status=_(SHIPMENT_WORDS.get(reship.status, reship.status))
            )
        )
    for ret in detail.returns:
        units = ", ".join(f"{line.quantity} × {line.sku}" for line in ret.lines)
        text = _("{ret} ({reason}): {units} · fee {fee} · {status}").format(
            ret=ret.number,
            reason=_(REASON_WORDS[ReturnReason(ret.reason)]),
            units=units,
            fee=display_money(ret.fee_cents, ret.currency),
            status=_(STATUS_WORDS[ReturnStatus(ret.status)]),
        )
        if ret.status == ReturnStatus.INSPECTED:
            back = sum(line.resellable for line in ret.lines)
            off = sum(line.written_off for line in ret.lines)
            text += " · " + _("{back} back to stock, {off} written off").format(back=back, off=off)
        if ret.refund:
            text += " · " + _("refund {refund} requested").format(refund=ret.refund)
        lines.append(text)
    return lines


class ReturnPanel(QWidget):
    """Book a return for the case's order; receive, inspect or cancel its latest return."""

    changed = Signal()

    def __init__(self, context: DeskContext, message: QLabel, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("returnPanel")
        self._context = context
        self._message = message
        self._detail = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        booking = QHBoxLayout()
        self.reason = QComboBox()
        self.reason.setObjectName("returnReason")
        for code, words in REASON_WORDS.items():
            self.reason.addItem(_(words), str(code))
        self.fee = QLineEdit()
        self.fee.setObjectName("returnFee")
        self.fee.setPlaceholderText("0.00")
        self.fee.setMaximumWidth(90)
        self.book_button = QPushButton(_("Book return"))
        self.book_button.setObjectName("bookReturn")
        self.book_button.clicked.connect(self.book)
        booking.addWidget(QLabel(_("Return:")))
        booking.addWidget(self.reason)
        booking.addWidget(QLabel(_("Fee:")))
        booking.addWidget(self.fee)
        booking.addWidget(self.book_button)
        booking.addStretch(1)
        verbs = QHBoxLayout()
        self.damaged = QSpinBox()
        self.damaged.setObjectName("returnDamaged")
        self.damaged.setRange(0, 999)
        self.verb_buttons: dict[str, QPushButton] = {}
        for verb in RETURN_VERBS.values():
            button = QPushButton(_(verb.label))
            button.setObjectName(f"return_{verb.name}")
            button.clicked.connect(lambda _c=False, name=verb.name: self.run(name))
            self.verb_buttons[verb.name] = button
            verbs.addWidget(button)
        self.damaged_label = QLabel(_("Damaged units:"))
        verbs.addWidget(self.damaged_label)
        verbs.addWidget(self.damaged)
        verbs.addStretch(1)
        self.why_not = QLabel()
        self.why_not.setObjectName("returnWhyNot")
        self.why_not.setWordWrap(True)
        layout.addLayout(booking)
        layout.addLayout(verbs)
        layout.addWidget(self.why_not)

    def show_detail(self, detail) -> None:
        self._detail = detail
        has_order = bool(detail and detail.row.order)
        self.book_button.setEnabled(has_order and self._context.actor.may(BOOK_PERMISSION))
        latest = detail.returns[0] if detail and detail.returns else None
        reasons = []
        for name, button in self.verb_buttons.items():
            verb = RETURN_VERBS[name]
            shown = latest is not None and latest.status in verb.from_states
            button.setVisible(shown)
            why = return_why_not(verb, latest.status, self._context.actor) if shown else ""
            button.setEnabled(shown and not why)
            if shown and why:
                status = _(STATUS_WORDS[ReturnStatus(latest.status)])
                reasons.append(f"{_(verb.label)}: {_(why).format(status=status)}")
        inspecting = latest is not None and latest.status == ReturnStatus.RECEIVED
        self.damaged.setVisible(inspecting)
        self.damaged_label.setVisible(inspecting)
        self.why_not.setText("\n".join(reasons))

    def book(self) -> None:
        from app.returns.service import book_return

        detail = self._detail
        if detail is None or not detail.row.order:
            return
        order_id = parse_number(detail.row.order)[1]
        try:
            currency = detail.returns[0].currency if detail.returns else None
            fee = self._fee_cents(order_id, currency)
            return_id = book_return(self._context.database, self._context.actor, order_id,
                                    self.reason.currentData(), fee_cents=fee,
                                    case_id=detail.row.id)  # fmt: skip
        except OrderdeskError as error:
            say(self._message, BAD, error_text(error))
            return
        self.fee.clear()
        say(self._message, GOOD, _("{ret} booked: the customer sends the goods back.").format(
            ret=entity_number("return", return_id)))  # fmt: skip
        self.changed.emit()

    def _fee_cents(self, order_id: int, currency: str | None) -> int:
        text = self.fee.text().strip()
        if not text:
            return 0
        if currency is None:
            from app.refunds.queries import order_currency

            currency = order_currency(self._context.database, order_id)
        return parse_amount(text, currency, N_("fee"))

    def run(self, name: str) -> None:
        from app.returns import service

        detail = self._detail
        if detail is None or not detail.returns:
            return
        latest = detail.returns[0]
        database, actor = self._context.database, self._context.actor
        try:
            if name == "receive":
                service.receive_return(database, actor, latest.id)
            elif name == "cancel":
                service.cancel_return(database, actor, latest.id)
            else:
                service.inspect_return(database, actor, latest.id, damaged=self._damaged(latest))
        except OrderdeskError as error:
            say(self._message, BAD, error_text(error))
            return
        say(self._message, GOOD, _("{ref}: done.").format(ref=latest.number))
        self.damaged.setValue(0)
        self.changed.emit()

    def _damaged(self, ret) -> dict[int, int]:
        """The damaged units counted, taken from the return's lines in order."""
        left, out = self.damaged.value(), {}
        for line in ret.lines:
            take = min(left, line.quantity)
            if take:
                out[line.order_line_id] = take
            left -= take
        return out


class ClaimDialog(QDialog):
    """An A-to-z Guarantee, SAFE-T or carrier claim, typed from the notice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New claim"))
        form = QFormLayout(self)
        self.kind = QComboBox()
        self.kind.setObjectName("claimKind")
        for code, words in CLAIM_WORDS.items():
            self.kind.addItem(_(words), str(code))
        self.about = QLineEdit()
        self.about.setObjectName("claimAbout")
        self.about.setPlaceholderText("SO-000123 / SH-000123")
        self.reference = QLineEdit()
        self.reference.setObjectName("claimReference")
        self.due = QLineEdit()
        self.due.setObjectName("claimDue")
        self.due.setPlaceholderText("2026-11-30T18:00+01:00")
        self.body = QPlainTextEdit()
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.hide()
        form.addRow(_("Claim:"), self.kind)
        form.addRow(_("Order or shipment:"), self.about)
        form.addRow(_("Claim number:"), self.reference)
        form.addRow(_("Answer by (if the claim says):"), self.due)
        form.addRow(_("What the claim says:"), self.body)
        form.addRow(self.problem)
        form.addRow(ok_cancel(self))

    def draft(self) -> ClaimDraft:
        about = self.about.text().strip()
        parsed = parse_number(about)
        if parsed is None or parsed[0] not in ("order", "shipment"):
            raise InvalidInput(N_("order"), about, N_("an order or shipment number"))
        due = None
        if self.due.text().strip():
            try:
                due = dt.datetime.fromisoformat(self.due.text().strip())
            except ValueError:
                due = None
            if due is None or due.tzinfo is None:
                raise InvalidInput(N_("answer by"), self.due.text(), N_("a time with its offset"))
        return ClaimDraft(
            kind=self.kind.currentData(),
            reference=self.reference.text(),
            order_id=parsed[1] if parsed[0] == "order" else None,
            shipment_id=parsed[1] if parsed[0] == "shipment" else None,
            stated_due_at=due,
            body=self.body.toPlainText(),
        )

    def show_problem(self, text: str) -> None:
        say(self.problem, WARN, text)
