"""Orders in a real database for the review service tests: a good one, then one flaw each."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from db.models import (
    Address,
    Bin,
    Customer,
    IncomingStock,
    Order,
    OrderLine,
    Payment,
    Product,
    StockQuant,
    Warehouse,
)

_n = itertools.count(1)
NOW = dt.datetime.now(dt.UTC)


def warehouse(session: Session, code: str = "BER", categories: str = "") -> tuple[Warehouse, Bin]:
    wh = Warehouse(code=f"{code}{next(_n)}", name=code, country_code="DE", categories=categories)
    session.add(wh)
    session.flush()
    shelf = Bin(warehouse_id=wh.id, code="A-01-01", pick_sequence=1)
    session.add(shelf)
    session.flush()
    return wh, shelf


def product(
    session: Session,
    *,
    price: int = 1999,
    category: str = "kitchen",
    stock: int = 10,
    place: tuple[Warehouse, Bin] | None = None,
    active: bool = True,
    **fields,
) -> Product:
    n = next(_n)
    row = Product(
        sku=fields.pop("sku", f"SKU-{n:05d}"),
        name=fields.pop("name", f"Kettle {n}"),
        category=category,
        price_cents=price,
        currency="EUR",
        weight_g=500,
        active=active,
        **fields,
    )
    session.add(row)
    session.flush()
    if stock:
        wh, shelf = place or warehouse(session)
        session.add(
            StockQuant(
                product_id=row.id,
                warehouse_id=wh.id,
                bin_id=shelf.id,
                on_hand=stock,
                reserved=0,
                received_date=dt.date(2026, 1, 1),
            )
        )
        session.flush()
    return row


def customer(session: Session, **fields) -> Customer:
    n = next(_n)
    row = Customer(
        name=fields.pop("name", "Ada Lovelace"),
        email=fields.pop("email", f"ada{n}@example.com"),
        phone=fields.pop("phone", "+4930901820"),
        created_at=fields.pop("created_at", NOW - dt.timedelta(days=400)),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def order(
    session: Session,
    cust: Customer | None,
    lines: list[tuple[Product, int]],
    *,
    paid: bool = True,
    status: str = "received",
    line1: str | None = None,
    **fields,
) -> Order:
    n = next(_n)
    total = sum(p.price_cents * q for p, q in lines)
    row = Order(
        channel=fields.pop("channel", "shop"),
        channel_order_id=fields.pop("channel_order_id", f"SHOP-{n:06d}"),
        customer_id=cust.id if cust else None,
        status=status,
        currency="EUR",
        subtotal_cents=total,
        total_cents=total,
        ship_name=fields.pop("ship_name", cust.name if cust else ""),
        ship_phone=fields.pop("ship_phone", None),
        ship_line1=line1 if line1 is not None else f"Invalidenstraße {n}",
        ship_city=fields.pop("ship_city", "Berlin"),
        ship_postal_code=fields.pop("ship_postal_code", "10115"),
        ship_country=fields.pop("ship_country", "DE"),
        purchased_at=fields.pop("purchased_at", NOW - dt.timedelta(minutes=30)),
        received_at=fields.pop("received_at", NOW - dt.timedelta(minutes=20)),
        **fields,
    )
    session.add(row)
    session.flush()
    for line_no, (prod, quantity) in enumerate(lines, start=1):
        session.add(
            OrderLine(
                order_id=row.id,
                line_no=line_no,
                product_id=prod.id,
                sku=prod.sku,
                product_name=prod.name,
                quantity=quantity,
                unit_price_cents=prod.price_cents,
                line_total_cents=prod.price_cents * quantity,
            )
        )
    if paid:
        session.add(
            Payment(
                order_id=row.id,
                method="card",
                status="captured",
                amount_cents=total,
                currency="EUR",
                card_brand="visa",
                card_last4="4242",
                card_exp_month=12,
                card_exp_year=NOW.year + 2,
                processor_token="tok_1",
                paid_at=NOW - dt.timedelta(minutes=30),
            )
        )
    session.flush()
    return row


def address(session: Session, cust: Customer, line1: str = "Home 1", postal_code: str = "80331"):
    row = Address(
        customer_id=cust.id, line1=line1, city="München", postal_code=postal_code, country_code="DE"
    )
    session.add(row)
    session.flush()
    return row


def incoming(session: Session, prod: Product, quantity: int, days: int) -> IncomingStock:
    row = IncomingStock(
        product_id=prod.id, quantity=quantity, expected_date=NOW.date() + dt.timedelta(days=days)
    )
    session.add(row)
    session.flush()
    return row
