"""Stock short: expected arrival, substitutes, and the customer's answer."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.errors import InvalidInput
from app.permissions import Role
from app.review.errors import SubstituteNotOffered
from app.review.service import review_orders
from app.review.stock_short import (
    StockAnswer,
    answer_stock_short,
    offer_stock_options,
    short_lines,
)
from db.models import AuditEvent, ContactTask, CustomerMessage, Order, OrderLine
from tests.app.review import builders as b
from tests.conftest import make_actor

REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="rita")


@pytest.fixture
def short_order(db):
    """Three kettles wanted, one in stock, four arriving in 5 days; four similar kettles."""
    with db.unit_of_work() as uow:
        s = uow.session
        kettle = b.product(s, price=2000, stock=1, name="Kettle KX-200")
        b.incoming(s, kettle, 1, days=2)
        b.incoming(s, kettle, 3, days=5)
        alternatives = {
            "close": b.product(s, price=2100, stock=10, sku="ALT-CLOSE"),
            "cheaper": b.product(s, price=1850, stock=10, sku="ALT-CHEAP"),
            "dear": b.product(s, price=2390, stock=10, sku="ALT-DEAR"),
            "same": b.product(s, price=2000, stock=10, sku="ALT-SAME"),
            "too_dear": b.product(s, price=2500, stock=10, sku="ALT-TOO-DEAR"),
            "too_few": b.product(s, price=2000, stock=2, sku="ALT-FEW"),
            "other_kind": b.product(s, price=2000, stock=10, sku="ALT-TOOL", category="garden"),
        }
        order = b.order(s, b.customer(s), [(kettle, 3)])
        uow.commit()
    review_orders(db, REVIEWER, [order.id])
    with db.unit_of_work() as uow:
        seen = uow.session.get(Order, order.id)
        return seen.id, seen.version, kettle.sku, {k: p.sku for k, p in alternatives.items()}


def test_a_short_line_shows_what_is_missing_when_it_arrives_and_three_substitutes(db, short_order):
    order_id, _, kettle, _alternatives = short_order
    with db.unit_of_work() as uow:
        [line] = short_lines(uow.session, uow.session.get(Order, order_id))
    assert (line.sku, line.wanted, line.available, line.short) == (kettle, 3, 1, 2)
    assert line.expected_arrival == b.NOW.date() + dt.timedelta(days=5)
    assert [o.sku for o in line.substitutes] == ["ALT-SAME", "ALT-CLOSE", "ALT-CHEAP"]
    assert line.substitutes[1].price_difference_cents == 100


def test_offering_options_drafts_the_message_with_date_and_substitutes(db, short_order):
    order_id, seen, _, _ = short_order
    result = offer_stock_options(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    with db.unit_of_work() as uow:
        message = uow.session.get(CustomerMessage, result.message_id)
        task = uow.session.get(ContactTask, result.task_id)
    expected = (b.NOW.date() + dt.timedelta(days=5)).isoformat()
    assert expected in message.body
    assert "ALT-SAME" in message.body and "ALT-TOO-DEAR" not in message.body
    assert (task.kind, task.state) == ("stock_short", "open")


def test_the_customer_waits_until_the_stock_arrives(db, short_order):
    order_id, seen, _, _ = short_order
    offer = offer_stock_options(db.unit_of_work(), REVIEWER, order_id, expected_version=seen)
    result = answer_stock_short(
        db.unit_of_work(), REVIEWER, order_id, expected_version=offer.version, answer="wait"
    )
    assert result.status == "stock_short"
    with db.unit_of_work() as uow:
        task = uow.session.get(ContactTask, offer.task_id)
    assert (task.state, task.answer, task.wait_until) == (
        "done",
        "wait",
        b.NOW.date() + dt.timedelta(days=5),
    )


def test_the_customer_takes_a_substitute_the_line_is_replaced_and_repriced(db, short_order):
    order_id, seen, _kettle, _ = short_order
    result = answer_stock_short(
        db.unit_of_work(),
        REVIEWER,
        order_id,
        expected_version=seen,
        answer=StockAnswer.SUBSTITUTE,
        line_no=1,
        substitute_sku="ALT-CLOSE",
    )
    with db.unit_of_work() as uow:
        line = uow.session.scalars(select(OrderLine).where(OrderLine.order_id == order_id)).one()
        order = uow.session.get(Order, order_id)
    assert (line.sku, line.unit_price_cents, line.line_total_cents) == ("ALT-CLOSE", 2100, 6300)
    assert (order.subtotal_cents, order.total_cents) == (6300, 6300)
    # Paid 60.00 for an order now worth 63.00: the desk must collect the difference.
    assert (result.status, result.blocking) == ("payment_problem", ("payment.amount_mismatch",))


def test_a_substitute_at_the_same_price_lets_the_order_go(db, short_order):
    order_id, seen, _, _ = short_order
    result = answer_stock_short(
        db.unit_of_work(),
        REVIEWER,
        order_id,
        expected_version=seen,
        answer="substitute",
        line_no=1,
        substitute_sku="ALT-SAME",
    )
    assert result.status == "approved"


@pytest.mark.parametrize("sku", ["ALT-TOO-DEAR", "ALT-FEW", "ALT-TOOL", "NOPE"])
def test_only_an_offered_substitute_can_be_taken(db, short_order, sku):
    order_id, seen, _, _ = short_order
    with pytest.raises(SubstituteNotOffered):
        answer_stock_short(
            db.unit_of_work(),
            REVIEWER,
            order_id,
            expected_version=seen,
            answer="substitute",
            line_no=1,
            substitute_sku=sku,
        )


def test_declining_cancels_with_the_reason_and_drafts_the_message(db, short_order):
    order_id, seen, _, _ = short_order
    result = answer_stock_short(
        db.unit_of_work(),
        REVIEWER,
        order_id,
        expected_version=seen,
        answer="decline",
        note="customer needs it before Friday",
    )
    assert result.status == "cancelled"
    with db.unit_of_work() as uow:
        message = uow.session.get(CustomerMessage, result.message_id)
        cancel = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.to_state == "cancelled")
        ).one()
    assert message.kind == "cancelled_stock"
    assert cancel.reason == "customer needs it before Friday"


def test_waiting_without_any_delivery_expected_needs_a_date(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s), [(b.product(s, stock=0), 1)])
        uow.commit()
    review_orders(db, REVIEWER, [order.id])
    with db.unit_of_work() as uow:
        seen = uow.session.get(Order, order.id).version
    with pytest.raises(InvalidInput):
        answer_stock_short(
            db.unit_of_work(), REVIEWER, order.id, expected_version=seen, answer="wait"
        )
    later = b.NOW.date() + dt.timedelta(days=30)
    result = answer_stock_short(
        db.unit_of_work(),
        REVIEWER,
        order.id,
        expected_version=seen,
        answer="wait",
        wait_until=later,
    )
    assert result.status == "stock_short"
