"""The review queue as a lazy table: its columns (the problem first, never a blank that
reads as "nothing wrong") and a review run's summary in words.
"""

from __future__ import annotations

from app.i18n import _, ngettext, translate_stored
from app.picking.model import allocation_text
from app.review.queries import ReviewRow
from app.review.service import ReviewSummary
from app.workflow import OrderStatus as OS
from ui.style import BAD, MUTED, WARN
from ui.widgets.display import local_datetime, money
from ui.widgets.paged_table_model import Column


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
    if row.status != OS.RECEIVED:
        return _("not recorded — open it to see why")
    return ""


def _problem_count(row: ReviewRow) -> str:
    if row.blocking:
        return f"{BAD.symbol} {row.blocking}"
    return f"{WARN.symbol} {row.warnings}" if row.warnings else ""


COLUMN_WIDTHS = (84, 62, 240, 140, 90, 120, 56)


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
        text = _("{head}: {done}. Run it again to review the rest.").format(head=head, done=done)
        return text + _allocated(summary)
    head = ngettext("Reviewed {n} order", "Reviewed {n} orders", summary.reviewed).format(
        n=f"{summary.reviewed:,}"
    )
    return _("{head}: {done}.").format(head=head, done=done) + _allocated(summary)


def _allocated(summary: ReviewSummary) -> str:
    """The shipments the system made of the run's approvals (nothing when it made none)."""
    allocation = summary.allocation
    if not (allocation.allocated or allocation.stock_short):
        return ""
    return " " + allocation_text(allocation, by_system=True)
