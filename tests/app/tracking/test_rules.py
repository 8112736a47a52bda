"""Pure tracking decisions: codes mean the right thing; a shipment follows its parcels."""

import datetime as dt

from app.tracking.model import TrackingEvent, TrackingStatus
from app.tracking.rules import carrier_code, latest, shipment_status, status_from_code

TS = TrackingStatus


def test_aftership_tags_and_subtags_map_to_our_statuses():
    assert status_from_code("InTransit_003") is TS.IN_TRANSIT
    assert status_from_code("OutForDelivery_001") is TS.OUT_FOR_DELIVERY
    assert status_from_code("Delivered") is TS.DELIVERED
    assert status_from_code("Exception_013") is TS.LOST
    assert status_from_code("Exception_012") is TS.DAMAGED
    assert status_from_code("Exception_011") is TS.RETURNED
    assert status_from_code("Exception_004") is TS.DELAYED
    assert status_from_code("delivered") is TS.DELIVERED


def test_a_code_that_says_nothing_about_the_parcel_maps_to_nothing():
    assert status_from_code("Expired_001") is None
    assert status_from_code("banana") is None


def test_carrier_names_are_folded_to_our_codes_and_unknown_ones_are_none():
    assert carrier_code(" DHL ") == "dhl_express"
    assert carrier_code("sf-express") == "sf_express"
    assert carrier_code("acme", known=("acme",)) == "acme"
    assert carrier_code("pigeon post") is None


def _event(minute: int, status: TS) -> TrackingEvent:
    at = dt.datetime(2026, 11, 20, 10, minute, tzinfo=dt.UTC)
    return TrackingEvent("1Z1", "ups", at, status)


def test_the_latest_event_is_the_one_that_happened_last_not_the_last_listed():
    events = [_event(30, TS.DELIVERED), _event(10, TS.IN_TRANSIT)]
    assert latest(events).status is TS.DELIVERED


def test_a_shipment_is_as_far_as_its_slowest_parcel():
    assert shipment_status([TS.DELIVERED, TS.OUT_FOR_DELIVERY]) == "out_for_delivery"
    assert shipment_status([TS.DELIVERED, TS.DELIVERED]) == "delivered"
    assert shipment_status([TS.DELIVERED, None]) == "in_transit"


def test_a_parcel_in_trouble_decides_the_shipment():
    assert shipment_status([TS.DELIVERED, TS.LOST]) == "lost"
    assert shipment_status([TS.DELAYED, TS.DAMAGED]) == "damaged"


def test_no_event_that_says_something_leaves_the_shipment_alone():
    assert shipment_status([None, TS.INFO_RECEIVED]) is None
