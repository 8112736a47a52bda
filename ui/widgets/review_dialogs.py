"""The review desk's dialogs: correct the contact, the customer's stock answer, a new
payment, a hold until the call-back. Each returns plain values for a service call; what a
person typed can be given back (``draft``) when the action has to be tried again.
"""

import datetime as dt

from PySide6.QtCore import QDateTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QFormLayout,
    QLineEdit,
    QWidget,
)

from app.address import PostalAddress
from app.i18n import N_, _
from app.review.detail import ReviewDetail
from app.review.service import ContactCorrection, NewPayment
from ui.widgets.form import ok_cancel

# --------------------------------------------------------------------------- dialogs


class ContactDialog(QDialog):
    """The ship-to as it stands; what the person changes is sent, validated by the service."""

    # (the correction's field, the address part it corrects, its label)
    FIELDS = (
        ("phone", "phone", N_("Phone")),
        ("name", "recipient", N_("Recipient")),
        ("line1", "line1", N_("Street")),
        ("line2", "line2", N_("Street (2)")),
        ("city", "city", N_("City")),
        ("region", "region", N_("Region")),
        ("postal_code", "postal_code", N_("Postal code")),
        ("country", "country_code", N_("Country (2 letters)")),
    )

    def __init__(
        self,
        ship: PostalAddress,
        parent: QWidget | None = None,
        draft: ContactCorrection | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Correct phone and address"))
        self._was: dict[str, str] = {}
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit] = {}
        typed = {k: v for k, v in vars(draft).items() if v is not None} if draft else {}
        for name, part, label in self.FIELDS:
            self._was[name] = getattr(ship, part)
            edit = QLineEdit(typed.get(name, self._was[name]))
            edit.setObjectName(f"contact_{name}")
            form.addRow(_(label), edit)
            self.edits[name] = edit
        form.addRow(ok_cancel(self))

    def correction(self) -> ContactCorrection:
        changed = {
            name: edit.text()
            for name, edit in self.edits.items()
            if edit.text().strip() != self._was[name].strip()
        }
        return ContactCorrection(**changed)


class StockAnswerDialog(QDialog):
    def __init__(self, detail: ReviewDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("The customer's answer"))
        form = QFormLayout(self)
        self.choice = QComboBox()
        self.choice.addItem(_("Waits for the stock"), "wait")
        self.substitutes = [
            (short.line_no, option.sku)
            for short in detail.short_lines
            for option in short.substitutes
        ]
        for line_no, sku in self.substitutes:
            self.choice.addItem(_("Takes {sku} for line {line}").format(sku=sku, line=line_no))
        self.choice.addItem(_("Declines: cancel the order"), "decline")
        self.note = QLineEdit()
        form.addRow(_("Answer"), self.choice)
        form.addRow(_("Note"), self.note)
        form.addRow(ok_cancel(self))

    def answer(self) -> dict:
        index = self.choice.currentIndex()
        if index == 0:
            return {"answer": "wait", "note": self.note.text()}
        if index == self.choice.count() - 1:
            return {"answer": "decline", "note": self.note.text()}
        line_no, sku = self.substitutes[index - 1]
        return {"answer": "substitute", "line_no": line_no, "substitute_sku": sku}


class PaymentDialog(QDialog):
    """A payment taken to solve the problem; a typed card number is checked, never kept."""

    def __init__(self, detail: ReviewDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Record a payment"))
        order = detail.order
        paid = sum(p.amount_cents for p in order.payments if p.status == "captured")
        self._currency = order.currency
        form = QFormLayout(self)
        self.resolution = QComboBox()
        self.resolution.addItem(_("Paid again"), "paid_again")
        self.resolution.addItem(_("Payment method changed"), "method_changed")
        self.method = QComboBox()
        for method in ("card", "bank_transfer", "cash", "paypal", "marketplace"):
            self.method.addItem(method.replace("_", " "), method)
        self.amount = QLineEdit(f"{max(0, order.total_cents - paid) / 100:.2f}")
        self.card_number = QLineEdit()
        self.card_number.setEchoMode(QLineEdit.EchoMode.Password)
        self.expiry = QLineEdit()
        self.expiry.setPlaceholderText("MM/YYYY")
        self.reference = QLineEdit()
        for label, widget in (
            (_("Resolution"), self.resolution),
            (_("Method"), self.method),
            (_("Amount ({currency})").format(currency=order.currency), self.amount),
            (_("Card number (checked, not kept)"), self.card_number),
            (_("Card expiry"), self.expiry),
            (_("Processor reference"), self.reference),
        ):
            form.addRow(label, widget)
        form.addRow(ok_cancel(self))

    def payment(self) -> tuple[str, NewPayment]:
        from app.money import parse_amount

        month = year = None
        if "/" in self.expiry.text():
            left, right = self.expiry.text().split("/", 1)
            month = int(left) if left.strip().isdigit() else None
            year = int(right) if right.strip().isdigit() else None
        payment = NewPayment(
            method=self.method.currentData(),
            amount_cents=parse_amount(self.amount.text(), self._currency),
            currency=self._currency,
            card_exp_month=month,
            card_exp_year=year,
            entered_card_number=self.card_number.text() or None,
            reference=self.reference.text(),
        )
        return self.resolution.currentData(), payment


class HoldDialog(QDialog):
    def __init__(
        self, parent: QWidget | None = None, draft: tuple[str, dt.datetime] | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Hold: the customer cannot be reached"))
        form = QFormLayout(self)
        self.note = QLineEdit(draft[0] if draft else "")
        when = QDateTime.currentDateTime().addDays(1)
        if draft:
            when = QDateTime.fromSecsSinceEpoch(int(draft[1].timestamp()))
        self.callback = QDateTimeEdit(when)
        self.callback.setCalendarPopup(True)
        self.callback.setDisplayFormat("yyyy-MM-dd HH:mm")
        form.addRow(_("Note"), self.note)
        form.addRow(_("Call back on"), self.callback)
        form.addRow(ok_cancel(self))

    def hold(self) -> tuple[str, dt.datetime]:
        moment = self.callback.dateTime().toSecsSinceEpoch()
        return self.note.text(), dt.datetime.fromtimestamp(moment, dt.UTC)
