"""A scan's write is guarded by what it checked: when the shipment changed between the
station's read and its write (another station, a cancellation), no unit is added and the
scan says why. Forced here by changing the rows right after the station read them."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from app.numbers import entity_number
from app.packing import queries
from app.packing import service as ps
from app.packing.errors import ExtraPackItem, ShipmentNotPackable
from db.models import Shipment, utcnow
from db.models_packing import PackScan
from tests.app.packing.conftest import PACKER


def _change_after_first_read(monkeypatch, db, change) -> None:
    real = queries.read_station
    calls = []

    def read_then_change(session, shipment_id, *, lock=False):
        read = real(session, shipment_id, lock=lock)
        if not calls:
            with db.unit_of_work() as other:
                change(other.session, shipment_id)
                other.commit()
        calls.append(shipment_id)
        return read

    monkeypatch.setattr(queries, "read_station", read_then_change)


def _item_scans(db, shipment_id: int) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.count()).where(PackScan.shipment_id == shipment_id, PackScan.kind == "item")
        )


def test_a_shipment_cancelled_after_the_read_gets_no_unit_and_says_put_back(
    db, station, monkeypatch
):
    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))

    def cancel(session, shipment_id):
        session.execute(
            update(Shipment).where(Shipment.id == shipment_id).values(status="cancelled")
        )

    _change_after_first_read(monkeypatch, db, cancel)
    with pytest.raises(ShipmentNotPackable, match="CANCELLED"):
        ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    assert _item_scans(db, station.shipment_id) == 0


def test_the_last_unit_scanned_at_another_station_meanwhile_is_refused_as_extra(
    db, station, monkeypatch
):
    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))
    first = ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    parcel_id = first.state.current.parcel_id
    kettle = next(i for i in first.state.items if i.sku == "KETTLE-1")

    def other_station(session, shipment_id):
        session.add(
            PackScan(
                shipment_id=shipment_id,
                parcel_id=parcel_id,
                product_id=kettle.product_id,
                at=utcnow(),
                actor_name="other",
                kind="item",
                code=station.kettle,
            )
        )

    _change_after_first_read(monkeypatch, db, other_station)
    with pytest.raises(ExtraPackItem):
        ps.scan_item(db, PACKER, station.shipment_id, station.kettle)
    assert _item_scans(db, station.shipment_id) == 2  # ours and the other station's


def test_the_package_table_is_read_again_after_an_edit_through_its_verbs(db, station):
    from app.packing.model import PackageRuleFacts
    from app.packing.package_table import add_package_rule
    from tests.app.packing.conftest import SUPERVISOR

    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))
    before = ps.scan_item(db, PACKER, station.shipment_id, station.kettle).state
    assert before.current.suggested_package != "BOX-L"
    add_package_rule(db, SUPERVISOR, PackageRuleFacts(1, "BOX-L"))
    after = ps.state(db, station.shipment_id)
    assert after.current.suggested_package == "BOX-L"


def test_a_weight_typed_after_the_shipment_was_cancelled_is_refused(db, station, monkeypatch):
    from db.models_shipping import Parcel

    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))

    def cancel(session, shipment_id):
        session.execute(
            update(Shipment).where(Shipment.id == shipment_id).values(status="cancelled")
        )

    _change_after_first_read(monkeypatch, db, cancel)
    with pytest.raises(ShipmentNotPackable, match="CANCELLED"):
        ps.set_weight(db, PACKER, station.shipment_id, 1500)
    with db.unit_of_work() as uow:
        weights = uow.session.scalars(
            select(Parcel.weight_g).where(Parcel.shipment_id == station.shipment_id)
        ).all()
    assert weights == [None]


def test_a_driver_error_is_raised_as_sqlalchemys_so_retries_still_see_it(db, station):
    from sqlalchemy import exc

    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))
    with db.unit_of_work() as uow, pytest.raises(exc.IntegrityError):
        # parcel 1 exists already: (shipment, sequence) is unique
        ps._ADD_PARCEL.scalar(
            uow.session, {"sid": station.shipment_id, "sequence": 1, "at": utcnow()}
        )
