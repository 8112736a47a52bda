"""The demo shows the service desk working: tracking timelines, cases opened by the watch and
by agents (closed, waiting, overdue), an e-mail, refunds in every state, a cancellation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.demo import generate_demo
from app.demo.desk_work import stage_desk_work
from app.demo.service_desk import stage_fulfilment, stage_service_desk
from app.picking.check import check_stock
from db.models import AuditEvent, IntakeConflict, Shipment, StockMove
from db.models_cases import Case
from db.models_picking import PickListShipment
from db.models_refunds import Refund
from db.models_returns import Reship, Return
from db.models_shipping import Parcel
from db.models_tracking import TrackingEvent


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    from app.database import open_database

    path = tmp_path_factory.mktemp("demo-service") / "demo.sqlite"
    database = open_database(f"sqlite:///{path}")
    result = generate_demo(database, orders=800, seed=7)
    stage_desk_work(database, result, seed=7)
    stage_fulfilment(database, result, seed=7)
    summary = stage_service_desk(database, result, seed=7)
    yield database, summary
    database.dispose()


def test_every_step_of_the_service_desk_demo_found_its_data(staged):
    _database, summary = staged
    assert summary.missing == ()
    assert summary.tracking_events > 0 and summary.cases == 4 and summary.refunds == 3
    assert (summary.reships_shipped, summary.returns_inspected) == (1, 1)
    assert (summary.channel_updates, summary.channel_conflicts) == (1, 1)


def test_the_reship_went_through_the_warehouse_and_the_return_was_inspected(staged):
    database, _summary = staged
    with database.unit_of_work() as uow:
        s = uow.session
        reship = s.scalar(select(Shipment).join(Reship, Reship.shipment_id == Shipment.id))
        picked = s.scalar(
            select(func.count(PickListShipment.pick_list_id)).where(
                PickListShipment.shipment_id == reship.id
            )
        )
        parcels = s.scalar(select(func.count(Parcel.id)).where(Parcel.shipment_id == reship.id))
        ret = s.scalar(select(Return))
        moves = set(s.scalars(select(StockMove.kind).where(StockMove.reason == f"RT-{ret.id:06d}")))
    assert reship.status == "shipped" and picked == 1 and parcels == 1
    assert ret.status == "inspected" and ret.refund_id is not None and ret.fee_cents > 0
    assert "return" in moves


def test_the_channels_later_word_is_applied_once_and_left_as_a_conflict_once(staged):
    database, _summary = staged
    with database.unit_of_work() as uow:
        s = uow.session
        updated = s.scalars(
            select(AuditEvent.detail).where(AuditEvent.action == "channel_update")
        ).all()
        reasons = [
            c["reason"]
            for incoming in s.scalars(
                select(IntakeConflict.incoming).where(IntakeConflict.resolved_at.is_(None))
            )
            for c in incoming.get("channel_conflicts", [])
        ]
    assert [d["changes"][0]["new"] for d in updated] == [{"line2": "Hinterhaus, 3. OG"}]
    assert "already_shipped" in reasons


def test_cases_in_every_state_and_refunds_in_every_decision(staged):
    database, _summary = staged
    with database.unit_of_work() as uow:
        s = uow.session
        case_states = set(s.scalars(select(Case.status)))
        refund_states = set(s.scalars(select(Refund.status)))
        events = s.scalar(select(func.count(TrackingEvent.id)))
        assert check_stock(s) == []
    assert {"open", "waiting", "closed"} <= case_states
    assert {"paid", "requested", "rejected"} <= refund_states
    assert events > 0
