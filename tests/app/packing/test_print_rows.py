"""The print on plain rows: what it returns is what the database then holds, and a parcel
started but left empty is dropped rather than labelled."""

from __future__ import annotations

from sqlalchemy import select

from app.numbers import entity_number
from app.packing import labelling as pl
from app.packing import service as ps
from db.models import Shipment
from db.models_shipping import Parcel
from tests.app.packing.conftest import PACKER


def _open_and_verify(db, station) -> None:
    ps.open_shipment(db, PACKER, entity_number("shipment", station.shipment_id))
    for code in (station.kettle, station.kettle, station.vase):
        ps.scan_item(db, PACKER, station.shipment_id, code)


def test_the_state_the_print_returns_is_the_state_read_afterwards(db, station):
    _open_and_verify(db, station)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    done = pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    assert done.state == ps.state(db, station.shipment_id)
    assert done.state.status == "packed" and done.state.parcels[0].labels == 1


def test_an_empty_parcel_left_open_is_dropped_not_labelled(db, station):
    _open_and_verify(db, station)
    ps.set_weight(db, PACKER, station.shipment_id, 3_450)
    ps.new_parcel(db, PACKER, station.shipment_id)  # started, nothing scanned into it
    assert len(ps.state(db, station.shipment_id).parcels) == 2
    done = pl.print_labels(db, PACKER, station.shipment_id, station.printers)
    assert [p.sequence for p in done.state.parcels] == [1]
    assert done.state == ps.state(db, station.shipment_id)
    with db.unit_of_work() as uow:
        parcels = uow.session.scalars(select(Parcel)).all()
        assert [(p.sequence, p.status) for p in parcels] == [(1, "labelled")]
        shipment = uow.session.get(Shipment, station.shipment_id)
        assert (shipment.status, shipment.weight_g) == ("packed", 3_450)
