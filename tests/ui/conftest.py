"""Fixtures for driving real screens offscreen: a desk context, people, a small shop."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from PySide6.QtCore import QSettings

from app.auth import add_user
from app.permissions import Actor, Role
from app.workflow import change_status
from db.models import Order
from tests import factories
from ui import errors as ui_errors
from ui.desk_screen import DeskContext
from ui.settings import DeskSettings, SettingsStore
from ui.tasks import TaskRunner

PASSWORD = "correct horse battery"


@pytest.fixture
def store(tmp_path) -> SettingsStore:
    return SettingsStore(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def settings() -> DeskSettings:
    # A short typing pause keeps tests quick; page size small enough to page in tests.
    return DeskSettings(search_delay_ms=20, page_rows=50, cached_pages=8)


@pytest.fixture
def make_context(db, store, settings):
    def make(actor: Actor) -> DeskContext:
        return DeskContext(db, actor, settings, store, TaskRunner(synchronous=True))

    return make


@pytest.fixture
def people(db, admin) -> dict[str, Actor]:
    """One account per role, all with PASSWORD."""
    made = {}
    for username, role, name in (
        ("ada", Role.CUSTOMER_SERVICE, "Ada Lovelace"),
        ("wes", Role.WAREHOUSE, ""),
        ("fay", Role.FINANCE, "Fay Wong"),
        ("sue", Role.SUPERVISOR, "Sue Park"),
    ):
        summary = add_user(db.unit_of_work(), admin, username, PASSWORD, [role.value], name)
        made[username] = Actor(summary.id, username, frozenset(summary.roles), name)
    return made


@dataclass
class Shop:
    ids: list[int]  # newest first, as the list shows them
    chinese_order_id: int
    card_order_id: int  # paid by card, packed shipment
    reviewed_order_id: int  # moved from needs_info to approved, with a reason


@pytest.fixture
def shop(db) -> Shop:
    """Sixty orders from four customers (one Chinese) over sixty days."""
    start = dt.datetime(2026, 9, 1, 9, tzinfo=dt.UTC)
    with db.unit_of_work() as uow:
        s = uow.session
        people = [
            factories.customer(s, "Anna Müller", email="anna@example.de", phone="+4930123456"),
            factories.customer(s, "王芳", email="wang.fang@example.cn", phone="+8613800138000"),
            factories.customer(s, "Bob Stone", email="bob@example.com", phone="+12025550143"),
            factories.customer(s, "Carla Ruiz", email="carla@example.es", phone="+34911222333"),
        ]
        lamp = factories.product(s, "LAMP-1", name="Desk lamp", price_cents=2500)
        kettle = factories.product(s, "KETTLE-2", name="Glass kettle 1.7 l", price_cents=3999)
        wh = factories.warehouse(s, "BER")
        ids = []
        for day in range(60):
            order = factories.order(
                s,
                people[day % 4],
                channel=("amazon", "shop", "partner:ebay")[day % 3],
                channel_order_id=f"CH-{day:04d}",
                status=("received", "approved", "needs_info", "shipped")[day % 4],
                lines=[(lamp, 1 + day % 2), (kettle, 1)],
                received_at=start + dt.timedelta(days=day),
            )
            ids.append(order.id)
        card_order = s.get(Order, ids[-1])
        factories.card_payment(s, card_order)
        factories.shipment(s, card_order, wh, status="packed")
        reviewed = s.get(Order, ids[-2])
        supervisor = Actor(None, "sue", frozenset({Role.SUPERVISOR.value}))
        change_status(s, supervisor, reviewed, "approved", reason="address confirmed by phone")
        uow.commit()
    return Shop(
        ids=sorted(ids, reverse=True),
        chinese_order_id=ids[1],
        card_order_id=ids[-1],
        reviewed_order_id=ids[-2],
    )


@pytest.fixture
def shown_messages(monkeypatch) -> list[tuple[str, str]]:
    """Dialogs the code would have opened, as (title, text), instead of blocking the test."""
    shown: list[tuple[str, str]] = []

    def record(parent, icon, title, text, detail=""):
        shown.append((title, text))

    monkeypatch.setattr(ui_errors, "show_message", record)
    return shown
