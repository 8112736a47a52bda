"""The demo shows the stock desk working: bins of every kind, low stock, a replenishment, receipts
against incoming stock, a booked count -- and the stock still adds up."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.demo import generate_demo
from app.demo.desk_work import stage_desk_work
from app.demo.stock import stage_stock_work
from app.permissions import Role
from app.stock import queries
from db.models import AuditEvent, Bin, StockMove, StockQuant, Warehouse
from tests.conftest import make_actor

SUPERVISOR = make_actor(Role.SUPERVISOR)


@pytest.fixture(scope="module")
def staged(tmp_path_factory):
    from app.database import open_database

    path = tmp_path_factory.mktemp("demo-stock") / "demo.sqlite"
    database = open_database(f"sqlite:///{path}")
    result = generate_demo(database, orders=600, seed=5)
    stage_desk_work(database, result, seed=5)
    summary = stage_stock_work(database, result, seed=5)
    yield database, summary
    database.dispose()


def test_every_step_of_the_stock_demo_found_its_data(staged):
    _database, summary = staged
    assert summary.missing == ()
    assert summary.receipts >= 3 and summary.moves >= 1 and summary.counts == 1


def test_every_warehouse_has_receiving_overflow_and_pick_face_bins(staged):
    database, _summary = staged
    with database.unit_of_work() as uow:
        kinds = set(uow.session.execute(select(Warehouse.code, Bin.kind).join(Bin)).all())
        warehouses = uow.session.scalars(select(Warehouse.code)).all()
    for code in warehouses:
        assert {(code, k) for k in ("receiving", "overflow", "pick_face", "storage")} <= kinds


def test_the_low_stock_list_and_a_replenishment_are_there(staged):
    database, _summary = staged
    with database.unit_of_work() as uow:
        low = queries.low_stock(uow.session, SUPERVISOR)
        suggestions = [
            s
            for (warehouse_id,) in uow.session.execute(select(Warehouse.id))
            for s in queries.replenishment(uow.session, warehouse_id)
        ]
    assert len(low) >= 5 and all(row.suggested > 0 for row in low)
    assert suggestions


def test_stock_received_on_several_dates_and_a_booked_count_with_its_reason(staged):
    database, _summary = staged
    with database.unit_of_work() as uow:
        dates = uow.session.scalar(select(func.count(func.distinct(StockQuant.received_date))))
        count = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "count")).one()
        adjust = uow.session.scalars(select(StockMove).where(StockMove.kind == "adjust")).one()
    assert dates > 20
    assert count.reason == adjust.reason == "Cycle count: one unit damaged"
    assert adjust.from_bin_id is not None and adjust.quantity == 1


def test_nothing_the_stock_demo_did_left_stock_negative_or_below_reserved(staged):
    database, _summary = staged
    with database.unit_of_work() as uow:
        bad = uow.session.scalar(
            select(func.count())
            .select_from(StockQuant)
            .where((StockQuant.on_hand < 0) | (StockQuant.reserved > StockQuant.on_hand))
        )
    assert bad == 0
