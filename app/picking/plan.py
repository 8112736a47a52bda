"""The picking decisions as pure functions over plain data (no SQLAlchemy, no Qt).

* ``plan_orders``: which quants each order takes — routing (category → allowed
  warehouses, destination → preferred warehouse), one warehouse that can fill everything
  preferred, else the fewest warehouses; oldest received first within a warehouse; scarce
  stock goes by ``priority_key``.
* ``group_batches``: shipments of one warehouse into batch pick lists (carrier, priority).
* ``walk_stops``: a list's tasks as stops in bin walk order, one stop per bin and product.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from app.picking.model import (
    LineNeed,
    OrderNeed,
    OrderPlan,
    QuantFacts,
    Routing,
    ShipmentFacts,
    ShortLine,
    Stop,
    StopTask,
    Take,
    TaskFacts,
)

EXPEDITED_SERVICES = frozenset({"expedited", "express"})
_FAR_FUTURE = dt.datetime.max.replace(tzinfo=dt.UTC)
# Above this many candidate warehouses the fewest-warehouses search turns greedy.
EXACT_SEARCH_LIMIT = 10


def priority_key(
    priority: int,
    ship_by_at: dt.datetime | None,
    requested_service: str,
    placed_at: dt.datetime,
    order_id: int,
) -> tuple:
    """Who gets scarce stock first: priority, ship-by time, expedited service, order time."""
    return (
        -priority,
        ship_by_at or _FAR_FUTURE,
        0 if requested_service in EXPEDITED_SERVICES else 1,
        placed_at,
        order_id,
    )


def order_key(order: OrderNeed) -> tuple:
    return priority_key(
        order.priority, order.ship_by_at, order.requested_service, order.placed_at, order.order_id
    )


# --------------------------------------------------------------------------- allocation


def fifo(quants: Iterable[QuantFacts]) -> list[QuantFacts]:
    return sorted(quants, key=lambda q: (q.received_date, q.quant_id))


def plan_orders(
    orders: Iterable[OrderNeed],
    stock: Mapping[int, Sequence[QuantFacts]],
    routing: Routing,
) -> list[OrderPlan]:
    """Plan ``orders`` in priority order against ``stock`` (free units per quant, by
    product id). Units one order takes are not offered to the next. ``stock`` is not
    changed."""
    free: dict[int, int] = {q.quant_id: q.free for qs in stock.values() for q in qs}
    stock = {pid: fifo(qs) for pid, qs in stock.items()}  # sorted once, not per line
    plans = []
    for order in sorted(orders, key=order_key):
        plan = plan_order(order, stock, routing, free)
        for take in plan.takes:
            free[take.quant_id] -= take.quantity
        plans.append(plan)
    return plans


def plan_order(
    order: OrderNeed,
    stock: Mapping[int, Sequence[QuantFacts]],
    routing: Routing,
    free: Mapping[int, int] | None = None,
) -> OrderPlan:
    """One order's takes, or what it is short of (then it takes nothing)."""
    if free is None:  # planned alone: the stock still needs its first-in-first-out order
        stock = {pid: fifo(qs) for pid, qs in stock.items()}
    units = free if free is not None else {q.quant_id: q.free for qs in stock.values() for q in qs}
    demand: dict[int, int] = defaultdict(int)
    category: dict[int, str] = {}
    for line in order.lines:
        demand[line.product_id] += line.quantity
        category[line.product_id] = line.category
    # Free units per product per allowed warehouse.
    per_warehouse: dict[int, dict[int, int]] = {}
    for pid in demand:
        allowed = routing.allowed(category[pid])
        counts: dict[int, int] = defaultdict(int)
        for q in stock.get(pid, ()):
            if (allowed is None or q.warehouse_id in allowed) and units.get(q.quant_id, 0) > 0:
                counts[q.warehouse_id] += units[q.quant_id]
        per_warehouse[pid] = counts
    shorts = tuple(
        ShortLine(pid, wanted, sum(per_warehouse[pid].values()))
        for pid, wanted in sorted(demand.items())
        if sum(per_warehouse[pid].values()) < wanted
    )
    if shorts:
        return OrderPlan(order.order_id, (), (), shorts)
    candidates = sorted(
        {w for counts in per_warehouse.values() for w in counts},
        key=routing.preference(order.country),
    )
    chosen = _fewest_warehouses(demand, per_warehouse, candidates)
    takes = _takes(order.lines, stock, units, routing, chosen)
    warehouses = tuple(sorted({t.warehouse_id for t in takes}, key=chosen.index))
    return OrderPlan(order.order_id, takes, warehouses, ())


def plan_rest(
    need: OrderNeed,
    stock: Mapping[int, Sequence[QuantFacts]],
    routing: Routing,
    home: int,
) -> OrderPlan:
    """The rest of a shipment (what a short pick left to ship later), planned as a first
    allocation is: its own warehouse (``home``) when it can fill everything, else the
    fewest warehouses that can — ``home`` first among equals, then the destination's
    preference — so a rest two warehouses hold between them splits instead of waiting.
    ``plan.warehouses`` lists ``home`` first when it takes part. Short: takes nothing."""
    preferred = routing.country_preference.get(need.country, ())
    first_home = {**routing.country_preference}
    first_home[need.country] = (home, *(w for w in preferred if w != home))
    return plan_order(need, stock, dataclasses.replace(routing, country_preference=first_home))


def _covers(combo: Sequence[int], demand, per_warehouse) -> bool:
    return all(
        sum(per_warehouse[pid].get(w, 0) for w in combo) >= wanted for pid, wanted in demand.items()
    )


def _fewest_warehouses(
    demand: Mapping[int, int],
    per_warehouse: Mapping[int, Mapping[int, int]],
    candidates: Sequence[int],
) -> list[int]:
    """The smallest set of warehouses that fills everything; ties go by preference."""
    if len(candidates) <= EXACT_SEARCH_LIMIT:
        for size in range(1, len(candidates) + 1):
            for combo in itertools.combinations(candidates, size):
                if _covers(combo, demand, per_warehouse):
                    return list(combo)
    # Greedy: the warehouse covering most of what is still missing, preferred first.
    chosen: list[int] = []
    missing = dict(demand)
    while any(v > 0 for v in missing.values()):
        best = max(
            (w for w in candidates if w not in chosen),
            key=lambda w: (
                sum(min(per_warehouse[p].get(w, 0), m) for p, m in missing.items()),
                -candidates.index(w),
            ),
        )
        chosen.append(best)
        for p in missing:
            missing[p] = max(0, missing[p] - per_warehouse[p].get(best, 0))
    return chosen


def _takes(
    lines: Sequence[LineNeed],
    stock: Mapping[int, Sequence[QuantFacts]],
    units: Mapping[int, int],
    routing: Routing,
    chosen: Sequence[int],
) -> tuple[Take, ...]:
    """Quants for each line: a warehouse of ``chosen`` that can fill the line alone first,
    oldest received first within it."""
    left: dict[int, int] = {}  # what this order has left of the quants it looks at
    takes: list[Take] = []
    for line in lines:
        allowed = routing.allowed(line.category)
        quants = []
        for q in stock.get(line.product_id, ()):  # oldest received first (see callers)
            if q.quant_id not in left:
                left[q.quant_id] = units.get(q.quant_id, 0)
            if (
                q.warehouse_id in chosen
                and (allowed is None or q.warehouse_id in allowed)
                and left[q.quant_id] > 0
            ):
                quants.append(q)
        by_wh: dict[int, int] = defaultdict(int)
        for q in quants:
            by_wh[q.warehouse_id] += left[q.quant_id]
        alone = [w for w in chosen if by_wh.get(w, 0) >= line.quantity]
        order = [*alone[:1], *(w for w in chosen if w not in alone[:1])]
        needed = line.quantity
        for w in order:
            for q in quants:
                if needed == 0:
                    break
                if q.warehouse_id != w:
                    continue
                n = min(needed, left[q.quant_id])
                if n > 0:
                    takes.append(Take(line.order_line_id, line.product_id, q.quant_id, w, n))
                    left[q.quant_id] -= n
                    needed -= n
        if needed:  # cannot happen after _covers; kept as a guard for the invariant
            raise AssertionError(f"line {line.order_line_id} left {needed} unplanned")
    return tuple(takes)


# --------------------------------------------------------------------------- pick lists


def group_batches(
    shipments: Iterable[ShipmentFacts], max_per_list: int
) -> list[tuple[ShipmentFacts, ...]]:
    """Batch lists of up to ``max_per_list`` shipments of one carrier, most urgent first."""
    if max_per_list < 1:
        raise ValueError("max_per_list must be at least 1")
    by_carrier: dict[str, list[ShipmentFacts]] = defaultdict(list)
    for s in shipments:
        by_carrier[s.carrier].append(s)
    batches: list[tuple[ShipmentFacts, ...]] = []
    for carrier in sorted(by_carrier):
        ordered = sorted(by_carrier[carrier], key=lambda s: s.key)
        for start in range(0, len(ordered), max_per_list):
            batches.append(tuple(ordered[start : start + max_per_list]))
    batches.sort(key=lambda b: b[0].key)
    return batches


def walk_stops(tasks: Iterable[TaskFacts]) -> list[Stop]:
    """Stops in bin walk order; the same product from the same bin is one stop, with the
    split per shipment slot (tote)."""
    grouped: dict[tuple[int, int], list[TaskFacts]] = defaultdict(list)
    for t in tasks:
        grouped[(t.bin_id, t.product_id)].append(t)
    keys = sorted(
        grouped,
        key=lambda k: (grouped[k][0].pick_sequence, grouped[k][0].bin_code, grouped[k][0].sku),
    )
    stops = []
    for number, key in enumerate(keys, start=1):
        members = sorted(grouped[key], key=lambda t: (t.slot, t.task_id))
        first = members[0]
        stops.append(
            Stop(
                number,
                first.bin_id,
                first.bin_code,
                first.product_id,
                first.sku,
                tuple(StopTask(t.task_id, t.slot, t.quantity) for t in members),
            )
        )
    return stops


def spread(units: int, wanted: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Units scanned at a stop shared over its tasks ``(task_id, still wanted)`` in order."""
    out = []
    for task_id, open_units in wanted:
        if units <= 0:
            break
        n = min(units, open_units)
        if n > 0:
            out.append((task_id, n))
            units -= n
    return out


def end_of_local_day(now: dt.datetime) -> dt.datetime:
    """The midnight after ``now`` where the desk is (this machine's time zone), in UTC:
    "ship by today" means the warehouse's day, not UTC's."""
    local = now.astimezone()
    tomorrow = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(), local.tzinfo)
    return tomorrow.astimezone(dt.UTC)
