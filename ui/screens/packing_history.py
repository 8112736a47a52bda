"""The packing station's label history of the shipment in hand: every print, reprint (with
its reason), failed print (with why), void and imported carrier label — when, who, which
printer. Read through ``app.shipping.queries.label_history``; the station's Reprint (F9)
adds a row here with the reason the packer gave."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QTableWidget, QWidget

from app.i18n import N_, _
from app.shipping.queries import LabelHistoryRow
from ui.style import BAD, MUTED, WARN
from ui.widgets.display import local_time
from ui.widgets.simple_table import fill_table, simple_table

HISTORY_COLUMNS = (N_("When"), N_("Parcel"), N_("What"), N_("Who"), N_("Printer"), N_("Reason"))
# What a history row's action and outcome are, in words (the codes stay in the database).
ACTION_WORDS = {
    "print": N_("printed"),
    "reprint": N_("REPRINT"),
    "void": N_("voided"),
    "import": N_("carrier label imported"),
}
FAILED_WORD = N_("print FAILED")


def history_table(parent: QWidget | None = None) -> QTableWidget:
    table = simple_table(
        "labelHistory", [_(c) for c in HISTORY_COLUMNS], (120, 50, 150, 90, 110, 200)
    )
    table.horizontalHeader().setStretchLastSection(True)  # the reason, as long as it is
    if parent is not None:
        table.setParent(parent)
    return table


def what_happened(row: LabelHistoryRow) -> str:
    """The row's action in words; a failed print or reprint says so first."""
    action = _(ACTION_WORDS.get(row.action, row.action))
    if row.outcome == "failed":
        return f"✕ {_(FAILED_WORD)} ({action})"
    return f"↻ {action}" if row.action == "reprint" else action


def fill_history(table: QTableWidget, rows: list[LabelHistoryRow]) -> None:
    """Newest first: the last print is what the packer looks for."""
    newest_first = list(reversed(rows))
    fill_table(
        table,
        [
            (local_time(r.at), r.parcel, what_happened(r), r.user or "-", r.printer or "-",
             r.failure or r.reason)
            for r in newest_first
        ],
    )  # fmt: skip
    for index, r in enumerate(newest_first):
        tone = BAD if r.outcome == "failed" else WARN if r.action == "reprint" else None
        if r.action == "void":
            tone = MUTED
        if tone is not None:
            table.item(index, 2).setForeground(QColor(tone.foreground))


def retitle(table: QTableWidget) -> None:
    table.setHorizontalHeaderLabels([_(c) for c in HISTORY_COLUMNS])
