"""A carrier's tracking number scanned into the station's field: recorded in that scan's
one transaction with guarded statements (the rules' carrier chosen there when none was),
on the state the scan read; the weighed state names the carrier whose waybill it wants."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from app.errors import ConcurrentUpdate
from app.numbers import entity_number
from app.packing import labelling as pl
from app.packing import service as ps
from app.packing.errors import ParcelNotReady
from db.models import AuditEvent, Order, Product, Shipment
from db.models_packing import PackScan
from db.models_shipping import Parcel
from tests.app.packing.conftest import PACKER
from tests.app.packing.test_station_guards import _change_after_first_read

SF_NUMBER = "SF1234567890123"


def _to_china(db, station) -> None:
    with db.unit_of_work() as uow:
        uow.session.get(Order, station.order_id).ship_country = "CN"
        for product in uow.session.scalars(select(Product)):  # for the customs declaration
            product.hs_code, product.origin_country = "851671", "CN"
        uow.commit()


def _weighed(db, station):
    number = entity_number("shipment", station.shipment_id)
    opened = ps.station_scan(db, PACKER, None, number).state
    assert opened.carrier == ""  # nothing chosen, nothing weighed yet
    for code in (station.kettle, station.kettle, station.vase):
        ps.station_scan(db, PACKER, station.shipment_id, code)
    return ps.station_scan(db, PACKER, station.shipment_id, "3450 g").state


def _events(db, action: str) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).where(AuditEvent.action == action))


def _parcel(db, station) -> Parcel:
    with db.unit_of_work() as uow:
        return uow.session.scalars(
            select(Parcel).where(Parcel.shipment_id == station.shipment_id)
        ).one()


def test_the_weighed_state_names_the_carrier_the_print_then_chooses(db, station):
    weighed = _weighed(db, station)
    assert weighed.carrier == "own_fleet"  # within Germany: our own fleet, as printed
    printed = pl.print_labels(db, PACKER, station.shipment_id, station.printers).state
    assert printed.carrier == "own_fleet"
    assert _parcel(db, station).tracking_number.startswith("OD")


def test_a_scanned_number_chooses_the_carrier_and_is_recorded_in_one_transaction(
    db, station, monkeypatch
):
    _to_china(db, station)
    weighed = _weighed(db, station)
    assert weighed.carrier == "sf_express"
    before = _parcel(db, station)
    assert before.carrier_service_id is None
    real, opened = db.unit_of_work, []

    def counted():
        opened.append(1)
        return real()

    monkeypatch.setattr(db, "unit_of_work", counted)
    done = ps.station_scan(db, PACKER, station.shipment_id, SF_NUMBER)
    assert len(opened) == 1  # the scan's one transaction, nothing before or after it
    monkeypatch.undo()
    assert "SF1234567890123 recorded for parcel 1" in done.message
    assert done.state.carrier == "sf_express"
    assert done.state.parcels[0].tracking_number == SF_NUMBER
    after = _parcel(db, station)
    assert after.tracking_number == SF_NUMBER and after.carrier_service_id is not None
    assert after.version == before.version + 2  # the carrier's write, then the number's
    with db.unit_of_work() as uow:
        shipment = uow.session.get(Shipment, station.shipment_id)
        assert (shipment.carrier, shipment.version) == ("sf_express", weighed.version + 1)
    assert (_events(db, "carrier"), _events(db, "tracking_number")) == (1, 1)
    assert done.state == ps.state(db, station.shipment_id)  # built from the scan's read
    pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    assert _events(db, "carrier") == 1  # the print found the carrier chosen


def test_a_number_scanned_when_every_parcel_has_one_is_refused_and_not_an_item_refusal(db, station):
    _to_china(db, station)
    _weighed(db, station)
    ps.station_scan(db, PACKER, station.shipment_id, SF_NUMBER)
    with pytest.raises(ParcelNotReady, match="every parcel has its tracking number"):
        ps.station_scan(db, PACKER, station.shipment_id, "SF1234567890124")
    with db.unit_of_work() as uow:
        refused = uow.session.scalar(select(func.count()).where(PackScan.kind == "refused"))
    assert refused == 0
    assert _parcel(db, station).tracking_number == SF_NUMBER


def test_a_parcel_numbered_at_another_desk_after_the_read_keeps_its_number(
    db, station, monkeypatch
):
    _to_china(db, station)
    _weighed(db, station)
    other = "SF9999999999999"

    def numbered_elsewhere(session, shipment_id):
        session.execute(
            update(Parcel)
            .where(Parcel.shipment_id == shipment_id)
            .values(tracking_number=other, version=Parcel.version + 1)
        )

    _change_after_first_read(monkeypatch, db, numbered_elsewhere)
    with pytest.raises(ConcurrentUpdate):
        ps.station_scan(db, PACKER, station.shipment_id, SF_NUMBER)
    parcel = _parcel(db, station)
    assert parcel.tracking_number == other and parcel.carrier_service_id is None
    assert (_events(db, "carrier"), _events(db, "tracking_number")) == (0, 0)


def test_the_weighed_state_follows_the_weight_just_typed(db, station):
    _weighed(db, station)
    heavy = ps.station_scan(db, PACKER, station.shipment_id, "35000 g").state
    assert heavy.carrier == "ups"  # over our own fleet's 30 kg
    light = ps.station_scan(db, PACKER, station.shipment_id, "3450 g").state
    assert light.carrier == "own_fleet"
    printed = pl.print_labels(db, PACKER, station.shipment_id, station.printers).state
    assert printed.carrier == "own_fleet"
