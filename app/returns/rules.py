"""Pure decisions of returns: the fee the policy allows, what the goods were worth, what
the refund comes to, and how many units may still come back.

The company's policy (DESIGN.md step 8, "charge agreed fees"): a return that is our fault or
the carrier's (damaged, defective, wrong item, not as described) costs the customer nothing;
a return for the customer's own reasons (changed mind, ordered by mistake) may carry an
agreed restocking fee of at most ``RESTOCKING_SHARE_PERCENT`` % of the returned goods' value.
"""

from __future__ import annotations

from app.returns.model import ReturnReason

RESTOCKING_SHARE_PERCENT = 15
OUR_FAULT = frozenset(
    {
        ReturnReason.DAMAGED,
        ReturnReason.DEFECTIVE,
        ReturnReason.WRONG_ITEM,
        ReturnReason.NOT_AS_DESCRIBED,
    }
)


def max_fee_cents(reason: str, goods_cents: int) -> int:
    """The highest fee the policy lets us agree for this return."""
    if ReturnReason(reason) in OUR_FAULT:
        return 0
    return goods_cents * RESTOCKING_SHARE_PERCENT // 100


def goods_value_cents(line_total_cents: int, line_quantity: int, returned: int) -> int:
    """What ``returned`` units of an order line were sold for (its share, rounded down)."""
    if line_quantity <= 0:
        return 0
    return line_total_cents * returned // line_quantity


def refund_cents(goods_cents: int, fee_cents: int, left_to_refund_cents: int) -> int:
    """The refund that follows an inspected return: the goods less the agreed fee, never
    more than is left of what was paid."""
    return max(0, min(goods_cents - fee_cents, left_to_refund_cents))


def returnable(shipped: int, already_returned: int) -> int:
    return max(0, shipped - already_returned)
