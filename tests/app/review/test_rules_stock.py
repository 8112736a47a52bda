"""Stock rule: on hand less reserved, across the warehouses that stock the category."""

from __future__ import annotations

from app.review import rules
from app.review.model import Queue, StockPosition, WarehouseStock
from tests.app.review.facts import KETTLE, TOASTER, codes, line, order, stock, world


def test_enough_stock_across_warehouses_passes():
    # 3 + 4 available in two warehouses cover 7 units.
    assert (
        rules.stock_available(order(line(KETTLE, 7)), world(stock_positions=[stock(KETTLE, 3, 4)]))
        == []
    )


def test_a_short_line_says_how_many_and_where():
    [finding] = rules.stock_available(
        order(line(KETTLE, 9)), world(stock_positions=[stock(KETTLE, 3, 4)])
    )
    assert (finding.code, finding.queue, finding.field) == (
        "stock.short",
        Queue.STOCK_SHORT,
        "lines[1].quantity",
    )
    detail = dict(finding.detail)
    assert detail["short"] == 2
    assert detail["warehouse:WH1"] == 3
    assert detail["warehouse:WH2"] == 4
    assert "short 2" in finding.message


def test_no_stock_record_at_all_means_nothing_available():
    [finding] = rules.stock_available(order(line(TOASTER, 1)), world(stock_positions=[]))
    assert dict(finding.detail)["available"] == 0


def test_units_on_several_lines_of_one_sku_are_added_up():
    two_lines = order(line(KETTLE, 2), line(KETTLE, 2, line_no=2))
    assert codes(rules.stock_available(two_lines, world(stock_positions=[stock(KETTLE, 3)]))) == [
        "stock.short"
    ]


def test_units_promised_to_approved_orders_are_not_available():
    position = stock(KETTLE, 5, committed=4)
    [finding] = rules.stock_available(order(line(KETTLE, 2)), world(stock_positions=[position]))
    assert dict(finding.detail)["short"] == 1


def test_a_warehouse_that_does_not_stock_the_category_cannot_ship_it():
    position = StockPosition(
        KETTLE.id,
        (
            WarehouseStock(1, "TOOLS", 50, frozenset({"garden"})),
            WarehouseStock(2, "MAIN", 1, frozenset()),
        ),
    )
    [finding] = rules.stock_available(order(line(KETTLE, 2)), world(stock_positions=[position]))
    assert dict(finding.detail)["available"] == 1
    assert "warehouse:TOOLS" not in dict(finding.detail)


def test_negative_availability_from_bad_data_counts_as_none():
    position = StockPosition(KETTLE.id, (WarehouseStock(1, "WH1", -5), WarehouseStock(2, "WH2", 2)))
    assert rules.stock_available(order(line(KETTLE, 2)), world(stock_positions=[position])) == []


def test_unknown_skus_and_bad_quantities_are_left_to_their_own_rules():
    odd = order(line(KETTLE, 0), line(KETTLE, 1, line_no=2, sku="NOPE"))
    assert rules.stock_available(odd, world(stock_positions=[])) == []
