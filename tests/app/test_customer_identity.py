"""One customer per channel buyer id and per e-mail, whoever creates it (SQLite)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from app.demo import generate_demo
from app.intake import import_file
from db.models import Customer, Order
from tests.app.test_intake import ROWS, report, with_cell


def test_the_database_refuses_a_second_customer_with_a_buyer_id_or_email(db):
    with db.unit_of_work() as uow:
        uow.session.execute(
            insert(Customer).values(
                name="A", email="ana@example.com", channel_buyer_id="amazon:a@m.amazon.de"
            )
        )
        uow.commit()
    for values in ({"channel_buyer_id": "amazon:a@m.amazon.de"}, {"email": "ANA@example.com"}):
        with pytest.raises(IntegrityError), db.unit_of_work() as uow:
            uow.session.execute(insert(Customer).values(name="B", **values))


def test_a_file_whose_buyer_exists_under_another_buyer_id_finds_them_by_email(db, admin, tmp_path):
    with db.unit_of_work() as uow:
        uow.session.execute(
            insert(Customer).values(
                name="Wang", email="zzz999@marketplace.amazon.co.uk", channel_buyer_id="x:1"
            )
        )
        uow.commit()
    summary = import_file(db, admin, report(tmp_path, ROWS[2]))
    assert (summary.new_orders, summary.new_customers) == (1, 0)
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Customer)) == 1


def test_a_demo_amazon_customer_reimporting_is_recognised_by_buyer_id(db, admin, tmp_path):
    generate_demo(db, orders=50, seed=3)
    with db.unit_of_work() as uow:
        customer_id, buyer_id = uow.session.execute(
            select(Customer.id, Customer.channel_buyer_id)
            .where(Customer.channel_buyer_id.like("amazon:%"))
            .order_by(Customer.id)
            .limit(1)
        ).one()
        before = uow.session.scalar(select(func.count()).select_from(Customer))
    row = with_cell(ROWS[2], "buyer-email", buyer_id.removeprefix("amazon:"))
    row = with_cell(with_cell(row, "order-id", "205-0000000-4242424"), "order-item-id", "1")
    summary = import_file(db, admin, report(tmp_path, row))
    assert (summary.new_orders, summary.new_customers) == (1, 0)
    with db.unit_of_work() as uow:
        order = uow.session.scalar(
            select(Order).where(Order.channel_order_id == "205-0000000-4242424")
        )
        assert order.customer_id == customer_id
        assert uow.session.scalar(select(func.count()).select_from(Customer)) == before


def test_demo_buyer_ids_carry_the_channel_prefix_intake_matches_on(db):
    generate_demo(db, orders=50, seed=3)
    with db.unit_of_work() as uow:
        buyer_ids = uow.session.scalars(
            select(Customer.channel_buyer_id).where(Customer.channel_buyer_id.is_not(None))
        ).all()
        emails = uow.session.scalars(select(Customer.email).where(Customer.email.is_not(None)))
        assert all(email == email.strip().lower() for email in emails)
    assert buyer_ids and all(
        buyer.startswith("amazon:") or buyer.startswith("partner:") for buyer in buyer_ids
    )
    partner = next(buyer for buyer in buyer_ids if buyer.startswith("partner:"))
    _, name, ref = partner.split(":", 2)
    assert ref.startswith(name + "-")  # partner:otto:otto-123456789, as partner CSV imports it
