"""The carrier choice and tracking numbers recorded on real rows."""

from __future__ import annotations

import pytest

from app.errors import AlreadyExists
from app.shipping.errors import NoCarrierService, TrackingNumberRefused
from app.shipping.service import choose_carrier, record_tracking_number
from db.models import AuditEvent, Order, Shipment
from db.models_shipping import Carrier, CarrierService, Parcel
from tests.app.shipping.builders import shipper, split_order, ups_number


@pytest.fixture
def built(db):
    with db.unit_of_work() as uow:
        order = split_order(uow.session, channel="shop", parcels=(1, 1))
        actor = shipper(uow.session)
        uow.commit()
    return order, actor


def test_the_seeded_carriers_carry_amazons_codes(db):
    with db.unit_of_work() as uow:
        codes = dict(uow.session.query(Carrier.code, Carrier.amazon_code))
        services = uow.session.query(CarrierService).count()
    assert codes == {
        "own_fleet": None,
        "ups": "UPS",
        "fedex": "FedEx",
        "dhl_express": "DHL",
        "usps": "USPS",
        "sf_express": "SF Express",
    }
    assert services >= 15


def test_a_german_standard_parcel_goes_with_the_own_fleet_and_is_recorded(db, built):
    order, actor = built
    choice = choose_carrier(db.unit_of_work(), actor, order.shipment_ids[0])
    assert choice.option.carrier_code == "own_fleet"
    with db.unit_of_work() as uow:
        shipment = uow.session.get(Shipment, order.shipment_ids[0])
        parcel = uow.session.get(Parcel, order.parcel_ids[0][0])
        assert (shipment.carrier, shipment.service) == ("own_fleet", "local")
        assert parcel.carrier_service_id == choice.option.service_id
        assert not parcel.signature_required
        assert uow.session.query(AuditEvent).filter_by(action="carrier").count() == 1


def test_next_day_to_the_us_goes_by_usps_express_and_an_expensive_one_is_signed(db, built):
    order, actor = built
    with db.unit_of_work() as uow:
        row = uow.session.get(Order, order.order_id)
        row.requested_service, row.ship_country = "NextDay", "US"
        for line in row.lines:
            line.line_total_cents *= 200  # 2 kettles + mug: far above the thresholds
        uow.commit()
    choice = choose_carrier(db.unit_of_work(), actor, order.shipment_ids[0])
    assert (choice.option.carrier_code, choice.option.level) == ("usps", "next_day")
    with db.unit_of_work() as uow:
        parcel = uow.session.get(Parcel, order.parcel_ids[0][0])
        assert parcel.signature_required and parcel.insured


def test_a_parcel_no_service_takes_is_refused_and_nothing_is_recorded(db, built):
    order, actor = built
    with db.unit_of_work() as uow:
        uow.session.get(Parcel, order.parcel_ids[0][0]).weight_g = 90_000
        uow.commit()
    with pytest.raises(NoCarrierService):
        choose_carrier(db.unit_of_work(), actor, order.shipment_ids[0])
    with db.unit_of_work() as uow:
        assert uow.session.get(Shipment, order.shipment_ids[0]).carrier == "ups"


def test_own_fleet_tracking_numbers_are_generated_and_ups_ones_checked(db, built):
    order, actor = built
    choose_carrier(db.unit_of_work(), actor, order.shipment_ids[0])
    parcel_id = order.parcel_ids[0][0]
    number = record_tracking_number(db.unit_of_work(), actor, parcel_id)
    assert number.startswith("OD") and len(number) == 13
    ups_parcel = order.parcel_ids[1][0]
    with pytest.raises(TrackingNumberRefused) as caught:
        record_tracking_number(db.unit_of_work(), actor, ups_parcel, "1Z999AA10123456785")
    assert "check digit" in caught.value.message
    with pytest.raises(TrackingNumberRefused) as caught:
        record_tracking_number(db.unit_of_work(), actor, ups_parcel, number)
    assert caught.value.looks_like == "Own fleet"
    good = ups_number(777)
    assert record_tracking_number(db.unit_of_work(), actor, ups_parcel, good) == good


def test_a_tracking_number_already_on_another_parcel_is_refused(db, built):
    order, actor = built
    taken = order.tracking[0][0]
    with pytest.raises(AlreadyExists):
        record_tracking_number(db.unit_of_work(), actor, order.parcel_ids[1][0], taken)
