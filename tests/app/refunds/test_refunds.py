"""Refunds: asked by customer service, decided and paid by finance, never above what was paid."""

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import InvalidInput, PermissionDenied
from app.permissions import Actor, Role
from app.refunds.errors import (
    OwnRefundApproval,
    RefundExceedsBalance,
    RefundNeeds,
    RefundNotAllowed,
)
from app.refunds.queries import list_refunds, order_balance
from app.refunds.service import decide, request_refund
from db.models import AuditEvent, Order, User
from db.models_refunds import OrderBalance
from tests import factories as f

AGENT = Actor(1, "ada", frozenset({Role.CUSTOMER_SERVICE.value}))
FINANCE = Actor(2, "fay", frozenset({Role.FINANCE.value}))


@pytest.fixture
def paid_order(db):
    """A delivered order of 100.00 EUR, paid by card; staff ada (1) and fay (2)."""
    with db.unit_of_work() as uow:
        s = uow.session
        s.add_all(
            [
                User(id=1, username="ada", password_hash="x"),
                User(id=2, username="fay", password_hash="x"),
            ]
        )
        order = f.order(s, f.customer(s), status="delivered", lines=[(f.product(s), 1)])
        order.total_cents, order.currency = 10_000, "EUR"
        f.card_payment(s, order, 10_000)
        uow.commit()
        return order.id


def _balance(db, order_id):
    with db.unit_of_work() as uow:
        return order_balance(uow.session, order_id)


def test_a_refund_within_the_balance_is_requested_and_the_balance_shows_it(db, paid_order):
    request_refund(db, AGENT, paid_order, 3_000, "Arrived damaged")
    balance = _balance(db, paid_order)
    assert (balance.paid_cents, balance.refunding_cents, balance.available_cents) == (
        10_000,
        3_000,
        7_000,
    )


def test_requested_refunds_count_so_two_requests_cannot_exceed_what_was_paid(db, paid_order):
    request_refund(db, AGENT, paid_order, 6_000, "first")
    with pytest.raises(RefundExceedsBalance, match=r"40\.00"):
        request_refund(db, AGENT, paid_order, 6_000, "second")
    assert _balance(db, paid_order).refunding_cents == 6_000


def test_a_negative_or_zero_refund_and_one_without_reason_are_refused(db, paid_order):
    with pytest.raises(InvalidInput):
        request_refund(db, AGENT, paid_order, -100, "odd")
    with pytest.raises(InvalidInput):
        request_refund(db, AGENT, paid_order, 0, "odd")
    with pytest.raises(RefundNeeds):
        request_refund(db, AGENT, paid_order, 100, "   ")


def test_a_rejected_refund_gives_its_amount_back_to_the_balance(db, paid_order):
    refund_id = request_refund(db, AGENT, paid_order, 10_000, "Wrong size")
    with pytest.raises(RefundNeeds):
        decide(db, FINANCE, refund_id, "reject")
    decide(db, FINANCE, refund_id, "reject", note="Customer kept the item")
    assert _balance(db, paid_order).available_cents == 10_000
    request_refund(db, AGENT, paid_order, 10_000, "Returned after all")


def test_paying_back_everything_makes_the_order_refunded_and_is_audited(db, paid_order):
    refund_id = request_refund(db, AGENT, paid_order, 10_000, "Lost parcel")
    decide(db, FINANCE, refund_id, "approve")
    with pytest.raises(RefundNeeds):
        decide(db, FINANCE, refund_id, "pay")
    decide(db, FINANCE, refund_id, "pay", reference="BANK-2026-0042")
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, paid_order).status == "refunded"
        actions = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_type == "refund")
        ).all()
        (row,) = list_refunds(uow.session, status="paid")
    assert actions == ["request", "approve", "pay"]
    assert row.number == f"RF-{refund_id:06d}"
    assert _balance(db, paid_order).refunded_cents == 10_000


def test_listing_refunds_in_a_status_that_does_not_exist_is_refused_by_name(db, paid_order):
    request_refund(db, AGENT, paid_order, 500, "Late")
    with db.unit_of_work() as uow:
        assert len(list_refunds(uow.session, status="requested")) == 1
        with pytest.raises(InvalidInput) as refused:
            list_refunds(uow.session, status="lost")
    assert refused.value.field == "status"


def test_customer_service_cannot_approve_and_nobody_approves_their_own_request(db, paid_order):
    refund_id = request_refund(db, AGENT, paid_order, 500, "Goodwill")
    with pytest.raises(PermissionDenied):
        decide(db, AGENT, refund_id, "approve")
    supervisor = Actor(1, "ada", frozenset({Role.SUPERVISOR.value}))  # the same person
    with pytest.raises(OwnRefundApproval):
        decide(db, supervisor, refund_id, "approve")


def test_a_paid_refund_cannot_be_rejected(db, paid_order):
    refund_id = request_refund(db, AGENT, paid_order, 500, "Goodwill")
    decide(db, FINANCE, refund_id, "approve")
    decide(db, FINANCE, refund_id, "pay", reference="X1")
    with pytest.raises(RefundNotAllowed):
        decide(db, FINANCE, refund_id, "reject", note="too late")


def test_the_database_itself_refuses_refunds_above_what_was_paid(db, paid_order):
    request_refund(db, AGENT, paid_order, 100, "first")
    with db.unit_of_work() as uow, pytest.raises(IntegrityError):
        balance = uow.session.get(OrderBalance, paid_order)
        balance.refunded_cents = 10_001
        uow.session.flush()


def test_the_command_line_requests_decides_and_lists_refunds(
    db, db_url, paid_order, staff_login, capsys
):
    from app.cli import main

    assert (
        main(
            [
                "refunds",
                "request",
                f"SO-{paid_order:06d}",
                "25.00",
                "--reason",
                "Late",
                "--db",
                db_url,
            ]
        )
        == 0
    )
    assert "RF-000001 requested" in capsys.readouterr().out
    assert (
        main(["refunds", "reject", "RF-000001", "--note", "Arrived after all", "--db", db_url]) == 0
    )
    assert main(["refunds", "list", "--db", db_url, "--json"]) == 0
    out = capsys.readouterr().out.splitlines()[-1]
    assert '"status": "rejected"' in out and '"amount_cents": 2500' in out
