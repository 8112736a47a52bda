"""What an import reports: the summary of a run and the preview of a file (plain data)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from app.formats.common import RejectedRow
from app.i18n import _, ngettext
from app.numbers import order_number

Progress = Callable[[int, int], None]  # (units done, units total; 0 = unknown)
Cancelled = Callable[[], bool]


@dataclass(frozen=True)
class StaleWord:
    """An order this file speaks of with an older word than the one already applied."""

    order_id: int
    channel_order_id: str
    file_says: dt.datetime | None  # when this file's word was said
    held_since: dt.datetime | None  # when the word we hold was said

    def as_json(self) -> dict:
        return {
            "order": order_number(self.order_id),
            "channel_order_id": self.channel_order_id,
            "file_says": self.file_says.isoformat() if self.file_says else None,
            "held_since": self.held_since.isoformat() if self.held_since else None,
        }

    def said(self) -> str:
        """One line of the import summary, in the reader's language."""
        return _(
            "{order} ({channel_id}): stale, ignored — this file's word of {file_says} is "
            "older than the one applied ({held_since})."
        ).format(
            order=order_number(self.order_id),
            channel_id=self.channel_order_id,
            file_says=_when(self.file_says),
            held_since=_when(self.held_since),
        )


def _when(moment: dt.datetime | None) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "?"


@dataclass
class ImportSummary:
    file: str
    format: str
    import_batch_id: int
    units_total: int = 0
    units_done: int = 0
    new_orders: int = 0
    already_present: int = 0
    conflicts: int = 0
    # Orders the channel changed and the change was applied (see ``channel_updates``).
    channel_updates: int = 0
    channel_cancellations: int = 0
    not_for_warehouse: int = 0  # Amazon-fulfilled or cancelled, not stored
    rejected_orders: int = 0
    rejected_row_count: int = 0
    rejected_rows: list[RejectedRow] = field(default_factory=list)
    new_customers: int = 0
    unknown_skus: int = 0  # order lines whose SKU is not in the catalogue
    # New orders from a file without prices: priced from the price list, or not at all.
    estimated_amounts: int = 0
    unknown_amounts: int = 0
    cancelled: bool = False
    header: tuple[str, ...] = ()
    # Orders whose word in this file is older than the one applied: ignored, each named.
    stale_words: list[StaleWord] = field(default_factory=list)

    def as_json(self) -> dict:
        return {
            "file": self.file,
            "format": self.format,
            "import_batch_id": self.import_batch_id,
            "new_orders": self.new_orders,
            "already_present": self.already_present,
            "conflicts": self.conflicts,
            "channel_updates": self.channel_updates,
            "channel_cancellations": self.channel_cancellations,
            "not_for_warehouse": self.not_for_warehouse,
            "rejected_orders": self.rejected_orders,
            "rejected_row_count": self.rejected_row_count,
            "rejected_rows": [
                {"row": r.row, "order_id": r.order_id, "reason": r.reason}
                for r in self.rejected_rows
            ],
            "new_customers": self.new_customers,
            "unknown_skus": self.unknown_skus,
            "estimated_amounts": self.estimated_amounts,
            "unknown_amounts": self.unknown_amounts,
            "cancelled": self.cancelled,
            "stale_ignored": [word.as_json() for word in self.stale_words],
        }


@dataclass(frozen=True)
class PreviewRow:
    rows: str  # "2–3": where in the file
    order_id: str
    purchased_at: dt.datetime | None
    buyer: str
    ship_to: str
    lines: int
    total_minor: int
    currency: str
    remark: str  # why it is rejected or left out; notes for review; "" when plain
    rejected: bool = False
    # What the desk should know beyond the remark (a purchase-order number, a buyer's
    # cancellation request, a late-shipment warning), as sentences to translate.
    facts: tuple[str, ...] = ()
    # The file has no prices: the import takes them from the marketplace's price list.
    priced_at_import: bool = False


@dataclass(frozen=True)
class ImportPreview:
    path: str
    format: str
    units_total: int
    rows: list[PreviewRow]


def channel_word_parts(summary: ImportSummary) -> list[str]:
    """What the channel's later word changed, a phrase each (the CLI and the import desk)."""
    parts = []
    if summary.channel_updates:
        parts.append(
            ngettext(
                "{n} order updated with what the channel sent",
                "{n} orders updated with what the channel sent",
                summary.channel_updates,
            ).format(n=f"{summary.channel_updates:,}")
        )
    if summary.channel_cancellations:
        parts.append(
            ngettext(
                "{n} order cancelled by the channel (the warehouse stopped)",
                "{n} orders cancelled by the channel (the warehouse stopped)",
                summary.channel_cancellations,
            ).format(n=f"{summary.channel_cancellations:,}")
        )
    if summary.stale_words:
        count = len(summary.stale_words)
        parts.append(
            ngettext(
                "{n} order's word in this file is older than the one applied: stale, ignored",
                "{n} orders' words in this file are older than the ones applied: stale, ignored",
                count,
            ).format(n=f"{count:,}")
        )
    return parts
