"""The allocation planner, walk order and batching as pure functions over plain data."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from app.picking.model import LineNeed, OrderNeed, QuantFacts, Routing, ShipmentFacts, TaskFacts
from app.picking.plan import (
    group_batches,
    plan_orders,
    plan_rest,
    priority_key,
    spread,
    walk_stops,
)

T0 = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)


def quant(qid, pid, wid, free, day=1, bin_id=None):
    return QuantFacts(qid, pid, wid, bin_id or qid, free, dt.date(2026, 1, day))


def order(oid, *lines, country="DE", priority=0, minutes=0, ship_by=None, service="standard"):
    return OrderNeed(
        oid,
        tuple(LineNeed(oid * 10 + i, pid, cat, qty) for i, (pid, cat, qty) in enumerate(lines)),
        country,
        priority,
        ship_by,
        service,
        T0 + dt.timedelta(minutes=minutes),
    )


def by_product(*quants):
    stock = defaultdict(list)
    for q in quants:
        stock[q.product_id].append(q)
    return stock


def test_one_warehouse_that_can_fill_everything_is_chosen_over_a_split():
    stock = by_product(quant(1, 7, 1, 5), quant(2, 8, 2, 5), quant(3, 7, 2, 5))
    [plan] = plan_orders([order(1, (7, "k", 2), (8, "k", 1))], stock, Routing())
    assert plan.filled and plan.warehouses == (2,)


def test_an_order_no_warehouse_fills_alone_is_split_into_the_fewest_shipments():
    stock = by_product(quant(1, 7, 1, 5), quant(2, 8, 2, 5), quant(3, 9, 3, 5), quant(4, 9, 2, 5))
    [plan] = plan_orders([order(1, (7, "k", 1), (8, "k", 1), (9, "k", 1))], stock, Routing())
    assert plan.filled and set(plan.warehouses) == {1, 2}


def test_oldest_received_stock_goes_first():
    stock = by_product(quant(1, 7, 1, 5, day=9), quant(2, 7, 1, 5, day=2))
    [plan] = plan_orders([order(1, (7, "k", 6))], stock, Routing())
    assert [(t.quant_id, t.quantity) for t in plan.takes] == [(2, 5), (1, 1)]


def test_the_destination_prefers_its_warehouse_when_both_can_fill():
    stock = by_product(quant(1, 7, 1, 5), quant(2, 7, 2, 5))
    routing = Routing(country_preference={"FR": (2,)})
    [plan] = plan_orders([order(1, (7, "k", 1), country="FR")], stock, routing)
    assert plan.warehouses == (2,)


def test_a_category_ships_only_from_its_allowed_warehouses():
    stock = by_product(quant(1, 7, 1, 5), quant(2, 7, 2, 1))
    routing = Routing(category_warehouses={"drones": frozenset({2})})
    [plan] = plan_orders([order(1, (7, "drones", 2))], stock, routing)
    assert not plan.filled and plan.short[0].available == 1 and plan.takes == ()


def test_scarce_stock_goes_to_priority_then_ship_by_then_expedited_then_order_time():
    stock = by_product(quant(1, 7, 1, 1))
    contenders = [
        order(1, (7, "k", 1), minutes=0),
        order(2, (7, "k", 1), minutes=5, service="express"),
        order(3, (7, "k", 1), minutes=9, ship_by=T0 + dt.timedelta(hours=2)),
        order(4, (7, "k", 1), minutes=20, priority=1),
    ]
    plans = {p.order_id: p for p in plan_orders(contenders, stock, Routing())}
    assert [oid for oid, p in plans.items() if p.filled] == [4]
    ranked = sorted(
        contenders,
        key=lambda o: priority_key(
            o.priority, o.ship_by_at, o.requested_service, o.placed_at, o.order_id
        ),
    )
    assert [o.order_id for o in ranked] == [4, 3, 2, 1]


orders_strategy = st.lists(
    st.tuples(
        st.lists(st.tuples(st.integers(1, 4), st.integers(1, 6)), min_size=1, max_size=3),
        st.sampled_from(["DE", "FR"]),
        st.integers(0, 2),
    ),
    min_size=1,
    max_size=12,
)
stock_strategy = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 3), st.integers(0, 8), st.integers(1, 28)),
    max_size=14,
)


@settings(max_examples=300, deadline=None)
@given(orders_strategy, stock_strategy, st.booleans())
def test_planned_takes_never_exceed_free_stock_and_fill_whole_orders_or_nothing(
    raw_orders, raw_stock, restrict
):
    quants = [quant(i + 1, p, w, free, day) for i, (p, w, free, day) in enumerate(raw_stock)]
    routing = Routing(
        category_warehouses={"c2": frozenset({1, 2})} if restrict else {},
        country_preference={"FR": (3,)},
    )
    needs = [
        order(n + 1, *[(p, f"c{p % 3}", q) for p, q in lines], country=c, priority=prio)
        for n, (lines, c, prio) in enumerate(raw_orders)
    ]
    plans = plan_orders(needs, by_product(*quants), routing)
    taken = defaultdict(int)
    for plan in plans:
        need = next(n for n in needs if n.order_id == plan.order_id)
        if not plan.filled:
            assert plan.takes == ()
            continue
        per_line = defaultdict(int)
        for take in plan.takes:
            taken[take.quant_id] += take.quantity
            per_line[take.order_line_id] += take.quantity
            assert take.quantity > 0
            allowed = routing.allowed(
                next(x.category for x in need.lines if x.order_line_id == take.order_line_id)
            )
            assert allowed is None or take.warehouse_id in allowed
        assert dict(per_line) == {line.order_line_id: line.quantity for line in need.lines}
    free = {q.quant_id: q.free for q in quants}
    assert all(taken[qid] <= free[qid] for qid in taken)


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 30), st.lists(st.integers(0, 9), max_size=6))
def test_spread_never_gives_a_task_more_than_it_still_wants(units, wanted):
    pairs = list(enumerate(wanted))
    out = spread(units, pairs)
    assert sum(n for _, n in out) == min(units, sum(wanted))
    assert all(n <= dict(pairs)[t] for t, n in out)


def test_the_same_product_from_the_same_bin_is_one_stop_in_walk_order():
    tasks = [
        TaskFacts(1, 1, 10, "B-02", 20, 7, "SKU-7", 2),
        TaskFacts(2, 2, 10, "B-02", 20, 7, "SKU-7", 1),
        TaskFacts(3, 1, 11, "A-01", 5, 8, "SKU-8", 1),
    ]
    stops = walk_stops(tasks)
    assert [(s.bin_code, s.quantity) for s in stops] == [("A-01", 1), ("B-02", 3)]
    assert [(t.slot, t.quantity) for t in stops[1].tasks] == [(1, 2), (2, 1)]


def test_batches_keep_one_carrier_and_at_most_n_shipments_most_urgent_first():
    facts = [ShipmentFacts(i, "dhl" if i % 2 else "ups", (i,)) for i in range(1, 8)]
    batches = group_batches(facts, 2)
    assert all(len(b) <= 2 and len({s.carrier for s in b}) == 1 for b in batches)
    assert sorted(s.shipment_id for b in batches for s in b) == list(range(1, 8))
    assert batches[0][0].shipment_id == 1


def test_ship_by_today_ends_at_the_desks_midnight_not_utcs(monkeypatch):
    import datetime as dt
    import time

    from app.picking.plan import end_of_local_day

    monkeypatch.setenv("TZ", "Asia/Taipei")
    time.tzset()
    try:
        # 20:00 UTC is already 04:00 the next day in Taipei: today there ends a day later.
        now = dt.datetime(2026, 11, 29, 20, 0, tzinfo=dt.UTC)
        assert end_of_local_day(now) == dt.datetime(2026, 11, 30, 16, 0, tzinfo=dt.UTC)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


# --------------------------------------------------------------------------- the rest of a shipment


def test_the_rest_of_a_shipment_stays_in_its_own_warehouse_when_it_can_fill_it():
    stock = by_product(quant(1, 7, 1, 5), quant(2, 7, 2, 5))
    routing = Routing(country_preference={"DE": (2,)})  # the destination prefers 2
    plan = plan_rest(order(1, (7, "k", 3)), stock, routing, home=1)
    assert plan.filled and plan.warehouses == (1,)


def test_the_rest_of_a_shipment_moves_to_one_other_warehouse_before_it_splits():
    stock = by_product(quant(1, 7, 1, 1), quant(2, 7, 2, 3), quant(3, 7, 3, 2))
    plan = plan_rest(order(1, (7, "k", 3)), stock, Routing(), home=1)
    assert plan.filled and plan.warehouses == (2,)


def test_the_rest_two_warehouses_hold_between_them_splits_instead_of_waiting():
    # Product 7 only in warehouse 1, product 8 only in warehouse 2: no one fills it.
    stock = by_product(quant(1, 7, 1, 2), quant(2, 8, 2, 2), quant(3, 8, 3, 2))
    plan = plan_rest(order(1, (7, "k", 1), (8, "k", 2)), stock, Routing(), home=1)
    assert plan.filled and plan.warehouses == (1, 2)  # its own first, the fewest shipments
    assert {(t.warehouse_id, t.product_id, t.quantity) for t in plan.takes} == {
        (1, 7, 1),
        (2, 8, 2),
    }


def test_a_split_rest_leaves_its_own_warehouse_out_when_it_holds_nothing_needed():
    stock = by_product(quant(1, 7, 2, 1), quant(2, 7, 3, 1))
    plan = plan_rest(order(1, (7, "k", 2)), stock, Routing(), home=1)
    assert plan.filled and set(plan.warehouses) == {2, 3}


def test_a_rest_no_set_of_warehouses_can_fill_takes_nothing():
    stock = by_product(quant(1, 7, 1, 1), quant(2, 7, 2, 1))
    plan = plan_rest(order(1, (7, "k", 3)), stock, Routing(), home=1)
    assert not plan.filled and plan.takes == () and plan.short[0].available == 2


def test_a_split_rest_keeps_to_the_categorys_allowed_warehouses():
    stock = by_product(quant(1, 7, 1, 1), quant(2, 7, 2, 1), quant(3, 7, 3, 1))
    routing = Routing(category_warehouses={"drones": frozenset({1, 3})})
    plan = plan_rest(order(1, (7, "drones", 2)), stock, routing, home=1)
    assert plan.filled and plan.warehouses == (1, 3)
