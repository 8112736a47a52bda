"""The stock rules on plain data: quantities, FIFO takes, counts, reorders, scan dialogues."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.errors import InvalidInput
from app.stock import rules
from app.stock.model import MAX_UNITS, BinRef, ProductRef, QuantFacts
from app.stock.rules import Token

DAY = dt.date(2026, 11, 1)


def quant(id_: int, on_hand: int, reserved: int = 0, days_old: int = 0) -> QuantFacts:
    return QuantFacts(id_, on_hand, reserved, DAY - dt.timedelta(days=days_old))


@pytest.mark.parametrize("value", [0, -1, "0", "-3", "abc", "", "1.5", MAX_UNITS + 1, True])
def test_a_quantity_must_be_a_sane_positive_whole_number(value):
    with pytest.raises(InvalidInput) as caught:
        rules.parse_quantity("quantity", value)
    assert caught.value.field == "quantity"


def test_a_count_may_be_zero_but_not_negative():
    assert rules.parse_quantity("counted", "0", allow_zero=True) == 0
    with pytest.raises(InvalidInput):
        rules.parse_quantity("counted", -1, allow_zero=True)


def test_short_digit_runs_are_quantities_and_barcodes_are_not():
    assert rules.looks_like_quantity("12")
    assert not rules.looks_like_quantity("4006381333931")
    assert not rules.looks_like_quantity("A-01-02")


def test_a_move_takes_free_units_of_the_oldest_quant_first():
    old, new = quant(1, 5, reserved=2, days_old=30), quant(2, 10, days_old=1)
    taken = rules.take_oldest_first([new, old], 6)
    assert [(q.id, units) for q, units in taken] == [(1, 3), (2, 3)]


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 100)), max_size=6),
    st.integers(1, 300),
)
def test_taking_never_touches_reserved_units_nor_takes_more_than_asked(specs, wanted):
    quants = [
        quant(i, on_hand=max(a, b), reserved=min(a, b), days_old=d)
        for i, (a, b, d) in enumerate(specs, start=1)
    ]
    taken = rules.take_oldest_first(quants, wanted)
    assert sum(units for _q, units in taken) == min(wanted, rules.free_units(quants))
    for q, units in taken:
        assert 0 < units <= q.free


@given(
    st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50), st.integers(0, 100)), max_size=6),
    st.integers(0, 400),
)
def test_a_possible_count_leaves_exactly_the_counted_units_and_every_reservation(specs, counted):
    quants = [
        quant(i, on_hand=max(a, b), reserved=min(a, b), days_old=d)
        for i, (a, b, d) in enumerate(specs, start=1)
    ]
    plan = rules.plan_count(quants, counted, DAY)
    if not rules.count_is_possible(plan):
        assert counted < plan.reserved
        return
    after = {q.id: q.on_hand for q in quants}
    for change in plan.changes:
        if change.quant_id is not None:
            after[change.quant_id] += change.change
        else:
            after[0] = change.change
    assert sum(after.values()) == counted
    for q in quants:
        assert after[q.id] >= q.reserved


def test_a_gain_in_an_empty_bin_becomes_a_quant_received_today():
    plan = rules.plan_count([], 4, DAY)
    assert plan.difference == 4
    assert plan.changes[0].quant_id is None and plan.changes[0].received_date == DAY


def test_receiving_reduces_the_expected_line_and_closes_it_when_met():
    assert rules.incoming_after_receipt(10, 4) == rules.IncomingAfterReceipt(6, False, 0)
    assert rules.incoming_after_receipt(10, 10) == rules.IncomingAfterReceipt(0, True, 0)
    assert rules.incoming_after_receipt(10, 13) == rules.IncomingAfterReceipt(0, True, 3)


def test_a_receipt_books_against_this_warehouses_earliest_line_before_unassigned_ones():
    lines = [(1, None, DAY), (2, 7, DAY + dt.timedelta(days=3)), (3, 7, DAY + dt.timedelta(1))]
    assert rules.choose_incoming_line(lines, 7) == 3
    assert rules.choose_incoming_line(lines, 8) == 1
    assert rules.choose_incoming_line([(2, 7, DAY)], 8) is None


def test_the_suggestion_covers_a_month_like_the_last_plus_the_threshold_in_whole_packs():
    assert (
        rules.suggested_reorder(min_quantity=10, pack_size=12, available=3, incoming=5, demand=30)
        == 36
    )
    assert (
        rules.suggested_reorder(min_quantity=10, pack_size=1, available=3, incoming=50, demand=30)
        == 0
    )


def test_a_warehouse_carries_its_shipped_share_of_demand_or_an_equal_one():
    assert rules.warehouse_demand(100, 30, 60, 2) == 50
    assert rules.warehouse_demand(100, 0, 0, 4) == 25
    assert rules.warehouse_demand(0, 3, 3, 1) == 0


def test_replenishment_refills_a_pick_face_below_minimum_from_overflow_first():
    face = rules.PickFaceFacts(1, "P-01", on_hand=2, min_quantity=5, max_quantity=20)
    full = rules.PickFaceFacts(2, "P-02", on_hand=9, min_quantity=5, max_quantity=20)
    storage = rules.ReserveBinFacts(1, "S-01", "storage", 50, DAY - dt.timedelta(days=90))
    overflow = rules.ReserveBinFacts(1, "O-01", "overflow", 10, DAY)
    moves = rules.plan_replenishment([face, full], [storage, overflow])
    assert [(src.bin_code, units) for _f, src, units in moves] == [("O-01", 10), ("S-01", 8)]


def test_two_bins_at_one_walk_position_are_named():
    problems = rules.check_walk_order({"A-01": 10, "A-02": 10, "A-03": 20})
    assert len(problems) == 1 and "A-01" in problems[0] and "A-02" in problems[0]


# --------------------------------------------------------------------------- dialogues

PEN = ProductRef(1, "PEN-1", "Pen", "4006381333931")
INK = ProductRef(2, "INK-1", "Ink")
RECEIVING = BinRef(10, "R-01", 1, "BER1", "receiving")
SHELF = BinRef(11, "A-01", 1, "BER1", "storage")


def product(p: ProductRef) -> Token:
    return Token("product", p.sku, product=p)


def bin_(b: BinRef) -> Token:
    return Token("bin", b.code, bin=b)


def number(n: int) -> Token:
    return Token("number", str(n), number=n)


def run(verb: str, *tokens: Token) -> rules.Step:
    step = rules.start(verb)
    for token in tokens:
        step = rules.advance(step.state, token)
    return step


def test_receiving_by_scans_counts_each_product_scan_and_the_bin_finishes():
    step = run("receive", product(PEN), product(PEN), product(PEN), bin_(RECEIVING))
    assert step.ready and step.state.quantity == 3 and step.state.to_bin == RECEIVING


def test_a_typed_quantity_replaces_the_scanned_count():
    step = run("receive", product(PEN), number(24), bin_(RECEIVING))
    assert step.ready and step.state.quantity == 24


def test_a_bin_before_the_product_is_refused_in_words_and_nothing_is_lost():
    step = run("receive", bin_(RECEIVING))
    assert not step.ready and "product first" in step.error and step.state.product is None


def test_another_product_mid_receipt_is_refused_and_the_first_stays():
    step = run("receive", product(PEN), product(INK))
    assert "INK-1" in step.error and step.state.product == PEN and step.state.quantity == 1


def test_a_zero_quantity_is_refused_naming_the_field():
    step = run("receive", product(PEN), number(0))
    assert step.error.startswith("Quantity") and step.state.quantity == 1


def test_a_move_needs_two_different_bins():
    step = run("move", bin_(RECEIVING), product(PEN), number(5), bin_(RECEIVING))
    assert not step.ready and "another bin" in step.error
    step = rules.advance(step.state, bin_(SHELF))
    assert step.ready and step.state.from_bin == RECEIVING and step.state.to_bin == SHELF


def test_a_count_previews_before_it_is_booked_on_an_empty_enter():
    step = run("count", bin_(SHELF), product(PEN), number(7))
    assert step.preview and not step.ready and step.state.quantity == 7
    step = rules.advance(step.state, Token("empty"))
    assert step.ready


def test_counting_by_scans_counts_every_scan_of_the_product_as_a_unit():
    step = run("count", bin_(SHELF), product(PEN), product(PEN), product(PEN))
    assert step.preview and step.state.quantity == 3


def test_an_unknown_code_is_said_and_the_dialogue_stays_where_it_was():
    step = run("receive", product(PEN), Token("unknown", "'XYZ' is no product"))
    assert step.error == "'XYZ' is no product" and step.state.product == PEN
