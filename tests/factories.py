"""Small, explicit builders for test data through the ORM (not the demo generator)."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy.orm import Session

from db.models import (
    Bin,
    Customer,
    Order,
    OrderLine,
    Payment,
    Product,
    Shipment,
    ShipmentLine,
    StockQuant,
    Warehouse,
)

_counter = itertools.count(1)


def customer(session: Session, name: str = "Ada Lovelace", **fields) -> Customer:
    n = next(_counter)
    row = Customer(
        name=name,
        email=fields.pop("email", f"customer{n}@example.com"),
        phone=fields.pop("phone", f"+44207946{n:04d}"),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def product(session: Session, sku: str | None = None, **fields) -> Product:
    n = next(_counter)
    values = {
        "sku": sku or f"SKU-{n:05d}",
        "name": f"Product {n}",
        "category": "kitchen",
        "price_cents": 1999,
        "currency": "EUR",
        "weight_g": 500,
    }
    values.update(fields)
    row = Product(**values)
    session.add(row)
    session.flush()
    return row


def warehouse(session: Session, code: str | None = None, bins: int = 3) -> Warehouse:
    n = next(_counter)
    row = Warehouse(code=code or f"WH{n}", name=f"Warehouse {n}", country_code="DE")
    session.add(row)
    session.flush()
    for i in range(bins):
        session.add(Bin(warehouse_id=row.id, code=f"A-{i:02d}", pick_sequence=i))
    session.flush()
    return row


def stock(session: Session, prod: Product, wh: Warehouse, on_hand: int, bin_id: int) -> StockQuant:
    row = StockQuant(
        product_id=prod.id,
        warehouse_id=wh.id,
        bin_id=bin_id,
        on_hand=on_hand,
        reserved=0,
        received_date=dt.date(2026, 1, 1),
    )
    session.add(row)
    session.flush()
    return row


def order(
    session: Session,
    cust: Customer | None = None,
    *,
    status: str = "received",
    channel: str = "shop",
    channel_order_id: str | None = None,
    lines: list[tuple[Product, int]] | None = None,
    received_at: dt.datetime | None = None,
) -> Order:
    n = next(_counter)
    row = Order(
        channel=channel,
        channel_order_id=channel_order_id or f"CH-{n:08d}",
        customer_id=cust.id if cust else None,
        status=status,
        currency="EUR",
        ship_name=cust.name if cust else "",
        ship_line1="1 Test Street",
        ship_city="Berlin",
        ship_postal_code="10115",
        ship_country="DE",
        received_at=received_at or dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    total = 0
    for line_no, (prod, quantity) in enumerate(lines or [], start=1):
        amount = prod.price_cents * quantity
        total += amount
        session.add(
            OrderLine(
                order_id=row.id,
                line_no=line_no,
                product_id=prod.id,
                sku=prod.sku,
                product_name=prod.name,
                quantity=quantity,
                unit_price_cents=prod.price_cents,
                line_total_cents=amount,
            )
        )
    row.subtotal_cents = row.total_cents = total
    session.flush()
    return row


def card_payment(session: Session, ord: Order, amount_cents: int | None = None) -> Payment:
    row = Payment(
        order_id=ord.id,
        method="card",
        status="captured",
        amount_cents=ord.total_cents if amount_cents is None else amount_cents,
        currency=ord.currency,
        card_brand="visa",
        card_last4="4242",
        card_exp_month=3,
        card_exp_year=2028,
        processor_token="tok_test_123",
        paid_at=dt.datetime.now(dt.UTC),
    )
    session.add(row)
    session.flush()
    return row


def shipment(session: Session, ord: Order, wh: Warehouse, status: str = "pending") -> Shipment:
    row = Shipment(order_id=ord.id, warehouse_id=wh.id, status=status)
    session.add(row)
    session.flush()
    for line in ord.lines:
        session.add(ShipmentLine(shipment_id=row.id, order_line_id=line.id, quantity=line.quantity))
    session.flush()
    return row
