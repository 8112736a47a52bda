"""Plain-data builders for review rule tests: one good order, changed one field at a time."""

from __future__ import annotations

import dataclasses
import datetime as dt

from app.address import PostalAddress
from app.review.model import (
    BlockList,
    CustomerFacts,
    LineFacts,
    OrderFacts,
    PaymentFacts,
    ProductFacts,
    PromotionFacts,
    ReviewSettings,
    ReviewWorld,
    StockPosition,
    WarehouseStock,
)

NOW = dt.datetime(2026, 3, 10, 12, 0, tzinfo=dt.UTC)

KETTLE = ProductFacts(
    id=1,
    sku="KET-200",
    name="Kettle KX-200",
    spec="1.5 l",
    model="KX-200",
    category="kitchen",
    price_cents=1999,
    currency="EUR",
)
TOASTER = ProductFacts(
    id=2,
    sku="TOA-100",
    name="Toaster",
    category="kitchen",
    price_cents=2999,
    currency="EUR",
)
OLD_LAMP = ProductFacts(
    id=3, sku="LMP-OLD", name="Lamp", category="home", price_cents=999, currency="EUR", active=False
)


def customer(**changes) -> CustomerFacts:
    base = CustomerFacts(
        id=7,
        name="Ada Lovelace",
        email="ada@example.com",
        phone="+4930901820",
        created_at=NOW - dt.timedelta(days=400),
    )
    return dataclasses.replace(base, **changes)


def ship_to(**changes) -> PostalAddress:
    base = PostalAddress(
        recipient="Ada Lovelace",
        phone="+4930901820",
        line1="Invalidenstraße 1",
        city="Berlin",
        postal_code="10115",
        country_code="DE",
    )
    return dataclasses.replace(base, **changes)


def line(product: ProductFacts = KETTLE, quantity: int = 2, line_no: int = 1, **changes):
    base = LineFacts(
        line_no=line_no,
        sku=product.sku,
        quantity=quantity,
        unit_price_cents=product.price_cents,
        line_total_cents=product.price_cents * quantity,
        product_text=product.name,
    )
    return dataclasses.replace(base, **changes)


def card(amount_cents: int, **changes) -> PaymentFacts:
    base = PaymentFacts(
        method="card",
        status="captured",
        amount_cents=amount_cents,
        currency="EUR",
        card_brand="visa",
        card_last4="4242",
        card_exp_month=3,
        card_exp_year=2028,
    )
    return dataclasses.replace(base, **changes)


def order(*lines: LineFacts, payments=None, **changes) -> OrderFacts:
    lines = lines or (line(),)
    total = sum(item.line_total_cents for item in lines)
    base = OrderFacts(
        order_id=100,
        channel="shop",
        channel_order_id="SHOP-100",
        currency="EUR",
        received_at=NOW - dt.timedelta(minutes=5),
        purchased_at=NOW - dt.timedelta(minutes=10),
        subtotal_cents=total,
        total_cents=total,
        customer=customer(),
        ship_to=ship_to(),
        lines=tuple(lines),
        payments=(card(total),) if payments is None else tuple(payments),
    )
    return dataclasses.replace(base, **changes)


def stock(product: ProductFacts, *per_warehouse: int, committed: int = 0) -> StockPosition:
    return StockPosition(
        product.id,
        tuple(
            WarehouseStock(index + 1, f"WH{index + 1}", units)
            for index, units in enumerate(per_warehouse)
        ),
        committed,
    )


NO_ONE_BLOCKED = BlockList()
DEFAULT_SETTINGS = ReviewSettings()


def world(
    *,
    products=(KETTLE, TOASTER, OLD_LAMP),
    stock_positions=None,
    promotions: tuple[PromotionFacts, ...] = (),
    block_list: BlockList = NO_ONE_BLOCKED,
    settings: ReviewSettings = DEFAULT_SETTINGS,
) -> ReviewWorld:
    positions = (
        stock_positions
        if stock_positions is not None
        else (stock(KETTLE, 10, 5), stock(TOASTER, 3))
    )
    return ReviewWorld(
        now=NOW,
        products={p.sku: p for p in products},
        stock={p.product_id: p for p in positions},
        promotions=promotions,
        block_list=block_list,
        settings=settings,
    )


def codes(findings) -> list[str]:
    return [finding.code for finding in findings]
