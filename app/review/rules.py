"""The review rules: one small named function per check, each returning findings.

Every rule has the same shape, ``rule(order, world) -> list[Finding]``, so ``RULES`` is
just a tuple and ``review_order`` runs them all. Rules never raise on odd data (empty
fields, absurd numbers, foreign currencies, any Unicode): a doubt becomes a finding.
Messages are plain English sentences for the reviewer; the code says which rule spoke.

Pure: no database, no Qt. The service loads the facts in bulk and stores what comes back.
"""

from __future__ import annotations

from collections.abc import Iterable

from app.i18n import Sentence as S
from app.review.model import (
    F_CUSTOMER,
    Finding,
    OrderFacts,
    Queue,
    ReviewWorld,
)
from app.review.rules_common import (
    BLOCK,
    Rule,
    log,
)

# The rules of every section, re-exported: callers and tests name them as rules.<name>.
from app.review.rules_customer import (
    CITY_OPTIONAL,
    POSTAL_CODE_FORMATS,
    REGION_REQUIRED,
    account_in_good_standing,
    address_complete,
    customer_linked,
    customer_name_present,
    is_known_country,
    phone_valid_for_destination,
)
from app.review.rules_exceptions import (
    MAX_TWINS_NAMED,
    block_listed,
    duplicate_suspect,
    intake_conflicts,
    new_account_high_value,
    order_burst,
    order_items_key,
    ship_to_key,
)
from app.review.rules_payment import (
    BRAND_ALIASES,
    KNOWN_PAYMENT_METHODS,
    card_findings,
    card_numbers_removed,
    paid_amount_matches_total,
    payment_method_valid,
    payment_settled,
)
from app.review.rules_price import (
    charged_amounts,
    expected_unit_prices,
    line_adds_up,
    order_totals_consistent,
    price_matches,
)
from app.review.rules_products import (
    product_text_consistent,
    quantity_sane,
    sku_known_and_active,
    stock_available,
)

# --------------------------------------------------------------------------- all rules


RULES: tuple[Rule, ...] = (
    customer_linked,
    customer_name_present,
    phone_valid_for_destination,
    address_complete,
    account_in_good_standing,
    sku_known_and_active,
    quantity_sane,
    product_text_consistent,
    stock_available,
    price_matches,
    order_totals_consistent,
    payment_settled,
    paid_amount_matches_total,
    payment_method_valid,
    card_numbers_removed,
    intake_conflicts,
    duplicate_suspect,
    block_listed,
    order_burst,
    new_account_high_value,
)


def review_order(
    order: OrderFacts, world: ReviewWorld, rules: Iterable[Rule] = RULES
) -> tuple[Finding, ...]:
    """Every rule's findings for one order.

    A rule that raises is a bug, but one bug must not stop a batch of thousands: the order
    gets a blocking finding that sends it to a person, and the error is logged.
    """
    findings: list[Finding] = []
    for rule in rules:
        try:
            findings.extend(rule(order, world))
        except Exception:
            log.exception("review rule %s failed on order %s", rule.__name__, order.order_id)
            findings.append(
                Finding(
                    "review.rule_failed",
                    BLOCK,
                    F_CUSTOMER,
                    S(
                        "The check {check} could not be run on this order; a person must "
                        "review it.",
                        check=rule.__name__,
                    ),
                    Queue.EXCEPTION,
                )
            )
    return tuple(findings)


__all__ = [
    "BRAND_ALIASES",
    "CITY_OPTIONAL",
    "KNOWN_PAYMENT_METHODS",
    "MAX_TWINS_NAMED",
    "POSTAL_CODE_FORMATS",
    "REGION_REQUIRED",
    "RULES",
    "Rule",
    "account_in_good_standing",
    "address_complete",
    "block_listed",
    "card_findings",
    "card_numbers_removed",
    "charged_amounts",
    "customer_linked",
    "customer_name_present",
    "duplicate_suspect",
    "expected_unit_prices",
    "intake_conflicts",
    "is_known_country",
    "line_adds_up",
    "new_account_high_value",
    "order_burst",
    "order_items_key",
    "order_totals_consistent",
    "paid_amount_matches_total",
    "payment_method_valid",
    "payment_settled",
    "phone_valid_for_destination",
    "price_matches",
    "product_text_consistent",
    "quantity_sane",
    "review_order",
    "ship_to_key",
    "sku_known_and_active",
    "stock_available",
]
