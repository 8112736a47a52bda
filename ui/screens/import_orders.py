"""The Import screen: bring a channel's order file in, see what happened, fix what failed.

Pick a file (or drop it on the screen): its format is recognised from the content and
the first orders are shown as the import would read them. Import runs on a worker with a
progress bar and Cancel; the summary says how many orders are new, were already here,
changed since (left for the review desk), were not for our warehouse, or were rejected —
and the rejected rows can be saved as a CSV with an error column, to fix and re-import.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.errors import OrderdeskError
from app.formats import FORMAT_NAMES
from app.formats.export import write_rejected_rows
from app.i18n import N_, _, ngettext, say
from app.intake import ImportPreview, ImportSummary, import_file_apart, preview_file
from app.intake.model import channel_word_parts
from app.money import format_number
from ui.actions import make_action, retitle, with_shortcut
from ui.desk_screen import DeskContext, DeskScreen
from ui.errors import error_text, user_action
from ui.style import BAD, GOOD, MUTED, SPACE_L, SPACE_M, SPACE_S, WARN, Tone, heading_font
from ui.tasks import Progress
from ui.texts import Texts
from ui.widgets.display import local_time, money, set_tone, tone_label

PREVIEW_ORDERS = 20
IMPORT_SHORTCUT = "Ctrl+Return"
OPEN_SHORTCUT = "Ctrl+O"
FILE_FILTER = "Order files (*.txt *.tsv *.csv *.json);;All files (*)"


class ImportOrdersScreen(DeskScreen):
    def __init__(self, context: DeskContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._context = context
        self.path: Path | None = None
        self.preview: ImportPreview | None = None
        self.summary: ImportSummary | None = None
        self._running_summary: ImportSummary | None = None
        self._importing = False
        self._preview_token = 0
        self.setAcceptDrops(True)
        self.texts = Texts()
        self._build()
        self._actions = [
            make_action(self, _("&Open file…"), OPEN_SHORTCUT, self.choose_file),
            make_action(self, _("&Import"), IMPORT_SHORTCUT, self.start_import),
        ]
        for action, source in zip(self._actions, (N_("&Open file…"), N_("&Import")), strict=True):
            self.texts.bind(lambda text, action=action: retitle(action, text), source)
        self._show_state()

    def retranslate(self) -> bool:
        self.texts.apply()
        self._fill_preview()
        if self.summary is not None:
            self._show_summary(self.summary)
        return True

    # ----------------------------------------------------------------- layout

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(SPACE_L, SPACE_M, SPACE_L, SPACE_S)
        layout.setSpacing(SPACE_M)

        title = QLabel()
        self.texts.bind(title.setText, N_("Import orders"))
        title.setFont(heading_font(self.font()))
        title.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout.addWidget(title)

        self.drop_hint = QLabel()
        self.texts.bind(
            self.drop_hint.setText,
            N_(
                "Drop an Amazon order report, an SP-API JSON file or a partner CSV here, "
                "or choose one."
            ),
        )
        self.drop_hint.setObjectName("importDropHint")
        self.drop_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.drop_hint.setMinimumHeight(56)
        self.drop_hint.setFrameShape(QFrame.Shape.StyledPanel)
        self.drop_hint.setStyleSheet(
            f"border: 2px dashed {MUTED.foreground}; color: {MUTED.foreground};"
            f" padding: {SPACE_M}px;"
        )
        layout.addLayout(self._build_file_row())
        self.problem_label = tone_label("importProblem", BAD)
        self.problem_label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        layout.addWidget(self.problem_label)
        # Before a file is chosen the drop area takes the room the tables will use.
        layout.addWidget(self.drop_hint, 1)

        self.preview_caption = QLabel()
        self.preview_caption.setObjectName("importPreviewCaption")
        layout.addWidget(self.preview_caption)
        self.preview_table = self._table(
            "importPreview",
            [
                N_("File rows"),
                N_("Order id"),
                N_("Purchased"),
                N_("Buyer"),
                N_("Ship to"),
                N_("Lines"),
                N_("Total"),
                N_("Remark"),
            ],
        )
        self.preview_table.horizontalHeaderItem(0).setToolTip(
            _("The rows of the file this order was read from (the header is row 1)")
        )
        layout.addWidget(self.preview_table, 3)

        self.summary_box = self._build_summary()
        layout.addWidget(self.summary_box)
        self.rejected_table = self._table(
            "importRejected", [N_("File row"), N_("Order id"), N_("Reason")]
        )
        layout.addWidget(self.rejected_table, 2)

    def _build_file_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setSpacing(SPACE_M)
        self.choose_button = QPushButton()
        self.texts.bind(self.choose_button.setText, N_("Choose file…"))
        self.texts.bind(
            self.choose_button.setToolTip,
            lambda: with_shortcut(_("Choose file"), OPEN_SHORTCUT),
        )
        self.choose_button.clicked.connect(self.choose_file)
        row.addWidget(self.choose_button)
        self.file_label = QLabel()
        self.texts.bind(
            self.file_label.setText,
            lambda: str(self.path) if self.path else _("No file chosen"),
        )
        self.file_label.setObjectName("importFile")
        self.file_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.file_label, 1)
        self.format_label = QLabel()
        self.format_label.setObjectName("importFormat")
        row.addWidget(self.format_label)
        channel_label = QLabel()
        self.texts.bind(channel_label.setText, N_("Channel:"))
        row.addWidget(channel_label)
        self.channel_edit = QLineEdit()
        self.channel_edit.setObjectName("importChannel")
        self.texts.bind(self.channel_edit.setPlaceholderText, N_("from the file"))
        self.texts.bind(
            self.channel_edit.setToolTip,
            N_("Amazon files: amazon unless given. Partner CSV: the partner's name."),
        )
        self.channel_edit.setMaximumWidth(160)
        self.channel_edit.editingFinished.connect(self._refresh_preview)
        row.addWidget(self.channel_edit)
        self.import_button = QPushButton()
        self.texts.bind(self.import_button.setText, N_("Import"))
        self.import_button.setObjectName("importButton")
        self.import_button.setDefault(True)
        self.texts.bind(
            self.import_button.setToolTip, lambda: with_shortcut(_("Import"), IMPORT_SHORTCUT)
        )
        self.import_button.clicked.connect(self.start_import)
        row.addWidget(self.import_button)
        return row

    def _build_summary(self) -> QWidget:
        box = QFrame()
        box.setObjectName("importSummary")
        grid = QGridLayout(box)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(SPACE_L)
        self.result_label = tone_label("importResult", GOOD)
        grid.addWidget(self.result_label, 0, 0, 1, 6)
        self.counts: dict[str, QLabel] = {}
        captions = (
            ("new_orders", N_("New orders")),
            ("already_present", N_("Already here")),
            ("conflicts", N_("Changed since, for review")),
            ("not_for_warehouse", N_("Not for our warehouse")),
            ("rejected_orders", N_("Rejected orders")),
            ("rejected_row_count", N_("Rejected rows")),
        )
        for column, (key, caption) in enumerate(captions):
            value = QLabel("–")
            value.setObjectName(f"importCount_{key}")
            value.setFont(heading_font(self.font(), 1.2))
            value.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(value, 1, column)
            label = QLabel()
            self.texts.bind(label.setText, caption)
            label.setStyleSheet(f"color: {MUTED.foreground};")
            label.setAlignment(Qt.AlignmentFlag.AlignRight)
            grid.addWidget(label, 2, column)
            self.counts[key] = value
        self.save_button = QPushButton()
        self.texts.bind(self.save_button.setText, N_("Save rejected rows as CSV…"))
        self.save_button.setObjectName("importSaveRejected")
        self.save_button.clicked.connect(self.choose_rejected_file)
        grid.addWidget(self.save_button, 3, 0, 1, 2)
        return box

    def _table(self, name: str, headers: list[str]) -> QTableWidget:
        table = QTableWidget(0, len(headers))
        table.setObjectName(name)
        self.texts.bind(
            lambda _text: table.setHorizontalHeaderLabels([_(h) for h in headers]), lambda: ""
        )
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.verticalHeader().hide()
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        return table

    # ----------------------------------------------------------------- DeskScreen

    def desk_actions(self):
        return list(self._actions)

    def focus_primary(self) -> None:
        (self.import_button if self.path else self.choose_button).setFocus()

    # ----------------------------------------------------------------- choosing a file

    def choose_file(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self, _("Import orders"), "", FILE_FILTER)
        if name:
            self.open_file(Path(name))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if event.mimeData().hasUrls() and event.mimeData().urls()[0].isLocalFile():
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        urls = event.mimeData().urls()
        if urls and urls[0].isLocalFile():
            event.acceptProposedAction()
            self.open_file(Path(urls[0].toLocalFile()))

    def open_file(self, path: Path) -> None:
        """Show what ``path`` holds (format, first orders); nothing is imported yet."""
        if self._importing:
            return  # one file at a time: the running import keeps its file
        self.path = path
        self.summary = None
        self.file_label.setText(str(path))
        self.file_label.setToolTip(str(path))
        self._refresh_preview()

    def _channel(self) -> str | None:
        return self.channel_edit.text().strip() or None

    def _refresh_preview(self) -> None:
        """Read the first orders on a worker: a big file is scanned once to count its rows."""
        if self.path is None or self._importing:
            return
        self.preview = None
        self._preview_token += 1
        token, path, channel = self._preview_token, self.path, self._channel()

        def shown(result: ImportPreview) -> None:
            if token == self._preview_token:  # a later file may have been chosen meanwhile
                self.preview = result
                self.problem_label.hide()
                self._fill_preview()
                self._show_state()

        def refused(error: BaseException) -> None:
            if token != self._preview_token:
                return
            if not isinstance(error, OrderdeskError):
                sys.excepthook(type(error), error, error.__traceback__)
                return
            self._show_problem(error_text(error))
            self._fill_preview()
            self._show_state()

        self._fill_preview()
        self._show_state()
        self._context.tasks.run(
            # Apart: a big file's scan runs in a reader process, so the window keeps answering.
            lambda _progress: preview_file(path, channel=channel, limit=PREVIEW_ORDERS, apart=True),
            on_done=shown,
            on_error=refused,
            parent=self,
        )

    def _fill_preview(self) -> None:
        preview = self.preview
        self.preview_table.setRowCount(0)
        if preview is None:
            self.format_label.setText("")
            self.preview_caption.setText("")
            return
        self.format_label.setText(
            _("Format: {name}").format(name=_(FORMAT_NAMES.get(preview.format, preview.format)))
        )
        unit = _("orders") if preview.format == "amazon-json" else _("rows")
        if not preview.rows:
            self.preview_caption.setText(
                f"{WARN.symbol} "
                + _("The file holds no orders (only its header): there is nothing to import.")
            )
            return
        self.preview_caption.setText(
            _("First {shown} orders as they will be read ({total} {unit} in the file):").format(
                shown=len(preview.rows), total=f"{preview.units_total:,}", unit=unit
            )
            if preview.units_total
            else _("First {shown} orders as they will be read:").format(shown=len(preview.rows))
        )
        shown = len(preview.rows)
        caption = ngettext(
            "First {shown} order as it will be read",
            "First {shown} orders as they will be read",
            shown,
        ).format(shown=shown)
        total = preview.units_total
        if total:
            in_file = (
                ngettext("{total} order in the file", "{total} orders in the file", total)
                if preview.format == "amazon-json"
                else ngettext("{total} row in the file", "{total} rows in the file", total)
            ).format(total=format_number(total))
            caption = _("{caption} ({in_file}):").format(caption=caption, in_file=in_file)
        else:
            caption = _("{caption}:").format(caption=caption)
        self.preview_caption.setText(caption)
        for row in preview.rows:
            rejected = row.rejected
            remarks = [say(text) for text in (row.remark, *row.facts) if text]
            if row.priced_at_import:
                total = _("from price list")
            elif row.currency:
                total = money(row.total_minor, row.currency)
            else:
                total = ""
            cells = [
                row.rows,
                row.order_id,
                local_time(row.purchased_at) if row.purchased_at else "",
                row.buyer,
                row.ship_to,
                str(row.lines) if not rejected else "",
                total,
                (f"{BAD.symbol} " if rejected else "") + "; ".join(remarks),
            ]
            self._append(
                self.preview_table, cells, right_aligned=(5, 6), tone=BAD if rejected else None
            )
        self.preview_table.resizeColumnsToContents()

    @staticmethod
    def _append(
        table: QTableWidget, cells: list[str], right_aligned=(), tone: Tone | None = None
    ) -> None:
        row = table.rowCount()
        table.insertRow(row)
        for column, text in enumerate(cells):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            if column in right_aligned:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if tone is not None:
                item.setForeground(QColor(tone.foreground))
            table.setItem(row, column, item)

    def _show_problem(self, text: str) -> None:
        self.problem_label.setText(f"{BAD.symbol} {text}")
        self.problem_label.show()

    # ----------------------------------------------------------------- importing

    def start_import(self) -> None:
        if self.path is None or self.preview is None:
            return
        path, channel = self.path, self._channel()
        database, actor = self._context.database, self._context.actor
        fmt = self.preview.format

        def work(progress: Progress) -> ImportSummary:
            # Runs on a worker: only plain values in, a plain summary out. Apart: the import
            # runs in a process of its own, so the window's interpreter stays free.
            summary = import_file_apart(
                database,
                actor,
                path,
                format=fmt,
                channel=channel,
                progress=lambda done, total: progress.report(done, total),
                cancel=lambda: progress.cancelled,
            )
            self._running_summary = summary
            return summary

        self._importing = True
        self._show_state()
        with user_action(self):
            self._context.tasks.run(
                work,
                on_done=self._show_summary,
                on_error=self._import_failed,
                on_cancelled=self._import_cancelled,
                parent=self,
                label=_("Importing {name}…").format(name=path.name),
            )

    def _import_failed(self, error: BaseException) -> None:
        self._importing = False
        self._show_state()
        if isinstance(error, OrderdeskError):
            self._show_problem(error_text(error))
        else:  # a bug: the global hook logs it and apologises
            sys.excepthook(type(error), error, error.__traceback__)

    def _import_cancelled(self) -> None:
        summary = self._running_summary
        if summary is not None:
            self._show_summary(summary)
        else:
            self._importing = False
            self._show_state()

    def _show_summary(self, summary: ImportSummary) -> None:
        self._importing = False
        self.summary = summary
        self._running_summary = None
        for key, label in self.counts.items():
            label.setText(format_number(getattr(summary, key)))
        if summary.cancelled:
            tone, text = (
                WARN,
                _(
                    "Stopped. The orders written so far are complete; import the same file "
                    "again to finish."
                ),
            )
        elif summary.rejected_row_count or summary.conflicts:
            tone, text = (
                WARN,
                _(
                    "Imported, with rows that need attention: rejected rows are listed below; "
                    "changed orders wait at the review desk."
                ),
            )
        else:
            tone, text = GOOD, _("Imported.")
        text += " " + where_orders_went(summary)
        set_tone(self.result_label, tone)
        self.result_label.setText(f"{tone.symbol} {text}")
        self.result_label.show()
        self.rejected_table.setRowCount(0)
        for row in summary.rejected_rows:
            self._append(self.rejected_table, [str(row.row), row.order_id or "", say(row.reason)])
        self.rejected_table.resizeColumnsToContents()
        self._show_state()

    # ----------------------------------------------------------------- rejected rows

    def choose_rejected_file(self) -> None:
        if self.summary is None or not self.summary.rejected_rows:
            return
        suggested = (self.path or Path("orders")).with_suffix("").name + "-rejected.csv"
        name, _filter = QFileDialog.getSaveFileName(
            self, _("Save rejected rows"), suggested, "CSV (*.csv)"
        )
        if name:
            self.save_rejected(Path(name))

    def save_rejected(self, target: Path) -> None:
        """Rejected rows with an error column, formula-looking cells neutralised."""
        assert self.summary is not None
        write_rejected_rows(target, self.summary.rejected_rows, self.summary.header)
        self.result_label.setText(
            self.result_label.text() + "\n" + _("Saved to {path}.").format(path=target)
        )

    # ----------------------------------------------------------------- state

    def _show_state(self) -> None:
        ready = self.preview is not None and bool(self.preview.rows)
        self.import_button.setEnabled(ready and not self._importing)
        self._actions[1].setEnabled(ready and not self._importing)
        self.choose_button.setEnabled(not self._importing)
        self.channel_edit.setEnabled(not self._importing)
        has_summary = self.summary is not None
        for label in self.counts.values():
            label.setEnabled(has_summary)
        if not has_summary:
            self.result_label.hide()
            self.rejected_table.setRowCount(0)
            for label in self.counts.values():
                label.setText("–")
        rejected = has_summary and bool(self.summary and self.summary.rejected_rows)
        self.save_button.setEnabled(rejected)
        self.rejected_table.setVisible(rejected)
        self.drop_hint.setVisible(not ready)  # no usable file yet: offer to take one
        # Empty state: only the drop area and the file row until there is something to show.
        self.preview_table.setVisible(ready)
        self.preview_caption.setVisible(self.preview is not None)
        if self.preview is not None and not ready:
            self.drop_hint.setVisible(False)
        self.summary_box.setVisible(has_summary)


def where_orders_went(summary: ImportSummary) -> str:
    """Where the file's orders are now, in words a desk can act on."""
    parts = []
    if summary.new_orders:
        parts.append(
            ngettext(
                "{n} new order waits in To review at the Review desk",
                "{n} new orders wait in To review at the Review desk",
                summary.new_orders,
            ).format(n=f"{summary.new_orders:,}")
        )
    if summary.unknown_skus:
        parts.append(
            ngettext(
                "{n} line names a product the catalogue lacks: its order will go to "
                "Needs information when reviewed",
                "{n} lines name products the catalogue lacks: their orders will go to "
                "Needs information when reviewed",
                summary.unknown_skus,
            ).format(n=f"{summary.unknown_skus:,}")
        )
    if summary.estimated_amounts:
        parts.append(
            ngettext(
                "{n} order is priced from the price list, as an estimate until Amazon's "
                "amounts arrive",
                "{n} orders are priced from the price list, as an estimate until Amazon's "
                "amounts arrive",
                summary.estimated_amounts,
            ).format(n=f"{summary.estimated_amounts:,}")
        )
    if summary.unknown_amounts:
        parts.append(
            ngettext(
                "{n} order has no price: its marketplace has no price list (or lacks a SKU); "
                "its amounts show as unknown",
                "{n} orders have no price: their marketplace has no price list (or lacks a "
                "SKU); their amounts show as unknown",
                summary.unknown_amounts,
            ).format(n=f"{summary.unknown_amounts:,}")
        )
    if summary.already_present:
        parts.append(
            ngettext(
                "{n} was already here", "{n} were already here", summary.already_present
            ).format(n=f"{summary.already_present:,}")
        )
    if summary.conflicts:
        parts.append(
            ngettext(
                "{n} changed since it was imported waits at the Review desk",
                "{n} changed since they were imported wait at the Review desk",
                summary.conflicts,
            ).format(n=f"{summary.conflicts:,}")
        )
    parts.extend(channel_word_parts(summary))
    if summary.not_for_warehouse:
        parts.append(
            ngettext(
                "{n} fulfilled by Amazon or cancelled was not stored",
                "{n} fulfilled by Amazon or cancelled were not stored",
                summary.not_for_warehouse,
            ).format(n=f"{summary.not_for_warehouse:,}")
        )
    if summary.rejected_orders:
        parts.append(
            ngettext(
                "{n} order was rejected (listed below)",
                "{n} orders were rejected (listed below)",
                summary.rejected_orders,
            ).format(n=f"{summary.rejected_orders:,}")
        )
    return "; ".join(parts) + "." if parts else ""
