"""Life paths: the steps each order and shipment walks to its demo status, who takes each
step and when, and which orders are received when and end in which status (pure)."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from app.demo.tables import HISTORY_DAYS, PROBLEM_KINDS, PROBLEM_SHARE
from app.permissions import Role
from app.workflow import ORDER_TRANSITIONS, SHIPMENT_TRANSITIONS, OrderStatus, ShipmentStatus

OS = OrderStatus
SS = ShipmentStatus

# --------------------------------------------------------------------------- life paths

# How long after the previous step each step happens: (shortest, longest) in seconds,
# drawn log-uniformly, so most steps are quick and a few take long, as on a real floor.
_MINUTE, _HOUR, _DAY = 60, 3600, 86400
_STEP_DELAYS: dict[tuple[str, str], tuple[int, int]] = {
    ("o", OS.RECEIVED): (2 * _HOUR, 3 * _DAY),  # re-review after the customer answered
    ("o", OS.NEEDS_INFO): (5 * _MINUTE, 8 * _HOUR),
    ("o", OS.STOCK_SHORT): (5 * _MINUTE, 8 * _HOUR),
    ("o", OS.PAYMENT_PROBLEM): (5 * _MINUTE, 8 * _HOUR),
    ("o", OS.ON_HOLD): (5 * _MINUTE, 8 * _HOUR),
    ("o", OS.APPROVED): (3 * _MINUTE, 10 * _HOUR),
    ("o", OS.ALLOCATED): (5 * _MINUTE, 4 * _HOUR),
    ("o", OS.SHIPPED): (5, 3 * _MINUTE),
    ("o", OS.DELIVERED): (5, 10 * _MINUTE),
    ("o", OS.RETURNED): (10 * _MINUTE, 6 * _HOUR),
    ("o", OS.REFUNDED): (2 * _HOUR, 4 * _DAY),
    ("o", OS.CANCELLED): (10 * _MINUTE, 2 * _DAY),
    ("s", SS.PENDING): (10 * _MINUTE, 2 * _HOUR),  # pick withdrawn
    ("s", SS.PICKING): (10 * _MINUTE, 10 * _HOUR),
    ("s", SS.PICKED): (2 * _MINUTE, 40 * _MINUTE),
    ("s", SS.PACKED): (2 * _MINUTE, 30 * _MINUTE),
    ("s", SS.SHIPPED): (20 * _MINUTE, 8 * _HOUR),
    ("s", SS.IN_TRANSIT): (2 * _HOUR, 14 * _HOUR),
    ("s", SS.DELAYED): (_DAY, 3 * _DAY),
    ("s", SS.LOST): (3 * _DAY, 8 * _DAY),
    ("s", SS.DAMAGED): (_DAY, 3 * _DAY),
    ("s", SS.DELIVERED): (18 * _HOUR, 4 * _DAY),
    ("s", SS.RETURNED): (2 * _DAY, 14 * _DAY),
    ("s", SS.CANCELLED): (_MINUTE, 30 * _MINUTE),
}

# Who does each step: the demo user of this role.
_ORDER_STEP_ROLES = {
    OS.ON_HOLD: Role.SUPERVISOR,
    OS.ALLOCATED: Role.WAREHOUSE,
    OS.SHIPPED: Role.WAREHOUSE,
    OS.DELIVERED: Role.WAREHOUSE,
    OS.RETURNED: Role.WAREHOUSE,
    OS.REFUNDED: Role.FINANCE,
}

# Why, for the steps people give a reason for: (from, to) first, then any step into ``to``.
_STEP_REASONS: dict[tuple[str, str] | str, tuple[str, ...]] = {
    (OS.NEEDS_INFO, OS.RECEIVED): ("Customer supplied the missing details",),
    (OS.PAYMENT_PROBLEM, OS.CANCELLED): ("Payment could not be collected",),
    (OS.STOCK_SHORT, OS.CANCELLED): ("Customer declined the substitute",),
    (OS.STOCK_SHORT, OS.APPROVED): ("Stock arrived; customer agreed to wait",),
    (OS.PAYMENT_PROBLEM, OS.APPROVED): ("Customer paid with another card",),
    (OS.ON_HOLD, OS.CANCELLED): ("Duplicate order cancelled",),
    OS.NEEDS_INFO: ("House number missing", "Phone number missing", "Size not stated"),
    OS.STOCK_SHORT: ("Not enough stock; customer told the expected arrival date",),
    OS.PAYMENT_PROBLEM: ("Card declined", "Amount paid differs from the order total"),
    OS.ON_HOLD: ("Possible duplicate order", "Unusual order pattern; checking with the customer"),
    OS.CANCELLED: ("Customer asked to cancel", "Customer changed their mind"),
    OS.RETURNED: ("Wrong size", "Changed mind within 14 days", "Item arrived damaged"),
    OS.REFUNDED: ("Refund to the original payment method",),
    SS.DELAYED: ("Carrier reports a delay",),
    SS.LOST: ("Carrier lost the parcel",),
    SS.DAMAGED: ("Parcel damaged in transit",),
}


@dataclass(frozen=True)
class _Step:
    on_shipment: bool
    from_state: str
    to_state: str
    shortest_s: float
    spread: float  # longest / shortest
    role: Role
    reasons: tuple[str, ...]
    key: str  # "o:approved", "s:shipped": names the moment the path first reaches a state


@dataclass(frozen=True)
class _Path:
    """The steps an order (and its shipments) took to reach where it is now."""

    status: OrderStatus
    shipment_status: ShipmentStatus | None  # None: never allocated, so no shipment
    steps: tuple[_Step, ...]
    order_states: frozenset[str]


def _compile_path(status: OrderStatus, spec: str) -> _Path:
    """``"o:approved o:allocated s:picking"`` → steps; refuses a step the workflow forbids."""
    order_state, shipment_state = OS.RECEIVED.value, None
    steps: list[_Step] = []
    visited = {order_state}
    for token in spec.split():
        entity, to_state = token.split(":")
        on_shipment = entity == "s"
        if on_shipment:
            from_state = shipment_state or SS.PENDING.value
            allowed = (from_state, to_state) in SHIPMENT_TRANSITIONS
            shipment_state = to_state
            role = Role.WAREHOUSE
        else:
            from_state = order_state
            allowed = (from_state, to_state) in ORDER_TRANSITIONS
            order_state = to_state
            visited.add(to_state)
            role = _ORDER_STEP_ROLES.get(OS(to_state), Role.CUSTOMER_SERVICE)
            if to_state == OS.ALLOCATED:
                shipment_state = SS.PENDING.value
        if not allowed:
            raise ValueError(f"demo path {spec!r}: {entity} {from_state} → {to_state} not allowed")
        shortest, longest = _STEP_DELAYS[(entity, to_state)]
        reasons = _STEP_REASONS.get((from_state, to_state)) or _STEP_REASONS.get(to_state, ())
        steps.append(
            _Step(
                on_shipment,
                from_state,
                to_state,
                shortest,
                longest / shortest,
                role,
                reasons,
                token,
            )
        )
    if order_state != status:
        raise ValueError(f"demo path {spec!r} ends in {order_state}, not {status}")
    final_shipment = SS(shipment_state) if shipment_state else None
    return _Path(status, final_shipment, tuple(steps), frozenset(visited))


_ALLOCATE = "o:approved o:allocated"
_SHIP = _ALLOCATE + " s:picking s:picked s:packed s:shipped o:shipped"
_DELIVER = _SHIP + " s:in_transit s:delivered o:delivered"

# Final status → (weight, path). Detours through a review queue appear in finished orders
# too, because real orders do take them.
_PATH_SPECS: dict[OrderStatus, tuple[tuple[int, str], ...]] = {
    OS.RECEIVED: ((1, ""),),
    OS.NEEDS_INFO: ((1, "o:needs_info"),),
    OS.STOCK_SHORT: ((1, "o:stock_short"),),
    OS.PAYMENT_PROBLEM: ((1, "o:payment_problem"),),
    OS.ON_HOLD: ((1, "o:on_hold"),),
    OS.APPROVED: ((9, "o:approved"), (1, "o:needs_info o:received o:approved")),
    OS.ALLOCATED: (
        (30, _ALLOCATE),
        (30, _ALLOCATE + " s:picking"),
        (20, _ALLOCATE + " s:picking s:picked"),
        (15, _ALLOCATE + " s:picking s:picked s:packed"),
        (5, _ALLOCATE + " s:picking s:pending"),
    ),
    OS.SHIPPED: (
        (40, _SHIP),
        (48, _SHIP + " s:in_transit"),
        (8, _SHIP + " s:in_transit s:delayed"),
        (2, _SHIP + " s:in_transit s:lost"),
        (2, _SHIP + " s:damaged"),
    ),
    OS.DELIVERED: (
        (70, _DELIVER),
        (20, _SHIP + " s:delivered o:delivered"),
        (4, _SHIP + " s:in_transit s:delayed s:delivered o:delivered"),
        (3, "o:needs_info o:received " + _DELIVER),
        (2, "o:stock_short " + _DELIVER),
        (1, "o:payment_problem " + _DELIVER),
    ),
    OS.RETURNED: (
        (7, _DELIVER + " s:returned o:returned"),
        (3, _SHIP + " s:in_transit s:returned o:returned"),
    ),
    OS.REFUNDED: (
        (5, _DELIVER + " o:refunded"),
        (5, _DELIVER + " s:returned o:returned o:refunded"),
    ),
    OS.CANCELLED: (
        (30, "o:cancelled"),
        (20, "o:payment_problem o:cancelled"),
        (15, "o:stock_short o:cancelled"),
        (10, "o:on_hold o:cancelled"),
        (10, "o:approved o:cancelled"),
        (10, _ALLOCATE + " s:cancelled o:cancelled"),
        (5, _ALLOCATE + " s:picking s:cancelled o:cancelled"),
    ),
}

_PATHS: dict[OrderStatus, tuple[tuple[int, ...], tuple[_Path, ...]]] = {
    status: (
        tuple(weight for weight, _ in specs),
        tuple(_compile_path(status, spec) for _, spec in specs),
    )
    for status, specs in _PATH_SPECS.items()
}


# --------------------------------------------------------------------------- status plan

# Orders still moving through the floor are the newest ones: (status, days of orders, minimum).
_PIPELINE: tuple[tuple[OrderStatus, float, int], ...] = (
    (OS.RECEIVED, 0.15, 3),
    (OS.APPROVED, 0.25, 3),
    (OS.ALLOCATED, 0.6, 4),
    (OS.SHIPPED, 3.0, 5),
)
# Orders parked in a review queue come from the last two weeks.
_QUEUES: tuple[tuple[OrderStatus, float, int], ...] = (
    (OS.NEEDS_INFO, 0.12, 2),
    (OS.STOCK_SHORT, 0.1, 2),
    (OS.PAYMENT_PROBLEM, 0.08, 2),
    (OS.ON_HOLD, 0.06, 2),
)
_QUEUE_WINDOW_DAYS = 14
# Finished orders that did not simply arrive: (status, share of all orders, minimum).
_ENDINGS: tuple[tuple[OrderStatus, float, int], ...] = (
    (OS.CANCELLED, 0.03, 2),
    (OS.RETURNED, 0.012, 2),
    (OS.REFUNDED, 0.012, 2),
)


@dataclass(frozen=True)
class OrderPlan:
    """Where each order (by chronological position) is now, and which problem it has.

    ``problems`` maps positions to a kind of ``PROBLEM_KINDS``; the order just before a
    ``duplicate`` is its clean twin, also waiting in ``received``.
    """

    statuses: tuple[OrderStatus, ...]
    problems: dict[int, str]


def plan_orders(received_s: Sequence[int], now_s: int, rng: random.Random) -> OrderPlan:
    """Every status present (given enough orders), the newest orders least far along."""
    n = len(received_s)
    statuses: list[OrderStatus | None] = [None] * n
    problems = _choose_problem_orders(n, rng)
    for index, kind in problems.items():
        statuses[index] = OS.RECEIVED
        if kind == "duplicate":
            statuses[index - 1] = OS.RECEIVED
    per_day = n / HISTORY_DAYS
    newest_first = [i for i in range(n - 1, -1, -1) if statuses[i] is None]
    taken = 0
    for status, days, minimum in _PIPELINE:
        count = max(minimum, round(per_day * days))
        for index in newest_first[taken : taken + count]:
            statuses[index] = status
        taken += count
    rest = newest_first[taken:]
    window_start = now_s - _QUEUE_WINDOW_DAYS * _DAY
    queue_counts = [max(minimum, round(per_day * days)) for _, days, minimum in _QUEUES]
    recent = [i for i in rest if received_s[i] >= window_start]
    if len(recent) < sum(queue_counts):
        recent = rest[: sum(queue_counts)]
    _spread(
        statuses, _QUEUES, queue_counts, rng.sample(recent, min(len(recent), sum(queue_counts)))
    )
    rest = [i for i in rest if statuses[i] is None]
    ending_counts = [max(minimum, round(n * share)) for _, share, minimum in _ENDINGS]
    _spread(statuses, _ENDINGS, ending_counts, rng.sample(rest, min(len(rest), sum(ending_counts))))
    final = tuple(OS.DELIVERED if status is None else status for status in statuses)
    return OrderPlan(final, problems)


def _spread(
    statuses: list[OrderStatus | None],
    shares: tuple[tuple[OrderStatus, float, int], ...],
    counts: list[int],
    chosen: list[int],
) -> None:
    for (status, _, _), count in zip(shares, counts, strict=True):
        for index in chosen[:count]:
            statuses[index] = status
        chosen = chosen[count:]


def _choose_problem_orders(n: int, rng: random.Random) -> dict[int, str]:
    """About PROBLEM_SHARE of the orders, every kind at least once (given 30 orders).

    A duplicate copies the order just before it, which stays a clean twin.
    """
    kinds = tuple(PROBLEM_KINDS)
    count = min(n // 3, max(len(kinds), round(n * PROBLEM_SHARE)))
    chosen = [
        (index, kinds[position % len(kinds)])
        for position, index in enumerate(rng.sample(range(1, n), count) if count else ())
    ]
    problems: dict[int, str] = {}
    twins: set[int] = set()
    for index, kind in chosen:
        if kind == "duplicate" and index not in twins and index - 1 not in problems:
            problems[index] = kind
            twins.add(index - 1)
    for index, kind in chosen:
        if kind != "duplicate" and index not in twins:
            problems[index] = kind
    return problems


# Orders per hour of the day (UTC), mostly European evenings.
_HOURLY_WEIGHTS = (2, 1, 1, 1, 1, 2, 3, 5, 6, 7, 7, 7, 7, 7, 7, 7, 8, 8, 9, 10, 10, 8, 5, 3)
_HOUR_TABLE = tuple(hour for hour, weight in enumerate(_HOURLY_WEIGHTS) for _ in range(weight))
# Business grew over the half year: a day at the end sees this many times a day at the start.
_GROWTH = 2.0


def received_times(n: int, now_s: int, rng: random.Random) -> list[int]:
    """N arrival times (epoch seconds) over the last HISTORY_DAYS, oldest first."""
    start = now_s - HISTORY_DAYS * _DAY
    low, high = 1.0, _GROWTH
    slope = high - low
    random_ = rng.random
    hours = _HOUR_TABLE
    times = []
    for _ in range(n):
        # Inverse of the CDF of a linearly rising density: later days get more orders.
        u = random_() * (low + slope / 2)
        fraction = (-low + math.sqrt(low * low + 2 * slope * u)) / slope
        day = min(HISTORY_DAYS - 1, int(fraction * HISTORY_DAYS))
        hour = hours[int(random_() * len(hours))]
        times.append(start + day * _DAY + hour * _HOUR + int(random_() * _HOUR))
    times.sort()
    # The newest order arrives a few minutes before "now", never after it.
    latest = now_s - 5 * _MINUTE
    return [min(t, latest) for t in times]
