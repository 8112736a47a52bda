"""How values read on every screen: statuses (words + colour), local times, money."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_skeleton, format_time
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSizePolicy

from app.i18n import N_, _, current_language
from app.money import display_money, format_number
from app.orders.history import status_words
from ui.style import BAD, GOOD, INFO, MUTED, NEUTRAL, SPACE_M, WARN, Tone

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
    "partly_shipped": INFO,
    "picking": INFO,
    "picked": INFO,
    "packed": INFO,
    "shipped": GOOD,
    "in_transit": GOOD,
    "out_for_delivery": GOOD,
    "delivered": GOOD,
    "active": GOOD,
    "captured": GOOD,
    "cancelled": MUTED,
    "returned": MUTED,
    "refunded": MUTED,
}


def status_text(status: str) -> str:
    """A status in words (the same words ``orderdesk orders show`` prints)."""
    return status_words(status)


_SERVICE_TEXT = {
    "standard": N_("Standard delivery"),
    "express": N_("Express delivery"),
    "expedited": N_("Expedited delivery"),
    "economy": N_("Economy delivery"),
    "next_day": N_("Next-day delivery"),
    "in_store": N_("Collected in store"),
}


_CHANNEL_TEXT = {"amazon": N_("Amazon"), "shop": N_("Shop counter"), "partner": N_("Partner")}


def channel_text(channel: str) -> str:
    """A channel in words: "Amazon", "Shop counter", "Partner: tmall" (never the stored code)."""
    kind, _sep, name = channel.partition(":")
    words = _(_CHANNEL_TEXT[kind]) if kind in _CHANNEL_TEXT else kind.replace("_", " ").capitalize()
    return _("{channel}: {name}").format(channel=words, name=name) if name else words


def service_text(service: str) -> str:
    """A requested delivery service in words (never the stored code)."""
    source = _SERVICE_TEXT.get(service)
    return _(source) if source else service.replace("_", " ").capitalize()


def status_tone(status: str) -> Tone:
    return _STATUS_TONE.get(status, NEUTRAL)


def known_statuses(names: list[str]) -> list[tuple[str, str]]:
    """(value, label) pairs for a status picker, in the order given."""
    return [(name, status_text(name)) for name in names]


def local_time(moment: dt.datetime | None) -> str:
    """Local date and time, compact (CLDR skeletons of the language), for lists: every row
    of a column in one form, today's too (a time alone beside dated rows misleads)."""
    if moment is None:
        return ""
    local = moment.astimezone()
    language = current_language()
    return _DATE_TIME.format(
        date=format_skeleton("yMd", local, locale=language),
        time=format_skeleton("Hm", local, locale=language),
    )


def local_datetime(moment: dt.datetime | None) -> str:
    """Always with the date: for histories, where "today" would be ambiguous later."""
    if moment is None:
        return ""
    local = moment.astimezone()
    language = current_language()
    return _DATE_TIME.format(
        date=format_date(local, format="medium", locale=language),
        time=format_time(local, format="short", locale=language),
    )


# Date then time, each as CLDR writes it for the language.
_DATE_TIME = "{date} {time}"


def local_date(day: dt.date | None) -> str:
    return format_date(day, format="medium", locale=current_language()) if day else ""


def money(amount_minor: int, currency: str) -> str:
    return display_money(amount_minor, currency)


def number(value: int) -> str:
    return format_number(value)


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
