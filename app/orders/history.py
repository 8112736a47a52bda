"""An order's history in words: what was done (the verb) and why, never stored codes.

Pure: takes the audit rows the order detail already holds, returns sentences in the
current language. Used by ``orderdesk orders show``; the screens show the same rows.
"""

from __future__ import annotations

from typing import Protocol

from app.i18n import N_, _, translate_stored

# Order and shipment statuses as people say them (the screens' words, app-side).
STATUS_WORDS = {
    # orders
    "received": N_("Received"),
    "needs_info": N_("Needs information"),
    "stock_short": N_("Stock short"),
    "payment_problem": N_("Payment problem"),
    "on_hold": N_("On hold"),
    "approved": N_("Approved"),
    "allocated": N_("Allocated"),
    "partly_shipped": N_("Partly shipped"),
    "shipped": N_("Shipped"),
    "delivered": N_("Delivered"),
    "returned": N_("Returned"),
    "refunded": N_("Refunded"),
    "cancelled": N_("Cancelled"),
    # shipments
    "pending": N_("Pending"),
    "picking": N_("Picking"),
    "picked": N_("Picked"),
    "packed": N_("Packed"),
    "in_transit": N_("In transit"),
    "out_for_delivery": N_("Out for delivery"),
    "delayed": N_("Delayed"),
    "lost": N_("Lost"),
    "damaged": N_("Damaged"),
    # customers and payments
    "active": N_("Active"),
    "arrears": N_("In arrears"),
    "frozen": N_("Frozen"),
    "banned": N_("Banned"),
    "captured": N_("Captured"),
    "failed": N_("Failed"),
}

# The verbs that write an order's or a shipment's history (``action`` of its audit rows).
ACTION_WORDS = {
    "imported": N_("Imported"),
    "import_conflict": N_("Imported again with changes"),
    "entered": N_("Entered at the shop counter"),
    "review": N_("Reviewed"),
    "review_override": N_("Approved over findings"),
    "request_info": N_("Information requested from the customer"),
    "ask_for_payment": N_("Payment asked for"),
    "offer_stock_options": N_("Arrival date or substitutes offered"),
    "stock_answer": N_("Customer's answer on stock recorded"),
    "hold": N_("Put on hold"),
    "release_hold": N_("Released from hold"),
    "exception_plan": N_("Exception plan written"),
    "duplicates_resolved": N_("Duplicates resolved"),
    "intake_conflict_kept": N_("Stored order kept over the changed import"),
    "short_pick": N_("Picked short"),
    "cancel": N_("Cancelled"),
}


# How an order was paid, as the desk says it.
PAYMENT_METHOD_WORDS = {
    "card": N_("Card"),
    "cash": N_("Cash"),
    "bank_transfer": N_("Bank transfer"),
    "marketplace": N_("Paid to the marketplace"),
    "paypal": N_("PayPal"),
}


class HistoryEvent(Protocol):
    action: str
    from_state: str | None
    to_state: str | None
    reason: str


def status_words(status: str) -> str:
    """A status in words; an unknown one without its underscores."""
    source = STATUS_WORDS.get(status)
    return _(source) if source else status.replace("_", " ")


def payment_method_words(method: str) -> str:
    source = PAYMENT_METHOD_WORDS.get(method)
    return _(source) if source else method.replace("_", " ")


def action_words(action: str) -> str:
    source = ACTION_WORDS.get(action)
    return _(source) if source else action.replace("_", " ").capitalize()


def change_words(event: HistoryEvent) -> str:
    """What was done: "Received → Approved" for a status change, else the verb
    ("Information requested from the customer"), with the state change after it only when
    it made one."""
    if event.action == "status" and event.to_state:
        return _("{before} → {after}").format(
            before=status_words(event.from_state or ""), after=status_words(event.to_state)
        )
    what = action_words(event.action)
    if event.to_state and event.from_state and event.from_state != event.to_state:
        what = _("{verb} ({before} → {after})").format(
            verb=what, before=status_words(event.from_state), after=status_words(event.to_state)
        )
    return what


def reason_words(event: HistoryEvent) -> str:
    """The reason in the reader's language: from its code and values where the desk stored
    them (``detail["why"]``), else translated when it is one of the program's sentences."""
    reason = (event.reason or "").strip()
    why = getattr(event, "why", None)
    if why:
        from app.review.reasons import reason_in_words

        return reason_in_words(reason, {"why": why})
    return translate_stored(reason) if reason else ""


def history_text(event: HistoryEvent) -> str:
    """One line: "Information requested from the customer: <note>"."""
    what, reason = change_words(event), reason_words(event)
    return _("{what}: {reason}").format(what=what, reason=reason) if reason else what
