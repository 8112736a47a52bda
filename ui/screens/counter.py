"""The Shop counter screen: a customer at the desk, a scanner in one hand, paid on the spot.

The scan field keeps the keyboard: a scanned EAN (or a typed SKU) and Enter adds the
product or counts it up; an unknown code is said in red beside the field, never in a
dialog. The customer is found as you type (phone or name) or entered new; the address can
be left for "collected in store". "Save order" (Ctrl+S) hands the whole form to
``app.counter.place_counter_order``: what it refuses is shown next to the field it names,
what it saves is shown as the new SO- and SHOP- numbers, and the form clears for the next
customer. A full card number typed or scanned into any field is cleared at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.counter import (
    CARD_BRANDS,
    MAX_QUANTITY,
    STORE_CODE_PATTERN,
    AddressFields,
    CounterOrderDraft,
    CounterPayment,
    CustomerMatch,
    DraftLine,
    NewCustomer,
    PlacedOrder,
    ProductMatch,
    card_number_in,
    find_customers,
    find_products,
    parse_counter_amount,
    parse_expiry,
    place_counter_order,
    product_for_code,
)
from app.errors import DraftProblems, FullCardNumber, InvalidInput, OrderdeskError
from app.i18n import _, ngettext
from app.money import format_money
from ui.actions import make_action, with_shortcut
from ui.desks import DeskContext, DeskScreen
from ui.errors import error_text
from ui.style import BAD, GOOD, MUTED, SPACE_L, SPACE_M, SPACE_S, WARN, Tone, heading_font
from ui.widgets.display import set_tone, status_text, status_tone, tone_label

SAVE_SHORTCUT = "Ctrl+S"
SCAN_SHORTCUT = "Ctrl+E"
CUSTOMER_SHORTCUT = "Ctrl+F"
NEW_CUSTOMER_SHORTCUT = "Ctrl+N"
LINES_SHORTCUT = "Ctrl+L"
PAYMENT_SHORTCUT = "Ctrl+P"

# Lines table columns.
SKU, NAME, QTY, PRICE, LINE_TOTAL, REASON = range(6)

_BRAND_NAMES = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "maestro": "Maestro",
    "discover": "Discover",
    "jcb": "JCB",
    "unionpay": "UnionPay",
    "diners": "Diners Club",
}
_LANGUAGE_NAMES = (
    ("en", "English"),
    ("zh", "中文"),
    ("de", "Deutsch"),
    ("fr", "Français"),
    ("es", "Español"),
    ("it", "Italiano"),
)


@dataclass
class _Line:
    product: ProductMatch
    quantity: int
    unit_price_cents: int
    reason: str = ""

    @property
    def overridden(self) -> bool:
        return self.unit_price_cents != self.product.price_cents


def _decimal(amount_minor: int, currency: str) -> str:
    """Minor units as a plain decimal a person can edit: ``2500`` → ``"25.00"``."""
    return format_money(amount_minor, currency).rsplit(" ", 1)[0].replace(",", "")


class CounterScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.lines: list[_Line] = []
        self.customer: CustomerMatch | None = None
        self.last_placed: PlacedOrder | None = None
        self._filling_table = False
        self._amount_edited = False
        self._listed_for = ""  # the text the product matches shown were found for
        self._errors: dict[str, QLabel] = {}
        self._fields: dict[str, QWidget] = {}
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(context.settings.search_delay_ms)
        self._search_timer.timeout.connect(self.search_customers)
        self._build()
        self._build_actions()
        self._payment_method_changed()
        self._show_lines()

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_S)
        layout.setSpacing(SPACE_M)

        top = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setObjectName("counterTitle")
        self.title_label.setFont(heading_font(self.font()))
        top.addWidget(self.title_label)
        top.addStretch(1)
        # The store belongs to the workstation: asked once, remembered, shown in the title.
        self.store_edit = self._line_edit("storeCode", _("e.g. BER"))
        self.store_edit.setText(self._context.settings.shop_store_code)
        self.store_edit.setMinimumWidth(120)
        self.store_edit.editingFinished.connect(self._store_typed)
        self.store_caption = self._caption(_("This workstation's &store code:"), self.store_edit)
        top.addWidget(self.store_caption)
        top.addWidget(self._with_error("store_code", self.store_edit))
        self.change_store_button = QPushButton(_("Change store…"))
        self.change_store_button.setObjectName("changeStore")
        self.change_store_button.clicked.connect(self._change_store)
        top.addWidget(self.change_store_button)
        layout.addLayout(top)
        self._show_store()

        self.result_label = tone_label("counterResult", GOOD)
        self.result_label.setFont(heading_font(self.font(), 1.1))
        layout.addWidget(self.result_label)
        self.problem_label = tone_label("counterProblem", BAD)
        layout.addWidget(self.problem_label)

        columns = QHBoxLayout()
        columns.setSpacing(SPACE_L)
        left = QVBoxLayout()
        left.setSpacing(SPACE_M)
        left.addWidget(self._build_customer())
        left.addWidget(self._build_address())
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(SPACE_M)
        right.addWidget(self._build_scan())
        right.addWidget(self._build_lines(), 1)
        right.addWidget(self._build_payment())
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        layout.addLayout(columns, 1)

    def _section(self, title: str) -> tuple[QFrame, QGridLayout]:
        box = QFrame()
        box.setFrameShape(QFrame.Shape.StyledPanel)
        # As tall as its fields: hiding the new-customer fields gives the room back.
        box.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        grid = QGridLayout(box)
        grid.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
        grid.setHorizontalSpacing(SPACE_M)
        grid.setVerticalSpacing(SPACE_S)
        heading = QLabel(title)
        heading.setFont(heading_font(self.font(), 1.05))
        grid.addWidget(heading, 0, 0, 1, 4)
        return box, grid

    def _line_edit(self, name: str, placeholder: str = "") -> QLineEdit:
        edit = QLineEdit()
        edit.setObjectName(name)
        edit.setPlaceholderText(placeholder)
        # A card number swiped or typed into any field is cleared before it can go anywhere.
        edit.textEdited.connect(lambda text, e=edit: self._refuse_card_number(e, text))
        return edit

    def _caption(self, text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)
        return label

    def _with_error(self, field: str, widget: QWidget) -> QWidget:
        """``widget`` with a red line under it for what the service says about ``field``."""
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(widget)
        error = QLabel()
        error.setObjectName(f"error_{field}")
        error.setWordWrap(True)
        error.setStyleSheet(f"color: {BAD.foreground};")
        error.hide()
        column.addWidget(error)
        self._errors[field] = error
        self._fields[field] = widget
        return box

    def _add_row(self, grid: QGridLayout, row: int, column: int, text: str, field: str, widget):
        grid.addWidget(self._caption(text, widget), row, column)
        grid.addWidget(self._with_error(field, widget), row, column + 1)

    def _build_customer(self) -> QWidget:
        box, grid = self._section(_("Customer"))
        self.customer_search = self._line_edit(
            "customerSearch", _("Phone, name or e-mail of a known customer")
        )
        self.customer_search.setToolTip(with_shortcut(_("Find customer"), CUSTOMER_SHORTCUT))
        self.customer_search.textEdited.connect(lambda _text: self._search_timer.start())
        self.customer_search.returnPressed.connect(self._choose_highlighted_customer)
        self.customer_search.installEventFilter(self)
        grid.addWidget(self._caption(_("&Find:"), self.customer_search), 1, 0)
        grid.addWidget(self._with_error("customer", self.customer_search), 1, 1, 1, 3)
        self.customer_list = QListWidget()
        self.customer_list.setObjectName("customerMatches")
        self.customer_list.setMaximumHeight(110)
        self.customer_list.itemActivated.connect(lambda item: self._choose_customer_item(item))
        self.customer_list.hide()
        grid.addWidget(self.customer_list, 2, 1, 1, 3)
        self.customer_label = QLabel()
        self.customer_label.setObjectName("chosenCustomer")
        # One line: a wrapping label asks for room for several and spreads the section.
        self.customer_label.setWordWrap(False)
        self.customer_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.customer_label.hide()
        grid.addWidget(self.customer_label, 3, 0, 1, 4)

        self.new_name = self._line_edit("newCustomerName")
        self.new_phone = self._line_edit("newCustomerPhone", "+49 30 1234567")
        self.new_email = self._line_edit("newCustomerEmail", "name@example.com")
        self.new_language = QComboBox()
        self.new_language.setObjectName("newCustomerLanguage")
        for code, name in _LANGUAGE_NAMES:
            self.new_language.addItem(name, code)
        # Shown only while no known customer is chosen: then they are the new customer.
        self.new_customer_box = QWidget()
        self.new_customer_box.setObjectName("newCustomer")
        fields = QGridLayout(self.new_customer_box)
        fields.setContentsMargins(0, 0, 0, 0)
        fields.setHorizontalSpacing(SPACE_M)
        fields.setVerticalSpacing(SPACE_S)
        self._add_row(fields, 0, 0, _("New: &name"), "customer.name", self.new_name)
        self._add_row(fields, 0, 2, _("P&hone"), "customer.phone", self.new_phone)
        self._add_row(fields, 1, 0, _("E-&mail"), "customer.email", self.new_email)
        self._add_row(fields, 1, 2, _("Lan&guage"), "customer.language", self.new_language)
        fields.setColumnStretch(1, 1)
        fields.setColumnStretch(3, 1)
        grid.addWidget(self.new_customer_box, 4, 0, 1, 4)
        self.new_customer_button = QPushButton(_("New customer"))
        self.new_customer_button.setToolTip(
            with_shortcut(_("Enter a new customer"), NEW_CUSTOMER_SHORTCUT)
        )
        self.new_customer_button.clicked.connect(self.new_customer)
        grid.addWidget(self.new_customer_button, 6, 3, Qt.AlignmentFlag.AlignRight)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _build_address(self) -> QWidget:
        box, grid = self._section(_("Ship to / billing address"))
        self.collected_check = QCheckBox(_("&Collected in store (no address)"))
        self.collected_check.setObjectName("collectedInStore")
        self.collected_check.toggled.connect(self._collected_toggled)
        grid.addWidget(self.collected_check, 1, 0, 1, 4)
        self.address_edits: dict[str, QLineEdit] = {}
        self.address_box = QWidget()
        self.address_box.setObjectName("addressFields")
        fields = QGridLayout(self.address_box)
        fields.setContentsMargins(0, 0, 0, 0)
        fields.setHorizontalSpacing(SPACE_M)
        fields.setVerticalSpacing(SPACE_S)
        grid.addWidget(self.address_box, 2, 0, 1, 4)
        rows = (
            ("recipient", _("Recipient"), _("the customer, if empty")),
            ("line1", _("&Street"), ""),
            ("line2", _("Line 2"), ""),
            ("postal_code", _("&Postal code"), ""),
            ("city", _("Cit&y"), ""),
            ("region", _("Region"), ""),
            ("country_code", _("C&ountry"), "DE"),
            ("phone", _("Phone"), _("the customer's, if empty")),
        )
        for index, (key, caption, placeholder) in enumerate(rows):
            edit = self._line_edit(f"address_{key}", placeholder)
            if key == "country_code":
                edit.setMaxLength(2)
            self.address_edits[key] = edit
            self._add_row(fields, index // 2, (index % 2) * 2, caption, f"address.{key}", edit)
        fields.setColumnStretch(1, 1)
        fields.setColumnStretch(3, 1)
        return box

    def _build_scan(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACE_S)
        row = QHBoxLayout()
        self.scan_edit = self._line_edit(
            "scanField", _("Scan a barcode, or type a SKU or product name, then Enter")
        )
        self.scan_edit.setFont(heading_font(self.font(), 1.25))
        self.scan_edit.setToolTip(with_shortcut(_("Add products"), SCAN_SHORTCUT))
        self.scan_edit.returnPressed.connect(self.scan_entered)
        self.scan_edit.installEventFilter(self)
        row.addWidget(self._caption(_("Sc&an:"), self.scan_edit))
        row.addWidget(self.scan_edit, 1)
        column.addLayout(row)
        self.scan_message = QLabel()
        self.scan_message.setObjectName("scanMessage")
        self.scan_message.setWordWrap(True)
        self.scan_message.setFont(heading_font(self.font(), 1.05))
        self.scan_message.hide()
        column.addWidget(self.scan_message)
        self.product_list = QListWidget()
        self.product_list.setObjectName("productMatches")
        self.product_list.setMaximumHeight(120)
        self.product_list.itemActivated.connect(self._choose_product_item)
        self.product_list.hide()
        column.addWidget(self.product_list)
        return box

    def _build_lines(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACE_S)
        self.lines_table = QTableWidget(0, 6)
        self.lines_table.setObjectName("counterLines")
        self.lines_table.setHorizontalHeaderLabels(
            [
                _("SKU"),
                _("Product"),
                _("Qty"),
                _("Unit price"),
                _("Line total"),
                _("Reason for another price"),
            ]
        )
        self.lines_table.verticalHeader().hide()
        self.lines_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.lines_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.lines_table.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.lines_table.setTabKeyNavigation(False)
        self.lines_table.setWordWrap(False)
        header = self.lines_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for col, width in ((SKU, 110), (QTY, 50), (PRICE, 90), (LINE_TOTAL, 110), (REASON, 170)):
            header.resizeSection(col, width)
        self.lines_table.itemChanged.connect(self._line_edited)
        self.lines_table.installEventFilter(self)
        self._errors["lines"] = self._error_label("error_lines")
        self._fields["lines"] = self.lines_table
        self.empty_label = QLabel(
            _("No products yet: scan a barcode or type a SKU in the field above.")
        )
        self.empty_label.setObjectName("counterEmpty")
        self.empty_label.setStyleSheet(f"color: {MUTED.foreground};")
        column.addWidget(self.empty_label)
        column.addWidget(self.lines_table, 1)
        column.addWidget(self._errors["lines"])
        totals = QHBoxLayout()
        self.remove_button = QPushButton(with_shortcut(_("Remove line"), "Del"))
        self.remove_button.setObjectName("removeLine")
        self.remove_button.clicked.connect(self.remove_current_line)
        totals.addWidget(self.remove_button)
        self.count_label = QLabel()
        self.count_label.setObjectName("counterCount")
        self.count_label.setStyleSheet(f"color: {MUTED.foreground};")
        totals.addWidget(self.count_label)
        totals.addStretch(1)
        self.total_label = QLabel()
        self.total_label.setObjectName("counterTotal")
        self.total_label.setFont(heading_font(self.font(), 1.5))
        self.total_label.setAlignment(Qt.AlignmentFlag.AlignRight)
        totals.addWidget(self.total_label)
        column.addLayout(totals)
        return box

    def _build_payment(self) -> QWidget:
        box, grid = self._section(_("Payment"))
        self.method_combo = QComboBox()
        self.method_combo.setObjectName("paymentMethod")
        for value, text in (
            ("card", _("Card")),
            ("cash", _("Cash")),
            ("bank_transfer", _("Bank transfer")),
        ):
            self.method_combo.addItem(text, value)
        self.method_combo.currentIndexChanged.connect(self._payment_method_changed)
        self.amount_edit = self._line_edit("amountPaid", _("the total"))
        self.amount_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.amount_edit.textEdited.connect(self._amount_typed)
        self.brand_combo = QComboBox()
        self.brand_combo.setObjectName("cardBrand")
        self.brand_combo.addItem(_("— brand —"), "")
        for brand in CARD_BRANDS:
            self.brand_combo.addItem(_BRAND_NAMES[brand], brand)
        self.last4_edit = self._line_edit("cardLast4", "1234")
        self.expiry_edit = self._line_edit("cardExpiry", _("MM/YY"))
        self.reference_edit = self._line_edit(
            "processorReference", _("reference on the terminal slip")
        )
        self._add_row(grid, 1, 0, _("&Method"), "payment.method", self.method_combo)
        self._add_row(grid, 1, 2, _("Amount pai&d"), "payment.amount", self.amount_edit)
        self._add_row(grid, 2, 0, _("&Brand"), "payment.card_brand", self.brand_combo)
        self._add_row(grid, 2, 2, _("Last &four"), "payment.card_last4", self.last4_edit)
        self._add_row(grid, 3, 0, _("E&xpiry"), "payment.card_expiry", self.expiry_edit)
        self._add_row(
            grid,
            3,
            2,
            _("&Reference"),
            "payment.processor_reference",
            self.reference_edit,
        )
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
        self.change_label.hide()
        grid.addWidget(self.part_check, 6, 0, 1, 2)
        grid.addWidget(self.change_label, 6, 2, 1, 2)
        self.save_button = QPushButton(_("Save order"))
        self.save_button.setObjectName("saveOrder")
        self.save_button.setDefault(True)
        self.save_button.setFont(heading_font(self.font(), 1.1))
        self.save_button.setMinimumHeight(self.fontMetrics().height() * 2 + SPACE_M)
        self.save_button.setText(with_shortcut(_("Save order"), SAVE_SHORTCUT))
        self.save_button.clicked.connect(self.save_order)
        grid.addWidget(self.save_button, 7, 0, 1, 4)
        grid.setColumnStretch(1, 1)
        grid.setColumnStretch(3, 1)
        return box

    def _error_label(self, name: str) -> QLabel:
        label = QLabel()
        label.setObjectName(name)
        label.setWordWrap(True)
        label.setStyleSheet(f"color: {BAD.foreground};")
        label.hide()
        return label

    def _build_actions(self) -> None:
        self.save_action = self._action(_("&Save order"), SAVE_SHORTCUT, self.save_order)
        self.scan_action = self._action(_("&Add products"), SCAN_SHORTCUT, self.focus_scan)
        self.find_action = self._action(
            _("&Find customer"), CUSTOMER_SHORTCUT, self.focus_customer_search
        )
        self.new_action = self._action(_("&New customer"), NEW_CUSTOMER_SHORTCUT, self.new_customer)
        self.lines_action = self._action(
            _("Go to the &lines"), LINES_SHORTCUT, self.lines_table.setFocus
        )
        self.payment_action = self._action(
            _("Go to the &payment"), PAYMENT_SHORTCUT, self.method_combo.setFocus
        )
        # Esc in the scan field backs out of a search; in the customer field, of a search.
        make_action(
            self.scan_edit,
            _("Clear the scan field"),
            "Esc",
            self._clear_scan,
            context=Qt.ShortcutContext.WidgetShortcut,
        )

    def _action(self, text: str, shortcut: str, slot) -> QAction:
        # Only while this desk has the keyboard: other desks may use the same keys.
        return make_action(
            self, text, shortcut, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

    # ----------------------------------------------------------------- DeskScreen

    def desk_actions(self) -> list[QAction]:
        return [
            self.save_action,
            self.scan_action,
            self.lines_action,
            self.find_action,
            self.new_action,
            self.payment_action,
        ]

    def focus_primary(self) -> None:
        self.focus_scan()

    def focus_scan(self) -> None:
        self.scan_edit.setFocus()
        self.scan_edit.selectAll()

    def focus_customer_search(self) -> None:
        self.customer_search.setFocus()
        self.customer_search.selectAll()

    # ----------------------------------------------------------------- keys

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.KeyPress:
            return super().eventFilter(watched, event)
        key = event.key()  # type: ignore[attr-defined]
        listing = {self.scan_edit: self.product_list, self.customer_search: self.customer_list}.get(
            watched  # type: ignore[call-overload]
        )
        arrows = (Qt.Key.Key_Down, Qt.Key.Key_Up)
        if listing is not None and key in arrows and listing.isVisible() and listing.count():
            self._step(listing, 1 if key == Qt.Key.Key_Down else -1)
            return True
        if (
            watched is self.lines_table
            and key == Qt.Key.Key_Delete
            and self.lines_table.state() != QAbstractItemView.State.EditingState
        ):
            self.remove_current_line()
            return True
        return super().eventFilter(watched, event)

    @staticmethod
    def _step(listing: QListWidget, by: int) -> None:
        row = max(0, min(listing.count() - 1, listing.currentRow() + by))
        listing.setCurrentRow(row)

    # ----------------------------------------------------------------- card numbers

    def _refuse_card_number(self, edit: QLineEdit, text: str) -> None:
        last4 = card_number_in(text)
        if last4 is None:
            return
        edit.clear()
        field = next((f for f, widget in self._fields.items() if widget is edit), None)
        if edit is self.scan_edit or field is None:
            self._scan_feedback(BAD, self._card_sentence(last4))
        else:
            self._show_field_error(FullCardNumber(field, last4))

    def _card_sentence(self, last4: str) -> str:
        return _(
            "That was a full card number (ending {last4}); it has been cleared. Card numbers "
            "are never kept: enter only the brand, the last four digits, the expiry and the "
            "reference on the terminal slip."
        ).format(last4=last4)

    # ----------------------------------------------------------------- customer

    def search_customers(self) -> None:
        self._search_timer.stop()
        text = self.customer_search.text()
        self.customer_list.clear()
        try:
            with self._context.database.unit_of_work() as uow:
                matches = find_customers(uow.session, self._context.actor, text)
        except OrderdeskError as error:
            self._show_problem(error_text(error))
            return
        for match in matches:
            status = "" if match.status == "active" else f" · {status_text(match.status)}"
            detail = " · ".join(part for part in (match.phone, match.email) if part)
            item = QListWidgetItem(f"{match.name} · {detail}{status}")
            item.setData(Qt.ItemDataRole.UserRole, match)
            if match.status != "active":
                item.setForeground(QColor(status_tone(match.status).foreground))
            self.customer_list.addItem(item)
        if matches:
            self.customer_list.setCurrentRow(0)
        self.customer_list.setVisible(bool(matches))
        if not matches and text.strip():
            self.customer_label.setText(
                _("No customer found: enter the new customer's details below.")
            )
            self.customer_label.setStyleSheet(f"color: {MUTED.foreground};")
            self.customer_label.show()

    def _choose_highlighted_customer(self) -> None:
        if self._search_timer.isActive():
            self.search_customers()
        item = self.customer_list.currentItem()
        if item is not None and self.customer_list.isVisible():
            self._choose_customer_item(item)

    def _choose_customer_item(self, item: QListWidgetItem) -> None:
        self.choose_customer(item.data(Qt.ItemDataRole.UserRole))

    def choose_customer(self, match: CustomerMatch) -> None:
        self.customer = match
        self.customer_list.hide()
        self.customer_search.clear()
        tone = status_tone(match.status)
        symbol = GOOD.symbol if match.status == "active" else tone.symbol
        detail = " · ".join(part for part in (match.phone, match.email) if part)
        self.customer_label.setText(
            f"{symbol} {match.name} · {detail} · {status_text(match.status)}"
        )
        self.customer_label.setStyleSheet(
            f"color: {tone.foreground}; background: {tone.background}; padding: {SPACE_S}px;"
        )
        self.customer_label.show()
        for edit in (self.new_name, self.new_phone, self.new_email):
            edit.clear()
        self._set_new_customer_enabled(False)
        self._clear_error("customer")
        address = match.address
        if address is not None and not any(e.text() for e in self.address_edits.values()):
            for key, edit in self.address_edits.items():
                edit.setText(getattr(address, key))
        self.focus_scan()

    def new_customer(self) -> None:
        """Forget a chosen customer; what was typed in the search starts the new one."""
        typed = self.customer_search.text().strip()
        self.customer = None
        self._clear_customer_label()
        self.customer_list.hide()
        self._set_new_customer_enabled(True)
        if typed:
            target = self.new_phone if typed.lstrip("+").replace(" ", "").isdigit() else None
            (target or self.new_name).setText(typed)
            self.customer_search.clear()
        self.new_name.setFocus()

    def _set_new_customer_enabled(self, enabled: bool) -> None:
        for widget in (self.new_name, self.new_phone, self.new_email, self.new_language):
            widget.setEnabled(enabled)
        self.new_customer_box.setVisible(enabled)

    def _clear_customer_label(self) -> None:
        self.customer_label.clear()
        self.customer_label.setStyleSheet("")
        self.customer_label.hide()

    # ----------------------------------------------------------------- address

    def _collected_toggled(self, collected: bool) -> None:
        for edit in self.address_edits.values():
            edit.setEnabled(not collected)
        self.address_box.setVisible(not collected)
        for key in self.address_edits:
            self._clear_error(f"address.{key}")

    # ----------------------------------------------------------------- products

    def scan_entered(self) -> None:
        code = self.scan_edit.text().strip()
        if not code:
            return
        chosen = self.product_list.currentItem()
        if self.product_list.isVisible() and chosen is not None and code == self._listed_for:
            self._choose_product_item(chosen)  # Enter on a match picked with the arrows
            return
        self.product_list.hide()
        try:
            with self._context.database.unit_of_work() as uow:
                session, actor = uow.session, self._context.actor
                exact = product_for_code(session, actor, code)
                matches = [exact] if exact else find_products(session, actor, code)
        except OrderdeskError as error:
            self._scan_feedback(BAD, error_text(error))
            return
        if len(matches) == 1:
            self.add_product(matches[0])
            self.scan_edit.clear()
        elif not matches:
            self._scan_feedback(
                BAD, _("Unknown code “{code}”: no product has it.").format(code=code)
            )
            self.scan_edit.selectAll()
        else:
            self.product_list.clear()
            for match in matches:
                item = QListWidgetItem(
                    f"{match.sku} · {match.name}"
                    + (f" · {match.spec}" if match.spec else "")
                    + f" · {format_money(match.price_cents, match.currency)}"
                )
                item.setData(Qt.ItemDataRole.UserRole, match)
                self.product_list.addItem(item)
            self.product_list.setCurrentRow(0)
            self.product_list.show()
            self._listed_for = code
            self._scan_feedback(
                WARN,
                _("{count} products match “{code}”: ↓ ↑ to choose, Enter to add.").format(
                    count=len(matches), code=code
                ),
            )
        self.scan_edit.setFocus()

    def _choose_product_item(self, item: QListWidgetItem) -> None:
        self.add_product(item.data(Qt.ItemDataRole.UserRole))
        self.scan_edit.clear()
        self.scan_edit.setFocus()

    def add_product(self, product: ProductMatch) -> None:
        """Add one of ``product``, or one more of it when it is on a line already."""
        self.product_list.hide()
        index = next(
            (i for i, line in enumerate(self.lines) if line.product.id == product.id), None
        )
        if index is None:
            self.lines.append(_Line(product, 1, product.price_cents))
            index = len(self.lines) - 1
        else:
            self.lines[index].quantity += 1
        self._clear_error("lines")
        self._show_lines(select=index)
        line = self.lines[index]
        self._scan_feedback(
            GOOD,
            _("{name} — {quantity} on the order").format(name=product.name, quantity=line.quantity),
        )

    def remove_current_line(self) -> None:
        row = self.lines_table.currentRow()
        if 0 <= row < len(self.lines):
            removed = self.lines.pop(row)
            self._show_lines(select=min(row, len(self.lines) - 1))
            self._scan_feedback(MUTED, _("Removed {name}.").format(name=removed.product.name))

    def _clear_scan(self) -> None:
        self.scan_edit.clear()
        self.product_list.hide()
        self.scan_message.hide()

    def _scan_feedback(self, tone: Tone, text: str) -> None:
        self.scan_message.setText(f"{tone.symbol} {text}")
        set_tone(self.scan_message, tone)
        self.scan_message.show()

    # ----------------------------------------------------------------- lines

    def _currency(self) -> str:
        return self.lines[0].product.currency if self.lines else ""

    def _total(self) -> int:
        return sum(line.quantity * line.unit_price_cents for line in self.lines)

    def _show_lines(self, select: int | None = None) -> None:
        self._filling_table = True
        table = self.lines_table
        table.setRowCount(len(self.lines))
        editable = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for row, line in enumerate(self.lines):
            currency = line.product.currency
            cells = (
                (line.product.sku, False, None),
                (line.product.name, False, None),
                (str(line.quantity), True, right),
                (format_money(line.unit_price_cents, currency), True, right),
                (format_money(line.quantity * line.unit_price_cents, currency), False, right),
                (line.reason, True, None),
            )
            for column, (text, can_edit, align) in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setFlags(editable | Qt.ItemFlag.ItemIsEditable if can_edit else editable)
                if align is not None:
                    item.setTextAlignment(align)
                if column == NAME:
                    item.setToolTip(f"{line.product.name} {line.product.spec}".strip())
                table.setItem(row, column, item)
            if line.overridden:
                note = _("List price {price}").format(
                    price=format_money(line.product.price_cents, currency)
                )
                table.item(row, PRICE).setToolTip(note)
                table.item(row, PRICE).setForeground(QColor(WARN.foreground))
                if not line.reason:
                    reason = table.item(row, REASON)
                    reason.setBackground(QColor(WARN.background))
                    reason.setToolTip(_("Say why the price differs from the list"))
        self._filling_table = False
        if select is not None and 0 <= select < len(self.lines):
            table.setCurrentCell(select, QTY)
        has_lines = bool(self.lines)
        self.empty_label.setVisible(not has_lines)
        units = sum(line.quantity for line in self.lines)
        self.remove_button.setEnabled(has_lines)
        self.count_label.setText(
            _("{lines}, {units}").format(
                lines=ngettext("{n} line", "{n} lines", len(self.lines)).format(n=len(self.lines)),
                units=ngettext("{n} item", "{n} items", units).format(n=units),
            )
            if has_lines
            else ""
        )
        currency = self._currency()
        self.total_label.setText(
            _("Total {amount}").format(amount=format_money(self._total(), currency))
            if has_lines
            else _("Total —")
        )
        if not self._amount_edited:
            self.amount_edit.setText(_decimal(self._total(), currency) if has_lines else "")
        self._show_change()

    def _line_edited(self, item: QTableWidgetItem) -> None:
        if self._filling_table:
            return
        row, column = item.row(), item.column()
        if not 0 <= row < len(self.lines):
            return
        line = self.lines[row]
        text = item.text().strip()
        last4 = card_number_in(text)
        if last4 is not None:
            self._show_field_error(FullCardNumber(f"lines[{row + 1}]", last4))
            if column == REASON:
                line.reason = ""
        elif column == QTY:
            # Limits are checked as typed: a wrong quantity never reaches the total.
            if text.isdigit() and 0 < int(text) <= MAX_QUANTITY:
                line.quantity = int(text)
                self._clear_error("lines")
            else:
                self._show_error_text(
                    "lines",
                    _("Line {n}: quantity {text} — a whole number from 1 to {most}.").format(
                        n=row + 1, text=text, most=f"{MAX_QUANTITY:,}"
                    ),
                )
        elif column == PRICE:
            try:
                line.unit_price_cents = parse_counter_amount(
                    "unit_price",
                    text.replace(line.product.currency, "").strip(),
                    line.product.currency,
                )
                self._clear_error("lines")
            except InvalidInput as error:
                self._show_error_text(
                    "lines",
                    _("Line {n}: price — {expected}.").format(n=row + 1, expected=error.expected),
                )
        elif column == REASON:
            line.reason = text
        QTimer.singleShot(0, lambda: self._show_lines(select=row))

    def _amount_typed(self, _text: str) -> None:
        self._amount_edited = True
        self._show_change()

    def _typed_amount(self) -> int | None:
        text = self.amount_edit.text().strip()
        if not text or not self.lines:
            return None
        try:
            return parse_counter_amount("payment.amount", text, self._currency())
        except InvalidInput:
            return None

    def _show_change(self) -> None:
        """Cash: the change to give back; below the total: what stays owed (if ticked)."""
        total, typed, currency = self._total(), self._typed_amount(), self._currency()
        text = ""
        if typed is not None and self.lines:
            cash = self.method_combo.currentData() == "cash"
            if cash and typed > total:
                text = _("Change due: {amount}").format(
                    amount=format_money(typed - total, currency)
                )
            elif typed < total and self.part_check.isChecked():
                text = _("Part payment: {owed} stays owed").format(
                    owed=format_money(total - typed, currency)
                )
            elif typed < total:
                text = _("{short} less than the total: take the rest or tick part payment").format(
                    short=format_money(total - typed, currency)
                )
        self.change_label.setText(text)
        self.change_label.setVisible(bool(text))

    # ----------------------------------------------------------------- payment

    def _payment_method_changed(self) -> None:
        card = self.method_combo.currentData() == "card"
        for widget in (self.brand_combo, self.last4_edit, self.expiry_edit, self.reference_edit):
            widget.setEnabled(card)
        self.card_note.setVisible(card)
        if hasattr(self, "change_label"):
            self._show_change()

    # ----------------------------------------------------------------- saving

    def draft(self) -> CounterOrderDraft:
        """The form as the service takes it; typed amounts and expiry parsed (may raise)."""
        currency = self._currency() or "EUR"
        method = self.method_combo.currentData()
        amount_text = self.amount_edit.text().strip()
        amount = (
            parse_counter_amount("payment.amount", amount_text, currency)
            if amount_text
            else self._total()
        )
        if method == "cash" and amount > self._total():
            amount = self._total()  # the rest is the change handed back
        month = year = None
        if method == "card" and self.expiry_edit.text().strip():
            month, year = parse_expiry(self.expiry_edit.text())
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
        new_customer = None
        if self.customer is None:
            new_customer = NewCustomer(
                name=self.new_name.text(),
                phone=self.new_phone.text(),
                email=self.new_email.text(),
                language=self.new_language.currentData(),
            )
        address = None
        if not self.collected_check.isChecked():
            address = AddressFields(**{k: e.text() for k, e in self.address_edits.items()})
        return CounterOrderDraft(
            store_code=self.store_edit.text(),
            lines=tuple(
                DraftLine(
                    line.product.id,
                    line.quantity,
                    unit_price_cents=line.unit_price_cents if line.overridden else None,
                    price_reason=line.reason,
                )
                for line in self.lines
            ),
            payment=payment,
            customer_id=self.customer.id if self.customer else None,
            new_customer=new_customer,
            address=address,
        )

    def save_order(self) -> None:
        """One action, one transaction: the service saves the order or says what is wrong."""
        self._clear_errors()
        self.result_label.hide()
        try:
            draft = self.draft()
            placed = place_counter_order(
                self._context.database.unit_of_work(), self._context.actor, draft
            )
        except DraftProblems as problems:
            self._show_all_problems(problems.problems)
            return
        except InvalidInput as error:
            self._show_field_error(error)
            return
        except OrderdeskError as error:
            self._show_problem(error_text(error))
            return
        self._remember_store(draft.store_code)
        self.last_placed = placed
        paid_by = self.method_combo.currentText().lower()
        self.result_label.setText(
            f"{GOOD.symbol} "
            + _(
                "Saved {number} · {channel_id} for {customer}: {total}, {paid_by}. "
                "Ready for the next customer."
            ).format(
                number=placed.number,
                channel_id=placed.channel_order_id,
                customer=placed.customer_name,
                total=format_money(placed.total_cents, placed.currency),
                paid_by=paid_by,
            )
        )
        if placed.paid_cents < placed.total_cents:
            owed = format_money(placed.total_cents - placed.paid_cents, placed.currency)
            self.result_label.setText(
                self.result_label.text() + " " + _("{owed} is owed.").format(owed=owed)
            )
        self.result_label.show()
        self.clear_form()

    def _remember_store(self, store_code: str) -> None:
        code = store_code.strip().upper()
        settings = self._context.settings
        if code and settings.shop_store_code != code:
            settings.shop_store_code = code
            self._context.store.save(settings)
        self.store_edit.setText(code)
        self._show_store()

    def _store_typed(self) -> None:
        code = self.store_edit.text().strip().upper()
        if STORE_CODE_PATTERN.match(code):
            self._clear_error("store_code")
            self._remember_store(code)

    def _change_store(self) -> None:
        self.store_edit.parentWidget().show()
        self.store_caption.show()
        self.change_store_button.hide()
        self.store_edit.setFocus()
        self.store_edit.selectAll()

    def _show_store(self) -> None:
        code = self._context.settings.shop_store_code
        if code:
            self.title_label.setText(_("Shop counter — store {code}").format(code=code))
        else:
            self.title_label.setText(_("Shop counter — which store is this workstation in?"))
        asking = not code
        self.store_edit.parentWidget().setVisible(asking)
        self.store_caption.setVisible(asking)
        self.change_store_button.setVisible(not asking)

    def clear_form(self) -> None:
        """Everything but the store and the last result, for the next customer."""
        self.lines.clear()
        self.customer = None
        self._clear_customer_label()
        self.customer_search.clear()
        self.customer_list.hide()
        self._set_new_customer_enabled(True)
        for edit in (self.new_name, self.new_phone, self.new_email):
            edit.clear()
        self.new_language.setCurrentIndex(0)
        self.collected_check.setChecked(False)
        for edit in self.address_edits.values():
            edit.clear()
        self.method_combo.setCurrentIndex(0)
        self.part_check.setChecked(False)
        self.brand_combo.setCurrentIndex(0)
        for edit in (self.last4_edit, self.expiry_edit, self.reference_edit, self.amount_edit):
            edit.clear()
        self._amount_edited = False
        self._clear_scan()
        self._clear_errors()
        self._show_lines()
        self.focus_scan()

    # ----------------------------------------------------------------- errors

    def _show_field_error(self, error: InvalidInput) -> None:
        field = error.field
        key = "lines" if field.startswith("lines") else field
        if isinstance(error, FullCardNumber):
            text = self._card_sentence(error.last4)
            widget = self._fields.get(key)
            if isinstance(widget, QLineEdit):
                widget.clear()
        else:
            text = self._sentence(error)
        self._show_error_text(key, text)
        if field.startswith("lines["):
            self._select_line_of(field)

    def _show_all_problems(self, problems: tuple[InvalidInput, ...]) -> None:
        """Every problem beside its field at once; the first one's field gets the keyboard."""
        texts: dict[str, list[str]] = {}
        for problem in problems:
            key = "lines" if problem.field.startswith("lines") else problem.field
            texts.setdefault(key, []).append(self._sentence(problem))
        for key, lines in texts.items():
            label = self._errors.get(key)
            if label is None:
                self._show_problem(" ".join(lines))
                continue
            label.setText("\n".join(f"{BAD.symbol} {line}" for line in lines))
            label.show()
        first = problems[0]
        if first.field.startswith("lines["):
            self._select_line_of(first.field)
        widget = self._fields.get("lines" if first.field.startswith("lines") else first.field)
        if widget is not None and widget.isEnabled():
            if not widget.isVisible() and first.field == "store_code":
                self._change_store()
            widget.setFocus()

    def _sentence(self, error: InvalidInput) -> str:
        if error.field.startswith("lines["):
            number = error.field[len("lines[") :].split("]", 1)[0]
            return _("Line {n}: needs {expected}.").format(n=number, expected=error.expected)
        return _("Needs {expected}.").format(expected=error.expected)

    def _show_error_text(self, key: str, text: str) -> None:
        label = self._errors.get(key)
        if label is None:
            self._show_problem(text)
            return
        label.setText(f"{BAD.symbol} {text}")
        label.show()
        widget = self._fields.get(key)
        if widget is not None and widget.isEnabled():
            widget.setFocus()

    def _select_line_of(self, field: str) -> None:
        try:
            row = int(field[len("lines[") :].split("]", 1)[0]) - 1
        except ValueError:
            return
        column = {"quantity": QTY, "unit_price": PRICE, "price_reason": REASON}.get(
            field.rsplit(".", 1)[-1], SKU
        )
        if 0 <= row < self.lines_table.rowCount():
            self.lines_table.setCurrentCell(row, column)

    def _clear_error(self, key: str) -> None:
        label = self._errors.get(key)
        if label is not None:
            label.hide()
            label.clear()

    def _clear_errors(self) -> None:
        for key in self._errors:
            self._clear_error(key)
        self.problem_label.hide()

    def _show_problem(self, text: str) -> None:
        self.problem_label.setText(f"{BAD.symbol} {text}")
        self.problem_label.show()
