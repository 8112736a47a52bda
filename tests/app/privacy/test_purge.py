"""Marketplace buyers' personal data goes after the retention period; tax data stays."""

import datetime as dt

import pytest
from sqlalchemy import select

from app.errors import PermissionDenied
from app.permissions import Role
from app.privacy.service import purge_personal_data
from db.models import Address, Customer, Order
from tests import factories as f
from tests.conftest import make_actor

ADMIN = make_actor(Role.ADMIN)
NOW = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)


@pytest.fixture
def buyers(db):
    """Ada: one Amazon order delivered 40 days ago. Ben: one old, one recent. Cy: shop."""
    with db.unit_of_work() as uow:
        s = uow.session
        ids = {}
        for name, channel, days in (
            ("Ada", "amazon", 40),
            ("Ben", "amazon", 40),
            ("Ben", "amazon", 5),
            ("Cy", "shop", 400),
        ):
            customer = s.scalar(select(Customer).where(Customer.name == name)) or f.customer(
                s, name
            )
            customer.email = f"{name.lower()}@example.com"
            s.add(Address(customer_id=customer.id, recipient=name, line1="1 Main St", city="Bonn"))
            order = f.order(
                s, customer, status="delivered", channel=channel, lines=[(f.product(s), 1)]
            )
            order.ship_name, order.ship_line1, order.ship_city, order.ship_postal_code = (
                name,
                "1 Main St",
                "Bonn",
                "53111",
            )
            order.ship_country, order.ship_phone = "DE", "+49 228 1234"
            order.delivered_at = NOW - dt.timedelta(days=days)
            ids.setdefault(name, []).append(order.id)
        uow.commit()
        return ids


def test_a_dry_run_says_what_would_go_and_changes_nothing(db, buyers):
    summary = purge_personal_data(db, ADMIN, dry_run=True, now=NOW)
    assert (len(summary.orders), summary.customers) == (2, 1)  # Ada's and Ben's old order; Ada
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, buyers["Ada"][0]).ship_name == "Ada"


def test_purging_removes_names_streets_and_phones_but_keeps_what_tax_needs(db, buyers):
    purge_personal_data(db, ADMIN, dry_run=False, now=NOW)
    with db.unit_of_work() as uow:
        s = uow.session
        ada_order = s.get(Order, buyers["Ada"][0])
        assert (ada_order.ship_name, ada_order.ship_line1, ada_order.ship_phone) == ("—", "", None)
        assert (ada_order.ship_city, ada_order.ship_postal_code, ada_order.ship_country) == (
            "Bonn",
            "53111",
            "DE",
        )
        ada = s.get(Customer, ada_order.customer_id)
        assert (ada.name, ada.email) == ("—", None)
        assert s.scalars(select(Address).where(Address.customer_id == ada.id)).all() == []
        ben = s.get(Customer, s.get(Order, buyers["Ben"][0]).customer_id)
        assert ben.email == "ben@example.com"  # a recent order still needs him
        assert s.get(Order, buyers["Ben"][1]).ship_name == "Ben"
        assert s.get(Order, buyers["Cy"][0]).ship_name == "Cy"  # our own shop: not a marketplace


def test_a_second_run_finds_nothing_more(db, buyers):
    purge_personal_data(db, ADMIN, dry_run=False, now=NOW)
    assert purge_personal_data(db, ADMIN, dry_run=True, now=NOW).orders == []


def test_only_an_administrator_purges(db, buyers):
    with pytest.raises(PermissionDenied):
        purge_personal_data(db, make_actor(Role.SUPERVISOR), dry_run=True, now=NOW)
