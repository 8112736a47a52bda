"""How a customer pays at a desk: method, amount paid, card details (never the number),
and a part payment ticked on purpose.

The amount starts as the total and follows it until someone types another. As it is typed
the panel says what follows: the change to hand back for cash, what stays owed for a part
payment, or how much is missing. ``payment`` reads the panel as ``app/`` takes it and
collects every field it cannot read, so a save shows them all at once.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QLabel, QWidget

from app.counter.model import CARD_BRANDS, CounterPayment
from app.counter.rules import change_due, parse_counter_amount, parse_expiry
from app.errors import InvalidInput
from app.i18n import _
from app.money import format_money
from ui.style import BAD, GOOD, MUTED, WARN, heading_font
from ui.widgets.display import set_tone
from ui.widgets.form import FieldErrors, line_edit, section

BRAND_NAMES = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "maestro": "Maestro",
    "discover": "Discover",
    "jcb": "JCB",
    "unionpay": "UnionPay",
    "diners": "Diners Club",
}


def plain_decimal(amount_minor: int, currency: str) -> str:
    """Minor units as a plain decimal a person can edit: ``2500`` → ``"25.00"``."""
    return format_money(amount_minor, currency).rsplit(" ", 1)[0].replace(",", "")


class PaymentPanel(QWidget):
    def __init__(self, errors: FieldErrors, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._errors = errors
        self._total = 0
        self._currency = ""
        self._amount_edited = False
        box, self.grid = section(_("Payment"), self)
        outer = QGridLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(box)
        self._build(self.grid)
        self._method_changed()

    def _build(self, grid: QGridLayout) -> None:
        self.method_combo = QComboBox()
        self.method_combo.setObjectName("paymentMethod")
        for value, text in (
            ("card", _("Card")),
            ("cash", _("Cash")),
            ("bank_transfer", _("Bank transfer")),
        ):
            self.method_combo.addItem(text, value)
        self.method_combo.currentIndexChanged.connect(self._method_changed)
        self.amount_edit = line_edit("amountPaid", _("the total"))
        self.amount_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount_edit.textEdited.connect(self._amount_typed)
        self.brand_combo = QComboBox()
        self.brand_combo.setObjectName("cardBrand")
        self.brand_combo.addItem(_("— brand —"), "")
        for brand in CARD_BRANDS:
            self.brand_combo.addItem(BRAND_NAMES[brand], brand)
        self.last4_edit = line_edit("cardLast4", "1234")
        self.expiry_edit = line_edit("cardExpiry", _("MM/YY"))
        self.reference_edit = line_edit("processorReference", _("reference on the terminal slip"))
        add = self._errors.add_row
        add(grid, 1, 0, _("&Method"), "payment.method", self.method_combo)
        add(grid, 1, 2, _("Amount pai&d"), "payment.amount", self.amount_edit)
        add(grid, 2, 0, _("&Brand"), "payment.card_brand", self.brand_combo)
        add(grid, 2, 2, _("Last &four"), "payment.card_last4", self.last4_edit)
        add(grid, 3, 0, _("E&xpiry"), "payment.card_expiry", self.expiry_edit)
        add(grid, 3, 2, _("&Reference"), "payment.processor_reference", self.reference_edit)
        self.card_note = QLabel(
            _("Never the full card number: brand, last four, expiry and the slip's reference.")
        )
        self.card_note.setWordWrap(True)
        self.card_note.setStyleSheet(f"color: {MUTED.foreground};")
        grid.addWidget(self.card_note, 4, 0, 1, 4)
        self.part_check = QCheckBox(_("Part payment: the rest is owed"))
        self.part_check.setObjectName("partPayment")
        self.part_check.toggled.connect(self._show_change)
        self.change_label = QLabel()
        self.change_label.setObjectName("changeDue")
        self.change_label.setFont(heading_font(self.font(), 1.1))
        self.change_label.setWordWrap(True)
        self.change_label.hide()
        grid.addWidget(self.part_check, 6, 0, 1, 2)
        grid.addWidget(self.change_label, 6, 2, 1, 2)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    # ----------------------------------------------------------------- the total

    def set_total(self, total_cents: int, currency: str) -> None:
        self._total, self._currency = total_cents, currency
        if not self._amount_edited:
            self.amount_edit.setText(plain_decimal(total_cents, currency) if currency else "")
        self._show_change()

    def method(self) -> str:
        return self.method_combo.currentData()

    def _method_changed(self) -> None:
        card = self.method() == "card"
        for widget in (self.brand_combo, self.last4_edit, self.expiry_edit, self.reference_edit):
            widget.setEnabled(card)
        self.card_note.setVisible(card)
        self._show_change()

    def _amount_typed(self, _text: str) -> None:
        self._amount_edited = True
        self._show_change()

    def _typed_amount(self) -> int | None:
        text = self.amount_edit.text().strip()
        if not text or not self._currency:
            return None
        try:
            return parse_counter_amount("payment.amount", text, self._currency)
        except InvalidInput:
            return None

    def _show_change(self) -> None:
        """Cash: the change to give back; below the total: what stays owed, or is missing."""
        typed, total, currency = self._typed_amount(), self._total, self._currency
        text, tone = "", MUTED
        if typed is not None:
            change = change_due(self.method(), typed, total)
            if change:
                text, tone = (
                    _("Change due: {amount}").format(amount=format_money(change, currency)),
                    GOOD,
                )
            elif typed < total and self.part_check.isChecked():
                text, tone = (
                    _("Part payment: {owed} stays owed").format(
                        owed=format_money(total - typed, currency)
                    ),
                    WARN,
                )
            elif typed < total and self.method() != "bank_transfer":
                text, tone = (
                    _("{short} less than the total: take the rest or tick part payment").format(
                        short=format_money(total - typed, currency)
                    ),
                    BAD,
                )
            elif typed > total:
                text, tone = (
                    _("{over} more than the total").format(
                        over=format_money(typed - total, currency)
                    ),
                    BAD,
                )
        self.change_label.setText(f"{tone.symbol} {text}" if text else "")
        set_tone(self.change_label, tone)
        self.change_label.setVisible(bool(text))

    # ----------------------------------------------------------------- reading

    def payment(self) -> tuple[CounterPayment, list[InvalidInput]]:
        """The panel as ``app/`` takes it, and every typed value that could not be read
        (then the payment carries a stand-in the checks will not judge twice)."""
        problems: list[InvalidInput] = []
        currency = self._currency or "EUR"
        method = self.method()
        amount = self._total
        text = self.amount_edit.text().strip()
        if text:
            try:
                amount = parse_counter_amount("payment.amount", text, currency)
            except InvalidInput as problem:
                problems.append(problem)
        if method == "cash":
            amount = min(amount, self._total)  # the rest is the change handed back
        month = year = None
        if method == "card" and self.expiry_edit.text().strip():
            try:
                month, year = parse_expiry(self.expiry_edit.text())
            except InvalidInput as problem:
                problems.append(problem)
        payment = CounterPayment(
            method=method,
            amount_cents=amount,
            card_brand=self.brand_combo.currentData() or "",
            card_last4=self.last4_edit.text(),
            card_exp_month=month,
            card_exp_year=year,
            processor_reference=self.reference_edit.text(),
            part_payment=self.part_check.isChecked(),
        )
        return payment, problems

    def clear(self) -> None:
        self.method_combo.setCurrentIndex(0)
        self.part_check.setChecked(False)
        self.brand_combo.setCurrentIndex(0)
        for edit in (self.last4_edit, self.expiry_edit, self.reference_edit, self.amount_edit):
            edit.clear()
        self._amount_edited = False
        self.set_total(0, "")
