"""From the packing station to the channel: the label printed at the station chose its
carrier service by the rules and, for our own fleet, carries a generated tracking number;
the hand-over scan of that label ships it and the Amazon confirmation tells the number."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.numbers import entity_number
from app.packing import labelling as pl
from app.packing import service as ps
from app.shipping.confirm_file import read_amazon_confirmation
from app.shipping.confirmations import export_confirmations
from app.shipping.service import hand_over
from app.shipping.tracking_numbers import check_tracking_number
from db.models import Order, OrderLine, Product
from db.models_shipping import Carrier, CarrierService, Parcel
from tests.app.labels.decoding import decoded_per_page, texts_per_page
from tests.app.packing.conftest import PACKER, SUPERVISOR


def _amazon(db, station, country: str = "DE") -> None:
    with db.unit_of_work() as uow:
        s = uow.session
        order = s.get(Order, station.order_id)
        order.channel, order.channel_order_id = "amazon", "302-1234567-7654321"
        order.ship_country = country
        for n, line in enumerate(
            s.scalars(select(OrderLine).where(OrderLine.order_id == order.id))
        ):
            line.channel_line_id = f"6543210987654{n}"
        for product in s.scalars(select(Product)):
            product.hs_code, product.origin_country = "851671", "CN"
        uow.commit()


def _pack(db, station) -> None:
    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))
    for code in (station.kettle, station.kettle, station.vase):
        ps.scan_item(db, PACKER, station.shipment_id, code)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    pl.print_labels(db, PACKER, station.shipment_id, station.printers)


def test_a_station_label_for_our_fleet_carries_its_tracking_number_to_the_confirmation(db, station):
    _amazon(db, station)
    _pack(db, station)
    number = entity_number("shipment", station.shipment_id)
    with db.unit_of_work() as uow:
        parcel = uow.session.scalars(select(Parcel)).one()
        carrier = uow.session.scalar(
            select(Carrier.code)
            .join(CarrierService, CarrierService.carrier_id == Carrier.id)
            .where(CarrierService.id == parcel.carrier_service_id)
        )
        tracking = parcel.tracking_number
    assert carrier == "own_fleet"
    assert check_tracking_number("own_fleet", tracking) == tracking
    [label] = [data for title, data in station.printer.sent if title == f"{number}-1"]
    assert sorted(text for _f, text in decoded_per_page(label)[0]) == sorted([number, tracking])
    hand_over(db.unit_of_work(), SUPERVISOR, tracking)  # the driver's scan of the label
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    export = export_confirmations(db.unit_of_work(), SUPERVISOR, "amazon", since)
    rows = read_amazon_confirmation(export.content)
    assert {(r["order-id"], r["tracking-number"], r["carrier-name"]) for r in rows} == {
        ("302-1234567-7654321", tracking, "Own fleet")
    }
    assert sorted(int(r["quantity"]) for r in rows) == [1, 2]


def test_a_parcel_abroad_goes_with_the_carrier_the_rules_choose_and_its_declaration(db, station):
    _amazon(db, station, country="CH")
    _pack(db, station)
    number = entity_number("shipment", station.shipment_id)
    with db.unit_of_work() as uow:
        parcel = uow.session.scalars(select(Parcel)).one()
        assert parcel.carrier_service_id is not None and parcel.tracking_number is None
    [label] = [data for title, data in station.printer.sent if title == f"{number}-1"]
    assert decoded_per_page(label)[0] == [("Code128", number)]
    assert "UPS Standard" in texts_per_page(label)[0]  # its number comes with UPS's label
    assert f"{number}-1-CN22" in [title for title, _d in station.printer.sent]


def test_a_carrier_that_assigns_numbers_needs_its_waybill_number_scanned_before_the_label(
    db, station
):
    from app.packing.errors import ParcelNotReady
    from app.packing.tracking import planned_carrier
    from app.shipping.errors import TrackingNumberRefused

    _amazon(db, station, country="CN")
    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))
    for code in (station.kettle, station.kettle, station.vase):
        ps.scan_item(db, PACKER, station.shipment_id, code)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    assert planned_carrier(db, station.shipment_id) == "sf_express"
    with pytest.raises(ParcelNotReady, match="tracking number"):
        pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    with pytest.raises(TrackingNumberRefused, match="UPS"):  # another carrier's number
        ps.station_scan(db, PACKER, station.shipment_id, "1Z999AA10123456784")
    done = ps.station_scan(db, PACKER, station.shipment_id, "SF1234567890123")
    assert "SF1234567890123 recorded for parcel 1" in done.message
    pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    number = entity_number("shipment", station.shipment_id)
    [label] = [data for title, data in station.printer.sent if title == f"{number}-1"]
    assert sorted(t for _f, t in decoded_per_page(label)[0]) == sorted([number, "SF1234567890123"])
    [cn22] = [data for title, data in station.printer.sent if title == f"{number}-1-CN22"]
    assert decoded_per_page(cn22) == [[("Code128", "SF1234567890123")]]


def test_a_products_barcode_is_never_taken_for_a_tracking_number():
    from app.shipping.tracking_numbers import looks_like_tracking_number

    assert not looks_like_tracking_number("4006381333931")  # EAN-13
    assert not looks_like_tracking_number("036000291452")  # UPC-A
    assert looks_like_tracking_number("SF1234567890123")
    assert looks_like_tracking_number("1Z999AA10123456785")  # wrong check digit: still shaped
