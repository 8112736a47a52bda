"""The Orders screen: find any order fast and see everything about it.

Every role has it. One search field takes whatever the person has in hand — an order
number, the channel's order id, a customer's name, phone or e-mail — and the list below is
lazy, so a million orders open as fast as ten. The pane beside it shows the selected order.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QDate, QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QCalendarWidget,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.i18n import _, ngettext, pgettext
from app.money import format_number
from app.orders.detail import order_detail
from app.orders.queries import OrderFilter, OrderPages, OrderRow, list_channels
from app.search.customers import MAX_MATCHED_CUSTOMERS
from app.workflow import OrderStatus
from ui.actions import make_action, retitle, with_shortcut
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text, user_action
from ui.style import BAD, SPACE_L, SPACE_M, SPACE_S, heading_font
from ui.widgets.display import (
    channel_text,
    local_time,
    money,
    status_text,
    status_tone,
    tone_label,
)
from ui.widgets.layout_memory import restore_layout, save_layout
from ui.widgets.lazy_table import count_label, lazy_table_view, list_model, search_pause
from ui.widgets.order_detail import OrderDetailPane
from ui.widgets.paged_table_model import Column, PagedTableModel

TABLE_LAYOUT_KEY = "orders/table2"  # key columns first: older saved layouts do not apply
SPLITTER_LAYOUT_KEY = "orders/splitter"
# The date pickers' lowest date stands for "no limit" and reads as such.
NO_DATE = QDate(2000, 1, 1)


def order_columns() -> list[Column[OrderRow]]:
    return [
        # What a person scans for comes first (number, customer, total): it stays visible
        # at 1024 px; the rest follows to the right.
        Column(_("Order"), lambda r: r.number),
        Column(_("Customer"), lambda r: r.customer, tooltip=lambda r: r.customer),
        Column(_("Total"), lambda r: money(r.total_cents, r.currency), align_right=True),
        Column(
            _("Status"),
            lambda r: status_text(r.status),
            foreground=lambda r: status_tone(r.status).foreground,
            background=lambda r: status_tone(r.status).background,
        ),
        # One format for the whole column: date and time, today's orders too.
        Column(pgettext("orders column", "Received"), lambda r: local_time(r.received_at)),
        Column(_("Channel"), lambda r: channel_text(r.channel)),
        Column(_("Channel order id"), lambda r: r.channel_order_id),
        Column(_("Country"), lambda r: r.ship_country),
    ]


_COLUMN_WIDTHS = (88, 150, 105, 122, 125, 112, 150, 60)


class OrdersScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self._search_timer = search_pause(self, context.settings, self.apply_filter)
        self._applied: OrderFilter | None = None
        self._problem: OrderdeskError | None = None

        self.model: PagedTableModel[OrderRow] = list_model(
            order_columns(), lambda row: row.id, context.settings, self
        )
        self.model.fetch_failed.connect(self._show_problem)
        self._build()
        self._build_actions()
        self._restore_layout()
        self._load_channels()
        self.apply_filter()

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_S)
        layout.setSpacing(SPACE_M)
        layout.addLayout(self._build_filters())

        self.problem_label = tone_label("ordersProblem", BAD)
        layout.addWidget(self.problem_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self._build_list())
        self.detail = OrderDetailPane()
        self.splitter.addWidget(self.detail)
        # The detail pane folds away (drag it shut, or F8) to give the list the width.
        self.splitter.setCollapsible(0, False)
        self.splitter.setCollapsible(1, True)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([960, 480])
        layout.addWidget(self.splitter, 1)

    def _build_filters(self) -> QHBoxLayout:
        self.search_edit = QLineEdit()
        self.search_edit.setObjectName("orderSearch")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.setMinimumWidth(240)
        self.search_edit.textEdited.connect(self._typed)
        self.search_edit.returnPressed.connect(self.jump_to_first)
        self.search_edit.installEventFilter(self)

        self.status_combo = QComboBox()
        self.status_combo.setObjectName("statusFilter")
        self.status_combo.addItem(_("All statuses"), None)
        for status in OrderStatus:
            self.status_combo.addItem(status_text(status.value), status.value)
        self.status_combo.currentIndexChanged.connect(self.apply_filter)

        self.channel_combo = QComboBox()
        self.channel_combo.setObjectName("channelFilter")
        self.channel_combo.setMinimumContentsLength(10)
        self.channel_combo.addItem(_("All channels"), None)
        self.channel_combo.currentIndexChanged.connect(self.apply_filter)

        self.from_edit = self._date_edit("receivedFrom")
        self.to_edit = self._date_edit("receivedTo")

        row = QHBoxLayout()
        row.setSpacing(SPACE_M)
        row.addWidget(self.search_edit, 3)
        self._filter_labels: list[tuple[QLabel, QWidget, str]] = []
        for widget, key in (
            (self.status_combo, "Alt+S"),
            (self.channel_combo, "Alt+H"),
            (self.from_edit, "Alt+F"),
            (self.to_edit, "Alt+T"),
        ):
            label = QLabel()
            label.setBuddy(widget)
            self._filter_labels.append((label, widget, key))
            row.addSpacing(SPACE_S)
            row.addWidget(label)
            row.addWidget(widget)
        self._filter_texts()
        return row

    def _filter_texts(self) -> None:
        self.search_edit.setPlaceholderText(
            _("Order number, channel order id, customer name, phone or e-mail")
        )
        self.search_edit.setToolTip(
            with_shortcut(_("Find orders; Enter shows the first match"), "Ctrl+F")
        )
        texts = (_("&Status"), _("C&hannel"), _("Received &from"), _("&to"))
        for (label, widget, key), text in zip(self._filter_labels, texts, strict=True):
            label.setText(text)
            widget.setToolTip(with_shortcut(text.replace("&", ""), key))
        self.status_combo.setItemText(0, _("All statuses"))
        for index in range(1, self.status_combo.count()):
            self.status_combo.setItemText(index, status_text(self.status_combo.itemData(index)))
        self.channel_combo.setItemText(0, _("All channels"))
        for edit in (self.from_edit, self.to_edit):
            edit.setSpecialValueText(_("any day"))

    def retranslate(self) -> bool:
        self._filter_texts()
        for action, text in self._action_texts():
            retitle(action, text)
        self.model.set_columns(order_columns())
        self._show_count()
        if self._problem is not None:
            self._show_problem(self._problem)
        self.detail.retranslate()
        return True

    def _date_edit(self, name: str) -> QDateEdit:
        edit = _DateEdit()
        edit.setObjectName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        edit.setMinimumDate(NO_DATE)
        edit.setSpecialValueText(_("any day"))
        edit.setDate(NO_DATE)
        edit.dateChanged.connect(self.apply_filter)
        return edit

    def _build_list(self) -> QWidget:
        self.table = lazy_table_view("ordersTable", self.model, _COLUMN_WIDTHS)
        self.table.selectionModel().currentRowChanged.connect(self._current_row_changed)

        self.count_label = count_label("ordersCount")

        self.empty_label = QLabel()
        self.empty_label.setObjectName("ordersEmpty")
        self.empty_label.setWordWrap(True)
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_label.setMargin(SPACE_L * 3)
        self.empty_label.setFont(heading_font(self.font(), 1.1))

        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.table)
        self.list_stack.addWidget(self.empty_label)

        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        layout.addWidget(self.list_stack, 1)
        layout.addWidget(self.count_label)
        return box

    def _build_actions(self) -> None:
        self.find_action = self._action(_("&Find order"), "Ctrl+F", self.focus_search)
        self.refresh_action = self._action(_("&Refresh"), "F5", self.refresh)
        self.clear_action = self._action(
            _("&Clear search and filters"), "Ctrl+Shift+X", self.clear_filters
        )
        self.copy_action = self._action(_("Co&py order number"), "Ctrl+Shift+C", self.copy_number)
        self.list_action = self._action(_("Go to the &list"), "Ctrl+L", self.focus_list)
        self.detail_action = self._action(
            _("Go to the order &details"), "Ctrl+D", self.detail.setFocus
        )
        self.toggle_detail_action = self._action(
            _("Show or hide the order details"), "F8", self.toggle_detail
        )
        # Esc in the search field backs out of a search.
        self.escape_action = make_action(
            self.search_edit,
            _("Clear the search"),
            "Esc",
            self.clear_search,
            context=Qt.ShortcutContext.WidgetShortcut,
        )

    def _action_texts(self) -> list[tuple[QAction, str]]:
        return [
            (self.find_action, _("&Find order")),
            (self.refresh_action, _("&Refresh")),
            (self.clear_action, _("&Clear search and filters")),
            (self.copy_action, _("Co&py order number")),
            (self.list_action, _("Go to the &list")),
            (self.detail_action, _("Go to the order &details")),
            (self.escape_action, _("Clear the search")),
        ]

    def _action(self, text: str, shortcut: str, slot) -> QAction:
        # Only while this desk has the keyboard: other desks may use the same keys.
        return make_action(
            self, text, shortcut, slot, context=Qt.ShortcutContext.WidgetWithChildrenShortcut
        )

    def desk_actions(self) -> list[QAction]:
        return [
            self.find_action,
            self.list_action,
            self.detail_action,
            self.copy_action,
            self.clear_action,
            self.refresh_action,
            self.toggle_detail_action,
        ]

    def toggle_detail(self) -> None:
        """Fold the detail pane away, or bring it back at a third of the width."""
        sizes = self.splitter.sizes()
        total = sum(sizes)
        if sizes[1] > 0:
            self.splitter.setSizes([total, 0])
        else:
            self.splitter.setSizes([total * 2 // 3, total - total * 2 // 3])

    @property
    def detail_shown(self) -> bool:
        return self.splitter.sizes()[1] > 0

    # ----------------------------------------------------------------- filtering

    def current_filter(self) -> OrderFilter:
        return OrderFilter(
            text=self.search_edit.text().strip(),
            status=self.status_combo.currentData(),
            channel=self.channel_combo.currentData(),
            received_from=_local_midnight(self.from_edit.date()),
            received_before=_local_midnight(self.to_edit.date(), days_after=1),
        )

    def _typed(self, _text: str) -> None:
        # Typing waits for a pause: a query per key stroke would lag behind the fingers.
        self._search_timer.start()

    def apply_filter(self) -> None:
        """Show the orders matching the fields now (the debounce timer calls this too)."""
        self._search_timer.stop()
        flt = self.current_filter()
        self._applied = flt
        self.problem_label.hide()
        self._problem = None
        try:
            pages = OrderPages(self._context.database, self._context.actor, flt)
        except OrderdeskError as error:
            self._show_problem(error)
            pages = None
        self.model.set_source(pages)
        # A new list starts at its top, not where the previous one was scrolled to.
        self.table.scrollToTop()
        self.detail.clear_order()
        self._show_count()

    def _pending(self) -> bool:
        return self._search_timer.isActive() or self._applied != self.current_filter()

    def refresh(self) -> None:
        shown = self.detail.order_id
        self._load_channels()
        self.apply_filter()
        if shown is not None:
            self.show_order(shown)

    def clear_search(self) -> None:
        if self.search_edit.text():
            self.search_edit.clear()
            self.apply_filter()

    def clear_filters(self) -> None:
        for widget in (self.status_combo, self.channel_combo, self.from_edit, self.to_edit):
            widget.blockSignals(True)
        self.search_edit.clear()
        self.status_combo.setCurrentIndex(0)
        self.channel_combo.setCurrentIndex(0)
        self.from_edit.setDate(NO_DATE)
        self.to_edit.setDate(NO_DATE)
        for widget in (self.status_combo, self.channel_combo, self.from_edit, self.to_edit):
            widget.blockSignals(False)
        self.apply_filter()
        self.focus_search()

    def _load_channels(self) -> None:
        channels: list[str] = []
        with user_action(self):
            channels = self._context.database.read(list_channels)
        chosen = self.channel_combo.currentData()
        self.channel_combo.blockSignals(True)
        self.channel_combo.clear()
        self.channel_combo.addItem(_("All channels"), None)
        for channel in channels:
            self.channel_combo.addItem(channel_text(channel), channel)
        self.channel_combo.setCurrentIndex(max(self.channel_combo.findData(chosen), 0))
        self.channel_combo.blockSignals(False)

    def _show_count(self) -> None:
        total = self.model.total
        text = ngettext("{count} order", "{count} orders", total).format(count=format_number(total))
        source = self.model.source
        if source is not None and getattr(source, "customers_cut", False):
            text += " " + _(
                "— more than {limit} customers match: these are the orders of the first "
                "{limit}; type more of the name, a phone number or an e-mail."
            ).format(limit=format_number(MAX_MATCHED_CUSTOMERS))
        self.count_label.setText(text)
        empty = total == 0 and self.problem_label.isHidden()
        if empty:
            self.empty_label.setText(self._empty_text())
        self.list_stack.setCurrentWidget(self.empty_label if empty else self.table)

    def _empty_text(self) -> str:
        if self._applied is None or self._applied == OrderFilter():
            return _(
                "No orders yet.\nOrders appear here when they are imported from a channel "
                "or typed in at the shop desk."
            )
        return _(
            "No orders match.\nCheck the spelling, or search by order number (SO-000123), "
            "channel order id, customer name, phone or e-mail.\n"
            "Esc clears the search; Ctrl+Shift+X clears every filter."
        )

    def _show_problem(self, error: OrderdeskError) -> None:
        self._problem = error
        self.problem_label.setText("✕ " + error_text(error) + "  " + _("Press F5 to try again."))
        self.problem_label.show()

    # ----------------------------------------------------------------- moving around

    def focus_primary(self) -> None:
        self.focus_search()

    def focus_search(self) -> None:
        self.search_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_edit.selectAll()

    def focus_list(self) -> None:
        if self.model.total and not self.table.currentIndex().isValid():
            self.select_row(0)
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def jump_to_first(self) -> None:
        """Enter in the search: run it now if typing is pending, then show the first match."""
        if self._pending():
            self.apply_filter()
        if self.model.total:
            self.select_row(0)
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def selected_row(self) -> OrderRow | None:
        index = self.table.currentIndex()
        return self.model.cached_row(index.row()) if index.isValid() else None

    def copy_number(self) -> None:
        row = self.selected_row()
        if row is not None:
            QGuiApplication.clipboard().setText(row.number)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Down in the search field goes on to the list, as people expect from a finder.
        if (
            watched is self.search_edit
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Down  # type: ignore[attr-defined]
        ):
            if self._pending():
                self.jump_to_first()
            else:
                self.focus_list()
            return True
        return super().eventFilter(watched, event)

    # ----------------------------------------------------------------- detail

    def _current_row_changed(self, current, _previous) -> None:
        row = self.model.row_at(current.row()) if current.isValid() else None
        if row is None:
            self.detail.clear_order()
            return
        self.show_order(row.id)

    def show_order(self, order_id: int) -> None:
        with user_action(self):
            detail = self._context.database.read(order_detail, self._context.actor, order_id)
            self.detail.show_order(detail)

    # ----------------------------------------------------------------- layout memory

    def _layout_parts(self) -> dict:
        return {TABLE_LAYOUT_KEY: self.table, SPLITTER_LAYOUT_KEY: self.splitter}

    def _restore_layout(self) -> None:
        restore_layout(self._context.store, self._context.actor.username, self._layout_parts())

    def save_layout(self) -> None:
        save_layout(self._context.store, self._context.actor.username, self._layout_parts())


class _DateEdit(QDateEdit):
    """Tab leaves the field; Qt's own date edit would step through year, month and day
    first, a trap for people who Tab through the filters. Arrows still move within it.
    Its calendar opens at today's month when the field says "any day"."""

    def __init__(self) -> None:
        super().__init__()
        self.setCalendarPopup(True)
        self.setCalendarWidget(_TodayCalendar(self))

    def focusNextPrevChild(self, forward: bool) -> bool:
        return QWidget.focusNextPrevChild(self, forward)


class _TodayCalendar(QCalendarWidget):
    def __init__(self, edit: QDateEdit) -> None:
        super().__init__()
        self._edit = edit

    def showEvent(self, event) -> None:
        super().showEvent(event)
        # After the popup has put its page on the edit's date (January 2000 for "any day").
        QTimer.singleShot(0, self._show_today_for_any_day)

    def _show_today_for_any_day(self) -> None:
        if self._edit.date() == NO_DATE:
            today = QDate.currentDate()
            self.setCurrentPage(today.year(), today.month())


def _local_midnight(day: QDate, days_after: int = 0) -> dt.datetime | None:
    """The start of a local day as an aware time; None for the "any day" date."""
    if day == NO_DATE:
        return None
    date = dt.date(day.year(), day.month(), day.day()) + dt.timedelta(days=days_after)
    return dt.datetime.combine(date, dt.time()).astimezone()
