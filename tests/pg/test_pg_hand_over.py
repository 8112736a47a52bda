"""Hand-over scans at two desks on one PostgreSQL database: a parcel leaves once, and a
shipment cancelled meanwhile never leaves."""

from __future__ import annotations

import threading
import time

import pytest

from app.permissions import Role
from app.shipping.errors import ShipmentNotReady
from app.shipping.service import hand_over
from app.workflow import change_status
from db.models import Shipment
from db.models_shipping import Parcel
from tests.app.shipping.builders import shipper, split_order
from tests.conftest import make_actor


def _at_two_desks(work) -> list[str]:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def desk() -> None:
        barrier.wait()
        try:
            work()
            outcomes.append("handed_over")
        except ShipmentNotReady as refused:
            outcomes.append(f"refused:{refused.state}")

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def _versions(database, model, row_id: int) -> int:
    with database.unit_of_work() as uow:
        return uow.session.get(model, row_id).version


def test_two_desks_scanning_one_parcels_label_at_once_hand_it_over_once(pg):
    with pg.unit_of_work() as uow:
        built = split_order(uow.session, parcels=(2, 1))
        actor = shipper(uow.session)
        uow.commit()
    before = _versions(pg, Parcel, built.parcel_ids[0][0])
    label = built.tracking[0][0]
    outcomes = _at_two_desks(lambda: hand_over(pg.unit_of_work(), actor, label))
    assert outcomes == ["handed_over", "refused:handed_over"]
    with pg.unit_of_work() as uow:
        parcel = uow.session.get(Parcel, built.parcel_ids[0][0])
        assert parcel.status == "handed_over" and parcel.version == before + 1
        assert uow.session.get(Shipment, built.shipment_ids[0]).status == "packed"


def test_two_desks_scanning_a_shipments_last_parcel_ship_it_once(pg):
    with pg.unit_of_work() as uow:
        built = split_order(uow.session, parcels=(1, 1))
        actor = shipper(uow.session)
        uow.commit()
    before = _versions(pg, Shipment, built.shipment_ids[1])
    label = built.tracking[1][0]
    outcomes = _at_two_desks(lambda: hand_over(pg.unit_of_work(), actor, label))
    assert outcomes == ["handed_over", "refused:shipped"]
    with pg.unit_of_work() as uow:
        shipment = uow.session.get(Shipment, built.shipment_ids[1])
        assert shipment.status == "shipped" and shipment.version == before + 1


def test_a_shipment_cancelled_while_its_label_is_scanned_never_leaves(pg):
    with pg.unit_of_work() as uow:
        built = split_order(uow.session, parcels=(2, 1))
        actor = shipper(uow.session)
        uow.commit()
    supervisor = make_actor(Role.ADMIN)
    outcome: list[str] = []

    def scan() -> None:
        try:
            hand_over(pg.unit_of_work(), actor, built.tracking[0][0])
            outcome.append("handed_over")
        except ShipmentNotReady as refused:
            outcome.append(refused.state)

    with pg.unit_of_work() as cancel:
        shipment = cancel.session.get(Shipment, built.shipment_ids[0])
        change_status(cancel.session, supervisor, shipment, "cancelled")
        cancel.session.flush()  # the cancel holds the shipment's row from here
        desk = threading.Thread(target=scan)
        desk.start()
        time.sleep(0.5)  # the scan waits for the cancel's row lock
        assert outcome == []
        cancel.commit()
    desk.join()
    assert outcome == ["cancelled"]
    with pg.unit_of_work() as uow:
        assert uow.session.get(Parcel, built.parcel_ids[0][0]).status == "labelled"


@pytest.fixture(autouse=True)
def _fresh_carrier_tables():
    """Each test's database is new: its carrier tables are read afresh."""
    from app.shipping.carrier_table import forget_carrier_tables

    forget_carrier_tables()
