"""The service desk's cases (complaints): the queue by reply deadline, and one case whole.

Left, the cases with the most urgent reply first; a countdown says how long is left, and an
overdue case says so in red with a "!" (never colour alone). Right, the case: its order,
shipment and customer, and one timeline of everything said and done on it beside the
carrier's tracking events. The verbs come from the declaration in ``app.cases.verbs``: the
case's status decides which are shown, a verb the person's role may not run is disabled
with the reason beside it. The list follows other desks by itself (``ui/live.py``).
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.cases.mail import UnreadableMail, take_mail
from app.cases.model import (
    CATEGORY_WORDS,
    RESOLUTION_WORDS,
    STATUS_WORDS,
    CaseRow,
    CaseStatus,
    Category,
    Priority,
    Resolution,
    Source,
)
from app.cases.queries import CaseDetail, load_case, load_case_page
from app.cases.service import CaseAction, CaseDraft, act, open_case
from app.cases.templates import REPLY_WORDS, ReplyKind, draft_reply
from app.cases.verbs import verb_states
from app.errors import InvalidInput, OrderdeskError
from app.i18n import N_, _, language_name, ngettext
from app.live import CASES
from app.numbers import parse_number
from ui.actions import make_action
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text
from ui.live import ANY, LiveChanges
from ui.screens.case_after_sales import ClaimDialog, ReturnPanel, after_sales_lines
from ui.style import BAD, GOOD, SPACE_M, SPACE_S, WARN
from ui.widgets.display import local_datetime
from ui.widgets.flow_layout import FlowLayout
from ui.widgets.form import ok_cancel
from ui.widgets.simple_table import fill_table, say, simple_table

PAGE = 200
# The subject stretches; the category is in the case's facts, so the list fits at 1024 px.
LIST_COLUMNS = (N_("Case"), N_("Reply due"), N_("Status"), N_("Order"), N_("Subject"))
LIST_WIDTHS = (85, 160, 80, 85, 80)
TIMELINE_COLUMNS = (N_("When"), N_("What"), N_("Who"), N_("Said or done"))
NOTE_WORDS = {
    "note": N_("Note"),
    "call": N_("Call"),
    "reply": N_("Reply"),
    "customer": N_("Customer"),
    "system": N_("Desk"),
    "tracking": N_("Tracking"),
}
STATUS_FILTERS = (
    ("", N_("All cases")),
    ("open", N_("Open")),
    ("waiting", N_("Waiting for customer")),
    ("resolved", N_("Resolved")),
    ("closed", N_("Closed")),
)


def countdown(due: dt.datetime, now: dt.datetime) -> str:
    """ "in 5 h 20 min" or "2 h 5 min overdue": what a person needs at a glance."""
    seconds = int((due - now).total_seconds())
    hours, minutes = divmod(abs(seconds) // 60, 60)
    if seconds >= 0:
        return _("in {h} h {m} min").format(h=hours, m=minutes)
    return _("{h} h {m} min overdue").format(h=hours, m=minutes)


class CasesScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("casesScreen")
        self._context = context
        self.rows: list[CaseRow] = []
        self.detail: CaseDetail | None = None
        self._reply_language: str | None = None
        self._build()
        self._actions = [
            make_action(self, _("New case…"), "Ctrl+N", self.new_case),
            make_action(self, _("New claim…"), "Ctrl+Shift+N", self.new_claim),
            make_action(self, _("Refresh"), "F5", self.reload),
        ]
        self.live = context.live or LiveChanges(context.database, self)
        self.live.changed.connect(self._live_changed)
        self.setAcceptDrops(True)  # e-mails (.eml) dropped here become cases
        self.reload()

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(SPACE_M, SPACE_M, SPACE_M, SPACE_M)
        top = QHBoxLayout()
        self.status_filter = QComboBox()
        self.status_filter.setObjectName("statusFilter")
        for code, words in STATUS_FILTERS:
            self.status_filter.addItem(_(words), code)
        self.status_filter.currentIndexChanged.connect(lambda _i: self.reload())
        self.overdue_only = QCheckBox(_("Overdue only"))
        self.overdue_only.setObjectName("overdueOnly")
        self.overdue_only.toggled.connect(lambda _on: self.reload())
        self.new_button = QPushButton(_("New case… (Ctrl+N)"))
        self.new_button.setObjectName("newCase")
        self.new_button.clicked.connect(self.new_case)
        self.claim_button = QPushButton(_("New claim…"))
        self.claim_button.setObjectName("newClaim")
        self.claim_button.clicked.connect(self.new_claim)
        self.count_label = QLabel()
        self.count_label.setObjectName("caseCount")
        top.addWidget(self.status_filter)
        top.addWidget(self.overdue_only)
        top.addStretch(1)
        top.addWidget(self.count_label)
        top.addWidget(self.claim_button)
        top.addWidget(self.new_button)
        outer.addLayout(top)

        self.message = QLabel()
        split = QSplitter(Qt.Orientation.Horizontal)
        self.table = simple_table("caseList", [_(c) for c in LIST_COLUMNS], LIST_WIDTHS)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        split.addWidget(self.table)
        split.addWidget(self._build_detail())
        split.setSizes([560, 620])
        outer.addWidget(split, 1)
        self.message.setObjectName("caseMessage")
        self.message.setWordWrap(True)
        outer.addWidget(self.message)

    def _build_detail(self) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(SPACE_S)
        self.title = QLabel(_("Choose a case on the left, or open a new one with Ctrl+N."))
        self.title.setObjectName("caseTitle")
        self.title.setWordWrap(True)
        self.title.setStyleSheet("font-size: 15px; font-weight: 600;")
        self.facts = QLabel()
        self.facts.setObjectName("caseFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        self.timeline = simple_table(
            "caseTimeline", [_(c) for c in TIMELINE_COLUMNS], (125, 70, 85, 120)
        )
        self.timeline.horizontalHeader().setStretchLastSection(True)
        self.timeline.setWordWrap(True)
        self.entry = QPlainTextEdit()
        self.entry.setObjectName("caseEntry")
        self.entry.setPlaceholderText(_("What was said or done (for a note, a call or a reply)"))
        self.entry.setMaximumHeight(120)
        templates = QHBoxLayout()
        self.template = QComboBox()
        self.template.setObjectName("replyTemplate")
        self.template.addItem(_("(choose a template)"), "")
        for kind, words in REPLY_WORDS.items():
            self.template.addItem(_(words), str(kind))
        self.template.activated.connect(self._template_chosen)
        self.template_language = QLabel()
        self.template_language.setObjectName("templateLanguage")
        templates.addWidget(QLabel(_("Reply template:")))
        templates.addWidget(self.template)
        templates.addWidget(self.template_language)
        templates.addStretch(1)
        choices = QHBoxLayout()
        self.resolution = QComboBox()
        self.resolution.setObjectName("resolutionChoice")
        for code, words in RESOLUTION_WORDS.items():
            self.resolution.addItem(_(words), str(code))
        self.satisfaction = QSpinBox()
        self.satisfaction.setObjectName("satisfaction")
        self.satisfaction.setRange(1, 5)
        self.satisfaction.setValue(5)
        choices.addWidget(QLabel(_("Resolution:")))
        choices.addWidget(self.resolution)
        choices.addSpacing(SPACE_M)
        choices.addWidget(QLabel(_("Satisfaction (1–5):")))
        choices.addWidget(self.satisfaction)
        choices.addStretch(1)
        self.verb_bar = QWidget()
        self.verb_bar.setObjectName("caseVerbs")
        self.verb_layout = FlowLayout(self.verb_bar)
        self.why_not = QLabel()
        self.why_not.setObjectName("caseWhyNot")
        self.why_not.setWordWrap(True)
        for widget in (self.title, self.facts):
            layout.addWidget(widget)
        layout.addWidget(self.timeline, 1)
        layout.addLayout(templates)
        layout.addWidget(self.entry)
        layout.addLayout(choices)
        layout.addWidget(self.verb_bar)
        layout.addWidget(self.why_not)
        self.returns = ReturnPanel(self._context, self.message)
        self.returns.changed.connect(self.reload)
        layout.addWidget(self.returns)
        return box

    # ----------------------------------------------------------------- the list

    def reload(self) -> None:
        selected = self.detail.row.id if self.detail else None
        self.rows = load_case_page(
            self._context.database,
            status=self.status_filter.currentData() or None,
            overdue=self.overdue_only.isChecked(),
            limit=PAGE,
        )
        now = dt.datetime.now(dt.UTC)
        fill_table(self.table, [self._list_values(row, now) for row in self.rows])
        for index, row in enumerate(self.rows):
            if row.overdue(now):
                for column in range(self.table.columnCount()):
                    self.table.item(index, column).setForeground(Qt.GlobalColor.darkRed)
        shown = len(self.rows)
        self.count_label.setText(
            _("{n} cases shown (the first {page})").format(n=shown, page=PAGE)
            if shown == PAGE
            else ngettext("{n} case", "{n} cases", shown).format(n=shown)
        )
        if selected is not None:
            self.show_case(selected)

    def _list_values(self, row: CaseRow, now: dt.datetime) -> list[str]:
        due = (
            countdown(row.first_reply_due_at, now) if row.first_replied_at is None else _("replied")
        )
        if row.claim_due_at and row.status in ("open", "waiting"):
            due = _("claim {left}").format(left=countdown(row.claim_due_at, now))
        if row.overdue(now):
            dues = [row.first_reply_due_at, row.resolution_due_at, row.claim_due_at or now]
            due = f"{BAD.symbol} {countdown(min(dues), now)}"
        return [
            row.number,
            due,
            _(STATUS_WORDS[CaseStatus(row.status)]),
            row.order or "",
            row.subject,
        ]

    def _selection_changed(self) -> None:
        index = self.table.currentRow()
        if 0 <= index < len(self.rows):
            self.show_case(self.rows[index].id)

    def _live_changed(self, topic: str) -> None:
        if topic in (CASES, ANY):
            self.reload()

    # ----------------------------------------------------------------- one case

    def show_case(self, case_id: int) -> None:
        self.detail = load_case(self._context.database, case_id)
        if self.detail is None:
            return
        row = self.detail.row
        now = dt.datetime.now(dt.UTC)
        self.title.setText(f"{row.number} · {row.subject}")
        self.facts.setText(self._facts_text(self.detail, now))
        fill_table(
            self.timeline,
            [
                (
                    local_datetime(entry.at),
                    _(NOTE_WORDS.get(entry.kind, entry.kind)),
                    entry.who,
                    entry.text,
                )
                for entry in self.detail.timeline
            ],
        )
        self.timeline.resizeRowsToContents()
        self._show_verbs(row.status)
        self.returns.show_detail(self.detail)

    def _facts_text(self, detail: CaseDetail, now: dt.datetime) -> str:
        row = detail.row
        lines = [
            _("Status: {status} · Category: {category} · Priority: {priority}").format(
                status=_(STATUS_WORDS[CaseStatus(row.status)]),
                category=_(CATEGORY_WORDS[Category(row.category)]),
                priority=_(PRIORITY_WORDS[Priority(row.priority)]),
            ),
            _("Order: {order} · Shipment: {shipment} · Customer: {customer}").format(
                order=row.order or "–",
                shipment=detail.shipment or "–",
                customer=detail.customer or "–",
            ),
            _("First reply due {due} ({left}) · Resolution due {resolution}").format(
                due=local_datetime(row.first_reply_due_at),
                left=countdown(row.first_reply_due_at, now)
                if row.first_replied_at is None
                else _("replied"),
                resolution=local_datetime(row.resolution_due_at),
            ),
        ]
        lines += after_sales_lines(detail, now, countdown)
        if detail.resolution:
            lines.append(
                _("Resolution: {resolution}").format(
                    resolution=_(RESOLUTION_WORDS[detail.resolution])
                )
            )
        return "\n".join(lines)

    def _template_chosen(self, _index: int) -> None:
        kind = self.template.currentData()
        if not kind or self.detail is None:
            return
        detail = self.detail
        reply = draft_reply(
            ReplyKind(kind),
            detail.customer_language,
            name=detail.customer or "",
            order=detail.row.order or "",
            tracking=", ".join(detail.tracking_numbers),
        )
        self.entry.setPlainText(f"{reply.subject}\n\n{reply.body}")
        self._reply_language = reply.language
        self.template_language.setText(language_name(reply.language))
        self.template.setCurrentIndex(0)

    def _show_verbs(self, status: str) -> None:
        while self.verb_layout.count():
            item = self.verb_layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
        reasons = []
        for state in verb_states(status, self._context.actor):
            button = QPushButton(_(state.verb.label))
            button.setObjectName(f"verb_{state.verb.name}")
            button.setEnabled(state.enabled)
            if not state.enabled:
                reason = _(state.why_not).format(status=_(STATUS_WORDS[CaseStatus(status)]))
                button.setToolTip(reason)
                reasons.append(f"{_(state.verb.label)}: {reason}")
            button.clicked.connect(lambda _c=False, name=state.verb.name: self.run_verb(name))
            self.verb_layout.addWidget(button)
        self.why_not.setText("\n".join(reasons))

    def run_verb(self, name: str, replacement: tuple | None = None) -> None:
        """``replacement``: the items of a replacement (tests); else the dialog asks."""
        if self.detail is None:
            return
        resolution = self.resolution.currentData()
        if name == "resolve" and resolution == Resolution.REPLACEMENT and replacement is None:
            replacement = self._ask_replacement()
            if replacement is None:
                return
        action = CaseAction(
            text=self.entry.toPlainText(),
            resolution=resolution,
            satisfaction=self.satisfaction.value(),
            assignee_id=self._context.actor.user_id,  # the desk's Assign takes the case
            language=self._reply_language,
            replacement=replacement or (),
        )
        ref = self.detail.row.number
        try:
            act(self._context.database, self._context.actor, self.detail.row.id, name, action,
                expected_version=self.detail.row.version)  # fmt: skip
        except OrderdeskError as error:
            # The text typed stays in the box: a refused action loses nothing.
            say(self.message, BAD, error_text(error))
            self.show_case(self.detail.row.id)
            return
        self.entry.clear()
        self._reply_language = None
        self.template_language.clear()
        say(self.message, GOOD, _("{ref}: done.").format(ref=ref))
        self.reload()

    def _ask_replacement(self) -> tuple | None:
        from app.returns.replacement import replaceable_lines
        from ui.screens.case_replacement import ReplacementDialog

        received = self._context.database.read(replaceable_lines, self.detail.row.id)
        dialog = ReplacementDialog(self.detail.row.number, received, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.items()

    # ----------------------------------------------------------------- new case

    def new_case(self) -> None:
        dialog = NewCaseDialog(self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                draft = dialog.draft()
                case_id = open_case(self._context.database, self._context.actor, draft)
            except OrderdeskError as error:
                dialog.show_problem(error_text(error))  # what was typed stays in the dialog
                continue
            say(self.message, GOOD, _("Case opened."))
            self.reload()
            self.show_case(case_id)
            return

    def new_claim(self) -> None:
        from app.cases.service import open_claim

        dialog = ClaimDialog(self)
        while dialog.exec() == QDialog.DialogCode.Accepted:
            try:
                case_id = open_claim(self._context.database, self._context.actor, dialog.draft())
            except OrderdeskError as error:
                dialog.show_problem(error_text(error))
                continue
            say(self.message, GOOD, _("Case opened."))
            self.reload()
            self.show_case(case_id)
            return

    # ----------------------------------------------------------------- e-mails

    def dragEnterEvent(self, event) -> None:
        if any(url.toLocalFile().lower().endswith(".eml") for url in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [url.toLocalFile() for url in event.mimeData().urls()]
        self.take_mail_files([p for p in paths if p.lower().endswith(".eml")])
        event.acceptProposedAction()

    def take_mail_files(self, paths: list[str]) -> None:
        """Each dropped e-mail creates a case or extends the one it answers."""
        from pathlib import Path

        opened = None
        problems = []
        for path in paths:
            try:
                result = take_mail(
                    self._context.database, self._context.actor, Path(path).read_bytes()
                )
            except (UnreadableMail, OSError, OrderdeskError) as problem:
                problems.append(f"{Path(path).name}: {problem}")
                continue
            opened = result.case_id
        self.reload()
        if opened is not None:
            self.show_case(opened)
        if problems:
            say(self.message, BAD, "\n".join(problems))
        else:
            say(
                self.message,
                GOOD,
                ngettext("{n} e-mail taken.", "{n} e-mails taken.", len(paths)).format(
                    n=len(paths)
                ),
            )

    # ----------------------------------------------------------------- desk

    def desk_actions(self):
        return self._actions

    def focus_primary(self) -> None:
        self.table.setFocus()

    def retranslate(self) -> bool:
        return False


PRIORITY_WORDS = {
    Priority.LOW: N_("low"),
    Priority.NORMAL: N_("normal"),
    Priority.HIGH: N_("high"),
    Priority.URGENT: N_("urgent"),
}
SOURCE_WORDS = {Source.PHONE: N_("Phone"), Source.CHAT: N_("Chat"), Source.EMAIL: N_("E-mail")}


class NewCaseDialog(QDialog):
    """A case from a call, chat or e-mail, typed by the agent."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New case"))
        form = QFormLayout(self)
        self.subject = QLineEdit()
        self.subject.setObjectName("newSubject")
        self.order = QLineEdit()
        self.order.setObjectName("newOrder")
        self.order.setPlaceholderText("SO-000123")
        self.source = QComboBox()
        for code, words in SOURCE_WORDS.items():
            self.source.addItem(_(words), str(code))
        self.category = QComboBox()
        self.category.setObjectName("newCategory")
        for code, words in CATEGORY_WORDS.items():
            self.category.addItem(_(words), str(code))
        self.priority = QComboBox()
        for code, words in PRIORITY_WORDS.items():
            self.priority.addItem(_(words), str(code))
        self.priority.setCurrentIndex(1)
        self.body = QPlainTextEdit()
        self.body.setObjectName("newBody")
        self.problem = QLabel()
        self.problem.setObjectName("newProblem")
        self.problem.setWordWrap(True)
        self.problem.hide()
        form.addRow(_("Subject:"), self.subject)
        form.addRow(_("Order:"), self.order)
        form.addRow(_("How it came in:"), self.source)
        form.addRow(_("Category:"), self.category)
        form.addRow(_("Priority:"), self.priority)
        form.addRow(_("What the customer said:"), self.body)
        form.addRow(self.problem)
        form.addRow(ok_cancel(self))

    def draft(self) -> CaseDraft:
        order_text = self.order.text().strip()
        order_id = None
        if order_text:
            parsed = parse_number(order_text) or (
                ("order", int(order_text)) if order_text.isdigit() else None
            )
            if parsed is None or parsed[0] != "order":
                raise InvalidInput(N_("order"), order_text, N_("an order number such as SO-000123"))
            order_id = parsed[1]
        return CaseDraft(
            subject=self.subject.text(),
            source=Source(self.source.currentData()),
            category=Category(self.category.currentData()),
            priority=Priority(self.priority.currentData()),
            order_id=order_id,
            body=self.body.toPlainText(),
        )

    def show_problem(self, text: str) -> None:
        say(self.problem, WARN, text)
