"""The carrier service is chosen by level, limits, rank and value; pure, plain data."""

from __future__ import annotations

import pytest

from app.shipping.errors import NoCarrierService
from app.shipping.model import ParcelNeeds, ServiceLevel, ServiceOption
from app.shipping.rules import choose_service, level_of

L = ServiceLevel


def option(sid, carrier, level, **limits) -> ServiceOption:
    return ServiceOption(
        service_id=sid,
        carrier_code=carrier,
        carrier_name=carrier.upper(),
        service_code=f"{carrier}-{level}",
        service_name=f"{carrier} {level}",
        level=level,
        **limits,
    )


OPTIONS = (
    option(1, "own", L.STANDARD, max_weight_g=30_000, countries=frozenset({"DE"}), rank=10,
           signature_above_cents=50_000, insurance_above_cents=100_000),
    option(2, "ups", L.STANDARD, max_weight_g=70_000, rank=30, signature_above_cents=25_000),
    option(3, "ups", L.EXPEDITED, max_weight_g=70_000, rank=30),
    option(4, "dhl", L.NEXT_DAY, max_weight_g=70_000, rank=20),
    option(5, "sf", L.NEXT_DAY, max_weight_g=70_000, countries=frozenset({"CN"}), rank=10),
)  # fmt: skip


def needs(level=L.STANDARD, value=1_000, weight=1_000, country="DE", currency="EUR"):
    return ParcelNeeds(level, value, currency, weight, country)


def test_the_preferred_service_at_the_requested_level_is_chosen():
    choice = choose_service(OPTIONS, needs())
    assert choice.option.service_id == 1
    assert not choice.faster_than_asked


def test_a_destination_outside_a_services_countries_moves_to_the_next_rank():
    assert choose_service(OPTIONS, needs(country="FR")).option.service_id == 2


def test_too_heavy_for_the_own_fleet_goes_with_the_carrier_that_takes_it():
    assert choose_service(OPTIONS, needs(weight=31_000)).option.service_id == 2


def test_next_day_prefers_the_lower_rank_among_services_that_reach_the_country():
    assert choose_service(OPTIONS, needs(L.NEXT_DAY, country="CN")).option.service_id == 5
    assert choose_service(OPTIONS, needs(L.NEXT_DAY, country="US")).option.service_id == 4


def test_with_no_service_at_the_level_a_faster_one_is_chosen_never_a_slower_one():
    only_slow_and_fast = (OPTIONS[1], OPTIONS[3])
    choice = choose_service(only_slow_and_fast, needs(L.EXPEDITED, country="FR"))
    assert choice.option.level == L.NEXT_DAY
    assert choice.faster_than_asked
    with pytest.raises(NoCarrierService):
        choose_service((OPTIONS[1],), needs(L.EXPEDITED, country="FR"))


def test_a_parcel_nothing_takes_is_refused_naming_weight_country_and_level():
    with pytest.raises(NoCarrierService) as caught:
        choose_service(OPTIONS, needs(weight=80_000, country="FR"))
    message = caught.value.message
    assert "80000 g" in message and "FR" in message and "standard" in message


def test_value_above_the_thresholds_asks_for_signature_then_insurance():
    at = choose_service(OPTIONS, needs(value=50_000))
    assert (at.signature, at.insurance) == (False, False)
    signed = choose_service(OPTIONS, needs(value=50_001))
    assert (signed.signature, signed.insurance) == (True, False)
    both = choose_service(OPTIONS, needs(value=100_001))
    assert (both.signature, both.insurance) == (True, True)


def test_a_value_in_another_currency_than_the_threshold_is_signed_and_insured():
    choice = choose_service(OPTIONS, needs(value=100, currency="USD"))
    assert (choice.signature, choice.insurance) == (True, True)


def test_a_service_without_thresholds_never_asks_for_either():
    choice = choose_service(OPTIONS, needs(L.EXPEDITED, value=10_000_000))
    assert (choice.signature, choice.insurance) == (False, False)


@pytest.mark.parametrize(
    ("text", "level"),
    [("NextDay", L.NEXT_DAY), ("next day", L.NEXT_DAY), ("Expedited", L.EXPEDITED),
     ("SecondDay", L.EXPEDITED), ("Standard", L.STANDARD), ("", L.STANDARD), (None, L.STANDARD),
     ("Scheduled", L.STANDARD)],
)  # fmt: skip
def test_channels_words_for_the_requested_service_map_to_levels(text, level):
    assert level_of(text) == level


def test_the_seeded_services_cover_every_level_for_a_german_parcel():
    from app.shipping.carriers import SERVICES

    levels = {row[3] for row in SERVICES if row[6] is None or "DE" in row[6]}
    assert levels == {"standard", "expedited", "next_day"}


# --------------------------------------------------------------------------- units per parcel


def test_each_lines_units_go_with_the_parcel_they_were_scanned_into():
    from app.shipping.rules import units_per_parcel

    lines = [(1, 10, 2), (2, 20, 1)]  # (line, product, quantity): 2 kettles, 1 mug
    packed = {(100, 10): 1, (200, 10): 1, (200, 20): 1}
    assert units_per_parcel(lines, [100, 200], packed) == [(1, 100, 1), (1, 200, 1), (2, 200, 1)]


def test_two_lines_of_one_product_take_the_scanned_units_parcel_by_parcel():
    from app.shipping.rules import units_per_parcel

    lines = [(1, 10, 2), (2, 10, 3)]
    packed = {(100, 10): 3, (200, 10): 2}
    assert units_per_parcel(lines, [100, 200], packed) == [(1, 100, 2), (2, 100, 1), (2, 200, 2)]


def test_units_no_scan_placed_go_in_the_last_parcel_or_the_first_when_nothing_was_scanned():
    from app.shipping.rules import units_per_parcel

    lines = [(1, 10, 3)]
    assert units_per_parcel(lines, [100, 200], {(100, 10): 1}) == [(1, 100, 1), (1, 200, 2)]
    assert units_per_parcel(lines, [100, 200], {}) == [(1, 100, 3)]
    assert units_per_parcel(lines, [], {}) == []


def test_a_parcel_without_tracking_does_not_take_units_away_from_the_confirmation():
    from app.shipping.rules import units_per_parcel

    # parcel 300 was scanned into but is not tracked: its unit is confirmed in a tracked one
    assert units_per_parcel([(1, 10, 2)], [100], {(100, 10): 1, (300, 10): 1}) == [(1, 100, 2)]
