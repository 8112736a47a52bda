"""0005_customer_identity: a database that already has duplicate customers is merged first."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from db import schema
from db.engine import make_engine
from tests.support.schema import schema_differences

ORDER = (
    "INSERT INTO orders (id, channel, channel_order_id, customer_id, status, priority,"
    " requested_service, currency, subtotal_cents, shipping_cents, tax_cents, discount_cents,"
    " total_cents, ship_name, ship_line1, ship_line2, ship_line3, ship_city, ship_region,"
    " ship_postal_code, ship_country, received_at, status_changed_at, version)"
    " VALUES (:id, 'amazon', :ref, :customer, 'received', 0, 'standard', 'EUR', 100, 0, 0, 0,"
    " 100, '', '', '', '', '', '', '', '', '2026-01-01', '2026-01-01', 1)"
)
ADDRESS = (
    "INSERT INTO addresses (id, customer_id, recipient, line1, line2, line3, city, region,"
    " postal_code, country_code, is_default) VALUES (:id, :customer, 'R', :line1, '', '',"
    " 'Berlin', '', '10115', 'DE', :default)"
)
CUSTOMERS = [
    # id, buyer id, e-mail, phone, status
    (1, "amazon:a@marketplace.amazon.de", "Ana@Example.com", "+4930111", "active"),
    (2, "amazon:a@marketplace.amazon.de", None, None, "banned"),
    (3, None, " ana@example.com ", None, "frozen"),
    (4, "amazon:b@marketplace.amazon.de", None, None, "arrears"),
    (5, "amazon:b@marketplace.amazon.de", "ben@example.com", "+4930222", "active"),
    (6, None, "cleo@example.com", "+4930333", "active"),
    (7, None, None, "+4930333", "active"),  # shares Cleo's phone: a household, not her
    (8, "", "", None, "active"),
]


def seed_duplicates(engine) -> None:
    """Customers 1–3 and 4–5 are duplicates (by buyer id or e-mail); 6, 7, 8 are not."""
    with engine.begin() as connection:
        for customer_id, buyer, email, phone, status in CUSTOMERS:
            connection.execute(
                text(
                    "INSERT INTO customers (id, name, email, phone, channel_buyer_id, status,"
                    " language, created_at, version) VALUES (:id, :name, :email, :phone,"
                    " :buyer, :status, 'en', '2026-01-01', 1)"
                ),
                dict(
                    id=customer_id,
                    name=f"C{customer_id}",
                    email=email,
                    phone=phone,
                    buyer=buyer,
                    status=status,
                ),
            )
        for order_id, customer_id in ((10, 1), (20, 2), (30, 3), (31, 3), (50, 5), (70, 7)):
            connection.execute(
                text(ORDER), dict(id=order_id, ref=f"O-{order_id}", customer=customer_id)
            )
        for address_id, customer_id, default in ((1, 1, True), (2, 2, True), (3, 3, False)):
            connection.execute(
                text(ADDRESS),
                dict(id=address_id, customer=customer_id, line1=f"L{address_id}", default=default),
            )


MERGED_CUSTOMERS = [
    (1, "amazon:a@marketplace.amazon.de", "ana@example.com", "+4930111", "banned"),
    (4, "amazon:b@marketplace.amazon.de", "ben@example.com", "+4930222", "arrears"),
    (6, None, "cleo@example.com", "+4930333", "active"),
    (7, None, None, "+4930333", "active"),
    (8, None, None, None, "active"),
]
MERGED_ORDERS = {10: 1, 20: 1, 30: 1, 31: 1, 50: 4, 70: 7}


@pytest.fixture
def engine_with_duplicates(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'dups.sqlite'}")
    command.upgrade(schema.alembic_config(engine), "0004_leaner_indexes")
    seed_duplicates(engine)
    return engine


def _all(connection, sql: str) -> list[tuple]:
    return [tuple(row) for row in connection.execute(text(sql))]


def test_duplicates_are_merged_into_the_oldest_with_the_strictest_status(engine_with_duplicates):
    engine = engine_with_duplicates
    schema.upgrade(engine)
    with engine.connect() as connection:
        customers = _all(
            connection, "SELECT id, channel_buyer_id, email, phone, status FROM customers"
        )
        orders = dict(_all(connection, "SELECT id, customer_id FROM orders"))
        addresses = _all(connection, "SELECT id, customer_id, is_default FROM addresses")
        events = _all(
            connection,
            "SELECT entity_type, entity_id, action, from_state, to_state, detail"
            " FROM audit_events ORDER BY entity_id",
        )
        assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
    assert sorted(customers) == MERGED_CUSTOMERS
    assert orders == MERGED_ORDERS
    assert sorted(addresses) == [(1, 1, 1), (2, 1, 0), (3, 1, 0)]  # one default address
    assert [event[:5] for event in events] == [
        ("customer", 1, "customers_merged", "active", "banned"),
        ("customer", 4, "customers_merged", "arrears", "arrears"),
    ]
    assert '"merged_ids": [2, 3]' in events[0][5] and '"merged_ids": [5]' in events[1][5]
    assert schema_differences(engine) == []


@pytest.mark.parametrize(
    ("buyer", "email"),
    [("amazon:a@marketplace.amazon.de", None), (None, "ANA@example.com")],
    ids=["same buyer id", "same e-mail in other case"],
)
def test_after_the_merge_the_database_refuses_a_second_customer(
    engine_with_duplicates, buyer, email
):
    engine = engine_with_duplicates
    schema.upgrade(engine)
    with pytest.raises(IntegrityError, match="UNIQUE"), engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO customers (name, email, channel_buyer_id, status, language,"
                " created_at, version) VALUES ('X', :email, :buyer, 'active', 'en',"
                " '2026-01-01', 1)"
            ),
            dict(email=email, buyer=buyer),
        )


def test_downgrade_keeps_the_merged_customers_and_plain_indexes(engine_with_duplicates):
    engine = engine_with_duplicates
    schema.upgrade(engine)
    command.downgrade(schema.alembic_config(engine), "0004_leaner_indexes")
    with engine.connect() as connection:
        names = set(connection.scalars(text("SELECT name FROM sqlite_master WHERE type='index'")))
        assert connection.scalar(text("SELECT count(*) FROM customers")) == 5
    assert {"ix_customers_email_lower", "ix_customers_channel_buyer_id"} <= names
    assert "uq_customers_email_lower" not in names
