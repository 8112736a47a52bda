"""Scanning a parcel's label hands it over; the shipment and order follow."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import PermissionDenied
from app.numbers import entity_number
from app.permissions import Role
from app.shipping.errors import ShipmentNotReady, UnknownLabelScan
from app.shipping.service import hand_over
from db.models import AuditEvent, Order, Shipment
from db.models_shipping import Parcel
from tests.app.shipping.builders import shipper, split_order
from tests.conftest import make_actor


@pytest.fixture
def order(db):
    with db.unit_of_work() as uow:
        built = split_order(uow.session)
        actor = shipper(uow.session)
        uow.commit()
    return built, actor


def sh(shipment_id: int) -> str:
    return entity_number("shipment", shipment_id)


def test_scanning_the_shipment_number_hands_over_its_next_parcel_with_time_and_who(db, order):
    built, actor = order
    done = hand_over(db.unit_of_work(), actor, sh(built.shipment_ids[0]))
    assert (done.parcel_index, done.parcel_count, done.parcels_left) == (1, 2, 1)
    assert not done.shipment_shipped
    with db.unit_of_work() as uow:
        parcel = uow.session.get(Parcel, built.parcel_ids[0][0])
        assert parcel.status == "handed_over"
        assert parcel.handed_over_by == actor.user_id
        assert parcel.handed_over_at is not None
        assert uow.session.get(Shipment, built.shipment_ids[0]).status == "packed"


def test_the_last_parcel_ships_the_shipment_and_the_order_is_partly_then_fully_shipped(db, order):
    built, actor = order
    a, b = built.shipment_ids
    hand_over(db.unit_of_work(), actor, sh(a))
    second = hand_over(db.unit_of_work(), actor, built.tracking[0][1])  # by tracking number
    assert second.shipment_shipped and second.parcel_index == 2
    assert second.order_status == "partly_shipped"
    with db.unit_of_work() as uow:
        shipment = uow.session.get(Shipment, a)
        assert shipment.status == "shipped" and shipment.shipped_at is not None
        assert shipment.tracking_number == built.tracking[0][0]
        assert uow.session.get(Order, built.order_id).shipped_at is None
    last = hand_over(db.unit_of_work(), actor, "  " + sh(b).lower() + "\n")
    assert last.order_status == "shipped"
    with db.unit_of_work() as uow:
        order_row = uow.session.get(Order, built.order_id)
        assert order_row.status == "shipped" and order_row.shipped_at is not None
        moves = [
            (e.entity_type, e.to_state)
            for e in uow.session.query(AuditEvent).order_by(AuditEvent.id)
            if e.action == "status"
        ]
    assert moves == [
        ("shipment", "shipped"),
        ("order", "partly_shipped"),
        ("shipment", "shipped"),
        ("order", "shipped"),
    ]


def test_a_shipped_shipment_is_refused_loudly(db, order):
    built, actor = order
    b = built.shipment_ids[1]
    hand_over(db.unit_of_work(), actor, sh(b))
    with pytest.raises(ShipmentNotReady) as caught:
        hand_over(db.unit_of_work(), actor, sh(b))
    assert caught.value.state == "shipped"
    assert "already shipped" in caught.value.message


def test_a_parcel_scanned_twice_by_tracking_number_is_refused(db, order):
    built, actor = order
    hand_over(db.unit_of_work(), actor, built.tracking[0][0])
    with pytest.raises(ShipmentNotReady) as caught:
        hand_over(db.unit_of_work(), actor, built.tracking[0][0])
    assert caught.value.state == "handed_over"
    assert "Parcel 1 of 2" in caught.value.message


def test_a_cancelled_shipment_is_refused_and_told_to_be_put_back(db, order):
    built, actor = order
    with db.unit_of_work() as uow:
        uow.session.get(Shipment, built.shipment_ids[1]).status = "cancelled"
        uow.commit()
    with pytest.raises(ShipmentNotReady) as caught:
        hand_over(db.unit_of_work(), actor, sh(built.shipment_ids[1]))
    assert caught.value.state == "cancelled"
    assert "CANCELLED" in caught.value.message and "put the goods back" in caught.value.message


def test_an_unpacked_shipment_is_refused(db):
    with db.unit_of_work() as uow:
        built = split_order(uow.session, status="picked")
        actor = shipper(uow.session)
        uow.commit()
    with pytest.raises(ShipmentNotReady) as caught:
        hand_over(db.unit_of_work(), actor, sh(built.shipment_ids[0]))
    assert caught.value.state == "not_packed"


def test_an_unlabelled_parcel_is_refused_and_nothing_changes(db, order):
    built, actor = order
    with db.unit_of_work() as uow:
        uow.session.get(Parcel, built.parcel_ids[1][0]).status = "open"
        uow.commit()
    with pytest.raises(ShipmentNotReady) as caught:
        hand_over(db.unit_of_work(), actor, built.tracking[1][0])
    assert caught.value.state == "not_labelled"
    with pytest.raises(ShipmentNotReady) as caught:
        hand_over(db.unit_of_work(), actor, sh(built.shipment_ids[1]))
    assert caught.value.state == "no_parcel"
    with db.unit_of_work() as uow:
        assert uow.session.get(Parcel, built.parcel_ids[1][0]).handed_over_at is None


def test_a_code_that_is_neither_ours_nor_a_known_tracking_number_is_refused(db, order):
    _built, actor = order
    for code in ("SH-999999", "1Z999AA10123456784", "PL-000001"):
        with pytest.raises(UnknownLabelScan):
            hand_over(db.unit_of_work(), actor, code)


def test_someone_without_the_ship_permission_cannot_hand_over(db, order):
    built, _actor = order
    clerk = make_actor(Role.CUSTOMER_SERVICE)
    with pytest.raises(PermissionDenied):
        hand_over(db.unit_of_work(), clerk, sh(built.shipment_ids[0]))


def test_a_packed_shipment_still_holding_unpicked_units_cannot_leave(db, order):
    from app.picking.check import check_stock
    from db.models import Bin, OrderLine, ShipmentLine, StockQuant, Warehouse
    from db.models_picking import Reservation

    built, actor = order
    a = built.shipment_ids[0]
    with db.unit_of_work() as uow:
        s = uow.session
        line = s.query(ShipmentLine).filter_by(shipment_id=a).first()
        order_line = s.get(OrderLine, line.order_line_id)
        wh = s.get(Warehouse, s.get(Shipment, a).warehouse_id)
        bin_id = s.query(Bin.id).filter_by(warehouse_id=wh.id).first()[0]
        quant = StockQuant(product_id=order_line.product_id, warehouse_id=wh.id, on_hand=5,
                           bin_id=bin_id,
                           reserved=1, received_date=dt.date(2026, 1, 1))  # fmt: skip
        s.add(quant)
        s.flush()
        s.add(Reservation(quant_id=quant.id, product_id=order_line.product_id,
                          warehouse_id=wh.id, order_id=built.order_id,
                          order_line_id=order_line.id, shipment_line_id=line.id,
                          quantity=1))  # fmt: skip
        uow.commit()
    with pytest.raises(ShipmentNotReady) as caught:
        hand_over(db.unit_of_work(), actor, sh(a))
    assert caught.value.state == "not_picked" and "1 unit" in caught.value.message
    with db.unit_of_work() as uow:
        assert uow.session.get(Parcel, built.parcel_ids[0][0]).status == "labelled"
        assert check_stock(uow.session) == []


def test_an_allocated_order_leaving_releases_no_stock_so_the_guarded_writer_takes_it():
    from app.workflow import RecordState, holds_stock, plan_transition

    now = dt.datetime.now(dt.UTC)
    shipper_actor = make_actor(Role.ADMIN)
    allocated = RecordState("order", 1, "allocated", 3)
    for target in ("shipped", "partly_shipped"):
        assert not holds_stock(plan_transition(allocated, target, shipper_actor, now=now))
    # a cancel still ends the promise through the stock hook
    assert holds_stock(plan_transition(allocated, "cancelled", shipper_actor, now=now))
