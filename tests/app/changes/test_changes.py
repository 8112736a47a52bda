"""Changes we make before shipment: a cancel stops the warehouse at once; a new address
voids a printed label; the channel's rules hold."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.address import PostalAddress
from app.changes.errors import AddressProblems, CancelRefused, ChangeRefused
from app.changes.rules import address_problems, cleaned_address, why_not_cancel
from app.changes.service import amazon_cancellation_file, cancel_order, change_address
from app.picking.check import check_stock
from app.picking.service import allocate
from app.review.service import review_orders
from db.models import Order, Shipment
from db.models_picking import Reservation
from db.models_shipping import Parcel, ParcelLabel
from tests.app.picking.conftest import SUPERVISOR, floor_warehouse, item, put
from tests.app.review import builders as b

GOOD_ADDRESS = PostalAddress(
    "陳小明", "忠孝東路四段 100 號", city="台北市", postal_code="106", country_code="TW"
)


def _allocated(db, channel="shop") -> int:
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, name="Kettle", sku="KETTLE-1", barcode="4006381333931")
        put(s, kettle, wh, 0, 5)
        order = b.order(s, b.customer(s), [(kettle, 2)])
        order.channel = channel
        uow.commit()
        order_id = order.id
    review_orders(db, SUPERVISOR, [order_id])
    allocate(db, SUPERVISOR)
    return order_id


def _packed_with_label(db, order_id) -> int:
    with db.unit_of_work() as uow:
        shipment = uow.session.scalar(select(Shipment).where(Shipment.order_id == order_id))
        shipment.status = "packed"
        uow.session.add(
            Parcel(shipment_id=shipment.id, sequence=1, status="labelled", tracking_number="1ZX")
        )
        uow.commit()
        return shipment.id


def _state(db, order_id):
    with db.unit_of_work() as uow:
        s = uow.session
        order = s.get(Order, order_id)
        shipments = s.scalars(select(Shipment.status).where(Shipment.order_id == order_id)).all()
        held = s.scalars(select(Reservation.quantity).where(Reservation.order_id == order_id)).all()
        parcels = s.scalars(select(Parcel.status)).all()
        voids = s.scalars(select(ParcelLabel.action)).all()
        violations = check_stock(s)
    return order.status, shipments, sum(held), parcels, voids, violations


def test_cancelling_an_allocated_order_stops_the_warehouse_and_releases_its_stock(db):
    order_id = _allocated(db)
    _packed_with_label(db, order_id)
    assert _state(db, order_id)[:3] == ("allocated", ["packed"], 2)  # stock held before
    result = cancel_order(db, SUPERVISOR, order_id, "customer_request", note="called in")
    status, shipments, held, parcels, voids, violations = _state(db, order_id)
    assert (status, shipments, held) == ("cancelled", ["cancelled"], 0)
    assert (parcels, voids) == (["voided"], ["void"])
    assert violations == []
    assert (result.shipments_stopped, result.labels_voided, result.reported_to_channel) == (
        1,
        1,
        False,
    )


def test_an_amazon_cancel_is_reported_once_in_the_upload_file(db):
    order_id = _allocated(db, channel="amazon")
    assert cancel_order(db, SUPERVISOR, order_id, "no_stock").reported_to_channel
    data, count = amazon_cancellation_file(db, SUPERVISOR)
    lines = data.decode().splitlines()
    assert lines[0] == "order-id\tcancellation-reason-code\tamazon-order-item-code"
    assert lines[1].split("\t")[1] == "NoInventory" and count == 1
    assert amazon_cancellation_file(db, SUPERVISOR)[1] == 0  # never twice


def test_a_shipped_order_cannot_be_cancelled_a_return_is_offered(db):
    order_id = _allocated(db)
    with db.unit_of_work() as uow:
        uow.session.get(Order, order_id).status = "shipped"
        uow.commit()
    with pytest.raises(CancelRefused, match="return"):
        cancel_order(db, SUPERVISOR, order_id, "customer_request")
    assert why_not_cancel("approved", ["shipped"])


def test_a_new_address_voids_the_printed_label_and_the_parcel_is_packed_again(db):
    order_id = _allocated(db)
    shipment_id = _packed_with_label(db, order_id)
    result = change_address(db, SUPERVISOR, order_id, GOOD_ADDRESS)
    assert (result.labels_voided, result.shipments_to_pack_again) == (1, 1)
    with db.unit_of_work() as uow:
        assert uow.session.get(Shipment, shipment_id).status == "picked"
        assert uow.session.get(Order, order_id).ship_city == "台北市"


def test_we_never_change_an_amazon_orders_address(db):
    order_id = _allocated(db, channel="amazon")
    with pytest.raises(ChangeRefused, match="marketplace"):
        change_address(db, SUPERVISOR, order_id, GOOD_ADDRESS)


def test_every_problem_of_a_typed_address_is_named_at_once():
    problems = address_problems(cleaned_address(PostalAddress(country_code="US")))
    assert [field for field, _ in problems] == ["name", "line1", "city", "region", "postal_code"]
    with pytest.raises(AddressProblems):
        change_address(None, SUPERVISOR, 1, PostalAddress(country_code="XX"))


def test_the_command_line_cancels_and_writes_the_file(db, db_url, staff_login, tmp_path, capsys):
    from app.cli import main

    order_id = _allocated(db, channel="amazon")
    assert (
        main(["cancel", f"SO-{order_id:06d}", "--reason", "customer_request", "--db", db_url]) == 0
    )
    assert "cancelled" in capsys.readouterr().out
    out = tmp_path / "cancel.txt"
    assert main(["cancellations", "export", "-o", str(out), "--db", db_url]) == 0
    assert "BuyerCanceled" in out.read_text()
