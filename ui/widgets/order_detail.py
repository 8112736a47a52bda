"""Everything about one order on one scrollable page: the detail pane of the order desks.

Rendered as rich text in a read-only browser, so it can be read with the keyboard, and
any part selected and copied into an e-mail. Every value is escaped: customer names and
addresses come from outside.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.i18n import N_, _, ngettext
from app.orders.detail import OrderDetail
from app.orders.history import change_words, payment_method_words, reason_words
from ui.style import MUTED, WARN, Tone
from ui.widgets.display import (
    channel_text,
    local_datetime,
    money,
    service_text,
    status_text,
    status_tone,
)

_STAGE_TEXT = {
    "purchased": N_("Purchased"),
    "received": N_("Received"),
    "reviewed": N_("Reviewed"),
    "approved": N_("Approved"),
    "allocated": N_("Allocated"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
}


# Below this the unbreakable columns (times, codes, amounts) no longer fit.
MIN_WIDTH = 380


class OrderDetailPane(QTextBrowser):
    """Shows an ``OrderDetail``; says what to do when nothing is selected."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orderDetail")
        self.setOpenLinks(False)
        # Everything wraps to the pane; full-width tables round one pixel over it, which
        # would show a pointless horizontal scroll bar.
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMinimumWidth(MIN_WIDTH)
        self.order_id: int | None = None
        self._detail: OrderDetail | None = None
        self.document().setDocumentMargin(12)
        self.clear_order()

    def retranslate(self) -> None:
        """Render what is shown again in the current language, keeping the scroll position."""
        position = self.verticalScrollBar().value()
        if self._detail is None:
            self.clear_order()
        else:
            self.show_order(self._detail)
        self.verticalScrollBar().setValue(position)

    def clear_order(self) -> None:
        self.order_id = None
        self._detail = None
        self.setHtml(
            f"<p style='color:{MUTED.foreground}'>"
            + escape(_("Select an order in the list to see its lines, payments and history."))
            + "</p>"
        )

    def show_order(self, detail: OrderDetail) -> None:
        self.order_id = detail.id
        self._detail = detail
        self.setHtml(order_html(detail))


# --------------------------------------------------------------------------- rendering


def order_html(d: OrderDetail) -> str:
    return "".join(
        (
            _header(d),
            _section(_("Customer"), _customer(d)),
            _section(_("Ship to"), "<br>".join(escape(line) for line in d.ship_to) or "—"),
            _section(_("Lines"), _lines(d)),
            _section(_("Payments"), _payments(d)),
            _section(_("Shipments"), _shipments(d)),
            _section(_("Stages"), _stages(d)),
            _section(_("History"), _audit(d)),
        )
    )


def badge(text: str, tone: Tone) -> str:
    return (
        f"<span style='color:{tone.foreground}; background-color:{tone.background};"
        f" font-weight:bold'>&nbsp;{escape(tone.symbol)} {escape(text)}&nbsp;</span>"
    )


def status_badge(status: str) -> str:
    return badge(status_text(status), status_tone(status))


def channel_facts(d: OrderDetail) -> list[str]:
    """What the channel told us that the desks must see (HTML): a business buyer's PO,
    amounts we only estimated, a buyer's request to cancel."""
    facts = []
    if d.purchase_order_number:
        facts.append(escape(_("PO {number}").format(number=d.purchase_order_number)))
    if d.amounts_source == "estimated":
        facts.append(escape(_("amounts estimated from the price list")))
    elif d.amounts_source == "unknown":
        facts.append(escape(_("amounts unknown until the channel sends them")))
    if d.buyer_requested_cancellation:
        facts.append(badge(_("the buyer asked to cancel"), WARN))
    return facts


def _header(d: OrderDetail) -> str:
    facts = [
        f"{escape(channel_text(d.channel))} · {escape(d.channel_order_id)}",
        _("received {time}").format(time=local_datetime(d.received_at)),
    ]
    facts += channel_facts(d)
    if d.ship_by_at:
        facts.append(_("ship by {time}").format(time=local_datetime(d.ship_by_at)))
    if d.priority:
        facts.append(_("priority {priority}").format(priority=d.priority))
    facts.append(escape(service_text(d.requested_service)))
    return (
        f"<p style='font-size:large'><b>{escape(d.number)}</b>&nbsp;&nbsp;"
        f"{status_badge(d.status)}</p>"
        f"<p style='color:{MUTED.foreground}'>{' · '.join(facts)}</p>"
    )


def _section(title: str, body: str) -> str:
    return f"<h4 style='margin-top:14px; margin-bottom:4px'>{escape(title)}</h4>{body}"


def _customer(d: OrderDetail) -> str:
    if not d.customer_name:
        return escape(_("No customer record."))
    parts = [f"<b>{escape(d.customer_name)}</b> {status_badge(d.customer_status)}"]
    contact = " · ".join(escape(v) for v in (d.customer_phone, d.customer_email) if v)
    if contact:
        parts.append(contact)
    return "<br>".join(parts)


_NOWRAP = " style='white-space:nowrap'"


def _table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    right: set[int],
    width: str = "100%",
    wrap: frozenset[int] = frozenset(),
) -> str:
    """Cells of the columns not in ``wrap`` keep their words together (codes, money)."""
    cells = "".join(
        f"<th align='{'right' if i in right else 'left'}'>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = "".join(
        "<tr>"
        + "".join(
            f"<td align='{'right' if i in right else 'left'}'{'' if i in wrap else _NOWRAP}>"
            f"{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f"<table cellspacing='0' cellpadding='3' width='{width}'>"
        f"<tr style='color:{MUTED.foreground}'>{cells}</tr>{body}</table>"
    )


def _none(text: str) -> str:
    return f"<span style='color:{MUTED.foreground}'>{escape(text)}</span>"


def _lines(d: OrderDetail) -> str:
    if not d.lines:
        return _none(_("No lines."))
    rows = []
    for line in d.lines:
        name = escape(line.product_name)
        if not line.known_product:
            name += " " + badge(_("not in catalogue"), WARN)
        rows.append(
            (
                str(line.line_no),
                escape(line.sku),
                name,
                str(line.quantity),
                escape(money(line.unit_price_cents, d.currency)),
                escape(money(line.line_total_cents, d.currency)),
            )
        )
    table = _table(
        ["#", _("SKU"), _("Product"), _("Qty"), _("Unit price"), _("Line total")],
        rows,
        right={0, 3, 4, 5},
        wrap=frozenset({2}),
    )
    return table + _totals(d)


def _totals(d: OrderDetail) -> str:
    amounts = [(_("Subtotal"), d.subtotal_cents)]
    if d.shipping_cents:
        amounts.append((_("Shipping"), d.shipping_cents))
    if d.tax_cents:
        amounts.append((_("Tax"), d.tax_cents))
    if d.discount_cents:
        amounts.append((_("Discount"), -d.discount_cents))
    rows = "".join(
        f"<tr><td align='right'>{escape(label)}</td>"
        f"<td align='right' width='130'>{escape(money(cents, d.currency))}</td></tr>"
        for label, cents in amounts
    )
    total = (
        f"<tr><td align='right'><b>{escape(_('Total'))}</b></td>"
        f"<td align='right'><b>{escape(money(d.total_cents, d.currency))}</b></td></tr>"
    )
    return f"<table cellspacing='0' cellpadding='2' width='100%'>{rows}{total}</table>"


def _payments(d: OrderDetail) -> str:
    if not d.payments:
        return _none(_("No payment recorded."))
    lines = []
    for p in d.payments:
        facts = [
            _unbroken(payment_method_words(p.method)),
            status_badge(p.status),
            f"<b>{_unbroken(money(p.amount_cents, p.currency))}</b>",
        ]
        if p.card:
            facts.append(_unbroken(p.card))
        if p.paid_at:
            facts.append(_unbroken(_("paid {time}").format(time=local_datetime(p.paid_at))))
        lines.append(" · ".join(facts))
    # A part payment taken at the counter: what the customer still owes stays in view.
    owed = d.total_cents - sum(p.amount_cents for p in d.payments if p.status == "captured")
    if owed > 0 and any(p.status == "captured" for p in d.payments):
        owed_text = _("{amount} still owed").format(amount=money(owed, d.currency))
        lines.append(f"<b>{escape(owed_text)}</b>")
    return "<br>".join(lines)


def _shipments(d: OrderDetail) -> str:
    if not d.shipments:
        return _none(_("No shipment yet."))
    lines = []
    for s in d.shipments:
        facts = [f"<b>{_unbroken(s.number)}</b> {status_badge(s.status)}"]
        facts.append(_unbroken(_("from {warehouse}").format(warehouse=s.warehouse)))
        if s.carrier or s.tracking_number:
            facts.append(_unbroken(f"{s.carrier} {s.tracking_number}".strip()))
        facts.append(
            _unbroken(ngettext("{units} unit", "{units} units", s.units).format(units=s.units))
        )
        lines.append(" · ".join(facts))
    return "<br>".join(lines)


def _unbroken(text: str) -> str:
    """Escaped, kept on one line: a card, an amount, a time never split (Chinese text may
    break between any two characters, so spaces alone are not enough)."""
    return escape(_joined(text)).replace(" ", "&nbsp;")


def _joined(text: str) -> str:
    """A WORD JOINER beside each ideograph (Chinese breaks anywhere otherwise); Latin text
    is left exactly as it was, so what a person copies is what was written."""
    out: list[str] = []
    for index, char in enumerate(text):
        if index and "Lo" in (unicodedata.category(char), unicodedata.category(text[index - 1])):
            out.append("\u2060")
        out.append(char)
    return "".join(out)


def _stages(d: OrderDetail) -> str:
    rows = [
        (escape(_(_STAGE_TEXT.get(name, name))), escape(local_datetime(at)))
        for name, at in d.stage_times
    ]
    return _table([_("Stage"), _("At")], rows, right=set(), width="60%")


def _audit(d: OrderDetail) -> str:
    if not d.audit:
        return _none(_("No recorded changes."))
    rows = []
    for event in reversed(d.audit):  # newest first: what happened last matters most
        what = escape(change_words(event))  # the verb in words, never its code
        if event.reason:
            what += f"<br><i>{escape(reason_words(event))}</i>"
        rows.append(
            (
                escape(local_datetime(event.at)),
                escape(event.actor),
                escape(event.entity),
                what,
            )
        )
    headers = [_("When"), _("Who"), _("Record"), _("Change and reason")]
    return _table(headers, rows, right=set(), wrap=frozenset({1, 3}))
