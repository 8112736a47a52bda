"""The station's pure decisions, on plain data."""

from __future__ import annotations

import pytest

from app.packing.errors import InvalidWeight
from app.packing.model import DEFAULT_PACKAGES, DEFAULT_RULES, ItemFacts, ScanKind
from app.packing.rules import (
    check_weight,
    check_weight_range,
    classify_scan,
    parse_weight,
    suggest_package,
)


@pytest.mark.parametrize(
    ("text", "grams"),
    [("1.25 kg", 1250), ("1,25kg", 1250), ("830 g", 830), ("ST,GS,+  1.250kg", 1250),
     ("0.4 KG", 400)],
)  # fmt: skip
def test_a_weight_is_read_as_typed_or_as_a_scale_sends_it(text, grams):
    assert parse_weight(text) == grams


@pytest.mark.parametrize("text", ["4006381333931", "1250", "SH-000001", "kg", ""])
def test_a_bare_number_or_a_code_is_not_a_weight(text):
    assert parse_weight(text) is None


@pytest.mark.parametrize("grams", [0, -5, 500_000])
def test_zero_and_500_kg_are_refused(grams):
    with pytest.raises(InvalidWeight):
        check_weight_range(grams)


def test_a_weight_within_the_tolerance_passes_and_beyond_it_does_not():
    assert check_weight(2_100, 2_000).within
    assert not check_weight(2_300, 2_000).within
    assert check_weight(2_300, 2_000).difference_g == 300
    assert check_weight(130, 100).tolerance_g == 50  # a floor for light parcels


def _suggest(*items: ItemFacts) -> str | None:
    return suggest_package(items, DEFAULT_RULES, DEFAULT_PACKAGES)


def test_fragile_goods_get_a_foam_lined_carton():
    assert _suggest(ItemFacts("VASE", 1, 400, 1_500, fragile=True)) == "FOAM-S"
    assert _suggest(ItemFacts("VASE", 3, 400, 2_000, fragile=True)) == "FOAM-M"


def test_soft_goods_get_a_poly_bag_unless_something_fragile_travels_with_them():
    assert _suggest(ItemFacts("SHIRT", 2, 200, 1_500, soft=True)) == "BAG-M"
    mixed = (ItemFacts("SHIRT", 1, 200, 800, soft=True), ItemFacts("VASE", 1, 400, 1_000, True))
    assert _suggest(*mixed) == "FOAM-S"


def test_the_box_grows_with_volume_and_weight():
    assert _suggest(ItemFacts("MUG", 1, 300, 1_000)) == "BOX-S"
    assert _suggest(ItemFacts("MUG", 6, 300, 1_000)) == "BOX-M"
    assert _suggest(ItemFacts("KETTLE", 2, 1_200, None)) == "BOX-L"  # size unknown, heavy
    assert _suggest(ItemFacts("BOOK", 1, 900, None)) == "BOX-M"


def test_nothing_is_suggested_when_nothing_holds_the_items():
    assert _suggest(ItemFacts("ANVIL", 1, 60_000, None)) is None
    assert _suggest() is None


@pytest.mark.parametrize(
    ("code", "kind"),
    [("SH-000012", ScanKind.SHIPMENT), ("so-12", ScanKind.SHIPMENT), ("1.2 kg", ScanKind.WEIGHT),
     ("box-m", ScanKind.PACKAGE), ("PRINT", ScanKind.PRINT), ("NEW-PARCEL", ScanKind.NEW_PARCEL),
     ("4006381333931", ScanKind.ITEM), ("PL-000001", ScanKind.ITEM)],
)  # fmt: skip
def test_the_scan_field_tells_what_a_code_is(code, kind):
    assert classify_scan(code, ["BOX-M"]) is kind
