"""Which declared refund verbs finance's desk shows, and why one is disabled (plain data)."""

import datetime as dt

from app.permissions import Actor, Role
from app.refunds.desk import RefundDeskRow, refund_verb_states
from app.refunds.model import Balance

FAY = Actor(2, "fay", frozenset({Role.FINANCE.value}))
ADA = Actor(1, "ada", frozenset({Role.CUSTOMER_SERVICE.value}))


def _row(status: str, requested_by: int | None = 1) -> RefundDeskRow:
    return RefundDeskRow(
        7, "RF-000007", 3, "SO-000003", 1_000, "EUR", status, "damaged", requested_by, "ada",
        dt.datetime(2026, 11, 1, tzinfo=dt.UTC), "", "", 1, Balance("EUR", 5_000, 1_000, 0),
    )  # fmt: skip


def _shown(status, actor, requested_by=1):
    return {
        s.key: (s.enabled, s.why_not) for s in refund_verb_states(_row(status, requested_by), actor)
    }


def test_a_requested_refund_offers_approve_and_reject_to_finance():
    assert _shown("requested", FAY) == {"approve": (True, ""), "reject": (True, "")}


def test_an_approved_refund_offers_payment_and_rejection_and_a_paid_one_nothing():
    assert set(_shown("approved", FAY)) == {"reject", "pay"}
    assert _shown("paid", FAY) == {}
    assert _shown("rejected", FAY) == {}


def test_customer_service_sees_the_verbs_disabled_because_of_the_role():
    shown = _shown("requested", ADA)
    assert shown["approve"] == (False, "your role may not do this")


def test_nobody_approves_their_own_request():
    shown = _shown("requested", FAY, requested_by=2)
    assert shown["approve"][0] is False and "another person" in shown["approve"][1]
    assert shown["reject"] == (True, "")
