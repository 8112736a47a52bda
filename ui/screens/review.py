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

from PySide6.QtCore import QDateTime, QModelIndex, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import N_, _, ngettext, pgettext, translate_stored
from app.review.detail import FindingView, ReviewDetail, ShipToView, review_detail
from app.review.exception_desk import (
    ban_customer,
    hold_order,
    keep_stored_version,
    release_hold,
    resolve_duplicates,
    set_exception_plan,
)
from app.review.messages import MessageKind
from app.review.queries import QueueCounts, QueuePages, ReviewQueue, ReviewRow, queue_counts
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
from app.review.verbs import VERB, VERBS
from ui.actions import make_action, with_shortcut
from ui.desks import DeskContext, DeskScreen
from ui.errors import error_text, user_action
from ui.live import LiveChanges
from ui.style import BAD, GOOD, MUTED, SPACE_L, SPACE_M, SPACE_S, WARN, heading_font
from ui.tasks import Progress
from ui.widgets.display import (
    local_datetime,
    money,
    status_text,
    status_tone,
    tone_label,
)
from ui.widgets.flow_layout import FlowLayout
from ui.widgets.lazy_table import lazy_table_view
from ui.widgets.order_detail import badge
from ui.widgets.paged_table_model import Column, PagedTableModel

TABLE_LAYOUT_KEY = "review/table2"  # columns reordered: older saved layouts do not apply
SPLITTER_LAYOUT_KEY = "review/splitter"
# Counts are refreshed by live changes (ui/live.py); this slow timer is only a safety net.
COUNTS_REFRESH_MS = 30_000

QUEUES: tuple[tuple[ReviewQueue, str, str], ...] = (
    (ReviewQueue.TO_REVIEW, N_("To review"), "Alt+1"),
    (ReviewQueue.NEEDS_INFO, N_("Needs information"), "Alt+2"),
    (ReviewQueue.STOCK_SHORT, N_("Stock short"), "Alt+3"),
    (ReviewQueue.PAYMENT_PROBLEM, N_("Payment problem"), "Alt+4"),
    (ReviewQueue.EXCEPTION, N_("Exceptions"), "Alt+5"),
    (ReviewQueue.ON_HOLD, N_("On hold"), "Alt+6"),
)

FIELD_TEXT = {
    "customer": N_("Customer"),
    "customer.name": N_("Name"),
    "customer.status": N_("Account"),
    "customer.email": N_("E-mail"),
    "ship_to.name": N_("Recipient"),
    "ship_to.phone": N_("Phone"),
    "ship_to.line1": N_("Street"),
    "ship_to.city": N_("City"),
    "ship_to.region": N_("Region"),
    "ship_to.postal_code": N_("Postal code"),
    "ship_to.country": N_("Country"),
    "ship_to": N_("Ship-to"),
    "order.total": N_("Totals"),
    "order.channel_order_id": N_("Channel order"),
    "payment": N_("Payment"),
    "payment.amount": N_("Amount paid"),
    "payment.status": N_("Payment status"),
    "payment.method": N_("Payment method"),
    "payment.card": N_("Card"),
    "lines": N_("Lines"),
}

ORDER_LINK = "order:"


def _key_text(shortcut: str) -> str:
    return QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)


def review_columns() -> list[Column[ReviewRow]]:
    """Most important first: what the problem is stays visible however narrow the table."""

    def problem_tone(row: ReviewRow) -> str | None:
        if row.blocking:
            return BAD.foreground
        return WARN.foreground if row.warnings else None

    return [
        Column(_("Order"), lambda r: r.number),
        Column(
            _("Problems"), lambda r: _problem_count(r), align_right=True, foreground=problem_tone
        ),
        Column(
            _("First problem"),
            _first_problem_text,
            tooltip=_first_problem_text,
            foreground=lambda r: None if r.first_problem else MUTED.foreground,
        ),
        Column(_("Customer"), lambda r: r.customer, tooltip=lambda r: r.customer),
        Column(_("Total"), lambda r: money(r.total_cents, r.currency), align_right=True),
        Column(_("Received"), lambda r: local_datetime(r.received_at)),
        Column(_("Country"), lambda r: r.ship_country),
    ]


def _first_problem_text(row: ReviewRow) -> str:
    """Never a blank that reads as "nothing wrong": say what is not known yet."""
    if row.first_problem:
        return translate_stored(row.first_problem)
    if not row.reviewed:
        return _("not reviewed yet")
    if row.status != "received":
        return _("no finding recorded: open it to see what the rules find now")
    return ""


def _problem_count(row: ReviewRow) -> str:
    if row.blocking:
        return f"{BAD.symbol} {row.blocking}"
    return f"{WARN.symbol} {row.warnings}" if row.warnings else ""


_COLUMN_WIDTHS = (84, 62, 240, 140, 90, 120, 56)


class ReviewScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.queue = ReviewQueue.TO_REVIEW
        self.detail: ReviewDetail | None = None
        self.counts = QueueCounts()
        self.last_summary: ReviewSummary | None = None
        # What a person typed for a verb that did not go through (order id, verb) → text.
        self.drafts: dict[tuple[int, str], object] = {}
        self.model: PagedTableModel[ReviewRow] = PagedTableModel(
            review_columns(),
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
        self.counts_timer.timeout.connect(self.follow_other_desks)
        self.counts_timer.start()
        self.live = context.live or LiveChanges(context.database, self)
        self.live.changed.connect(self._live_changed)
        self.show_queue(ReviewQueue.TO_REVIEW)

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_S)
        layout.setSpacing(SPACE_S)
        layout.addLayout(self._build_top())
        self.problem_label = tone_label("reviewProblem", BAD)
        layout.addWidget(self.problem_label)
        self.confirm_label = tone_label("reviewConfirm", GOOD)
        layout.addWidget(self.confirm_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self._build_queues())
        self.splitter.addWidget(self._build_table())
        self.splitter.addWidget(self._build_detail())
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setSizes([175, 560, 560])
        layout.addWidget(self.splitter, 1)

    def _build_top(self) -> QHBoxLayout:
        self.review_button = QPushButton(_("Review received orders"))
        self.review_button.setObjectName("reviewAll")
        self.review_button.setDefault(True)
        self.summary_label = QLabel()
        self.summary_label.setObjectName("reviewSummary")
        self.summary_label.setWordWrap(True)
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
        self.queue_list.setMinimumWidth(175)
        self.queue_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        for queue, title, key in QUEUES:
            item = QListWidgetItem(_(title))
            item.setData(Qt.ItemDataRole.UserRole, queue.value)
            item.setToolTip(with_shortcut(_(title), key))
            self.queue_list.addItem(item)
        self.queue_list.currentRowChanged.connect(self._queue_row_changed)
        return self.queue_list

    def _build_table(self) -> QWidget:
        self.table = lazy_table_view("reviewTable", self.model, _COLUMN_WIDTHS)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        # Enter (or a double click) on an order never reviewed runs the rules on it now.
        self.table.activated.connect(self._row_activated)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("reviewSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(
            _("Find in this queue: order number, customer, phone or e-mail")
        )
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(self._context.settings.search_delay_ms)
        self._search_timer.timeout.connect(lambda: self.show_queue(self.queue))
        self.search_edit.textEdited.connect(lambda _text: self._search_timer.start())
        self.search_edit.returnPressed.connect(lambda: self.show_queue(self.queue))
        self.count_label = QLabel()
        self.count_label.setObjectName("reviewCount")
        self.count_label.setStyleSheet(f"color: {MUTED.foreground};")
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        return box

    def _build_detail(self) -> QWidget:
        self.detail_view = QTextBrowser()
        self.detail_view.setObjectName("reviewDetail")
        self.detail_view.setOpenLinks(False)
        self.detail_view.document().setDocumentMargin(SPACE_M)
        self.detail_view.anchorClicked.connect(self._link_clicked)
        self.verb_bar = QWidget()
        self.verb_bar.setObjectName("reviewVerbs")
        self.verb_grid = FlowLayout(self.verb_bar, SPACE_S)
        self.why_not_label = QLabel()
        self.why_not_label.setObjectName("reviewWhyNot")
        self.why_not_label.setWordWrap(True)
        self.why_not_label.setStyleSheet(f"color: {WARN.foreground};")
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        layout.addWidget(self.verb_bar)
        layout.addWidget(self.why_not_label)
        layout.addWidget(self.detail_view, 1)
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
        for verb in VERBS:
            label = _(verb.label)
            action = self._action(label, verb.shortcut, handlers[verb.key])
            action.setEnabled(False)
            button = QToolButton()
            button.setObjectName(f"review_{verb.key}")
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            # The key on the button itself: reviewers learn them by looking.
            action.setIconText(f"{label}  {_key_text(verb.shortcut)}")
            button.hide()
            self.verb_grid.addWidget(button)
            self.actions[verb.key] = action
            self.buttons[verb.key] = button
        self.review_all_action = self._action(
            _("Review received orders"), "Ctrl+R", self.review_all
        )
        self.review_button.clicked.connect(self.review_all)
        self.review_button.setText(f"{self.review_button.text()}   {_key_text('Ctrl+R')}")
        self.review_button.setToolTip(self.review_all_action.toolTip())
        self.refresh_action = self._action(_("Refresh"), "F5", self.refresh)
        self.queue_actions = [
            self._action(_(title), key, self._queue_switcher(queue)) for queue, title, key in QUEUES
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
            self.queue_list.item(row).setText(f"{_(title)}  ({count:,})")

    def show_queue(self, queue: ReviewQueue) -> None:
        self.queue = queue
        row = next(i for i, (q, _t, _k) in enumerate(QUEUES) if q is queue)
        if self.queue_list.currentRow() != row:
            self.queue_list.blockSignals(True)
            self.queue_list.setCurrentRow(row)
            self.queue_list.blockSignals(False)
        self.problem_label.hide()
        try:
            pages = QueuePages(
                self._context.database, self._context.actor, queue, self.search_edit.text()
            )
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
                ngettext(
                    "{count} order in this queue", "{count} orders in this queue", total
                ).format(count=f"{total:,}")
            )
        else:
            self.count_label.setText(self._empty_text())

    def _empty_text(self) -> str:
        if self.queue is ReviewQueue.TO_REVIEW:
            return _("Nothing to review. New orders appear here when they are imported.")
        return _("This queue is empty.")

    def _reload_list(self) -> None:
        """The queue, its count and the queue counts read again, in one go, so they agree."""
        self.model.reload()
        self.refresh_counts()
        # The list's own count is the one the footer shows; the queue's title agrees with it.
        row = next(i for i, (q, _t, _k) in enumerate(QUEUES) if q is self.queue)
        title = QUEUES[row][1]
        self.queue_list.item(row).setText(f"{_(title)}  ({self.model.total:,})")
        self._show_count()

    def refresh(self) -> None:
        """Reload the counts, the queue and the order shown (F5)."""
        shown = self.detail.order.id if self.detail else None
        row = self.table.currentIndex().row()
        self._reload_list()
        if shown is not None:
            self._stay_on(shown, row)
        elif self.model.total:
            self.select_row(0)
        else:
            self.show_detail(None)

    def follow_other_desks(self) -> None:
        """Another desk changed something: lists, counts and the order shown follow it."""
        self.refresh()

    def _live_changed(self, _topic: str) -> None:
        if self.isVisible():
            self.follow_other_desks()

    def _stay_on(self, order_id: int, row_hint: int) -> None:
        """Show ``order_id`` in its current state; select its row if it is still listed."""
        row = self._row_of(order_id, row_hint)
        self._select_quietly(row)
        self.show_order(order_id)

    def _row_of(self, order_id: int, row_hint: int) -> int:
        """The row showing ``order_id`` near ``row_hint`` (the rows already read), or -1."""
        total = self.model.total
        for row in (row_hint, row_hint - 1, row_hint + 1):
            if 0 <= row < total:
                found = self.model.row_at(row)
                if found is not None and found.id == order_id:
                    return row
        return -1

    def _select_quietly(self, row: int) -> None:
        selection = self.table.selectionModel()
        selection.blockSignals(True)
        if row < 0:
            selection.clearSelection()
            self.table.setCurrentIndex(QModelIndex())
        else:
            index = self.model.index(row, 0)
            self.table.setCurrentIndex(index)
            self.table.scrollTo(index)
        selection.blockSignals(False)
        self.table.viewport().update()

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

    def _row_activated(self, _index) -> None:
        if self.detail is not None and not self.detail.reviewed:
            self.rereview()

    def _link_clicked(self, url: QUrl) -> None:
        """A duplicate's twin (``order:ID``) opens that order here."""
        target = url.toString()
        if target.startswith(ORDER_LINK) and target[len(ORDER_LINK) :].isdigit():
            order_id = int(target[len(ORDER_LINK) :])
            self._select_quietly(self._row_of(order_id, self.table.currentIndex().row() + 1))
            self.show_order(order_id)

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
                + escape(_("Select an order to see what the review found."))
                + "</p>"
            )
        else:
            html = review_html(detail)
            if detail.queue is not self.queue:
                html = _left_queue_html(detail) + html
            self.detail_view.setHtml(html)
        self._show_verbs(detail)

    def _show_verbs(self, detail: ReviewDetail | None) -> None:
        """The verbs this order's status allows, in a compact grid; why not, beside them."""
        shown = {v.key: v for v in detail.verbs} if detail else {}
        reasons = []
        for verb in VERBS:
            button, action = self.buttons[verb.key], self.actions[verb.key]
            state = shown.get(verb.key)
            if state is None:
                action.setEnabled(False)
                button.hide()
                continue
            action.setEnabled(state.enabled)
            button.setToolTip(state.why_not or with_shortcut(state.label, verb.shortcut))
            button.show()
            if not state.enabled:
                reasons.append(f"{state.label.rstrip('…')}: {state.why_not}")
        self.why_not_label.setText("\n".join(f"{BAD.symbol} {r}" for r in reasons))
        self.why_not_label.setVisible(bool(reasons))
        self.verb_grid.invalidate()

    # ----------------------------------------------------------------- acting

    def _act(self, key: str, call: Callable[..., object], draft: object = None) -> object | None:
        """One verb on the order shown: one service call, then the list follows.

        Done: a confirmation line stays and the next order of the queue is shown. Refused
        (changed at another desk, a finding, a rule): the same order stays, in its new
        state, with the reason inline; what the person typed is kept for the next try.
        """
        detail = self.detail
        if detail is None:
            return None
        order_id = detail.order.id
        row = self.table.currentIndex().row()
        self.problem_label.hide()
        try:
            result = call(self._context.database.unit_of_work(), detail)
        except OrderdeskError as error:
            if draft is not None:
                self.drafts[(order_id, key)] = draft
            self.confirm_label.hide()
            self._reload_list()
            self._stay_on(order_id, row)
            self._show_problem(error)
            return None
        self.drafts.pop((order_id, key), None)
        self._confirm(key, detail, result)
        self._reload_list()
        self._next_after(order_id, row)
        return result

    def _confirm(self, key: str, detail: ReviewDetail, result: object) -> None:
        verb = _(VERB[key].label).rstrip("…")
        status = getattr(result, "status", None) or getattr(
            getattr(result, "kept", None), "status", None
        )
        if status:
            text = _("{order}: {verb} — done, now {status}.").format(
                order=detail.order.number, verb=verb, status=status_text(status)
            )
        else:
            text = _("{order}: {verb} — done.").format(order=detail.order.number, verb=verb)
        self.confirm_label.setText(f"{GOOD.symbol} {text}")
        self.confirm_label.show()

    def _next_after(self, order_id: int, row: int) -> None:
        """Select the order after the one just handled (it may have left the queue)."""
        total = self.model.total
        if not total:
            self._select_quietly(-1)
            self.show_detail(None)
            return
        row = max(row, 0)
        found = self.model.row_at(min(row, total - 1))
        if found is not None and found.id == order_id:
            row += 1  # it stayed in this queue: go on to the next one
        row = min(row, total - 1)
        self._select_quietly(row)
        found = self.model.row_at(row)
        if found is not None:
            self.show_order(found.id)

    def _draft(self, key: str, default: object = None) -> object:
        if self.detail is None:
            return default
        return self.drafts.get((self.detail.order.id, key), default)

    def approve(self) -> None:
        actor = self._context.actor
        self._act(
            "approve",
            lambda uow, d: approve_order(uow, actor, d.order.id, expected_version=d.version),
        )

    def override(self) -> None:
        reason = self.ask_text(
            _("Approve over the findings"),
            _("Why may this order go although the checks found problems?"),
            self._draft("override", ""),
        )
        if reason is None:
            return
        actor = self._context.actor
        self._act(
            "override",
            lambda uow, d: approve_order(
                uow, actor, d.order.id, expected_version=d.version, override_reason=reason
            ),
            reason,
        )

    def rereview(self) -> None:
        actor = self._context.actor
        self._act(
            "rereview",
            lambda uow, d: rereview_order(uow, actor, d.order.id, expected_version=d.version),
        )

    def request_info(self) -> None:
        actor = self._context.actor
        self._act(
            "request_info",
            lambda uow, d: request_information(uow, actor, d.order.id, expected_version=d.version),
        )

    def correct(self) -> None:
        if self.detail is None:
            return
        correction = self.ask_contact(self.detail.ship, self._draft("correct"))
        if correction is None:
            return
        actor = self._context.actor
        self._act(
            "correct",
            lambda uow, d: correct_contact(
                uow, actor, d.order.id, expected_version=d.version, correction=correction
            ),
            correction,
        )

    def offer_stock(self) -> None:
        actor = self._context.actor
        self._act(
            "offer_stock",
            lambda uow, d: offer_stock_options(uow, actor, d.order.id, expected_version=d.version),
        )

    def stock_answer(self) -> None:
        if self.detail is None:
            return
        answer = self.ask_stock_answer(self.detail)
        if answer is None:
            return
        actor = self._context.actor
        self._act(
            "stock_answer",
            lambda uow, d: answer_stock_short(
                uow, actor, d.order.id, expected_version=d.version, **answer
            ),
            answer,
        )

    def ask_payment(self) -> None:
        actor = self._context.actor
        self._act(
            "ask_payment",
            lambda uow, d: ask_for_payment(uow, actor, d.order.id, expected_version=d.version),
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
            "resolve_payment",
            lambda uow, d: resolve_payment(
                uow,
                actor,
                d.order.id,
                expected_version=d.version,
                resolution=resolution,
                payment=payment,
            ),
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
            "resolve_duplicates",
            lambda uow, d: resolve_duplicates(
                uow,
                actor,
                keep_order_id=d.order.id,
                cancel_order_ids=others,
                expected_versions=versions,
            ),
        )

    def keep_stored(self) -> None:
        actor = self._context.actor
        self._act(
            "keep_stored",
            lambda uow, d: keep_stored_version(uow, actor, d.order.id, expected_version=d.version),
        )

    def write_plan(self) -> None:
        detail = self.detail
        record = (
            next((e for e in detail.exceptions if e.state != "closed"), None) if detail else None
        )
        if record is None:
            return
        plan = self.ask_text(
            _("Plan for this exception"), _("What will be done?"), self._draft("plan", record.plan)
        )
        if plan is None:
            return
        actor = self._context.actor
        self._act(
            "plan",
            lambda uow, _d: set_exception_plan(
                uow, actor, record.id, expected_version=record.version, plan=plan
            ),
            plan,
        )

    def hold(self) -> None:
        held = self.ask_hold(self._draft("hold"))
        if held is None:
            return
        note, callback_at = held
        actor = self._context.actor
        self._act(
            "hold",
            lambda uow, d: hold_order(
                uow,
                actor,
                d.order.id,
                expected_version=d.version,
                note=note,
                callback_at=callback_at,
            ),
            held,
        )

    def release(self) -> None:
        note = self.ask_text(_("Release the hold"), _("What changed?"), self._draft("release", ""))
        if note is None:
            return
        actor = self._context.actor
        self._act(
            "release",
            lambda uow, d: release_hold(
                uow, actor, d.order.id, expected_version=d.version, note=note
            ),
            note,
        )

    def ban(self) -> None:
        detail = self.detail
        if detail is None or detail.customer is None:
            return
        reason = self.ask_text(
            _("Ban the customer"),
            _("Why is {name} banned? Their open orders are cancelled.").format(
                name=detail.customer.name
            ),
            self._draft("ban", ""),
        )
        if reason is None:
            return
        actor, customer_id = self._context.actor, detail.customer.customer_id
        self._act(
            "ban",
            lambda uow, d: ban_customer(
                uow,
                actor,
                customer_id,
                reason=reason,
                order_id=d.order.id,
                expected_version=d.version,
            ),
            reason,
        )

    def cancel(self) -> None:
        reason = self.ask_text(
            _("Cancel the order"),
            _("Reason (the customer is told):"),
            self._draft("cancel", ""),
        )
        if reason is None:
            return
        kind = (
            MessageKind.CANCELLED_PAYMENT
            if self.detail is not None and self.detail.order.status == "payment_problem"
            else MessageKind.CANCELLED
        )
        actor = self._context.actor
        self._act(
            "cancel",
            lambda uow, d: cancel_order(
                uow, actor, d.order.id, expected_version=d.version, reason=reason, message=kind
            ),
            reason,
        )

    # ----------------------------------------------------------------- auto review

    def review_all(self) -> None:
        database, actor = self._context.database, self._context.actor
        # The run's summary, kept here as well: a cancelled task delivers no result, yet
        # what it reviewed before the cancel is done and must be reported.
        finished: list[ReviewSummary] = []

        def work(progress: Progress) -> ReviewSummary:
            # On a worker: its own units of work inside the service, plain summary out.
            summary = review_orders(
                database,
                actor,
                ALL_RECEIVED,
                progress=lambda done, total: progress.report(done, total),
                cancel=lambda: progress.cancelled,
            )
            finished.append(summary)
            return summary

        def cancelled() -> None:
            summary = finished[0] if finished else ReviewSummary(stopped=True)
            summary.stopped = True
            self._reviewed(summary)

        with user_action(self):
            self._context.tasks.run(
                work,
                on_done=self._reviewed,
                on_cancelled=cancelled,
                parent=self,
                label=_("Reviewing received orders…"),
            )

    def _reviewed(self, summary: ReviewSummary) -> None:
        self.last_summary = summary
        text = review_summary_text(summary)
        self.summary_label.setText(f"{GOOD.symbol} {text}")
        self.refresh()

    # ----------------------------------------------------------------- asking
    # The only places dialogs open; tests replace them with the answers a person would give.

    def ask_text(self, title: str, label: str, text: str = "") -> str | None:
        value, ok = QInputDialog.getMultiLineText(self, title, label, text)
        return value.strip() if ok and value.strip() else None

    def ask_contact(
        self, ship: ShipToView, draft: ContactCorrection | None = None
    ) -> ContactCorrection | None:
        dialog = ContactDialog(ship, self, draft)
        return dialog.correction() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_stock_answer(self, detail: ReviewDetail) -> dict | None:
        dialog = StockAnswerDialog(detail, self)
        return dialog.answer() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_payment_details(self, detail: ReviewDetail) -> tuple[str, NewPayment] | None:
        dialog = PaymentDialog(detail, self)
        return dialog.payment() if dialog.exec() == QDialog.DialogCode.Accepted else None

    def ask_hold(
        self, draft: tuple[str, dt.datetime] | None = None
    ) -> tuple[str, dt.datetime] | None:
        dialog = HoldDialog(self, draft)
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


def review_summary_text(summary: ReviewSummary) -> str:
    """What a review run did, in words (a stopped run says what it did before it stopped)."""
    parts = [
        ngettext("{n} approved", "{n} approved", summary.approved),
        ngettext("{n} needs information", "{n} need information", summary.needs_info),
        ngettext("{n} stock short", "{n} stock short", summary.stock_short),
        ngettext("{n} payment problem", "{n} payment problems", summary.payment_problem),
        ngettext("{n} exception", "{n} exceptions", summary.exception),
    ]
    counts = (
        summary.approved,
        summary.needs_info,
        summary.stock_short,
        summary.payment_problem,
        summary.exception,
    )
    done = ", ".join(part.format(n=f"{n:,}") for part, n in zip(parts, counts, strict=True))
    if summary.stopped:
        head = ngettext(
            "Stopped on request after reviewing {n} order",
            "Stopped on request after reviewing {n} orders",
            summary.reviewed,
        ).format(n=f"{summary.reviewed:,}")
        return _("{head}: {done}. Run it again to review the rest.").format(head=head, done=done)
    head = ngettext("Reviewed {n} order", "Reviewed {n} orders", summary.reviewed).format(
        n=f"{summary.reviewed:,}"
    )
    return _("{head}: {done}.").format(head=head, done=done)


def _left_queue_html(detail: ReviewDetail) -> str:
    """Said above an order that is no longer in the queue being worked (another desk moved it)."""
    text = _("{order} is no longer in this queue: it is now {status}.").format(
        order=detail.order.number, status=status_text(detail.order.status)
    )
    return f"<p style='color:{WARN.foreground}'>{WARN.symbol} {escape(text)}</p>"


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
        ("phone", N_("Phone")),
        ("name", N_("Recipient")),
        ("line1", N_("Street")),
        ("line2", N_("Street (2)")),
        ("city", N_("City")),
        ("region", N_("Region")),
        ("postal_code", N_("Postal code")),
        ("country", N_("Country (2 letters)")),
    )

    def __init__(
        self,
        ship: ShipToView,
        parent: QWidget | None = None,
        draft: ContactCorrection | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Correct phone and address"))
        self._ship = ship
        form = QFormLayout(self)
        self.edits: dict[str, QLineEdit] = {}
        typed = {k: v for k, v in vars(draft).items() if v is not None} if draft else {}
        for name, label in self.FIELDS:
            edit = QLineEdit(typed.get(name, getattr(ship, name)))
            edit.setObjectName(f"contact_{name}")
            form.addRow(_(label), edit)
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
        form.addRow(_buttons(self))

    def hold(self) -> tuple[str, dt.datetime]:
        moment = self.callback.dateTime().toSecsSinceEpoch()
        return self.note.text(), dt.datetime.fromtimestamp(moment, dt.UTC)


# --------------------------------------------------------------------------- rendering


def _t_field(field: str) -> str:
    if field.startswith("lines["):
        line = field[len("lines[") :].split("]")[0]
        return _("Line {line}").format(line=line)
    return _(FIELD_TEXT[field]) if field in FIELD_TEXT else field


def _finding_html(finding: FindingView) -> str:
    tone = BAD if finding.severity == "block" else WARN
    return (
        f"<div style='color:{tone.foreground}; background-color:{tone.background};'>"
        f"{tone.symbol} {escape(translate_stored(finding.message))}</div>"
    )


def _field_row(label: str, value: str, findings: tuple[FindingView, ...]) -> str:
    marks = "".join(_finding_html(f) for f in findings)
    shown = escape(value) if value else f"<span style='color:{MUTED.foreground}'>—</span>"
    return (
        f"<tr><td style='color:{MUTED.foreground}'>{escape(label)}</td><td>{shown}{marks}</td></tr>"
    )


def _section(title: str, body: str) -> str:
    return f"<h3 style='margin-top:12px'>{escape(title)}</h3>{body}"


def review_html(d: ReviewDetail) -> str:
    order = d.order
    blocking = [f for f in d.findings if f.severity == "block"]
    status = badge(status_text(order.status), status_tone(order.status))
    header = (
        f"<h2>{escape(order.number)} {status}</h2>"
        f"<div style='color:{MUTED.foreground}'>{escape(order.channel)} · "
        f"{escape(order.channel_order_id)} · {escape(local_datetime(order.received_at))} · "
        f"{escape(money(order.total_cents, order.currency))}</div>"
    )
    verdict = _verdict_html(d, blocking)
    return "".join(
        (
            header,
            _business_html(d),
            _section(_("Findings"), verdict),
            _exceptions_html(d),
            _section(_("Lines and stock"), _lines_html(d)),
            _section(_("Ship to"), _ship_html(d)),
            _section(_("Payment"), _payment_html(d)),
            _section(_("Customer"), _customer_html(d)),
            _tasks_html(d),
        )
    )


def _findings_list(findings) -> str:
    return "".join(
        f"<div><b>{escape(_t_field(f.field))}:</b></div>{_finding_html(f)}"
        for f in sorted(findings, key=lambda f: f.severity != "block")
    )


def _verdict_html(d: ReviewDetail, blocking) -> str:
    """What is true about the checks: never "no findings" for an order not yet checked."""
    notes = []
    if not d.reviewed:
        notes.append(
            f"<p style='color:{WARN.foreground}'>{WARN.symbol} "
            + escape(_("Not reviewed yet — press Ctrl+R or open it to run the rules."))
            + "</p>"
        )
    elif d.findings_now and d.queue is not None and d.order.status != "received":
        notes.append(
            f"<p style='color:{WARN.foreground}'>{WARN.symbol} "
            + escape(
                _(
                    "No finding was recorded when it was put in this queue; "
                    "what the rules find now is shown (F6 reviews it again and records it)."
                )
            )
            + "</p>"
        )
    if d.findings_now and d.findings:
        notes.append(
            f"<p style='color:{MUTED.foreground}'>"
            + escape(_("What the rules find now (not recorded yet):"))
            + "</p>"
        )
    if not d.findings:
        if d.findings_now:
            if d.queue is not None and d.order.status != "received":
                notes.append(
                    "<p>"
                    + escape(_("The rules find nothing that keeps it in this queue now."))
                    + "</p>"
                )
            else:
                notes.append("<p>" + escape(_("The rules find nothing against it now.")) + "</p>")
            return "".join(notes) + _short_summary_html(d)
        good = escape(_("Reviewed: no findings."))
        return f"<p style='color:{GOOD.foreground}'>{GOOD.symbol} {good}</p>"
    if blocking:
        notes.append(
            f"<p style='color:{BAD.foreground}'>"
            + escape(
                ngettext(
                    "{count} blocking finding: approving waits until it is solved.",
                    "{count} blocking findings: approving waits until they are solved.",
                    len(blocking),
                ).format(count=len(blocking))
            )
            + "</p>"
        )
    return "".join(notes) + _findings_list(d.findings) + _short_summary_html(d)


def _short_summary_html(d: ReviewDetail) -> str:
    """A stock-short order says, in words, which lines are short by how much."""
    if not d.short_lines or any(f.field.startswith("lines[") for f in d.findings):
        return ""
    parts = [
        _("Line {line} ({sku}): {short} short").format(line=s.line_no, sku=s.sku, short=s.short)
        for s in d.short_lines
    ]
    return f"<div style='color:{WARN.foreground}'>{WARN.symbol} {escape('; '.join(parts))}</div>"


def _business_html(d: ReviewDetail) -> str:
    return ""


def _table(rows: str) -> str:
    return f"<table cellspacing='0' cellpadding='3'>{rows}</table>"


def _customer_html(d: ReviewDetail) -> str:
    c = d.customer
    on = d.findings_on
    if c is None:
        return "".join(_finding_html(f) for f in on("customer")) or escape(_("No account."))
    rows = _field_row(_("Name"), c.name, on("customer.name"))
    status = f"{status_text(c.status)}"
    rows += _field_row(_("Account"), status, on("customer.status"))
    rows += _field_row(_("E-mail"), d.order.customer_email, on("customer.email"))
    since = local_datetime(c.since) if c.since else ""
    history = ngettext(
        "{count} order since {since}", "{count} orders since {since}", c.order_count
    ).format(count=f"{c.order_count:,}", since=since)
    by_status = ", ".join(f"{status_text(s)} {n:,}" for s, n in c.by_status)
    rows += _field_row(_("History"), f"{history} ({by_status})", ())
    recent = ", ".join(f"{p.number} {status_text(p.status)}" for p in c.recent[:5])
    rows += _field_row(_("Latest"), recent, ())
    if c.exceptions:
        rows += _field_row(_("Exceptions"), str(c.exceptions), ())
    return _table(rows) + "".join(_finding_html(f) for f in d.findings if f.field == "customer")


def _ship_html(d: ReviewDetail) -> str:
    s = d.ship
    on = d.findings_on
    rows = "".join(
        _field_row(label, value, on(field))
        for label, value, field in (
            (_("Recipient"), s.name, "ship_to.name"),
            (_("Phone"), s.phone, "ship_to.phone"),
            (_("Street"), " / ".join(p for p in (s.line1, s.line2) if p), "ship_to.line1"),
            (_("City"), s.city, "ship_to.city"),
            (_("Postal code"), s.postal_code, "ship_to.postal_code"),
            (_("Region"), s.region, "ship_to.region"),
            (_("Country"), s.country, "ship_to.country"),
        )
    )
    whole = [f for f in d.findings if f.field == "ship_to"]
    return _table(rows) + "".join(_finding_html(f) for f in whole)


def _lines_html(d: ReviewDetail) -> str:
    stock = {s.line_no: s for s in d.stock}
    short = {s.line_no: s for s in d.short_lines}
    head = "".join(
        f"<th align='left'>{escape(h)}</th>"
        for h in (_("Line"), _("SKU"), _("Qty"), _("Price"), _("Stock"))
    )
    rows = [f"<tr>{head}</tr>"]
    for line in d.order.lines:
        s = stock.get(line.line_no)
        available = _stock_text(s)
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
            extra += _short_html(short[line.line_no])
        if extra:
            rows.append(f"<tr><td></td><td colspan='4'>{extra}</td></tr>")
    totals = "".join(_finding_html(f) for f in d.findings_on("order.total"))
    return _table("".join(rows)) + totals


def _short_html(short) -> str:
    arrival = (
        _("Expected {date}").format(date=short.expected_arrival.isoformat())
        if short.expected_arrival
        else _("No delivery expected")
    )
    options = "; ".join(
        f"{o.sku} {money(o.price_cents, o.currency)} ({o.available} free)"
        for o in short.substitutes
    )
    text = arrival + (
        " · " + _("Substitutes: {options}").format(options=options) if options else ""
    )
    return f"<div style='color:{WARN.foreground}'>{escape(text)}</div>"


def _payment_html(d: ReviewDetail) -> str:
    rows = "".join(
        _field_row(
            status_text(p.status),
            f"{p.method} {money(p.amount_cents, p.currency)} {p.card}".strip(),
            (),
        )
        for p in d.order.payments
    ) or _field_row(_("Payments"), "", ())
    marks = "".join(_finding_html(f) for f in d.findings_on("payment"))
    return _table(rows) + marks


def _tasks_html(d: ReviewDetail) -> str:
    if not d.tasks and not d.messages:
        return ""
    items = [_task_item(t) for t in d.tasks]
    items += [
        f"<li>{escape(_('Message'))} ({escape(m.language)}, {escape(m.state)}): "
        f"{escape(m.subject)}</li>"
        for m in d.messages
    ]
    return _section(_("Customer service"), "<ul>" + "".join(items) + "</ul>")


def _exceptions_html(d: ReviewDetail) -> str:
    if not d.exceptions and not d.related:
        return ""
    items = [_exception_item(e) for e in d.exceptions]
    items += [
        f"<li>{escape(_('Same as'))} <a href='{ORDER_LINK}{r.id}'>{escape(r.number)}</a> "
        f"({escape(status_text(r.status))}, {escape(money(r.total_cents, r.currency))})</li>"
        for r in d.related
    ]
    return _section(_("Exceptions"), "<ul>" + "".join(items) + "</ul>")


_TASK_KINDS = {
    "request_info": N_("Ask the customer for information"),
    "stock_short": N_("Tell the customer about the missing stock"),
    "payment_problem": N_("Help the customer with the payment"),
    "unreachable": N_("Call the customer back"),
}
_EXCEPTION_KINDS = {
    "duplicate": N_("Possible duplicate"),
    "malicious": N_("Suspicious order"),
    "unreachable": N_("Customer unreachable"),
    "account": N_("Account problem"),
    "other": N_("Other exception"),
}


def _state_words(state: str) -> str:
    """A task's or exception record's state; in context, so "open" is not a pick list's."""
    words = {
        "open": pgettext("task or exception state", "open"),
        "held": pgettext("task or exception state", "held"),
        "closed": pgettext("task or exception state", "closed"),
    }
    return words.get(state) or status_text(state)


def _words(table: dict[str, str], code: str) -> str:
    """A stored code in words (never the code itself in front of people)."""
    return _(table[code]) if code in table else code.replace("_", " ")


def _task_item(task) -> str:
    state = _state_words(task.state)
    answer = f" · {escape(task.answer)}" if task.answer else ""
    return f"<li>{escape(_words(_TASK_KINDS, task.kind))} — {escape(state)}{answer}</li>"


def _exception_item(record) -> str:
    kind = _words(_EXCEPTION_KINDS, record.kind)
    parts = [f"{escape(kind)} — {escape(_state_words(record.state))}"]
    if record.plan:
        parts.append(escape(_("plan: {plan}").format(plan=record.plan)))
    if record.result:
        parts.append(escape(record.result))
    if record.callback_at:
        when = local_datetime(record.callback_at)
        parts.append(escape(_("call back {when}").format(when=when)))
    return "<li>" + " · ".join(parts) + "</li>"


def _stock_text(stock) -> str:
    if stock is None:
        return "—"
    if not stock.warehouses:
        return _("{available} free (no warehouse has it)").format(available=stock.available)
    where = ", ".join(f"{code} {units}" for code, units in stock.warehouses)
    return _("{available} free ({where})").format(available=stock.available, where=where)
