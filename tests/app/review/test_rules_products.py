"""Product rules: SKU known and active, quantity sane, channel text consistent with ours."""

from __future__ import annotations

import dataclasses

import pytest

from app.review import rules
from app.review.model import Queue, ReviewSettings, Severity
from tests.app.review.facts import KETTLE, OLD_LAMP, TOASTER, codes, line, order, world


def test_known_active_skus_in_sane_quantities_pass():
    good = order(line(KETTLE, 2), line(TOASTER, 1, line_no=2))
    assert rules.sku_known_and_active(good, world()) == []
    assert rules.quantity_sane(good, world()) == []
    assert rules.product_text_consistent(good, world()) == []


def test_an_unknown_sku_needs_information_on_its_line():
    unknown = order(line(KETTLE), line(KETTLE, line_no=2, sku="NOPE-1"))
    [finding] = rules.sku_known_and_active(unknown, world())
    assert (finding.code, finding.field, finding.queue) == (
        "line.sku_unknown",
        "lines[2].sku",
        Queue.NEEDS_INFO,
    )


def test_a_blank_sku_is_named_as_missing():
    assert codes(rules.sku_known_and_active(order(line(sku="  ")), world())) == ["line.sku_missing"]


def test_an_inactive_product_goes_to_stock_short_for_a_substitute():
    [finding] = rules.sku_known_and_active(order(line(OLD_LAMP)), world())
    assert (finding.code, finding.queue) == ("line.sku_inactive", Queue.STOCK_SHORT)


def test_an_order_with_no_lines_is_blocked():
    empty = dataclasses.replace(order(), lines=())
    assert codes(rules.sku_known_and_active(empty, world())) == ["order.no_lines"]


@pytest.mark.parametrize("quantity", [0, -1, -(10**9)])
def test_a_quantity_that_is_not_positive_blocks(quantity):
    findings = rules.quantity_sane(order(line(quantity=quantity)), world())
    assert codes(findings) == ["line.quantity_not_positive"]
    assert findings[0].field == "lines[1].quantity"


def test_a_quantity_above_the_limit_is_confirmed_with_the_customer():
    settings = ReviewSettings(max_line_quantity=50)
    assert rules.quantity_sane(order(line(quantity=50)), world(settings=settings)) == []
    [finding] = rules.quantity_sane(order(line(quantity=51)), world(settings=settings))
    assert finding.code == "line.quantity_excessive"
    assert ("limit", 50) in finding.detail


def test_an_absurd_quantity_does_not_overflow_anything():
    findings = rules.quantity_sane(order(line(quantity=10**30)), world())
    assert codes(findings) == ["line.quantity_excessive"]


def test_a_channel_model_that_differs_from_ours_blocks():
    mismatched = order(line(KETTLE, channel_model="KX-300"))
    [finding] = rules.product_text_consistent(mismatched, world())
    assert (finding.code, finding.field, finding.severity) == (
        "line.model_mismatch",
        "lines[1].model",
        Severity.BLOCK,
    )


def test_a_channel_model_written_differently_is_the_same_model():
    assert rules.product_text_consistent(order(line(KETTLE, channel_model="kx 200")), world()) == []


def test_a_channel_spec_that_differs_from_ours_blocks():
    findings = rules.product_text_consistent(order(line(KETTLE, channel_spec="1.7 l")), world())
    assert codes(findings) == ["line.spec_mismatch"]


def test_channel_text_naming_a_sibling_model_is_a_warning():
    text = order(line(KETTLE, product_text="Electric kettle KX-300, steel"))
    [finding] = rules.product_text_consistent(text, world())
    assert finding.code == "line.text_names_other_model"
    assert finding.severity is Severity.WARN


def test_channel_text_naming_our_model_or_no_model_is_fine():
    for text in ("Electric kettle KX-200 steel", "Kettle, 1.5 litre", "", "水壶 KX200"):
        assert rules.product_text_consistent(order(line(KETTLE, product_text=text)), world()) == []
