"""Block-list entries by hand: a supervisor blocks an e-mail with a reason, review then holds
that buyer's next order; lifting it lets orders through again. Audited either way."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.errors import AlreadyExists, InvalidInput, PermissionDenied
from app.permissions import Role
from app.review.blocklist import add_block_entry, lift_block_entry, list_block_entries
from app.review.service import review_orders
from db.models import AuditEvent, Order, ReviewFinding
from tests.app.review import builders as b
from tests.conftest import make_actor

REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="rita")
SUPERVISOR = make_actor(Role.SUPERVISOR, username="sam")


def _order_of(db, email: str) -> int:
    from sqlalchemy import func

    from db.models import Customer

    with db.unit_of_work() as uow:
        s = uow.session
        buyer = s.scalar(select(Customer).where(func.lower(Customer.email) == email.lower()))
        order = b.order(s, buyer or b.customer(s, email=email), [(b.product(s), 1)])
        uow.commit()
        return order.id


def _reviewed(db, order_id: int) -> tuple[str, set[str]]:
    review_orders(db, REVIEWER, [order_id])
    with db.unit_of_work() as uow:
        codes = set(
            uow.session.scalars(
                select(ReviewFinding.code).where(ReviewFinding.order_id == order_id)
            )
        )
        return uow.session.get(Order, order_id).status, codes


def test_a_blocked_email_holds_the_buyers_next_order_and_lifting_it_lets_orders_through(db):
    entry = add_block_entry(
        db, SUPERVISOR, "email", " Fraud@Example.com ", "chargebacks on 3 orders"
    )
    status, codes = _reviewed(db, _order_of(db, "fraud@example.com"))
    assert status == "on_hold" and "malicious.block_listed" in codes
    lift_block_entry(db, SUPERVISOR, entry, "the bank cleared the customer")
    status, codes = _reviewed(db, _order_of(db, "FRAUD@example.com"))
    assert "malicious.block_listed" not in codes
    with db.unit_of_work() as uow:
        actions = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_type == "block_list")
        ).all()
    assert actions == ["block", "lift"]
    assert list_block_entries(db) == []


def test_only_a_supervisor_blocks_and_every_entry_needs_a_reason(db):
    with pytest.raises(PermissionDenied):
        add_block_entry(db, REVIEWER, "phone", "+49 30 901820", "rude")
    with pytest.raises(InvalidInput):
        add_block_entry(db, SUPERVISOR, "phone", "+49 30 901820", "   ")
    with pytest.raises(InvalidInput):
        add_block_entry(db, SUPERVISOR, "email", "not an address", "spam")


def test_the_same_number_typed_another_way_is_already_blocked(db):
    add_block_entry(db, SUPERVISOR, "phone", "+49 30 901820", "threats")
    with pytest.raises(AlreadyExists):
        add_block_entry(db, SUPERVISOR, "phone", "030 901820", "again", country="DE")


def test_the_command_line_adds_lists_and_lifts(db, db_url, staff_login, capsys):
    from app.cli import main

    assert (
        main(["blocklist", "add", "email", "x@example.com", "--reason", "spam", "--db", db_url])
        == 0
    )
    assert main(["blocklist", "list", "--db", db_url, "--json"]) == 0
    assert '"shown": "x@example.com"' in capsys.readouterr().out
