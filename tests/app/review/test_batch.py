"""A batch: rules per order, units promised as orders are approved, policy order."""

from __future__ import annotations

import dataclasses
import datetime as dt

from app.review.batch import review_batch
from app.review.decide import Outcome
from app.review.model import ReviewSettings
from app.review.rules import review_order
from tests.app.review.facts import KETTLE, codes, line, order, stock, world


def test_a_good_order_is_approved_with_no_findings():
    [result] = review_batch([order()], world())
    assert result.findings == ()
    assert result.decision.outcome is Outcome.APPROVED


def test_the_last_units_go_to_the_first_order_and_the_next_is_short():
    first = order(line(KETTLE, 2), order_id=1)
    second = order(line(KETTLE, 2), order_id=2, purchased_at=first.placed_at + dt.timedelta(1))
    results = review_batch([second, first], world(stock_positions=[stock(KETTLE, 3)]))
    assert [(r.order_id, r.decision.outcome) for r in results] == [
        (1, Outcome.APPROVED),
        (2, Outcome.STOCK_SHORT),
    ]


def test_a_higher_priority_order_gets_the_units_first():
    early = order(line(KETTLE, 2), order_id=1)
    urgent = order(
        line(KETTLE, 2),
        order_id=2,
        priority=5,
        purchased_at=early.placed_at + dt.timedelta(hours=1),
    )
    results = review_batch([early, urgent], world(stock_positions=[stock(KETTLE, 2)]))
    assert {r.order_id: r.decision.outcome for r in results} == {
        2: Outcome.APPROVED,
        1: Outcome.STOCK_SHORT,
    }


def test_units_promised_in_one_batch_stay_promised_in_the_next():
    ledger = dict(world(stock_positions=[stock(KETTLE, 2)]).stock)
    shared = world(stock_positions=[stock(KETTLE, 2)])
    [first] = review_batch([order(order_id=1)], shared, ledger)
    [second] = review_batch([order(order_id=2)], shared, ledger)
    assert (first.decision.outcome, second.decision.outcome) == (
        Outcome.APPROVED,
        Outcome.STOCK_SHORT,
    )


def test_orders_blocked_for_other_reasons_do_not_take_the_units():
    unpaid = order(line(KETTLE, 2), order_id=1, payments=())
    later = order(line(KETTLE, 2), order_id=2, purchased_at=unpaid.placed_at + dt.timedelta(1))
    results = review_batch([unpaid, later], world(stock_positions=[stock(KETTLE, 2)]))
    assert [r.decision.outcome for r in results] == [Outcome.PAYMENT_PROBLEM, Outcome.APPROVED]


def test_everything_to_a_person_does_not_promise_units():
    settings = ReviewSettings(everything_to_person=True)
    results = review_batch(
        [order(order_id=1), order(order_id=2)],
        world(stock_positions=[stock(KETTLE, 2)], settings=settings),
    )
    assert [r.decision.outcome for r in results] == [Outcome.TO_REVIEW, Outcome.TO_REVIEW]


def test_a_rule_that_crashes_sends_the_order_to_a_person_instead_of_stopping_the_batch():
    def broken(order, world):
        raise ZeroDivisionError

    findings = review_order(order(), world(), rules=(broken,))
    assert codes(findings) == ["review.rule_failed"]
    [result] = review_batch([order()], world(), rules=(broken,))
    assert result.decision.outcome is Outcome.EXCEPTION


def test_an_order_with_every_field_empty_gets_findings_not_an_error():
    empty = dataclasses.replace(
        order(),
        channel="",
        channel_order_id="",
        currency="",
        customer=None,
        lines=(),
        payments=(),
        total_cents=0,
        subtotal_cents=0,
    )
    empty = dataclasses.replace(
        empty,
        ship_to=dataclasses.replace(
            empty.ship_to,
            recipient="",
            phone="",
            line1="",
            city="",
            postal_code="",
            country_code="",
        ),
    )
    [result] = review_batch([empty], world())
    assert result.decision.outcome is Outcome.PAYMENT_PROBLEM
    assert {
        "customer.missing",
        "phone.missing",
        "address.country_missing",
        "order.no_lines",
        "payment.missing",
    } <= set(codes(result.findings))
