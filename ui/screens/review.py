"""The Review desk: every order checked before the warehouse sees it.

Left, the queues with live counts; in the middle, the chosen queue as a lazy table (oldest
first: the desk works first come, first served); right, the selected order with each
finding shown on the field it concerns, stock per warehouse for each line, the payment and
the customer's history, and below it the desk's actions. Every action is one service call
(one transaction, audited) with the version of the order on screen; if another desk got
there first the person is told and the order reloaded. "Review received orders" runs the
auto review on a worker with a progress dialog and Cancel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from html import escape

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QDateTime, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.review.exception_desk import (
    ban_customer,
    hold_order,
    keep_stored_version,
    release_hold,
    resolve_duplicates,
    set_exception_plan,
)
from app.review.messages import MessageKind
from app.review.service import (
    ALL_RECEIVED,
    ContactCorrection,
    NewPayment,
    ReviewSummary,
    approve_order,
    ask_for_payment,
    cancel_order,
    correct_contact,
    request_information,
    rereview_order,
    resolve_payment,
    review_orders,
)
from app.review.stock_short import answer_stock_short, offer_stock_options
from app.views.review import (
    FindingView,
    QueueCounts,
    QueuePages,
    ReviewDetail,
    ReviewQueue,
    ReviewRow,
    ShipToView,
    queue_counts,
    review_detail,
)
from ui.actions import make_action, with_shortcut
from ui.desks import DeskContext, DeskScreen
from ui.errors import error_text, user_action
from ui.style import BAD, GOOD, MUTED, SPACE_L, SPACE_M, SPACE_S, WARN, heading_font
from ui.tasks import Progress
from ui.widgets.display import (
    local_datetime,
    local_time,
    money,
    status_text,
    status_tone,
    tone_label,
)
from ui.widgets.lazy_table import lazy_table_view
from ui.widgets.order_detail import badge
from ui.widgets.paged_table_model import Column, PagedTableModel

TABLE_LAYOUT_KEY = "review/table"
SPLITTER_LAYOUT_KEY = "review/splitter"
COUNTS_REFRESH_MS = 5000

QUEUES: tuple[tuple[ReviewQueue, str, str], ...] = (
    (ReviewQueue.TO_REVIEW, QT_TRANSLATE_NOOP("Review", "To review"), "Alt+1"),
    (ReviewQueue.NEEDS_INFO, QT_TRANSLATE_NOOP("Review", "Needs information"), "Alt+2"),
    (ReviewQueue.STOCK_SHORT, QT_TRANSLATE_NOOP("Review", "Stock short"), "Alt+3"),
    (ReviewQueue.PAYMENT_PROBLEM, QT_TRANSLATE_NOOP("Review", "Payment problem"), "Alt+4"),
    (ReviewQueue.EXCEPTION, QT_TRANSLATE_NOOP("Review", "Exceptions"), "Alt+5"),
    (ReviewQueue.ON_HOLD, QT_TRANSLATE_NOOP("Review", "On hold"), "Alt+6"),
)

# key → (text, shortcut). Which apply to the order shown comes from ReviewDetail.actions.
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("approve", QT_TRANSLATE_NOOP("Review", "&Approve"), "Ctrl+Return"),
    ("override", QT_TRANSLATE_NOOP("Review", "Appro&ve over findings…"), "Ctrl+Shift+Return"),
    ("rereview", QT_TRANSLATE_NOOP("Review", "Review a&gain"), "F6"),
    ("request_info", QT_TRANSLATE_NOOP("Review", "Request &information"), "Ctrl+I"),
    ("correct", QT_TRANSLATE_NOOP("Review", "&Correct phone/address…"), "Ctrl+E"),
    ("offer_stock", QT_TRANSLATE_NOOP("Review", "&Offer date/substitutes"), "Ctrl+O"),
    ("stock_answer", QT_TRANSLATE_NOOP("Review", "Customer's ans&wer…"), "Ctrl+W"),
    ("ask_payment", QT_TRANSLATE_NOOP("Review", "Ask for &payment"), "Ctrl+P"),
    ("resolve_payment", QT_TRANSLATE_NOOP("Review", "Record pa&yment…"), "Ctrl+Shift+P"),
    ("resolve_duplicates", QT_TRANSLATE_NOOP("Review", "Keep this, cancel &duplicates"), "Ctrl+U"),
    ("keep_stored", QT_TRANSLATE_NOOP("Review", "Keep &stored order"), "Ctrl+Shift+U"),
    ("plan", QT_TRANSLATE_NOOP("Review", "Write p&lan…"), "Ctrl+Shift+N"),
    ("hold", QT_TRANSLATE_NOOP("Review", "&Hold (unreachable)…"), "Ctrl+H"),
    ("release", QT_TRANSLATE_NOOP("Review", "&Release hold"), "Ctrl+Shift+H"),
    ("ban", QT_TRANSLATE_NOOP("Review", "&Ban customer…"), "Ctrl+B"),
    ("cancel", QT_TRANSLATE_NOOP("Review", "Ca&ncel order…"), "Ctrl+Delete"),
)

FIELD_TEXT = {
    "customer": QT_TRANSLATE_NOOP("Review", "Customer"),
    "customer.name": QT_TRANSLATE_NOOP("Review", "Name"),
    "customer.status": QT_TRANSLATE_NOOP("Review", "Account"),
    "customer.email": QT_TRANSLATE_NOOP("Review", "E-mail"),
    "ship_to.name": QT_TRANSLATE_NOOP("Review", "Recipient"),
    "ship_to.phone": QT_TRANSLATE_NOOP("Review", "Phone"),
    "ship_to.line1": QT_TRANSLATE_NOOP("Review", "Street"),
    "ship_to.city": QT_TRANSLATE_NOOP("Review", "City"),
    "ship_to.region": QT_TRANSLATE_NOOP("Review", "Region"),
    "ship_to.postal_code": QT_TRANSLATE_NOOP("Review", "Postal code"),
    "ship_to.country": QT_TRANSLATE_NOOP("Review", "Country"),
    "ship_to": QT_TRANSLATE_NOOP("Review", "Ship-to"),
    "order.total": QT_TRANSLATE_NOOP("Review", "Totals"),
    "order.channel_order_id": QT_TRANSLATE_NOOP("Review", "Channel order"),
    "payment": QT_TRANSLATE_NOOP("Review", "Payment"),
    "payment.amount": QT_TRANSLATE_NOOP("Review", "Amount paid"),
    "payment.status": QT_TRANSLATE_NOOP("Review", "Payment status"),
    "payment.method": QT_TRANSLATE_NOOP("Review", "Payment method"),
    "payment.card": QT_TRANSLATE_NOOP("Review", "Card"),
    "lines": QT_TRANSLATE_NOOP("Review", "Lines"),
}


def _t(text: str) -> str:
    """Texts marked with QT_TRANSLATE_NOOP("Review", …) above, translated when shown."""
    return QCoreApplication.translate("Review", text)


def _key_text(shortcut: str) -> str:
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def review_columns(tr) -> list[Column[ReviewRow]]:
    def problem_tone(row: ReviewRow) -> str | None:
        if row.blocking:
            return BAD.foreground
        return WARN.foreground if row.warnings else None

    return [
        Column(tr("Order"), lambda r: r.number),
        Column(tr("Received"), lambda r: local_time(r.received_at)),
        Column(tr("Customer"), lambda r: r.customer, tooltip=lambda r: r.customer),
        Column(tr("Country"), lambda r: r.ship_country),
        Column(tr("Total"), lambda r: money(r.total_cents, r.currency), align_right=True),
        Column(
            tr("Problems"),
            lambda r: _problem_count(r),
            align_right=True,
            foreground=problem_tone,
        ),
        Column(tr("First problem"), lambda r: r.first_problem, tooltip=lambda r: r.first_problem),
    ]


def _problem_count(row: ReviewRow) -> str:
    if row.blocking:
        return f"{BAD.symbol} {row.blocking}"
    return f"{WARN.symbol} {row.warnings}" if row.warnings else ""


_COLUMN_WIDTHS = (88, 110, 150, 56, 100, 70, 320)


class ReviewScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.queue = ReviewQueue.TO_REVIEW
        self.detail: ReviewDetail | None = None
        self.counts = QueueCounts()
        self.last_summary: ReviewSummary | None = None
        self.model: PagedTableModel[ReviewRow] = PagedTableModel(
            review_columns(self.tr),
            key=lambda row: row.id,
            page_rows=context.settings.page_rows,
            cached_pages=context.settings.cached_pages,
            parent=self,
        )
        self.model.fetch_failed.connect(self._show_problem)
        self._build()
        self._build_actions()
        self._restore_layout()
        self.counts_timer = QTimer(self)
        self.counts_timer.setInterval(COUNTS_REFRESH_MS)
        self.counts_timer.timeout.connect(self.refresh_counts)
        self.counts_timer.start()
        self.show_queue(ReviewQueue.TO_REVIEW)

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_S)
        layout.setSpacing(SPACE_M)
        layout.addLayout(self._build_top())
        self.problem_label = tone_label("reviewProblem", BAD)
        layout.addWidget(self.problem_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._build_queues())
        self.splitter.addWidget(self._build_table())
        self.splitter.addWidget(self._build_detail())
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)
        self.splitter.setSizes([190, 700, 560])
        layout.addWidget(self.splitter, 1)

    def _build_top(self) -> QHBoxLayout:
        self.review_button = QPushButton(self.tr("Review received orders"))
        self.review_button.setObjectName("reviewAll")
        self.review_button.setDefault(True)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("reviewSummary")
        self.summary_label.setStyleSheet(f"color: {MUTED.foreground};")
        row = QHBoxLayout()
        row.addWidget(self.review_button)
        row.addSpacing(SPACE_L)
        row.addWidget(self.summary_label, 1)
        return row

    def _build_queues(self) -> QWidget:
        self.queue_list = QListWidget()
        self.queue_list.setObjectName("reviewQueues")
        self.queue_list.setFont(heading_font(self.font(), 1.05))
        for queue, title, key in QUEUES:
            item = QListWidgetItem(_t(title))
            item.setData(Qt.ItemDataRole.UserRole, queue.value)
            item.setToolTip(with_shortcut(_t(title), key))
            self.queue_list.addItem(item)
        self.queue_list.currentRowChanged.connect(self._queue_row_changed)
        return self.queue_list

    def _build_table(self) -> QWidget:
        self.table = lazy_table_view("reviewTable", self.model, _COLUMN_WIDTHS)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        self.count_label = QLabel()
        self.count_label.setObjectName("reviewCount")
        self.count_label.setStyleSheet(f"color: {MUTED.foreground};")
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        return box

    def _build_detail(self) -> QWidget:
        self.detail_view = QTextBrowser()
        self.detail_view.setObjectName("reviewDetail")
        self.detail_view.setOpenLinks(False)
        self.detail_view.document().setDocumentMargin(SPACE_L)
        self.button_grid = QGridLayout()
        self.button_grid.setSpacing(SPACE_S)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_M)
        layout.addWidget(self.detail_view, 1)
        layout.addLayout(self.button_grid)
        return box

    def _build_actions(self) -> None:
        handlers: dict[str, Callable[[], None]] = {
            "approve": self.approve,
            "override": self.override,
            "rereview": self.rereview,
            "request_info": self.request_info,
            "correct": self.correct,
            "offer_stock": self.offer_stock,
            "stock_answer": self.stock_answer,
            "ask_payment": self.ask_payment,
            "resolve_payment": self.record_payment,
            "resolve_duplicates": self.resolve_duplicates,
            "keep_stored": self.keep_stored,
            "plan": self.write_plan,
            "hold": self.hold,
            "release": self.release,
            "ban": self.ban,
            "cancel": self.cancel,
        }
        self.actions: dict[str, QAction] = {}
        self.buttons: dict[str, QToolButton] = {}
        for index, (key, text, shortcut) in enumerate(ACTIONS):
            action = self._action(_t(text), shortcut, handlers[key])
            action.setEnabled(False)
            button = QToolButton()
            button.setObjectName(f"review_{key}")
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            # The key on the button itself: reviewers learn them by looking.
            action.setIconText(f"{_t(text).replace('&', '')}   {_key_text(shortcut)}")
            button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
            self.button_grid.addWidget(button, index // 2, index % 2)
            self.actions[key] = action
            self.buttons[key] = button
        self.review_all_action = self._action(
            self.tr("Review &received orders"), "Ctrl+R", self.review_all
        )
        self.review_button.clicked.connect(self.review_all)
        self.review_button.setText(f"{self.review_button.text()}   {_key_text('Ctrl+R')}")
        self.review_button.setToolTip(self.review_all_action.toolTip())
        self.refresh_action = self._action(self.tr("&Refresh"), "F5", self.refresh)
        self.queue_actions = [
            self._action(_t(title), key, self._queue_switcher(queue))
            for queue, title, key in QUEUES
        ]

    def _queue_switcher(self, queue: ReviewQueue) -> Callable[[], None]:
        return lambda: self.show_queue(queue)

    def _action(self, text: str, shortcut: str, slot) -> QAction:
        return make_action(
            self, text, shortcut, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

    def desk_actions(self) -> list[QAction]:
        return [self.review_all_action, self.refresh_action, *self.actions.values()]

    def focus_primary(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    # ----------------------------------------------------------------- queues

    def refresh_counts(self) -> None:
        try:
            with self._context.database.unit_of_work() as uow:
                self.counts = queue_counts(uow.session, self._context.actor)
        except OrderdeskError as error:
            self._show_problem(error)
            return
        for row, (queue, title, _key) in enumerate(QUEUES):
            count = self.counts.of(queue)
            self.queue_list.item(row).setText(f"{_t(title)}  ({count:,})")

    def show_queue(self, queue: ReviewQueue) -> None:
        self.queue = queue
        row = next(i for i, (q, _, _) in enumerate(QUEUES) if q is queue)
        if self.queue_list.currentRow() != row:
            self.queue_list.blockSignals(True)
            self.queue_list.setCurrentRow(row)
            self.queue_list.blockSignals(False)
        self.problem_label.hide()
        try:
            pages = QueuePages(self._context.database, self._context.actor, queue)
        except OrderdeskError as error:
            self._show_problem(error)
            pages = None
        self.model.set_source(pages)
        self.table.scrollToTop()
        self.refresh_counts()
        self._show_count()
        if self.model.total:
            self.select_row(0)
        else:
            self.show_detail(None)

    def _queue_row_changed(self, row: int) -> None:
        if 0 <= row < len(QUEUES):
            self.show_queue(QUEUES[row][0])

    def _show_count(self) -> None:
        total = self.model.total
        if total:
            self.count_label.setText(
                self.tr("{count} orders in this queue").format(count=f"{total:,}")
            )
        else:
            self.count_label.setText(self._empty_text())

    def _empty_text(self) -> str:
        if self.queue is ReviewQueue.TO_REVIEW:
            return self.tr("Nothing to review. New orders appear here when they are imported.")
        return self.tr("This queue is empty.")

    def refresh(self) -> None:
        """Reload the counts, the queue and the order shown (after an action, or F5)."""
        row = self.table.currentIndex().row()
        self.model.reload()
        self.refresh_counts()
        self._show_count()
        if self.model.total:
            self.select_row(min(max(row, 0), self.model.total - 1))
        else:
            self.show_detail(None)

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)
        # setCurrentIndex does not signal when the row index stays the same while the
        # order under it changed (the one before left the queue): show it anyway.
        found = self.model.row_at(row)
        if found is not None and (self.detail is None or self.detail.order.id != found.id):
            self.show_order(found.id)

    def _current_row_changed(self, current, _previous) -> None:
        found = self.model.row_at(current.row()) if current.isValid() else None
        if found is None:
            self.show_detail(None)
        else:
            self.show_order(found.id)

    def _show_problem(self, error: OrderdeskError) -> None:
        self.problem_label.setText(f"{BAD.symbol} {error_text(error)}")
        self.problem_label.show()

    # ----------------------------------------------------------------- detail

    def show_order(self, order_id: int) -> None:
        with user_action(self), self._context.database.unit_of_work() as uow:
            self.show_detail(review_detail(uow.session, self._context.actor, order_id))

    def show_detail(self, detail: ReviewDetail | None) -> None:
        self.detail = detail
        if detail is None:
            self.detail_view.setHtml(
                f"<p style='color:{MUTED.foreground}'>"
                + escape(self.tr("Select an order to see what the review found."))
                + "</p>"
            )
        else:
            self.detail_view.setHtml(review_html(detail, self.tr))
        allowed = detail.actions if detail else frozenset()
        for key, action in self.actions.items():
            action.setEnabled(key in allowed)

    # ----------------------------------------------------------------- acting

    def _act(self, call: Callable[..., object]) -> object | None:
        """One action on the order shown: one service call, then everything reloaded."""
        detail = self.detail
        if detail is None:
            return None
        result = None
        with user_action(self):
            result = call(self._context.database.unit_of_work(), detail)
        self.refresh()
        return result

    def approve(self) -> None:
        actor = self._context.actor
        self._act(lambda uow, d: approve_order(uow, actor, d.order.id, expected_version=d.version))

    def override(self) -> None:
        reason = self.ask_text(
            self.tr("Approve over the findings"),
            self.tr("Why may this order go although the checks found problems?"),
        )
        if reason is None:
            return
        actor = self._context.actor
        self._act(
            lambda uow, d: approve_order(
                uow, actor, d.order.id, expected_version=d.version, override_reason=reason
            )
        )

    def rereview(self) -> None:
        actor = self._context.actor
        self._act(lambda uow, d: rereview_order(uow, actor, d.order.id, expected_version=d.version))

    def request_info(self) -> None:
        actor = self._context.actor
        self._act(
            lambda uow, d: request_information(uow, actor, d.order.id, expected_version=d.version)
        )

    def correct(self) -> None:
        if self.detail is None:
            return
        correction = self.ask_contact(self.detail.ship)
        if correction is None:
            return
        actor = self._context.actor
        self._act(
            lambda uow, d: correct_contact(
                uow, actor, d.order.id, expected_version=d.version, correction=correction
            )
        )

    def offer_stock(self) -> None:
        actor = self._context.actor
        self._act(
            lambda uow, d: offer_stock_options(uow, actor, d.order.id, expected_version=d.version)
        )

    def stock_answer(self) -> None:
        if self.detail is None:
            return
        answer = self.ask_stock_answer(self.detail)
        if answer is None:
            return
        actor = self._context.actor
        self._act(
            lambda uow, d: answer_stock_short(
                uow, actor, d.order.id, expected_version=d.version, **answer
            )
        )

    def ask_payment(self) -> None:
        actor = self._context.actor
        self._act(
            lambda uow, d: ask_for_payment(uow, actor, d.order.id, expected_version=d.version)
        )

    def record_payment(self) -> None:
        if self.detail is None:
            return
        entered = self.ask_payment_details(self.detail)
        if entered is None:
            return
        resolution, payment = entered
        actor = self._context.actor
        self._act(
            lambda uow, d: resolve_payment(
                uow,
                actor,
                d.order.id,
                expected_version=d.version,
                resolution=resolution,
                payment=payment,
            )
        )

    def resolve_duplicates(self) -> None:
        detail = self.detail
        if detail is None or not detail.related:
            return
        versions = {detail.order.id: detail.version}
        versions |= {r.id: r.version for r in detail.related}
        others = [r.id for r in detail.related if r.status != "cancelled"]
        actor = self._context.actor
        self._act(
            lambda uow, d: resolve_duplicates(
                uow,
                actor,
                keep_order_id=d.order.id,
                cancel_order_ids=others,
                expected_versions=versions,
            )
        )

    def keep_stored(self) -> None:
        actor = self._context.actor
        self._act(
            lambda uow, d: keep_stored_version(uow, actor, d.order.id, expected_version=d.version)
        )

    def write_plan(self) -> None:
        detail = self.detail
        record = (
            next((e for e in detail.exceptions if e.state != "closed"), None) if detail else None
        )
        if record is None:
            return
        plan = self.ask_text(
            self.tr("Plan for this exception"), self.tr("What will be done?"), record.plan
        )
        if plan is None:
            return
        actor = self._context.actor
        self._act(
            lambda uow, _d: set_exception_plan(
                uow, actor, record.id, expected_version=record.version, plan=plan
            )
        )

    def hold(self) -> None:
        held = self.ask_hold()
        if held is None:
            return
        note, callback_at = held
        actor = self._context.actor
        self._act(
            lambda uow, d: hold_order(
                uow,
                actor,
                d.order.id,
                expected_version=d.version,
                note=note,
                callback_at=callback_at,
            )
        )

    def release(self) -> None:
        note = self.ask_text(self.tr("Release the hold"), self.tr("What changed?"), "")
        if note is None:
            return
        actor = self._context.actor
        self._act(
            lambda uow, d: release_hold(
                uow, actor, d.order.id, expected_version=d.version, note=note
            )
        )

    def ban(self) -> None:
        detail = self.detail
        if detail is None or detail.customer is None:
            return
        reason = self.ask_text(
            self.tr("Ban the customer"),
            self.tr("Why is {name} banned? Their open orders are cancelled.").format(
                name=detail.customer.name
            ),
        )
        if reason is None:
            return
        actor, customer_id = self._context.actor, detail.customer.customer_id
        self._act(
            lambda uow, d: ban_customer(
                uow,
                actor,
                customer_id,
                reason=reason,
                order_id=d.order.id,
                expected_version=d.version,
            )
        )

    def cancel(self) -> None:
        reason = self.ask_text(
            self.tr("Cancel the order"), self.tr("Reason (the customer is told):")
        )
        if reason is None:
            return
        kind = (
            MessageKind.CANCELLED_PAYMENT
            if self.queue is ReviewQueue.PAYMENT_PROBLEM
            else MessageKind.CANCELLED
        )
        actor = self._context.actor
        self._act(
            lambda uow, d: cancel_order(
                uow, actor, d.order.id, expected_version=d.version, reason=reason, message=kind
            )
        )

    # ----------------------------------------------------------------- auto review

    def review_all(self) -> None:
        database, actor = self._context.database, self._context.actor

        def work(progress: Progress) -> ReviewSummary:
            # On a worker: its own units of work inside the service, plain summary out.
            return review_orders(
                database,
                actor,
                ALL_RECEIVED,
                progress=lambda done, total: progress.report(done, total),
                cancel=lambda: progress.cancelled,
            )

        with user_action(self):
            self._context.tasks.run(
                work,
                on_done=self._reviewed,
                parent=self,
                label=self.tr("Reviewing received orders…"),
            )

    def _reviewed(self, summary: ReviewSummary) -> None:
        self.last_summary = summary
        text = self.tr(
            "Reviewed {reviewed}: {approved} approved, {needs_info} need information, "
            "{stock_short} stock short, {payment_problem} payment problems, "
            "{exception} exceptions."
        ).format(**{k: f"{v:,}" for k, v in summary.as_json().items()})
        if summary.stopped:
            text += " " + self.tr("Stopped on request.")
        self.summary_label.setText(f"{GOOD.symbol} {text}")
        self.refresh()

    # ----------------------------------------------------------------- asking
    # The only places dialogs open; tests replace them with the answers a person would give.

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getMultiLineText(self, title, label, text)
        return value.strip() if ok and value.strip() else None

    def ask_contact(self, ship: ShipToView) -> ContactCorrection | None:
        dialog = ContactDialog(ship, self)
        return dialog.correction() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_stock_answer(self, detail: ReviewDetail) -> dict | None:
        dialog = StockAnswerDialog(detail, self)
        return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_payment_details(self, detail: ReviewDetail) -> tuple[str, NewPayment] | None:
        dialog = PaymentDialog(detail, self)
        return dialog.payment() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_hold(self) -> tuple[str, dt.datetime] | None:
        dialog = HoldDialog(self)
        return dialog.hold() if dialog.exec() == QDialog.DialogCode.Accepted else None

    # ----------------------------------------------------------------- layout memory

    def _restore_layout(self) -> None:
        store, user = self._context.store, self._context.actor.username
        table = store.user_blob(user, TABLE_LAYOUT_KEY)
        if table is not None:
            self.table.horizontalHeader().restoreState(table)
        splitter = store.user_blob(user, SPLITTER_LAYOUT_KEY)
        if splitter is not None:
            self.splitter.restoreState(splitter)

    def save_layout(self) -> None:
        store, user = self._context.store, self._context.actor.username
        store.set_user_blob(user, TABLE_LAYOUT_KEY, self.table.horizontalHeader().saveState())
        store.set_user_blob(user, SPLITTER_LAYOUT_KEY, self.splitter.saveState())


# --------------------------------------------------------------------------- dialogs


def _buttons(dialog: QDialog) -> QDialogButtonBox:
    box = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    box.accepted.connect(dialog.accept)
    box.rejected.connect(dialog.reject)
    return box


class ContactDialog(QDialog):
    """The ship-to as it stands; what the person changes is sent, validated by the service."""

    FIELDS = (
        ("phone", QT_TRANSLATE_NOOP("Review", "Phone")),
        ("name", QT_TRANSLATE_NOOP("Review", "Recipient")),
        ("line1", QT_TRANSLATE_NOOP("Review", "Street")),
        ("line2", QT_TRANSLATE_NOOP("Review", "Street (2)")),
        ("city", QT_TRANSLATE_NOOP("Review", "City")),
        ("region", QT_TRANSLATE_NOOP("Review", "Region")),
        ("postal_code", QT_TRANSLATE_NOOP("Review", "Postal code")),
        ("country", QT_TRANSLATE_NOOP("Review", "Country (2 letters)")),
    )

    def __init__(self, ship: ShipToView, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Correct phone and address"))
        self._ship = ship
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit] = {}
        for name, label in self.FIELDS:
            edit = QLineEdit(getattr(ship, name))
            edit.setObjectName(f"contact_{name}")
            form.addRow(_t(label), edit)
            self.edits[name] = edit
        form.addRow(_buttons(self))

    def correction(self) -> ContactCorrection:
        changed = {
            name: edit.text()
            for name, edit in self.edits.items()
            if edit.text().strip() != getattr(self._ship, name).strip()
        }
        return ContactCorrection(**changed)


class StockAnswerDialog(QDialog):
    def __init__(self, detail: ReviewDetail, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("The customer's answer"))
        form = QFormLayout(self)
        self.choice = QComboBox()
        self.choice.addItem(self.tr("Waits for the stock"), "wait")
        self.substitutes = [
            (short.line_no, option.sku)
            for short in detail.short_lines
            for option in short.substitutes
        ]
        for line_no, sku in self.substitutes:
            self.choice.addItem(
                self.tr("Takes {sku} for line {line}").format(sku=sku, line=line_no)
            )
        self.choice.addItem(self.tr("Declines: cancel the order"), "decline")
        self.note = QLineEdit()
        form.addRow(self.tr("Answer"), self.choice)
        form.addRow(self.tr("Note"), self.note)
        form.addRow(_buttons(self))

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
        self.setWindowTitle(self.tr("Record a payment"))
        order = detail.order
        paid = sum(p.amount_cents for p in order.payments if p.status == "captured")
        self._currency = order.currency
        form = QFormLayout(self)
        self.resolution = QComboBox()
        self.resolution.addItem(self.tr("Paid again"), "paid_again")
        self.resolution.addItem(self.tr("Payment method changed"), "method_changed")
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
            (self.tr("Resolution"), self.resolution),
            (self.tr("Method"), self.method),
            (self.tr("Amount ({currency})").format(currency=order.currency), self.amount),
            (self.tr("Card number (checked, not kept)"), self.card_number),
            (self.tr("Card expiry"), self.expiry),
            (self.tr("Processor reference"), self.reference),
        ):
            form.addRow(label, widget)
        form.addRow(_buttons(self))

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
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Hold: the customer cannot be reached"))
        form = QFormLayout(self)
        self.note = QLineEdit()
        self.callback = QDateTimeEdit(QDateTime.currentDateTime().addDays(1))
        self.callback.setCalendarPopup(True)
        self.callback.setDisplayFormat("yyyy-MM-dd HH:mm")
        form.addRow(self.tr("Note"), self.note)
        form.addRow(self.tr("Call back on"), self.callback)
        form.addRow(_buttons(self))

    def hold(self) -> tuple[str, dt.datetime]:
        moment = self.callback.dateTime().toSecsSinceEpoch()
        return self.note.text(), dt.datetime.fromtimestamp(moment, dt.UTC)


# --------------------------------------------------------------------------- rendering


def _t_field(tr, field: str) -> str:
    if field.startswith("lines["):
        line = field[len("lines[") :].split("]")[0]
        return tr("Line {line}").format(line=line)
    return _t(FIELD_TEXT[field]) if field in FIELD_TEXT else field


def _finding_html(finding: FindingView) -> str:
    tone = BAD if finding.severity == "block" else WARN
    return (
        f"<div style='color:{tone.foreground}; background-color:{tone.background};'>"
        f"{tone.symbol} {escape(finding.message)}</div>"
    )


def _field_row(tr, label: str, value: str, findings: tuple[FindingView, ...]) -> str:
    marks = "".join(_finding_html(f) for f in findings)
    shown = escape(value) if value else f"<span style='color:{MUTED.foreground}'>—</span>"
    return (
        f"<tr><td style='color:{MUTED.foreground}'>{escape(label)}</td><td>{shown}{marks}</td></tr>"
    )


def _section(title: str, body: str) -> str:
    return f"<h3 style='margin-top:12px'>{escape(title)}</h3>{body}"


def review_html(d: ReviewDetail, tr) -> str:
    order = d.order
    blocking = [f for f in d.findings if f.severity == "block"]
    status = badge(status_text(order.status), status_tone(order.status))
    header = (
        f"<h2>{escape(order.number)} {status}</h2>"
        f"<div style='color:{MUTED.foreground}'>{escape(order.channel)} · "
        f"{escape(order.channel_order_id)} · {escape(local_datetime(order.received_at))} · "
        f"{escape(money(order.total_cents, order.currency))}</div>"
    )
    if not d.findings:
        verdict = (
            f"<p style='color:{GOOD.foreground}'>{GOOD.symbol} {escape(tr('No findings.'))}</p>"
        )
    else:
        verdict = "".join(
            f"<div><b>{escape(_t_field(tr, f.field))}:</b></div>{_finding_html(f)}"
            for f in sorted(d.findings, key=lambda f: f.severity != "block")
        )
        if blocking:
            verdict = (
                f"<p style='color:{BAD.foreground}'>"
                + escape(
                    tr(
                        "{count} blocking finding(s): approve is refused until they are solved."
                    ).format(count=len(blocking))
                )
                + f"</p>{verdict}"
            )
    return "".join(
        (
            header,
            _section(tr("Findings"), verdict),
            _section(tr("Customer"), _customer_html(d, tr)),
            _section(tr("Ship to"), _ship_html(d, tr)),
            _section(tr("Lines and stock"), _lines_html(d, tr)),
            _section(tr("Payment"), _payment_html(d, tr)),
            _tasks_html(d, tr),
            _exceptions_html(d, tr),
        )
    )


def _table(rows: str) -> str:
    return f"<table cellspacing='0' cellpadding='3'>{rows}</table>"


def _customer_html(d: ReviewDetail, tr) -> str:
    c = d.customer
    on = d.findings_on
    if c is None:
        return "".join(_finding_html(f) for f in on("customer")) or escape(tr("No account."))
    rows = _field_row(tr, tr("Name"), c.name, on("customer.name"))
    status = f"{status_text(c.status)}"
    rows += _field_row(tr, tr("Account"), status, on("customer.status"))
    rows += _field_row(tr, tr("E-mail"), d.order.customer_email, on("customer.email"))
    since = local_datetime(c.since) if c.since else ""
    history = tr("{count} orders since {since}").format(count=f"{c.order_count:,}", since=since)
    by_status = ", ".join(f"{status_text(s)} {n:,}" for s, n in c.by_status)
    rows += _field_row(tr, tr("History"), f"{history} ({by_status})", ())
    recent = ", ".join(f"{p.number} {status_text(p.status)}" for p in c.recent[:5])
    rows += _field_row(tr, tr("Latest"), recent, ())
    if c.exceptions:
        rows += _field_row(tr, tr("Exceptions"), str(c.exceptions), ())
    return _table(rows) + "".join(_finding_html(f) for f in d.findings if f.field == "customer")


def _ship_html(d: ReviewDetail, tr) -> str:
    s = d.ship
    on = d.findings_on
    rows = "".join(
        _field_row(tr, label, value, on(field))
        for label, value, field in (
            (tr("Recipient"), s.name, "ship_to.name"),
            (tr("Phone"), s.phone, "ship_to.phone"),
            (tr("Street"), " / ".join(p for p in (s.line1, s.line2) if p), "ship_to.line1"),
            (tr("City"), s.city, "ship_to.city"),
            (tr("Postal code"), s.postal_code, "ship_to.postal_code"),
            (tr("Region"), s.region, "ship_to.region"),
            (tr("Country"), s.country, "ship_to.country"),
        )
    )
    whole = [f for f in d.findings if f.field == "ship_to"]
    return _table(rows) + "".join(_finding_html(f) for f in whole)


def _lines_html(d: ReviewDetail, tr) -> str:
    stock = {s.line_no: s for s in d.stock}
    short = {s.line_no: s for s in d.short_lines}
    head = "".join(
        f"<th align='left'>{escape(h)}</th>"
        for h in (tr("Line"), tr("SKU"), tr("Qty"), tr("Price"), tr("Stock"))
    )
    rows = [f"<tr>{head}</tr>"]
    for line in d.order.lines:
        s = stock.get(line.line_no)
        available = _stock_text(s, tr)
        rows.append(
            "<tr>"
            f"<td>{line.line_no}</td><td>{escape(line.sku)}<br>"
            f"<span style='color:{MUTED.foreground}'>{escape(line.product_name)}</span></td>"
            f"<td align='right'>{line.quantity}</td>"
            f"<td align='right'>{escape(money(line.unit_price_cents, d.order.currency))}</td>"
            f"<td>{escape(available)}</td></tr>"
        )
        marks = d.findings_on(f"lines[{line.line_no}]")
        extra = "".join(_finding_html(f) for f in marks)
        if line.line_no in short:
            extra += _short_html(short[line.line_no], tr)
        if extra:
            rows.append(f"<tr><td></td><td colspan='4'>{extra}</td></tr>")
    totals = "".join(_finding_html(f) for f in d.findings_on("order.total"))
    return _table("".join(rows)) + totals


def _short_html(short, tr) -> str:
    arrival = (
        tr("Expected {date}").format(date=short.expected_arrival.isoformat())
        if short.expected_arrival
        else tr("No delivery expected")
    )
    options = "; ".join(
        f"{o.sku} {money(o.price_cents, o.currency)} ({o.available} free)"
        for o in short.substitutes
    )
    text = arrival + (
        " · " + tr("Substitutes: {options}").format(options=options) if options else ""
    )
    return f"<div style='color:{WARN.foreground}'>{escape(text)}</div>"


def _payment_html(d: ReviewDetail, tr) -> str:
    rows = "".join(
        _field_row(
            tr,
            status_text(p.status),
            f"{p.method} {money(p.amount_cents, p.currency)} {p.card}".strip(),
            (),
        )
        for p in d.order.payments
    ) or _field_row(tr, tr("Payments"), "", ())
    marks = "".join(_finding_html(f) for f in d.findings_on("payment"))
    return _table(rows) + marks


def _tasks_html(d: ReviewDetail, tr) -> str:
    if not d.tasks and not d.messages:
        return ""
    items = [_task_item(t, tr) for t in d.tasks]
    items += [
        f"<li>{escape(tr('Message'))} ({escape(m.language)}, {escape(m.state)}): "
        f"{escape(m.subject)}</li>"
        for m in d.messages
    ]
    return _section(tr("Customer service"), "<ul>" + "".join(items) + "</ul>")


def _exceptions_html(d: ReviewDetail, tr) -> str:
    if not d.exceptions and not d.related:
        return ""
    items = [_exception_item(e, tr) for e in d.exceptions]
    items += [
        f"<li>{escape(tr('Same as'))} {escape(r.number)} ({escape(status_text(r.status))}, "
        f"{escape(money(r.total_cents, r.currency))})</li>"
        for r in d.related
    ]
    return _section(tr("Exceptions"), "<ul>" + "".join(items) + "</ul>")


def _task_item(task, tr) -> str:
    state = tr("open") if task.state == "open" else status_text(task.state)
    answer = f" · {escape(task.answer)}" if task.answer else ""
    return f"<li>{escape(task.kind.replace('_', ' '))} — {escape(state)}{answer}</li>"


def _exception_item(record, tr) -> str:
    parts = [f"{escape(record.kind)} — {escape(record.state)}"]
    if record.plan:
        parts.append(escape(tr("plan: {plan}").format(plan=record.plan)))
    if record.result:
        parts.append(escape(record.result))
    if record.callback_at:
        when = local_datetime(record.callback_at)
        parts.append(escape(tr("call back {when}").format(when=when)))
    return "<li>" + " · ".join(parts) + "</li>"


def _stock_text(stock, tr) -> str:
    if stock is None:
        return "—"
    if not stock.warehouses:
        return tr("{available} free (no warehouse has it)").format(available=stock.available)
    where = ", ".join(f"{code} {units}" for code, units in stock.warehouses)
    return tr("{available} free ({where})").format(available=stock.available, where=where)
