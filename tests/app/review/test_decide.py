"""Findings → outcome, by the documented precedence."""

from __future__ import annotations

import pytest

from app.review.decide import QUEUE_PRECEDENCE, Outcome, decide, exception_kind, related_orders
from app.review.model import Finding, Queue, Severity


def finding(queue: Queue, severity: Severity = Severity.BLOCK, code: str = "x.y") -> Finding:
    return Finding(code, severity, "field", "message", queue)


def test_no_findings_approves():
    decision = decide([])
    assert decision.outcome is Outcome.APPROVED
    assert decision.status == "approved"


def test_warnings_alone_approve_but_are_kept():
    warning = finding(Queue.NEEDS_INFO, Severity.WARN)
    decision = decide([warning])
    assert decision.outcome is Outcome.APPROVED
    assert decision.warnings == (warning,)


def test_everything_to_a_person_leaves_a_clean_order_to_review():
    decision = decide([], everything_to_person=True)
    assert (decision.outcome, decision.status) == (Outcome.TO_REVIEW, "received")


def test_everything_to_a_person_still_routes_blocked_orders_to_their_queue():
    decision = decide([finding(Queue.STOCK_SHORT)], everything_to_person=True)
    assert decision.outcome is Outcome.STOCK_SHORT


@pytest.mark.parametrize(
    ("queues", "outcome", "status"),
    [
        ([Queue.NEEDS_INFO], Outcome.NEEDS_INFO, "needs_info"),
        ([Queue.STOCK_SHORT], Outcome.STOCK_SHORT, "stock_short"),
        ([Queue.PAYMENT_PROBLEM], Outcome.PAYMENT_PROBLEM, "payment_problem"),
        ([Queue.EXCEPTION], Outcome.EXCEPTION, "on_hold"),
        ([Queue.STOCK_SHORT, Queue.NEEDS_INFO], Outcome.NEEDS_INFO, "needs_info"),
        ([Queue.NEEDS_INFO, Queue.PAYMENT_PROBLEM], Outcome.PAYMENT_PROBLEM, "payment_problem"),
        ([Queue.STOCK_SHORT, Queue.PAYMENT_PROBLEM, Queue.EXCEPTION], Outcome.EXCEPTION, "on_hold"),
    ],
)
def test_the_most_urgent_queue_wins(queues, outcome, status):
    decision = decide([finding(queue) for queue in queues])
    assert (decision.outcome, decision.status) == (outcome, status)


def test_a_warning_for_a_more_urgent_queue_does_not_route():
    decision = decide([finding(Queue.EXCEPTION, Severity.WARN), finding(Queue.STOCK_SHORT)])
    assert decision.outcome is Outcome.STOCK_SHORT


def test_the_precedence_covers_every_queue_once():
    assert sorted(QUEUE_PRECEDENCE) == sorted(Queue)


def test_the_reason_names_the_blocking_codes_once_each():
    decision = decide([finding(Queue.STOCK_SHORT, code="stock.short")] * 2)
    assert decision.reason.startswith("held back: ")
    assert "stock.short" not in decision.reason


def test_the_exception_kind_says_malicious_before_duplicate_before_account():
    def block(code: str) -> Finding:
        return Finding(code, Severity.BLOCK, "f", "m", Queue.EXCEPTION)

    assert exception_kind([block("duplicate.suspect"), block("malicious.burst")]) == "malicious"
    assert exception_kind([block("customer.frozen"), block("duplicate.suspect")]) == "duplicate"
    assert exception_kind([block("customer.banned")]) == "account"
    assert exception_kind([block("review.rule_failed")]) == "other"
    warn = Finding("malicious.burst", Severity.WARN, "f", "m", Queue.EXCEPTION)
    assert exception_kind([warn, block("customer.frozen")]) == "account"


def test_related_orders_are_read_from_the_duplicate_detail():
    twin = Finding(
        "duplicate.suspect",
        Severity.BLOCK,
        "f",
        "m",
        Queue.EXCEPTION,
        (("count", 2), ("order_id", 9), ("order_id", 4)),
    )
    assert related_orders([twin]) == [4, 9]
