"""How values read on every screen: statuses (words + colour), local times, money."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from app.i18n import N_, _
from app.money import format_money
from ui.style import BAD, GOOD, INFO, MUTED, NEUTRAL, SPACE_M, WARN, Tone

# Source texts are marked here for the translation tools and translated when shown.
_STATUS_TEXT = {
    # orders
    "received": QT_TRANSLATE_NOOP("Status", "Received"),
    "needs_info": QT_TRANSLATE_NOOP("Status", "Needs information"),
    "stock_short": QT_TRANSLATE_NOOP("Status", "Stock short"),
    "payment_problem": QT_TRANSLATE_NOOP("Status", "Payment problem"),
    "on_hold": QT_TRANSLATE_NOOP("Status", "On hold"),
    "approved": QT_TRANSLATE_NOOP("Status", "Approved"),
    "allocated": QT_TRANSLATE_NOOP("Status", "Allocated"),
    "shipped": QT_TRANSLATE_NOOP("Status", "Shipped"),
    "delivered": QT_TRANSLATE_NOOP("Status", "Delivered"),
    "returned": QT_TRANSLATE_NOOP("Status", "Returned"),
    "refunded": QT_TRANSLATE_NOOP("Status", "Refunded"),
    "cancelled": QT_TRANSLATE_NOOP("Status", "Cancelled"),
    # shipments
    "pending": QT_TRANSLATE_NOOP("Status", "Pending"),
    "picking": QT_TRANSLATE_NOOP("Status", "Picking"),
    "picked": QT_TRANSLATE_NOOP("Status", "Picked"),
    "packed": QT_TRANSLATE_NOOP("Status", "Packed"),
    "in_transit": QT_TRANSLATE_NOOP("Status", "In transit"),
    "delayed": QT_TRANSLATE_NOOP("Status", "Delayed"),
    "lost": QT_TRANSLATE_NOOP("Status", "Lost"),
    "damaged": QT_TRANSLATE_NOOP("Status", "Damaged"),
    # customers and payments
    "active": QT_TRANSLATE_NOOP("Status", "Active"),
    "arrears": QT_TRANSLATE_NOOP("Status", "In arrears"),
    "frozen": QT_TRANSLATE_NOOP("Status", "Frozen"),
    "banned": QT_TRANSLATE_NOOP("Status", "Banned"),
    "captured": QT_TRANSLATE_NOOP("Status", "Captured"),
    "failed": QT_TRANSLATE_NOOP("Status", "Failed"),
}

# Red is wrong, amber needs someone, green is done; the rest is ordinary progress.
_STATUS_TONE = {
    "needs_info": WARN,
    "stock_short": WARN,
    "on_hold": WARN,
    "pending": NEUTRAL,
    "delayed": WARN,
    "arrears": WARN,
    "frozen": WARN,
    "payment_problem": BAD,
    "lost": BAD,
    "damaged": BAD,
    "banned": BAD,
    "failed": BAD,
    "approved": INFO,
    "allocated": INFO,
    "picking": INFO,
    "picked": INFO,
    "packed": INFO,
    "shipped": GOOD,
    "in_transit": GOOD,
    "delivered": GOOD,
    "active": GOOD,
    "captured": GOOD,
    "cancelled": MUTED,
    "returned": MUTED,
    "refunded": MUTED,
}


def status_text(status: str) -> str:
    source = _STATUS_TEXT.get(status)
    if source is None:
        return status.replace("_", " ")
    return QCoreApplication.translate("Status", source)


_SERVICE_TEXT = {
    "standard": N_("Standard delivery"),
    "express": N_("Express delivery"),
    "expedited": N_("Expedited delivery"),
    "economy": N_("Economy delivery"),
    "next_day": N_("Next-day delivery"),
    "in_store": N_("Collected in store"),
}


def service_text(service: str) -> str:
    """A requested delivery service in words (never the stored code)."""
    source = _SERVICE_TEXT.get(service)
    return _(source) if source else service.replace("_", " ").capitalize()


def status_tone(status: str) -> Tone:
    return _STATUS_TONE.get(status, NEUTRAL)


def known_statuses(names: list[str]) -> list[tuple[str, str]]:
    """(value, label) pairs for a status picker, in the order given."""
    return [(name, status_text(name)) for name in names]


def local_time(moment: dt.datetime | None, today: dt.date | None = None) -> str:
    """Local wall-clock time; the date only when it is not today."""
    if moment is None:
        return ""
    local = moment.astimezone()
    if local.date() == (today or dt.datetime.now().astimezone().date()):
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def local_datetime(moment: dt.datetime | None) -> str:
    """Always with the date: for histories, where "today" would be ambiguous later."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else ""


def money(amount_minor: int, currency: str) -> str:
    return format_money(amount_minor, currency)


def set_tone(label: QLabel, tone: Tone) -> None:
    """Colour a message label; the text carries the tone's symbol too (never colour alone)."""
    label.setStyleSheet(
        f"color: {tone.foreground}; background: {tone.background}; padding: {SPACE_M}px;"
    )


def tone_label(object_name: str, tone: Tone) -> QLabel:
    """An inline message line (problem, result) that stays hidden until it has something."""
    label = QLabel()
    label.setObjectName(object_name)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
    set_tone(label, tone)
    label.hide()
    return label
