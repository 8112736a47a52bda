"""Whatever arrives — empty, absurd, foreign, any Unicode — every rule answers with findings."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.address import PostalAddress
from app.review.batch import review_batch
from app.review.decide import Outcome, decide
from app.review.model import (
    BlockList,
    CustomerFacts,
    Finding,
    LineFacts,
    OrderFacts,
    PaymentFacts,
    ProductFacts,
    PromotionFacts,
    Queue,
    RecentOrder,
    ReviewSettings,
    ReviewWorld,
    Severity,
    StockPosition,
    WarehouseStock,
)
from app.review.rules import RULES

UTC_TIMES = st.datetimes(
    min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(dt.UTC)
)
ANY_INT = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**6),
    st.integers(),  # unbounded: absurd quantities and prices
    st.sampled_from([0, -1, 1, 2**31, 2**63, -(2**63)]),
)
TEXT = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "\u200b", "北京市", "Zoë", "👍"]))
SKUS = st.sampled_from(["KET-200", "TOA-100", "", "未知", "ket-200 "])
COUNTRIES = st.one_of(st.sampled_from(["DE", "US", "GB", "CN", "HK", "JP", "de", "", "XX"]), TEXT)
CURRENCIES = st.one_of(st.sampled_from(["EUR", "USD", "CNY", "JPY", ""]), st.text(max_size=4))
STATUSES = st.one_of(
    st.sampled_from(["captured", "pending", "failed", "refunded", "received", "cancelled"]), TEXT
)

customers = st.builds(
    CustomerFacts,
    id=ANY_INT,
    name=TEXT,
    email=TEXT,
    phone=st.one_of(TEXT, st.sampled_from(["+4930901820", "030 901820", "+1 650 253 0000"])),
    status=st.one_of(st.sampled_from(["active", "arrears", "frozen", "banned"]), TEXT),
    language=TEXT,
    created_at=st.one_of(st.none(), UTC_TIMES),
    addresses=st.lists(st.tuples(TEXT, TEXT, COUNTRIES, TEXT), max_size=2).map(tuple),
)
ship_tos = st.builds(
    PostalAddress,
    recipient=TEXT,
    phone=TEXT,
    line1=TEXT,
    line2=TEXT,
    line3=TEXT,
    city=TEXT,
    region=TEXT,
    postal_code=st.one_of(TEXT, st.sampled_from(["10115", "SW1A 1AA", "100000"])),
    country_code=COUNTRIES,
)
lines = st.builds(
    LineFacts,
    line_no=ANY_INT,
    sku=SKUS,
    quantity=ANY_INT,
    unit_price_cents=ANY_INT,
    line_total_cents=ANY_INT,
    discount_cents=ANY_INT,
    product_text=TEXT,
    channel_spec=TEXT,
    channel_model=st.one_of(TEXT, st.just("KX-200")),
)
payments = st.builds(
    PaymentFacts,
    method=st.one_of(st.sampled_from(["card", "cash", "marketplace"]), TEXT),
    status=STATUSES,
    amount_cents=ANY_INT,
    currency=CURRENCIES,
    card_brand=TEXT,
    card_last4=TEXT,
    card_exp_month=st.one_of(st.none(), ANY_INT),
    card_exp_year=st.one_of(st.none(), ANY_INT),
    entered_card_number=st.one_of(
        st.none(), TEXT, st.sampled_from(["4242424242424242", "4242 4242 4242 4241"])
    ),
)
recent = st.builds(
    RecentOrder,
    order_id=ANY_INT,
    placed_at=UTC_TIMES,
    status=STATUSES,
    ship_to_key=TEXT,
    items_key=st.tuples(st.tuples(SKUS, ANY_INT)),
)
orders = st.builds(
    OrderFacts,
    order_id=ANY_INT,
    channel=TEXT,
    channel_order_id=TEXT,
    currency=CURRENCIES,
    received_at=UTC_TIMES,
    purchased_at=st.one_of(st.none(), UTC_TIMES),
    priority=ANY_INT,
    subtotal_cents=ANY_INT,
    shipping_cents=ANY_INT,
    tax_cents=ANY_INT,
    discount_cents=ANY_INT,
    total_cents=ANY_INT,
    customer=st.one_of(st.none(), customers),
    ship_to=ship_tos,
    lines=st.lists(lines, max_size=4).map(tuple),
    payments=st.lists(payments, max_size=3).map(tuple),
    recent_orders=st.lists(recent, max_size=5).map(tuple),
    intake_conflicts=st.lists(TEXT, max_size=2).map(tuple),
)
products = st.builds(
    ProductFacts,
    id=st.integers(1, 3),
    sku=SKUS,
    name=TEXT,
    spec=TEXT,
    model=st.one_of(TEXT, st.just("KX-200")),
    category=st.sampled_from(["kitchen", "", "家居"]),
    price_cents=ANY_INT,
    currency=CURRENCIES,
    active=st.booleans(),
)
promotions = st.builds(
    PromotionFacts,
    id=ANY_INT,
    name=TEXT,
    starts_at=UTC_TIMES,
    ends_at=st.one_of(st.none(), UTC_TIMES),
    sku=st.one_of(st.none(), SKUS),
    category=st.one_of(st.none(), st.sampled_from(["kitchen", ""])),
    percent_off=st.one_of(st.none(), ANY_INT),
    amount_off_cents=st.one_of(st.none(), ANY_INT),
    currency=st.one_of(st.none(), CURRENCIES),
)
positions = st.builds(
    StockPosition,
    product_id=st.integers(1, 3),
    warehouses=st.lists(
        st.builds(
            WarehouseStock,
            warehouse_id=ANY_INT,
            warehouse_code=TEXT,
            available=ANY_INT,
            categories=st.frozensets(st.sampled_from(["kitchen", "garden"]), max_size=2),
        ),
        max_size=3,
    ).map(tuple),
    committed=ANY_INT,
)


@st.composite
def worlds(draw) -> ReviewWorld:
    return ReviewWorld(
        now=draw(UTC_TIMES),
        products={p.sku: p for p in draw(st.lists(products, max_size=4))},
        stock={p.product_id: p for p in draw(st.lists(positions, max_size=3))},
        promotions=tuple(draw(st.lists(promotions, max_size=3))),
        block_list=BlockList(
            customer_ids=frozenset(draw(st.lists(ANY_INT, max_size=2))),
            emails=frozenset(draw(st.lists(TEXT, max_size=2))),
            phones=frozenset(draw(st.lists(TEXT, max_size=2))),
            addresses=frozenset(draw(st.lists(TEXT, max_size=2))),
        ),
        settings=ReviewSettings(
            max_line_quantity=draw(st.integers(0, 10**6)),
            burst_orders=draw(st.integers(0, 20)),
            high_value_cents=draw(ANY_INT),
        ),
    )


def _is_finding(value) -> bool:
    return (
        isinstance(value, Finding)
        and isinstance(value.severity, Severity)
        and isinstance(value.queue, Queue)
        and bool(value.code)
        and bool(value.message)
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(order=orders, world=worlds())
def test_no_rule_raises_on_any_input_and_each_returns_findings(order, world):
    for rule in RULES:  # called directly: review_order's safety net would hide a crash
        findings = rule(order, world)
        assert isinstance(findings, list), rule.__name__
        assert all(_is_finding(f) for f in findings), rule.__name__


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(orders, max_size=5), world=worlds())
def test_a_batch_always_decides_every_order(batch, world):
    results = review_batch(batch, world)
    assert sorted(r.order_id for r in results) == sorted(o.order_id for o in batch)
    for result in results:
        assert not any(f.code == "review.rule_failed" for f in result.findings)
        assert result.decision == decide(result.findings)
        blocked = any(f.blocks for f in result.findings)
        assert (result.decision.outcome is Outcome.APPROVED) is not blocked
