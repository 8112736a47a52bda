"""The Shop counter screen: a customer at the desk, a scanner in one hand, paid on the spot.

It composes the shared widgets: the scan field (a scanned EAN or a typed SKU and Enter
adds the product or counts it up; an unknown code is said in red beside the field, never
in a dialog), the customer picker, the lines table (with what the store has free on each
line) and the payment panel. The store belongs to the workstation: asked once, remembered
in its settings, shown in the title.

"Save order" (Ctrl+S) first runs the counter's one validation (``app.counter.rules``) on
the whole form and shows every problem at once beside its field, the first one focused;
then ``app.counter.service.place_counter_order`` saves it in one transaction. What the
service refuses is shown the same way; what cannot be saved for another reason (a busy
database) is said in the status line, and nothing typed is lost. A full card number typed
or scanned into any field is cleared at once.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QCheckBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.address import PostalAddress
from app.cards import card_number_in
from app.counter.model import (
    STORE_CODE_PATTERN,
    CounterOrderDraft,
    CustomerMatch,
    DraftLine,
    PlacedOrder,
    ProductFacts,
    ProductMatch,
)
from app.counter.queries import find_customers, find_products, product_for_code, store_stock
from app.counter.rules import draft_problems, quantity_problem
from app.counter.service import place_counter_order
from app.errors import DraftProblems, FullCardNumber, InvalidInput, OrderdeskError
from app.i18n import _
from app.money import format_money
from db.models import utcnow
from ui.actions import make_action, with_shortcut
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text
from ui.style import BAD, GOOD, SPACE_L, SPACE_M, SPACE_S, WARN, Tone, heading_font
from ui.widgets.customer_picker import CustomerPicker
from ui.widgets.display import tone_label
from ui.widgets.form import (
    FieldErrors,
    caption,
    field_key,
    line_edit,
    line_number,
    problem_sentence,
    section,
)
from ui.widgets.lines_table import QTY, REASON, STOCK, LinesTable
from ui.widgets.payment_panel import PaymentPanel
from ui.widgets.scan_field import ScanField

SAVE_SHORTCUT = "Ctrl+S"
SCAN_SHORTCUT = "Ctrl+E"
CUSTOMER_SHORTCUT = "Ctrl+F"
NEW_CUSTOMER_SHORTCUT = "Ctrl+N"
LINES_SHORTCUT = "Ctrl+L"
PAYMENT_SHORTCUT = "Ctrl+P"

__all__ = ["QTY", "REASON", "STOCK", "CounterScreen"]

# Where each field sits on the form, top left to bottom right: the first problem is focused.
_FORM_ORDER = ("store_code", "customer", "address", "lines", "payment")


def _form_order(field: str) -> int:
    return next((i for i, part in enumerate(_FORM_ORDER) if field.startswith(part)), 0)


class CounterScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.errors = FieldErrors()
        self.last_placed: PlacedOrder | None = None
        self._listed_for = ""  # the text the product matches shown were found for
        self._build()
        self._build_actions()
        self._guard_card_numbers()
        self._show_totals()

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_S)
        layout.setSpacing(SPACE_M)
        layout.addLayout(self._build_store())
        self.result_label = tone_label("counterResult", GOOD)
        self.result_label.setFont(heading_font(self.font(), 1.1))
        layout.addWidget(self.result_label)
        # The status line: what stopped a save that no field is to blame for.
        self.problem_label = tone_label("counterProblem", BAD)
        self.problem_label.setWordWrap(True)
        layout.addWidget(self.problem_label)

        columns = QHBoxLayout()
        columns.setSpacing(SPACE_L)
        left = QVBoxLayout()
        left.setSpacing(SPACE_M)
        self.picker = CustomerPicker(
            self._search_customers,
            self.errors,
            delay_ms=self._context.settings.search_delay_ms,
            find_shortcut=CUSTOMER_SHORTCUT,
            new_shortcut=NEW_CUSTOMER_SHORTCUT,
        )
        self.picker.chosen.connect(self._customer_chosen)
        self.picker.problem.connect(self._show_problem)
        left.addWidget(self.picker)
        left.addWidget(self._build_address())
        left.addStretch(1)
        right = QVBoxLayout()
        right.setSpacing(SPACE_M)
        right.addWidget(self._build_scan())
        self.lines_widget = LinesTable(self.errors, quantity_problem)
        self.lines_widget.changed.connect(self._show_totals)
        self.lines_widget.said.connect(self._scan_feedback)
        right.addWidget(self.lines_widget, 1)
        self.payment = PaymentPanel(self.errors)
        self._add_save_button(self.payment.grid)
        right.addWidget(self.payment)
        columns.addLayout(left, 2)
        columns.addLayout(right, 3)
        layout.addLayout(columns, 1)
        self._aliases()

    def _aliases(self) -> None:
        """The composed widgets' parts by the names the desk's tests and shortcuts use."""
        picker, lines, payment = self.picker, self.lines_widget, self.payment
        self.customer_search, self.customer_list = picker.search_edit, picker.matches
        self.customer_label = picker.chosen_label
        self.new_name, self.new_phone = picker.name_edit, picker.phone_edit
        self.new_email, self.new_language = picker.email_edit, picker.language_combo
        self.lines_table, self.empty_label = lines.table, lines.empty_label
        self.total_label, self.count_label = lines.total_label, lines.count_label
        self.remove_button = lines.remove_button
        self.method_combo, self.amount_edit = payment.method_combo, payment.amount_edit
        self.brand_combo, self.last4_edit = payment.brand_combo, payment.last4_edit
        self.expiry_edit, self.reference_edit = payment.expiry_edit, payment.reference_edit
        self.card_note, self.part_check = payment.card_note, payment.part_check
        self.change_label = payment.change_label

    def _build_store(self) -> QHBoxLayout:
        top = QHBoxLayout()
        self.title_label = QLabel()
        self.title_label.setObjectName("counterTitle")
        self.title_label.setFont(heading_font(self.font(), 1.3))
        top.addWidget(self.title_label)
        top.addStretch(1)
        # Asked only while the workstation has no store: a field big enough to read.
        self.store_edit = QLineEdit(self._context.settings.shop_store_code)
        self.store_edit.setObjectName("storeCode")
        self.store_edit.setPlaceholderText(_("e.g. BER"))
        self.store_edit.setMaxLength(8)
        self.store_edit.setFont(heading_font(self.font(), 1.2))
        self.store_edit.setMinimumWidth(self.fontMetrics().horizontalAdvance("M") * 12)
        self.store_edit.returnPressed.connect(self._store_typed)
        self.store_caption = caption(_("This workstation's &store code:"), self.store_edit)
        top.addWidget(self.store_caption)
        self.store_box = self.errors.wrap("store_code", self.store_edit)
        top.addWidget(self.store_box)
        self.remember_store_button = QPushButton(_("Remember this store"))
        self.remember_store_button.setObjectName("rememberStore")
        self.remember_store_button.clicked.connect(self._store_typed)
        top.addWidget(self.remember_store_button)
        self.change_store_button = QPushButton(_("Change store…"))
        self.change_store_button.setObjectName("changeStore")
        self.change_store_button.clicked.connect(self._change_store)
        top.addWidget(self.change_store_button)
        self._show_store()
        return top

    def _build_address(self) -> QWidget:
        box, grid = section(_("Ship to / billing address"), self)
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
        for index, (key, text, placeholder) in enumerate(rows):
            edit = line_edit(f"address_{key}", placeholder)
            if key == "country_code":
                edit.setMaxLength(2)
            self.address_edits[key] = edit
            self.errors.add_row(fields, index // 2, (index % 2) * 2, text, f"address.{key}", edit)
        fields.setColumnStretch(1, 1)
        fields.setColumnStretch(3, 1)
        return box

    def _build_scan(self) -> QWidget:
        box = QWidget()
        column = QVBoxLayout(box)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(SPACE_S)
        self.scan = ScanField("scanField")
        self.scan.instruction.hide()  # the counter's instruction is the placeholder
        self.scan.set_placeholder(_("Scan a barcode, or type a SKU or product name, then Enter"))
        self.scan.edit.setToolTip(with_shortcut(_("Add products"), SCAN_SHORTCUT))
        self.scan.scanned.connect(self.scan_entered)
        self.scan.escaped.connect(self._clear_scan)
        self.scan.edit.installEventFilter(self)
        self.scan_edit, self.scan_message = self.scan.edit, self.scan.feedback
        row = QHBoxLayout()
        row.addWidget(caption(_("Sc&an:"), self.scan_edit))
        row.addWidget(self.scan, 1)
        column.addLayout(row)
        self.product_list = QListWidget()
        self.product_list.setObjectName("productMatches")
        self.product_list.setMaximumHeight(120)
        self.product_list.itemActivated.connect(self._choose_product_item)
        self.product_list.hide()
        column.addWidget(self.product_list)
        return box

    def _add_save_button(self, grid: QGridLayout) -> None:
        self.save_button = QPushButton(with_shortcut(_("Save order"), SAVE_SHORTCUT))
        self.save_button.setObjectName("saveOrder")
        self.save_button.setDefault(True)
        self.save_button.setFont(heading_font(self.font(), 1.1))
        self.save_button.setMinimumHeight(self.fontMetrics().height() * 2 + SPACE_M)
        self.save_button.clicked.connect(self.save_order)
        grid.addWidget(self.save_button, 7, 0, 1, 4)

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

    def _action(self, text: str, shortcut: str, slot) -> QAction:
        # Only while this desk has the keyboard: other desks may use the same keys.
        return make_action(
            self, text, shortcut, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

    def _guard_card_numbers(self) -> None:
        # A card number swiped or typed into any field is cleared before it can go anywhere.
        for edit in self.findChildren(QLineEdit):
            edit.textEdited.connect(lambda text, e=edit: self._refuse_card_number(e, text))

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

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            watched is self.scan_edit
            and event.type() == QEvent.Type.KeyPress
            and event.key() in (Qt.Key.Key_Down, Qt.Key.Key_Up)  # type: ignore[attr-defined]
            and self.product_list.isVisible()
            and self.product_list.count()
        ):
            step = 1 if event.key() == Qt.Key.Key_Down else -1  # type: ignore[attr-defined]
            listing = self.product_list
            listing.setCurrentRow(max(0, min(listing.count() - 1, listing.currentRow() + step)))
            return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- card numbers

    def _refuse_card_number(self, edit: QLineEdit, text: str) -> None:
        last4 = card_number_in(text)
        if last4 is None:
            return
        edit.clear()
        field = self.errors.field_of(edit)
        if edit is self.scan_edit or field is None:
            self._scan_feedback(BAD, self._card_sentence(last4))
        else:
            self.errors.show(field, [self._card_sentence(last4)])

    @staticmethod
    def _card_sentence(last4: str) -> str:
        return _(
            "That was a full card number (ending {last4}); it has been cleared. Card numbers "
            "are never kept: enter only the brand, the last four digits, the expiry and the "
            "reference on the terminal slip."
        ).format(last4=last4)

    # ----------------------------------------------------------------- customer

    @property
    def customer(self) -> CustomerMatch | None:
        return self.picker.customer

    def _search_customers(self, text: str) -> list[CustomerMatch]:
        return find_customers(self._context.database, self._context.actor, text)

    def search_customers(self) -> None:
        self.picker.search_now()

    def choose_customer(self, match: CustomerMatch) -> None:
        self.picker.choose(match)

    def new_customer(self) -> None:
        self.picker.start_new()

    def _customer_chosen(self, match: CustomerMatch) -> None:
        address = match.address
        if address is not None and not any(e.text() for e in self.address_edits.values()):
            for key, edit in self.address_edits.items():
                edit.setText(getattr(address, key))
        self.focus_scan()

    def _collected_toggled(self, collected: bool) -> None:
        for edit in self.address_edits.values():
            edit.setEnabled(not collected)
        self.address_box.setVisible(not collected)
        for key in self.address_edits:
            self.errors.clear(f"address.{key}")

    # ----------------------------------------------------------------- products

    def scan_entered(self, code: str | None = None) -> None:
        code = (self.scan_edit.text() if code is None else code).strip()
        chosen = self.product_list.currentItem()
        listed = self.product_list.isVisible() and chosen is not None
        if listed and code in ("", self._listed_for):
            self._choose_product_item(chosen)  # Enter on a match picked with the arrows
            return
        if not code:
            return
        self.product_list.hide()
        database, actor = self._context.database, self._context.actor
        try:
            exact = product_for_code(database, actor, code)
            matches = [exact] if exact else find_products(database, actor, code)
        except OrderdeskError as error:
            self._scan_feedback(BAD, error_text(error))
            return
        if len(matches) == 1:
            self.add_product(matches[0])
        elif not matches:
            self._scan_feedback(
                BAD, _("Unknown code “{code}”: no product has it.").format(code=code)
            )
        else:
            self._list_products(code, matches)
        self.scan_edit.setFocus()

    def _list_products(self, code: str, matches: list[ProductMatch]) -> None:
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

    def _choose_product_item(self, item: QListWidgetItem) -> None:
        self.add_product(item.data(Qt.ItemDataRole.UserRole))
        self.scan_edit.clear()
        self.scan_edit.setFocus()

    def add_product(self, product: ProductMatch) -> None:
        """Add one of ``product``, or one more of it when it is on a line already."""
        self.product_list.hide()
        available = self._store_stock([product.id]).get(product.id)
        line = self.lines_widget.add(product, available)
        tone, text = (
            GOOD,
            _("{name} — {quantity} on the order").format(name=product.name, quantity=line.quantity),
        )
        if available is not None and line.quantity > available:
            tone = WARN
            text += " · " + _("only {available} free in this store").format(available=available)
        self._scan_feedback(tone, text)

    def _store_stock(self, product_ids: list[int]) -> dict[int, int]:
        code = self._context.settings.shop_store_code
        try:
            return store_stock(self._context.database, self._context.actor, code, product_ids)
        except OrderdeskError:
            return {}

    def remove_current_line(self) -> None:
        self.lines_widget.remove_current()

    def _clear_scan(self) -> None:
        self.scan_edit.clear()
        self.product_list.hide()
        self.scan.clear_feedback()

    def _scan_feedback(self, tone: Tone, text: str) -> None:
        self.scan.say(tone, text)

    @property
    def lines(self):
        return self.lines_widget.lines

    def _show_totals(self) -> None:
        self.payment.set_total(self.lines_widget.total(), self.lines_widget.currency())

    # ----------------------------------------------------------------- saving

    def draft(self) -> tuple[CounterOrderDraft, list[InvalidInput]]:
        """The form as the service takes it, and the typed values that could not be read."""
        payment, unreadable = self.payment.payment()
        address = None
        if not self.collected_check.isChecked():
            address = PostalAddress(**{k: e.text() for k, e in self.address_edits.items()})
        draft = CounterOrderDraft(
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
            new_customer=self.picker.new_customer(),
            address=address,
        )
        return draft, unreadable

    def _problems(self, draft: CounterOrderDraft, unreadable: list[InvalidInput]):
        """Every problem the form shows before anything is sent: what could not be read
        first, then the counter's one validation over the lines as the screen knows them."""
        collected = draft.address is None
        catalogue = {
            line.product.id: ProductFacts(
                line.product.id,
                line.product.sku,
                line.product.price_cents,
                line.product.currency,
                available=line.available if collected else None,
            )
            for line in self.lines
        }
        checked = draft_problems(draft, utcnow().astimezone().date(), catalogue)
        if any(isinstance(problem, FullCardNumber) for problem in unreadable + list(checked)):
            return [p for p in unreadable + list(checked) if isinstance(p, FullCardNumber)][:1]
        read = {problem.field for problem in unreadable}
        problems = unreadable + [p for p in checked if p.field not in read]
        return sorted(problems, key=lambda p: _form_order(p.field))

    def save_order(self) -> None:
        """One action, one transaction: every problem shown at once, or the order saved."""
        self.errors.clear_all()
        self.problem_label.hide()
        self.result_label.hide()
        draft, unreadable = self.draft()
        problems = self._problems(draft, unreadable)
        if problems:
            self._show_all_problems(problems)
            return
        try:
            placed = place_counter_order(
                self._context.database.unit_of_work(), self._context.actor, draft
            )
        except DraftProblems as several:
            self._show_all_problems(list(several.problems))
            return
        except InvalidInput as problem:
            self._show_all_problems([problem])
            return
        except OrderdeskError as error:
            self._show_problem(error_text(error))
            return
        self._remember_store(draft.store_code)
        self._saved(placed)

    def _saved(self, placed: PlacedOrder) -> None:
        self.last_placed = placed
        text = _(
            "Saved {number} · {channel_id} for {customer}: {total}, {paid_by}. "
            "Ready for the next customer."
        ).format(
            number=placed.number,
            channel_id=placed.channel_order_id,
            customer=placed.customer_name,
            total=format_money(placed.total_cents, placed.currency),
            paid_by=self.method_combo.currentText().lower(),
        )
        if placed.owed_cents > 0:
            owed = format_money(placed.owed_cents, placed.currency)
            text += " " + _("{owed} is owed.").format(owed=owed)
        self.result_label.setText(f"{GOOD.symbol} {text}")
        self.result_label.show()
        self.clear_form()

    # ----------------------------------------------------------------- the store

    def _remember_store(self, store_code: str) -> None:
        code = store_code.strip().upper()
        settings = self._context.settings
        if code and settings.shop_store_code != code:
            settings.shop_store_code = code
            self._context.store.save(settings)
            self.lines_widget.set_available(
                self._store_stock([line.product.id for line in self.lines])
            )
        self.store_edit.setText(code)
        self._show_store()

    def _store_typed(self) -> None:
        code = self.store_edit.text().strip().upper()
        if STORE_CODE_PATTERN.match(code):
            self.errors.clear("store_code")
            self._remember_store(code)
            self.focus_scan()
        else:
            self.errors.show(
                "store_code",
                [_("Needs {expected}.").format(expected=_("2 to 8 letters or digits, e.g. BER"))],
            )

    def _change_store(self) -> None:
        self._asking_store(True)
        self.store_edit.setFocus()
        self.store_edit.selectAll()

    def _show_store(self) -> None:
        code = self._context.settings.shop_store_code
        if code:
            self.title_label.setText(_("Shop counter — store {code}").format(code=code))
        else:
            self.title_label.setText(_("Shop counter — which store is this workstation in?"))
        self._asking_store(not code)

    def _asking_store(self, asking: bool) -> None:
        for widget in (self.store_box, self.store_caption, self.remember_store_button):
            widget.setVisible(asking)
        self.change_store_button.setVisible(not asking)

    def clear_form(self) -> None:
        """Everything but the store and the last result, for the next customer."""
        self.picker.clear()
        self.collected_check.setChecked(False)
        for edit in self.address_edits.values():
            edit.clear()
        self.payment.clear()
        self.lines_widget.clear()
        self._clear_scan()
        self.errors.clear_all()
        self.problem_label.hide()
        self.focus_scan()

    # ----------------------------------------------------------------- errors

    def _show_all_problems(self, problems: list[InvalidInput]) -> None:
        """Every problem beside its field at once; the first one's field gets the keyboard."""
        texts: dict[str, list[str]] = {}
        for problem in problems:
            if isinstance(problem, FullCardNumber):
                widget = self.errors.widget(problem.field)
                if isinstance(widget, QLineEdit):
                    widget.clear()
                text = self._card_sentence(problem.last4)
            else:
                text = problem_sentence(problem)
            texts.setdefault(field_key(problem.field), []).append(text)
        unplaced = [
            text
            for key, lines in texts.items()
            if not self.errors.show(key, lines)
            for text in lines
        ]
        if unplaced:
            self._show_problem(" ".join(unplaced))
        self._focus_problem(problems[0])

    def _focus_problem(self, first: InvalidInput) -> None:
        number = line_number(first.field)
        if number is not None:
            self.lines_widget.select_cell(number, first.field.rsplit(".", 1)[-1])
        if first.field == "store_code":
            self._asking_store(True)
        widget = self.errors.widget(first.field)
        if widget is not None and widget.isEnabled():
            widget.setFocus()

    def _show_problem(self, text: str) -> None:
        self.problem_label.setText(f"{BAD.symbol} {text}")
        self.problem_label.show()
