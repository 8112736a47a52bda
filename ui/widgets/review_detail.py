"""One order in review, as an HTML pane: each finding shown on the field it concerns,
lines with stock per warehouse, ship-to, payment, customer history, tasks and exceptions.

``ReviewDetailPane`` is the widget (a duplicate's twin is a link: ``order_link_clicked``);
``review_html`` renders a ``ReviewDetail`` for any desk that shows an order in review.
"""

from html import escape

from PySide6.QtCore import QUrl, Signal
from PySide6.QtWidgets import QTextBrowser, QWidget

from app.i18n import N_, _, ngettext, pgettext, translate_stored
from app.review.detail import FindingView, ReviewDetail
from app.workflow import OrderStatus as OS
from ui.style import BAD, GOOD, MUTED, SPACE_M, WARN
from ui.widgets.display import (
    channel_text,
    local_datetime,
    money,
    status_text,
    status_tone,
)
from ui.widgets.order_detail import badge, channel_facts

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


class ReviewDetailPane(QTextBrowser):
    """The order in review; a click on a twin's number asks to open that order."""

    order_link_clicked = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("reviewDetail")
        self.setOpenLinks(False)
        self.document().setDocumentMargin(SPACE_M)
        self.anchorClicked.connect(self._anchor_clicked)

    def show_detail(self, detail: ReviewDetail | None, left_queue: bool = False) -> None:
        """``left_queue``: the order is no longer in the queue being worked; say so on top."""
        if detail is None:
            self.setHtml(
                f"<p style='color:{MUTED.foreground}'>"
                + escape(_("Select an order to see what the review found."))
                + "</p>"
            )
            return
        html = review_html(detail)
        self.setHtml((_left_queue_html(detail) + html) if left_queue else html)

    def _anchor_clicked(self, url: QUrl) -> None:
        target = url.toString()
        if target.startswith(ORDER_LINK) and target[len(ORDER_LINK) :].isdigit():
            self.order_link_clicked.emit(int(target[len(ORDER_LINK) :]))


def _left_queue_html(detail: ReviewDetail) -> str:
    """Said above an order that is no longer in the queue being worked (another desk moved it)."""
    text = _("{order} is no longer in this queue: it is now {status}.").format(
        order=detail.order.number, status=status_text(detail.order.status)
    )
    return f"<p style='color:{WARN.foreground}'>{WARN.symbol} {escape(text)}</p>"


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
        f"<div style='color:{MUTED.foreground}'>"
        + " · ".join(
            [
                escape(channel_text(order.channel)),
                escape(order.channel_order_id),
                escape(local_datetime(order.received_at)),
                escape(money(order.total_cents, order.currency)),
                *channel_facts(order),
            ]
        )
        + "</div>"
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
    elif d.findings_now and d.queue is not None and d.order.status != OS.RECEIVED:
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
            if d.queue is not None and d.order.status != OS.RECEIVED:
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
            (_("Recipient"), s.recipient, "ship_to.name"),
            (_("Phone"), s.phone, "ship_to.phone"),
            (_("Street"), " / ".join(s.lines), "ship_to.line1"),
            (_("City"), s.city, "ship_to.city"),
            (_("Postal code"), s.postal_code, "ship_to.postal_code"),
            (_("Region"), s.region, "ship_to.region"),
            (_("Country"), s.country_code, "ship_to.country"),
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


# Contact tasks store their answer as a code; older rows or a typed answer as text.
_ANSWERS = {
    "corrected": N_("data corrected"),
    "reached": N_("customer reached"),
    "paid_again": N_("paid again"),
    "method_changed": N_("payment method changed"),
    "wait": N_("waits for the stock"),
    "substitute": N_("takes a substitute"),
    "decline": N_("declined"),
}


def _answer_words(answer: str) -> str:
    return _(_ANSWERS[answer]) if answer in _ANSWERS else translate_stored(answer)


def _task_item(task) -> str:
    state = _state_words(task.state)
    answer = f" · {escape(_answer_words(task.answer))}" if task.answer else ""
    what = task.what().strip()
    said = f"<br><small>{escape(what).replace(chr(10), '<br>')}</small>" if what else ""
    return f"<li>{escape(_words(_TASK_KINDS, task.kind))} — {escape(state)}{answer}{said}</li>"


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
