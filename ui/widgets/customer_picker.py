"""Choosing the customer at a desk: found as you type (phone, name or e-mail), chosen with
the arrows and Enter, or entered new in the fields below.

The picker does not read the database itself: it is given a ``search`` function (text →
``CustomerMatch`` list, from ``app/``) and says what happened by signal, so the counter,
and later the service and packing desks, can share it.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QWidget,
)

from app.counter.model import CustomerMatch, NewCustomer
from app.errors import OrderdeskError
from app.i18n import LANGUAGE_NAMES, _
from ui.actions import with_shortcut
from ui.errors import error_text
from ui.style import GOOD, MUTED, SPACE_M, SPACE_S
from ui.widgets.display import status_text, status_tone
from ui.widgets.form import FieldErrors, caption, line_edit, section

# The languages a customer's messages can be written in, each named in itself.
CUSTOMER_LANGUAGE_CHOICES = (
    ("en", LANGUAGE_NAMES["en"]),
    ("zh", "中文"),
    ("de", LANGUAGE_NAMES["de"]),
    ("fr", LANGUAGE_NAMES["fr"]),
    ("es", LANGUAGE_NAMES["es"]),
    ("it", LANGUAGE_NAMES["it"]),
)


class CustomerPicker(QWidget):
    chosen = Signal(object)  # the CustomerMatch
    problem = Signal(str)  # a search that failed, in words

    def __init__(
        self,
        search: Callable[[str], list[CustomerMatch]],
        errors: FieldErrors,
        *,
        delay_ms: int = 250,
        find_shortcut: str = "",
        new_shortcut: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._search = search
        self._errors = errors
        self.customer: CustomerMatch | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(delay_ms)
        self._timer.timeout.connect(self.search_now)
        box, grid = section(_("Customer"), self)
        outer = QGridLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(box)
        self._build_search(grid, find_shortcut)
        self._build_new(grid, new_shortcut)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)

    def _build_search(self, grid: QGridLayout, shortcut: str) -> None:
        self.search_edit = line_edit(
            "customerSearch", _("Phone, name or e-mail of a known customer")
        )
        self.search_edit.setToolTip(with_shortcut(_("Find customer"), shortcut))
        self.search_edit.textEdited.connect(lambda _text: self._timer.start())
        self.search_edit.returnPressed.connect(self._choose_highlighted)
        self.search_edit.installEventFilter(self)
        grid.addWidget(caption(_("&Find:"), self.search_edit), 1, 0)
        grid.addWidget(self._errors.wrap("customer", self.search_edit), 1, 1, 1, 3)
        self.matches = QListWidget()
        self.matches.setObjectName("customerMatches")
        self.matches.setMaximumHeight(110)
        self.matches.itemActivated.connect(self._choose_item)
        self.matches.hide()
        grid.addWidget(self.matches, 2, 1, 1, 3)
        self.chosen_label = QLabel()
        self.chosen_label.setObjectName("chosenCustomer")
        # One line: a wrapping label asks for room for several and spreads the section.
        self.chosen_label.setWordWrap(False)
        self.chosen_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.chosen_label.hide()
        grid.addWidget(self.chosen_label, 3, 0, 1, 4)

    def _build_new(self, grid: QGridLayout, shortcut: str) -> None:
        self.name_edit = line_edit("newCustomerName", "")
        self.phone_edit = line_edit("newCustomerPhone", "+49 30 1234567")
        self.email_edit = line_edit("newCustomerEmail", "name@example.com")
        self.language_combo = QComboBox()
        self.language_combo.setObjectName("newCustomerLanguage")
        for code, name in CUSTOMER_LANGUAGE_CHOICES:
            self.language_combo.addItem(name, code)
        # Shown only while no known customer is chosen: then they are the new customer.
        self.new_box = QWidget()
        self.new_box.setObjectName("newCustomer")
        fields = QGridLayout(self.new_box)
        fields.setContentsMargins(0, 0, 0, 0)
        fields.setHorizontalSpacing(SPACE_M)
        fields.setVerticalSpacing(SPACE_S)
        add = self._errors.add_row
        add(fields, 0, 0, _("New: &name"), "customer.name", self.name_edit)
        add(fields, 0, 2, _("P&hone"), "customer.phone", self.phone_edit)
        add(fields, 1, 0, _("E-&mail"), "customer.email", self.email_edit)
        add(fields, 1, 2, _("Lan&guage"), "customer.language", self.language_combo)
        fields.setColumnStretch(1, 1)
        fields.setColumnStretch(3, 1)
        grid.addWidget(self.new_box, 4, 0, 1, 4)
        self.new_button = QPushButton(_("New customer"))
        self.new_button.setToolTip(with_shortcut(_("Enter a new customer"), shortcut))
        self.new_button.clicked.connect(self.start_new)
        grid.addWidget(self.new_button, 6, 3, Qt.AlignmentFlag.AlignRight)

    # ----------------------------------------------------------------- keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.search_edit
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)  # type: ignore[attr-defined]
            and self.matches.isVisible()
            and self.matches.count()
        ):
            step = 1 if event.key() == Qt.Key.Key_Down else -1  # type: ignore[attr-defined]
            row = max(0, min(self.matches.count() - 1, self.matches.currentRow() + step))
            self.matches.setCurrentRow(row)
            return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- searching

    def search_now(self) -> None:
        self._timer.stop()
        text = self.search_edit.text()
        self.matches.clear()
        try:
            found = self._search(text)
        except OrderdeskError as error:
            self.problem.emit(error_text(error))
            return
        for match in found:
            status = "" if match.status == "active" else f" · {status_text(match.status)}"
            detail = " · ".join(part for part in (match.phone, match.email) if part)
            item = QListWidgetItem(f"{match.name} · {detail}{status}")
            item.setData(Qt.ItemDataRole.UserRole, match)
            if match.status != "active":
                item.setForeground(QColor(status_tone(match.status).foreground))
            self.matches.addItem(item)
        if found:
            self.matches.setCurrentRow(0)
        self.matches.setVisible(bool(found))
        if not found and text.strip():
            self.chosen_label.setText(
                _("No customer found: enter the new customer's details below.")
            )
            self.chosen_label.setStyleSheet(f"color: {MUTED.foreground};")
            self.chosen_label.show()

    def _choose_highlighted(self) -> None:
        if self._timer.isActive():
            self.search_now()
        item = self.matches.currentItem()
        if item is not None and self.matches.isVisible():
            self._choose_item(item)

    def _choose_item(self, item: QListWidgetItem) -> None:
        self.choose(item.data(Qt.ItemDataRole.UserRole))

    # ----------------------------------------------------------------- choosing

    def choose(self, match: CustomerMatch) -> None:
        self.customer = match
        self.matches.hide()
        self.search_edit.clear()
        tone = status_tone(match.status)
        symbol = GOOD.symbol if match.status == "active" else tone.symbol
        detail = " · ".join(part for part in (match.phone, match.email) if part)
        self.chosen_label.setText(f"{symbol} {match.name} · {detail} · {status_text(match.status)}")
        self.chosen_label.setStyleSheet(
            f"color: {tone.foreground}; background: {tone.background}; padding: {SPACE_S}px;"
        )
        self.chosen_label.show()
        for edit in (self.name_edit, self.phone_edit, self.email_edit):
            edit.clear()
        self._show_new(False)
        self._errors.clear("customer")
        self.chosen.emit(match)

    def start_new(self) -> None:
        """Forget a chosen customer; what was typed in the search starts the new one."""
        typed = self.search_edit.text().strip()
        self.customer = None
        self._clear_chosen()
        self.matches.hide()
        self._show_new(True)
        if typed:
            phone_like = typed.lstrip("+").replace(" ", "").isdigit()
            (self.phone_edit if phone_like else self.name_edit).setText(typed)
            self.search_edit.clear()
        self.name_edit.setFocus()

    def new_customer(self) -> NewCustomer | None:
        """The new customer's details as typed; None while a known customer is chosen."""
        if self.customer is not None:
            return None
        return NewCustomer(
            name=self.name_edit.text(),
            phone=self.phone_edit.text(),
            email=self.email_edit.text(),
            language=self.language_combo.currentData(),
        )

    def clear(self) -> None:
        self.customer = None
        self._clear_chosen()
        self.search_edit.clear()
        self.matches.hide()
        self._show_new(True)
        for edit in (self.name_edit, self.phone_edit, self.email_edit):
            edit.clear()
        self.language_combo.setCurrentIndex(0)

    def _show_new(self, shown: bool) -> None:
        for widget in (self.name_edit, self.phone_edit, self.email_edit, self.language_combo):
            widget.setEnabled(shown)
        self.new_box.setVisible(shown)

    def _clear_chosen(self) -> None:
        self.chosen_label.clear()
        self.chosen_label.setStyleSheet("")
        self.chosen_label.hide()
