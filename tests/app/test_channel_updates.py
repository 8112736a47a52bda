"""The channel's later word, decided over plain data: update, conflict or nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from app.address import PostalAddress
from app.formats.amazon_report import known_facts
from app.formats.common import NO_CURRENCY, IncomingLine, IncomingOrder
from app.intake.bench import HEADER as ORDERS_HEADER
from app.intake.channel_updates import (
    BUYER_REQUESTED,
    CHANNEL_CANCELLED,
    CONFLICT,
    NOTHING,
    UPDATE,
    NewPayment,
    StoredLine,
    StoredOrder,
    decide,
)

BOUGHT = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.UTC)
PAID = dt.datetime(2026, 11, 20, 10, 5, tzinfo=dt.UTC)
ADDRESS = PostalAddress(
    "Anna Müller", "Hof 1", city="Berlin", postal_code="10115", country_code="DE"
)
UNSHIPPED_HEADER = [
    "order-id",
    "order-item-id",
    "purchase-date",
    "payments-date",
    "reporting-date",
    "promise-date",
    "days-past-promise",
    "buyer-email",
    "buyer-phone-number",
    "sku",
    "product-name",
    "quantity-purchased",
    "quantity-shipped",
    "quantity-to-ship",
    "ship-service-level",
    "recipient-name",
    "ship-address-1",
    "ship-address-2",
    "ship-address-3",
    "ship-city",
    "ship-state",
    "ship-postal-code",
    "ship-country",
    "is-business-order",
    "purchase-order-number",
    "price-designation",
    "is-prime",
]
ALL_ORDERS_HEADER = [
    "amazon-order-id",
    "merchant-order-id",
    "purchase-date",
    "last-updated-date",
    "order-status",
    "fulfillment-channel",
    "sales-channel",
    "order-channel",
    "url",
    "ship-service-level",
    "product-name",
    "sku",
    "asin",
    "item-status",
    "quantity",
    "currency",
    "item-price",
    "item-tax",
    "shipping-price",
    "shipping-tax",
    "ship-country",
]


def stored(**changes) -> StoredOrder:
    values = {
        "order_id": 7,
        "status": "received",
        "amounts_source": "channel",
        "currency": "EUR",
        "subtotal": 4980,
        "shipping": 0,
        "tax": 0,
        "discount": 0,
        "total": 4980,
        "is_paid": True,
        "ship_to": ADDRESS,
        "lines": (StoredLine(70, "LAMP-1", 2, 4980, channel_line_id="111"),),
        "purchased_at": BOUGHT,
    }
    return StoredOrder(**(values | changes))


def incoming(**changes) -> IncomingOrder:
    values = {
        "channel": "amazon",
        "channel_order_id": "403-1111111-2222222",
        "currency": "EUR",
        "lines": (IncomingLine(2, "LAMP-1", "Desk lamp", 2, 4980, channel_line_id="111"),),
        "ship_to": ADDRESS,
        "purchased_at": BOUGHT,
        "paid_at": PAID,
        "is_paid": True,
    }
    return IncomingOrder(**(values | changes))


def lines_priced(total: int) -> tuple[IncomingLine, ...]:
    return (IncomingLine(2, "LAMP-1", "Desk lamp", 2, total, channel_line_id="111"),)


MOVED = replace(ADDRESS, line1="Ring 9", postal_code="10117")
UNSHIPPED = known_facts(UNSHIPPED_HEADER)
ALL_ORDERS = known_facts(ALL_ORDERS_HEADER)

# (what happened, stored, incoming, the layout's facts, outcome, changed fields, reasons)
CASES = [
    ("the same order", stored(), incoming(), None, NOTHING, [], []),
    (
        "a pending order arrives paid",
        stored(is_paid=False),
        incoming(),
        None,
        UPDATE,
        ["paid"],
        [],
    ),
    (
        "an older file says pending after all: nothing goes back",
        stored(),
        incoming(is_paid=False, paid_at=None),
        None,
        NOTHING,
        [],
        [],
    ),
    (
        "another layout lacks the address lines and the phone: not a change",
        stored(ship_to=replace(ADDRESS, phone="+49 30 1")),
        incoming(ship_to=PostalAddress(country_code="DE"), currency="EUR"),
        ALL_ORDERS,
        NOTHING,
        [],
        [],
    ),
    (
        "the Unshipped report has no money: the channel's amounts stand",
        stored(),
        incoming(currency=NO_CURRENCY, lines=lines_priced(0)),
        UNSHIPPED,
        NOTHING,
        [],
        [],
    ),
    (
        "real amounts replace an estimate, paid or not",
        stored(amounts_source="estimated", subtotal=4800, total=4800),
        incoming(lines=lines_priced(4980)),
        None,
        UPDATE,
        ["amounts"],
        [],
    ),
    (
        "a price changed before payment",
        stored(is_paid=False, subtotal=4000, total=4000),
        incoming(),
        None,
        UPDATE,
        ["amounts", "paid"],
        [],
    ),
    (
        "a price changed after payment",
        stored(),
        incoming(lines=lines_priced(3980)),
        None,
        CONFLICT,
        [],
        ["price_changed_after_payment"],
    ),
    (
        "the Orders report has no promotion columns: a stored discount is not a new price",
        stored(discount=200, total=4780),
        incoming(),
        known_facts(ORDERS_HEADER.split("\t")),
        NOTHING,
        [],
        [],
    ),
    (
        "other items",
        stored(),
        incoming(lines=(IncomingLine(2, "LAMP-1", "Desk lamp", 3, 7470),)),
        None,
        CONFLICT,
        [],
        ["items_changed"],
    ),
    (
        "the channel cancelled it",
        stored(status="allocated", shipment_statuses=("picking",)),
        incoming(cancelled=True),
        None,
        UPDATE,
        ["status"],
        [],
    ),
    (
        "the channel cancelled it after it left",
        stored(status="shipped", shipment_statuses=("shipped",)),
        incoming(cancelled=True),
        None,
        CONFLICT,
        [],
        ["already_shipped"],
    ),
    (
        "the buyer asked to cancel (Unshipped report)",
        stored(status="approved"),
        incoming(buyer_requested_cancellation=True),
        known_facts([*UNSHIPPED_HEADER, "is-buyer-requested-cancellation"]),
        UPDATE,
        ["status"],
        [],
    ),
    (
        "a cancelled order stays cancelled whatever comes",
        stored(status="cancelled"),
        incoming(ship_to=MOVED, lines=lines_priced(1)),
        None,
        NOTHING,
        [],
        [],
    ),
    (
        "a new address before picking",
        stored(status="allocated", shipment_statuses=("pending",)),
        incoming(ship_to=MOVED),
        UNSHIPPED,
        UPDATE,
        ["ship_to"],
        [],
    ),
    (
        "a new address once packed",
        stored(status="allocated", shipment_statuses=("packed",)),
        incoming(ship_to=MOVED),
        None,
        CONFLICT,
        [],
        ["already_packed"],
    ),
    (
        "a new address once shipped",
        stored(status="shipped", shipment_statuses=("in_transit",)),
        incoming(ship_to=MOVED),
        None,
        CONFLICT,
        [],
        ["already_shipped"],
    ),
    (
        "a new address without a street",
        stored(),
        incoming(ship_to=replace(ADDRESS, line1="")),
        None,
        CONFLICT,
        [],
        ["address_incomplete"],
    ),
    (
        "paid and moved after packing: the payment is applied, the address is not",
        stored(is_paid=False, status="allocated", shipment_statuses=("packed",)),
        incoming(ship_to=MOVED),
        None,
        CONFLICT,
        ["paid"],
        ["already_packed"],
    ),
    (
        "a faster service before packing, and a late warning",
        stored(),
        incoming(requested_service="expedited", verge_of_late_shipment=True),
        None,
        UPDATE,
        ["service", "priority"],
        [],
    ),
    (
        "now fulfilled by Amazon",
        stored(),
        incoming(fulfilled_by_channel=True),
        None,
        CONFLICT,
        [],
        ["fulfilled_by_channel"],
    ),
    (
        "another purchase date",
        stored(),
        incoming(purchased_at=BOUGHT + dt.timedelta(days=1)),
        None,
        CONFLICT,
        [],
        ["purchase_date_changed"],
    ),
]


@pytest.mark.parametrize(
    ("stored_order", "incoming_order", "known", "outcome", "fields", "reasons"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_the_channels_later_word(stored_order, incoming_order, known, outcome, fields, reasons):
    decision = decide(stored_order, incoming_order, known)
    assert decision.outcome == outcome
    assert [change.field for change in decision.changes] == fields
    assert [unsafe.reason for unsafe in decision.unsafe] == reasons


def test_a_pending_order_paid_gets_a_payment_of_its_amounts_and_goes_back_to_review():
    decision = decide(stored(is_paid=False, status="payment_problem"), incoming())
    assert decision.new_payment == NewPayment(4980, "EUR", PAID)
    assert decision.recheck


def test_real_amounts_replace_the_estimate_on_the_order_its_lines_and_its_payment():
    estimate = stored(
        amounts_source="estimated",
        subtotal=4800,
        total=4800,
        lines=(StoredLine(70, "LAMP-1", 2, 4800, channel_line_id="111"),),
    )
    decision = decide(estimate, incoming(lines=lines_priced(4980)))
    assert decision.order_columns == {
        "subtotal_cents": 4980,
        "total_cents": 4980,
        "amounts_source": "channel",
    }
    assert decision.line_columns == (
        (
            70,
            {
                "unit_price_cents": 2490,
                "line_total_cents": 4980,
                "tax_cents": 0,
                "discount_cents": 0,
            },
        ),
    )
    assert decision.payment_amount == (4980, "EUR")
    assert decision.changes[0].old == {"source": "estimated", "currency": "EUR", "total": 4800}


def test_a_channel_cancellation_is_not_reported_back_but_a_buyers_request_is():
    assert decide(stored(), incoming(cancelled=True)).cancel == CHANNEL_CANCELLED
    asked = decide(stored(), incoming(buyer_requested_cancellation=True))
    assert asked.cancel == BUYER_REQUESTED
    already_asked = stored(buyer_requested_cancellation=True)
    assert decide(already_asked, incoming(buyer_requested_cancellation=True)).cancel is None


def test_a_person_who_may_not_cancel_leaves_the_cancellation_as_a_conflict():
    decision = decide(stored(), incoming(cancelled=True), may_cancel=False)
    assert [u.reason for u in decision.unsafe] == ["may_not_cancel"]


def test_only_the_changed_address_parts_are_written_and_audited():
    decision = decide(stored(), incoming(ship_to=MOVED))
    assert decision.order_columns == {"ship_line1": "Ring 9", "ship_postal_code": "10117"}
    assert decision.changes[0].old == {"line1": "Hof 1", "postal_code": "10115"}


def test_the_unshipped_report_carries_the_address_but_neither_money_nor_the_ship_to_phone():
    assert "ship_to.line1" in UNSHIPPED and "ship_to.phone" not in UNSHIPPED
    assert "paid" in UNSHIPPED and "ship_by" in UNSHIPPED
    assert {"paid", "ship_to.country_code"} <= ALL_ORDERS
    assert "ship_to.line1" not in ALL_ORDERS
