"""Pure decisions of the packing station: what a scan is, which package suits the items,
whether a weight is plausible and matches the items. No database, no Qt."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from app.numbers import parse_number
from app.packing.errors import InvalidWeight
from app.packing.model import (
    NEW_PARCEL_CODE,
    PRINT_CODE,
    ItemFacts,
    PackageRuleFacts,
    PackageTypeFacts,
    PackingSettings,
    ScanKind,
    WeightCheck,
)

DEFAULTS = PackingSettings()

# "1.25 kg", "1,25kg", "830 g", "+ 0.830 KG" and the "ST,GS,+  1.250kg" a scale sends.
_WEIGHT = re.compile(
    r"^\s*(?:[A-Z]{2},[A-Z]{2},)?\s*\+?\s*(\d{1,6}(?:[.,]\d{1,4})?)\s*(kg|g)\s*$", re.IGNORECASE
)


def parse_weight(text: str) -> int | None:
    """Grams from what a person types or a keyboard-wedge scale sends; None if it is not
    a weight with a unit (a bare number could be a barcode)."""
    match = _WEIGHT.match(text or "")
    if not match:
        return None
    value = float(match.group(1).replace(",", "."))
    grams = value * 1000 if match.group(2).lower() == "kg" else value
    return round(grams)


def check_weight_range(grams: int, settings: PackingSettings = DEFAULTS) -> int:
    """``grams`` if a parcel can weigh that, else ``InvalidWeight`` (0 g, 500 kg …)."""
    if grams <= 0 or grams > settings.max_parcel_weight_g:
        raise InvalidWeight(grams, settings.max_parcel_weight_g)
    return grams


def expected_weight_g(items: Iterable[ItemFacts], tare_g: int = 0) -> int:
    return tare_g + sum(item.weight_g * item.quantity for item in items)


def check_weight(
    weighed_g: int, expected_g: int, settings: PackingSettings = DEFAULTS
) -> WeightCheck:
    tolerance = max(
        settings.weight_tolerance_min_g, expected_g * settings.weight_tolerance_percent // 100
    )
    return WeightCheck(weighed_g, expected_g, tolerance)


def items_volume_cm3(items: Iterable[ItemFacts], fill_percent: int = 125) -> int | None:
    """Room the items need in a package; None when any item's size is unknown."""
    total = 0
    for item in items:
        if item.volume_cm3 is None:
            return None
        total += item.volume_cm3 * item.quantity
    return total * fill_percent // 100


def _holds(package: PackageTypeFacts, volume: int | None, weight: int) -> bool:
    return weight <= package.max_weight_g and (volume is None or volume <= package.inner_volume_cm3)


def _rule_applies(
    rule: PackageRuleFacts, fragile: bool, soft: bool, volume: int | None, weight: int
) -> bool:
    if rule.fragile is not None and rule.fragile != fragile:
        return False
    if rule.soft is not None and rule.soft != soft:
        return False
    if rule.max_volume_cm3 is not None and (volume is None or volume > rule.max_volume_cm3):
        return False
    return rule.max_weight_g is None or weight <= rule.max_weight_g


def suggest_package(
    items: Sequence[ItemFacts],
    rules: Sequence[PackageRuleFacts],
    packages: Sequence[PackageTypeFacts],
    settings: PackingSettings = DEFAULTS,
) -> str | None:
    """The package code the rules table suggests for ``items``: the first rule by rank
    that applies and whose package holds them; else the smallest carton that holds them;
    None when nothing fits (or there are no items)."""
    if not items:
        return None
    by_code = {p.code: p for p in packages}
    fragile = any(item.fragile for item in items)
    soft = all(item.soft for item in items)
    volume = items_volume_cm3(items, settings.volume_fill_percent)
    weight = expected_weight_g(items)
    for rule in sorted(rules, key=lambda r: (r.rank, r.rule_id)):
        package = by_code.get(rule.package_code)
        if package is None or not _rule_applies(rule, fragile, soft, volume, weight):
            continue
        if _holds(package, volume, weight + package.tare_g):
            return package.code
    cartons = sorted(
        (
            p
            for p in packages
            if p.kind in ("carton", "foam_carton") and (p.kind == "foam_carton") == fragile
        ),
        key=lambda p: (p.inner_volume_cm3, p.max_weight_g),
    )
    for package in cartons:
        if _holds(package, volume, weight + package.tare_g):
            return package.code
    return None


def classify_scan(code: str, package_codes: Iterable[str] = ()) -> ScanKind:
    """What the station does with a scanned or typed code."""
    text = (code or "").strip()
    upper = text.upper()
    if upper == PRINT_CODE:
        return ScanKind.PRINT
    if upper == NEW_PARCEL_CODE:
        return ScanKind.NEW_PARCEL
    if parse_weight(text) is not None:
        return ScanKind.WEIGHT
    if upper in {c.upper() for c in package_codes}:
        return ScanKind.PACKAGE
    parsed = parse_number(text)
    if parsed is not None and parsed[0] in ("shipment", "order"):
        return ScanKind.SHIPMENT
    return ScanKind.ITEM


def matches_item(code: str, sku: str, barcode: str | None) -> bool:
    text = code.strip()
    return text.casefold() == sku.casefold() or (barcode is not None and text == barcode)
