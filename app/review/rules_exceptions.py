"""Exception rules: intake conflicts, duplicates, block-listed identifiers, bursts of orders and a
dear first order from a new account.

Each rule is ``rule(order, world) -> list[Finding]``; see ``rules.py``. Pure: no database,
no Qt.
"""

from __future__ import annotations

from app.i18n import N_
from app.i18n import Sentence as S
from app.review.keys import address_key, email_key, items_key, phone_key
from app.review.model import (
    F_CHANNEL_ORDER,
    F_CUSTOMER,
    F_CUSTOMER_EMAIL,
    F_PHONE,
    F_SHIP_TO,
    Finding,
    OrderFacts,
    Queue,
    ReviewWorld,
)
from app.review.rules_common import (
    BLOCK,
    has_text,
    money_text,
)
from app.workflow import OrderStatus as OS

# --------------------------------------------------------------------------- exceptions


def intake_conflicts(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    return [
        Finding(
            "duplicate.channel_conflict",
            BLOCK,
            F_CHANNEL_ORDER,
            S(
                "The channel sent order {order} again with other content: {conflict}",
                order=order.channel_order_id,
                conflict=conflict,
            ),
            Queue.EXCEPTION,
        )
        for conflict in order.intake_conflicts
    ]


def ship_to_key(order: OrderFacts) -> str:
    ship = order.ship_to
    return address_key(ship.line1, ship.postal_code, ship.country_code, ship.city)


def order_items_key(order: OrderFacts) -> tuple[tuple[str, int], ...]:
    return items_key((line.sku, line.quantity) for line in order.lines)


MAX_TWINS_NAMED = 20


def duplicate_suspect(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    if not order.lines or order.customer is None or not order.recent_orders:
        return []
    window = world.settings.duplicate_window
    mine_items, mine_address = order_items_key(order), ship_to_key(order)
    twins = sorted(
        other.order_id
        for other in order.recent_orders
        if other.order_id != order.order_id
        and other.status != OS.CANCELLED
        and abs(other.placed_at - order.placed_at) <= window
        and other.items_key == mine_items
        and other.ship_to_key == mine_address
    )
    if not twins:
        return []
    hours = window.total_seconds() / 3600
    return [
        Finding(
            "duplicate.suspect",
            BLOCK,
            F_CHANNEL_ORDER,
            S(
                "Same customer, same items and same ship-to within {hours:g} h as other "
                "orders (how many: {count}): keep one, cancel the others.",
                count=len(twins),
                hours=hours,
            ),
            Queue.EXCEPTION,
            # The first few are enough to act on; a reseller may have thousands of twins.
            (("count", len(twins)), *(("order_id", twin) for twin in twins[:MAX_TWINS_NAMED])),
        )
    ]


def block_listed(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    blocked = world.block_list
    customer = order.customer
    country = order.ship_to.country_code.strip().upper()
    hits: list[tuple[str, str]] = []
    if customer is not None and customer.id in blocked.customer_ids:
        hits.append((F_CUSTOMER, N_("The customer account is on the block list.")))
    if customer is not None and email_key(customer.email) in blocked.emails - {""}:
        hits.append((F_CUSTOMER_EMAIL, N_("The e-mail address is on the block list.")))
    phones = {order.ship_to.phone, customer.phone if customer else ""}
    if blocked.phones and any(phone_key(p, country) in blocked.phones - {""} for p in phones if p):
        hits.append((F_PHONE, N_("The phone number is on the block list.")))
    if (
        blocked.addresses
        and has_text(order.ship_to.line1)
        and ship_to_key(order) in blocked.addresses
    ):
        hits.append((F_SHIP_TO, N_("The ship-to address is on the block list.")))
    return [
        Finding(
            "malicious.block_listed",
            BLOCK,
            field,
            S(what),
            Queue.EXCEPTION,
        )
        for field, what in hits
    ]


def order_burst(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    settings = world.settings
    if order.customer is None:
        return []
    window = settings.burst_window
    nearby = 1 + sum(
        1
        for other in order.recent_orders
        if other.order_id != order.order_id and abs(other.placed_at - order.placed_at) <= window
    )
    if nearby < settings.burst_orders:
        return []
    minutes = window.total_seconds() / 60
    return [
        Finding(
            "malicious.burst",
            BLOCK,
            F_CUSTOMER,
            S(
                "{count} orders from this customer within {minutes:g} min of each other.",
                count=nearby,
                minutes=minutes,
            ),
            Queue.EXCEPTION,
            (("orders", nearby),),
        )
    ]


def new_account_high_value(order: OrderFacts, world: ReviewWorld) -> list[Finding]:
    settings = world.settings
    customer = order.customer
    if customer is None or customer.created_at is None or not customer.addresses:
        return []
    if order.total_cents < settings.high_value_cents:
        return []
    age = order.placed_at - customer.created_at
    if age >= settings.new_account_age:
        return []
    destination = ship_to_key(order)
    used_before = {other.ship_to_key for other in order.recent_orders}
    on_file = {address_key(*address) for address in customer.addresses}
    if destination in on_file or destination in used_before:
        return []
    return [
        Finding(
            "malicious.new_account_high_value",
            BLOCK,
            F_SHIP_TO,
            S(
                "{total} from a new account (age in days: {days}), to an address the account "
                "has never used.",
                total=money_text(order.total_cents, order.currency),
                days=max(0, age.days),
            ),
            Queue.EXCEPTION,
        )
    ]
