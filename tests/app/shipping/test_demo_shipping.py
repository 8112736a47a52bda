"""The shipping demo stage labels, hands over and confirms through the services."""

from __future__ import annotations

from app.demo.shipping import stage_shipping
from app.permissions import Role
from db.models import Order, Shipment
from db.models_shipping import Parcel, ShipConfirmation
from tests.app.shipping.builders import split_order
from tests.conftest import make_actor


def test_the_stage_labels_ships_and_confirms_packed_shipments(db, tmp_path):
    with db.unit_of_work() as uow:
        built = [split_order(uow.session, parcels=(0, 0), status="packed") for _ in range(3)]
        waiting = split_order(uow.session, parcels=(0, 0), status="picked")
        uow.commit()
    supervisor = make_actor(Role.SUPERVISOR, username="demo-supervisor")
    summary = stage_shipping(db, supervisor, tmp_path)
    assert summary["labelled"] == 6
    assert summary["shipped"] == 5  # one in five is kept labelled at the door
    with db.unit_of_work() as uow:
        s = uow.session
        statuses = sorted(s.get(Order, b.order_id).status for b in built)
        assert statuses == ["partly_shipped", "shipped", "shipped"]
        assert s.query(Parcel).filter(Parcel.tracking_number.is_(None)).count() == 0
        assert s.query(Shipment).filter_by(status="packed").count() == 1
        # the packing station's waiting list is left to it
        left = s.query(Shipment).filter_by(order_id=waiting.order_id).all()
        assert [shipment.status for shipment in left] == ["picked", "picked"]
        assert s.query(Parcel).filter(Parcel.shipment_id.in_([x.id for x in left])).count() == 0
        assert s.query(ShipConfirmation).count() == summary["confirmed_lines"] > 0
    files = sorted(p.name for p in tmp_path.iterdir())
    assert "ship-confirm-amazon.txt" in files
    assert any(name.startswith("MF-") and name.endswith(".pdf") for name in files)
