"""The return policy as pure decisions: the fee allowed, the goods' value, the refund, the
verbs' who-and-when."""

from app.permissions import Role
from app.returns.model import RETURN_VERBS, return_why_not
from app.returns.rules import (
    goods_value_cents,
    max_fee_cents,
    refund_cents,
    returnable,
)
from tests.conftest import make_actor


def test_our_fault_costs_the_customer_nothing_and_their_own_reasons_at_most_15_percent():
    for reason in ("damaged", "defective", "wrong_item", "not_as_described"):
        assert max_fee_cents(reason, 10_000) == 0
    assert max_fee_cents("changed_mind", 10_000) == 1_500
    assert max_fee_cents("ordered_by_mistake", 999) == 149  # rounded down, never up


def test_the_goods_are_valued_at_their_share_of_the_line_and_the_refund_stays_within_the_payment():
    assert goods_value_cents(3_000, 3, 2) == 2_000
    assert goods_value_cents(1_000, 3, 1) == 333
    assert refund_cents(4_000, 600, 10_000) == 3_400
    assert refund_cents(4_000, 600, 1_000) == 1_000  # earlier refunds took the rest
    assert refund_cents(500, 600, 10_000) == 0
    assert returnable(3, 1) == 2 and returnable(1, 2) == 0


def test_the_warehouse_receives_and_inspects_and_customer_service_cancels():
    warehouse, agent = make_actor(Role.WAREHOUSE), make_actor(Role.CUSTOMER_SERVICE)
    assert return_why_not(RETURN_VERBS["receive"], "booked", warehouse) == ""
    assert return_why_not(RETURN_VERBS["receive"], "booked", agent) == "your role may not do this"
    assert return_why_not(RETURN_VERBS["inspect"], "booked", warehouse).startswith("not possible")
    assert return_why_not(RETURN_VERBS["cancel"], "booked", agent) == ""
