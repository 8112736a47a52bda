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

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import N_, _, ngettext
from app.review.detail import ReviewDetail, review_detail
from app.review.queries import QueueCounts, QueuePages, ReviewQueue, ReviewRow, queue_counts
from app.review.service import ALL_RECEIVED, ReviewSummary, review_orders
from app.review.verbs import VERB, VERBS
from ui.actions import make_action
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text, user_action
from ui.live import LiveChanges
from ui.screens.review_verbs import ReviewVerbs
from ui.style import BAD, GOOD, MUTED, SPACE_L, SPACE_M, SPACE_S
from ui.tasks import Progress
from ui.widgets.display import status_text, tone_label
from ui.widgets.layout_memory import restore_layout, save_layout
from ui.widgets.lazy_table import count_label, lazy_table_view, list_model, search_pause
from ui.widgets.paged_table_model import PagedTableModel
from ui.widgets.queue_list import QueueList
from ui.widgets.review_detail import ReviewDetailPane
from ui.widgets.review_queue import COLUMN_WIDTHS, review_columns, review_summary_text
from ui.widgets.verb_bar import VerbBar, key_text

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


class ReviewScreen(ReviewVerbs, DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.queue = ReviewQueue.TO_REVIEW
        self.detail: ReviewDetail | None = None
        self.counts = QueueCounts()
        self.last_summary: ReviewSummary | None = None
        # What a person typed for a verb that did not go through (order id, verb) → text.
        self.drafts: dict[tuple[int, str], object] = {}
        self.model: PagedTableModel[ReviewRow] = list_model(
            review_columns(), lambda row: row.id, context.settings, self
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
        self.queue_list = QueueList("reviewQueues", QUEUES)
        self.queue_list.chosen.connect(self.show_queue)
        return self.queue_list

    def _build_table(self) -> QWidget:
        self.table = lazy_table_view("reviewTable", self.model, COLUMN_WIDTHS)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)
        # Enter (or a double click) on an order never reviewed runs the rules on it now.
        self.table.activated.connect(self._row_activated)
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("reviewSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setPlaceholderText(
            _("Find in this queue: order number, customer, phone or e-mail")
        )
        self._search_timer = search_pause(
            self, self._context.settings, lambda: self.show_queue(self.queue)
        )
        self.search_edit.textEdited.connect(lambda _text: self._search_timer.start())
        self.search_edit.returnPressed.connect(lambda: self.show_queue(self.queue))
        self.count_label = count_label("reviewCount")
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        return box

    def _build_detail(self) -> QWidget:
        self.detail_view = ReviewDetailPane()
        self.detail_view.order_link_clicked.connect(self._open_linked_order)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        layout.addWidget(self.detail_view, 1)  # the verb bar goes above it (_build_actions)
        self._detail_layout = layout
        return box

    def _build_actions(self) -> None:
        self.verb_bar = VerbBar(self, VERBS, self.verb_handlers(), "review")
        self._detail_layout.insertWidget(0, self.verb_bar)
        self._detail_layout.insertWidget(1, self.verb_bar.why_not_label)
        self.actions, self.buttons = self.verb_bar.actions, self.verb_bar.buttons
        self.why_not_label = self.verb_bar.why_not_label
        self.review_all_action = self._action(
            _("Review received orders"), "Ctrl+R", self.review_all
        )
        self.review_button.clicked.connect(self.review_all)
        self.review_button.setText(f"{self.review_button.text()}   {key_text('Ctrl+R')}")
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
            self.counts = self._context.database.read(queue_counts, self._context.actor)
        except OrderdeskError as error:
            self._show_problem(error)
            return
        for queue, _title, _key in QUEUES:
            self.queue_list.show_count(queue, self.counts.of(queue))

    def show_queue(self, queue: ReviewQueue) -> None:
        self.queue = queue
        self.queue_list.select_quietly(queue)
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
        self.queue_list.show_count(self.queue, self.model.total)
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

    def _open_linked_order(self, order_id: int) -> None:
        """A duplicate's twin opens here, selected if this queue lists it."""
        self._select_quietly(self._row_of(order_id, self.table.currentIndex().row() + 1))
        self.show_order(order_id)

    def _show_problem(self, error: OrderdeskError) -> None:
        self.problem_label.setText(f"{BAD.symbol} {error_text(error)}")
        self.problem_label.show()

    # ----------------------------------------------------------------- detail

    def show_order(self, order_id: int) -> None:
        with user_action(self):
            self.show_detail(
                self._context.database.read(review_detail, self._context.actor, order_id)
            )

    def show_detail(self, detail: ReviewDetail | None) -> None:
        self.detail = detail
        left = detail is not None and detail.queue is not self.queue
        self.detail_view.show_detail(detail, left_queue=left)
        self._show_verbs(detail)

    def _show_verbs(self, detail: ReviewDetail | None) -> None:
        """The verbs this order's status allows; why not, beside the disabled ones."""
        self.verb_bar.show_states(detail.verbs if detail else ())

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

    # ----------------------------------------------------------------- layout memory

    def _layout_parts(self) -> dict:
        return {TABLE_LAYOUT_KEY: self.table, SPLITTER_LAYOUT_KEY: self.splitter}

    def _restore_layout(self) -> None:
        restore_layout(self._context.store, self._context.actor.username, self._layout_parts())

    def save_layout(self) -> None:
        save_layout(self._context.store, self._context.actor.username, self._layout_parts())
