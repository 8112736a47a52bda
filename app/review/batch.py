"""Reviewing a batch of orders: the rules per order, stock promised as orders are approved.

Approving an order does not reserve stock (allocation does that), but the units it needs
are no longer free for the next order. So within one run the batch keeps a ledger: each
approved order adds its units to ``StockPosition.committed`` before the next order is
checked. Orders are taken by priority, then first come first served, as the warehouse
policy says scarce stock goes (DESIGN step 3).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, MutableMapping
from dataclasses import dataclass

from app.review.decide import Decision, Outcome, decide
from app.review.model import Finding, OrderFacts, ReviewWorld, StockPosition
from app.review.rules import RULES, Rule, review_order


@dataclass(frozen=True)
class OrderReview:
    order_id: int
    findings: tuple[Finding, ...]
    decision: Decision


def review_sequence(orders: Iterable[OrderFacts]) -> list[OrderFacts]:
    return sorted(orders, key=lambda o: (-o.priority, o.placed_at, o.order_id))


def review_batch(
    orders: Iterable[OrderFacts],
    world: ReviewWorld,
    stock: MutableMapping[int, StockPosition] | None = None,
    rules: tuple[Rule, ...] = RULES,
) -> list[OrderReview]:
    """Review ``orders`` in policy order; ``stock`` (if given) is updated in place.

    Pass the same ``stock`` mapping to consecutive batches of one run so units promised
    in one batch are not offered again in the next.
    """
    ledger: MutableMapping[int, StockPosition] = dict(world.stock) if stock is None else stock
    # One world for the whole batch whose stock mapping is the ledger itself.
    current = world if ledger is world.stock else dataclasses.replace(world, stock=ledger)
    results = []
    for order in review_sequence(orders):
        findings = review_order(order, current, rules)
        decision = decide(findings, everything_to_person=world.settings.everything_to_person)
        # Orders left for a person are not counted: the person's approval re-checks stock.
        if decision.outcome is Outcome.APPROVED:
            commit_units(order, current, ledger)
        results.append(OrderReview(order.order_id, findings, decision))
    return results


def commit_units(
    order: OrderFacts, world: ReviewWorld, ledger: MutableMapping[int, StockPosition]
) -> None:
    """Count an order's units as promised, so later orders see less available."""
    for line in order.lines:
        product = world.products.get(line.sku)
        if product is None or not isinstance(line.quantity, int) or line.quantity <= 0:
            continue
        position = ledger.get(product.id) or StockPosition(product.id)
        ledger[product.id] = StockPosition(
            product.id, position.warehouses, position.committed + line.quantity
        )
