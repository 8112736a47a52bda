"""Picking scans on PostgreSQL: two scans of a list's last unit at once pick it once, a
scan after its order was cancelled is refused, with nothing taken from stock, and the list
a desk keeps between scans sees what other desks changed under it."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.database import open_database, upgrade_database
from app.errors import ConcurrentUpdate
from app.permissions import Role
from app.picking import lists as pl
from app.picking.check import check_stock
from app.picking.errors import PickingError
from app.picking.model import Step
from app.picking.service import allocate
from app.review.service import review_orders
from app.workflow import change_status
from db.models import Order, Shipment, StockMove, StockQuant
from db.models_picking import PickListShipment, PickScan, PickTask, Reservation
from tests.app.picking.conftest import PICKER, SUPERVISOR, floor_warehouse, item, put
from tests.app.review import builders as b


@pytest.fixture
def own_pg(empty_pg_url):
    """A database of this test's own: the stock check reads every quant there."""
    database = open_database(empty_pg_url, check_schema=False)
    upgrade_database(database)
    yield database
    database.dispose()


def _lists_by_order(db, warehouse_id: int) -> dict[int, int]:
    ids = pl.create_pick_lists(db.unit_of_work(), SUPERVISOR, warehouse_id, single=True)
    with db.unit_of_work() as uow:
        return dict(
            uow.session.execute(
                select(Shipment.order_id, PickListShipment.pick_list_id)
                .join(Shipment, Shipment.id == PickListShipment.shipment_id)
                .where(PickListShipment.pick_list_id.in_(ids))
            ).all()
        )


def test_the_last_unit_scanned_twice_at_once_is_picked_once_and_a_cancelled_order_is_refused(
    own_pg,
):
    db = own_pg
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "PGB")
        kettle = item(s, sku="KETTLE-PG")
        put(s, kettle, wh, 1, 5)
        kept = b.order(s, b.customer(s), [(kettle, 1)]).id
        cancelled = b.order(s, b.customer(s), [(kettle, 1)]).id
        uow.commit()
        warehouse_id, barcode = wh.id, kettle.barcode
    review_orders(db, SUPERVISOR, [kept, cancelled])
    allocate(db, SUPERVISOR)
    lists = _lists_by_order(db, warehouse_id)

    list_id = lists[kept]
    pl.claim_list(db, PICKER, list_id)
    pl.scan(db, PICKER, list_id, "TPGB0")
    assert pl.scan(db, PICKER, list_id, "PGB-01").state.step is Step.ITEM
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def picker() -> None:
        barrier.wait()
        try:
            pl.scan(db, PICKER, list_id, barcode)
            outcomes.append("picked")
        except (PickingError, ConcurrentUpdate):
            outcomes.append("refused")

    threads = [threading.Thread(target=picker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["picked", "refused"]
    assert pl.finish_list(db, PICKER, list_id).status == "finished"

    other = lists[cancelled]
    pl.claim_list(db, PICKER, other)
    pl.scan(db, PICKER, other, "TPGB1")
    pl.scan(db, PICKER, other, "PGB-01")
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, cancelled)
        change_status(uow.session, SUPERVISOR, order, "cancelled", reason="customer asked")
        uow.commit()
    with pytest.raises((PickingError, ConcurrentUpdate)):
        pl.scan(db, PICKER, other, barcode)

    with db.unit_of_work() as uow:
        s = uow.session
        assert check_stock(s) == []
        on_hand, reserved = s.execute(
            select(StockQuant.on_hand, StockQuant.reserved).where(
                StockQuant.product_id == kettle.id
            )
        ).one()
        assert (on_hand, reserved) == (4, 0)
        picks = s.scalar(select(func.count()).where(StockMove.kind == "pick"))
        assert picks == 1
        assert s.scalar(select(func.sum(PickTask.picked))) == 1
        assert s.scalar(select(func.sum(Reservation.picked))) == 1
        refused = s.scalar(select(func.count()).where(PickScan.refused.is_(True)))
        assert refused == 2  # the second scan of the last unit, the cancelled order's
        effect = s.scalar(select(PickScan.effect).where(PickScan.kind == "item"))
        assert list(effect.values()) == [1]  # what undo would give back, stored as JSON


def test_a_kept_list_sees_what_another_desk_changed_under_it(fresh_pg, empty_pg_url):
    """The list a picker's desk keeps between scans, on PostgreSQL: a cancelled order's
    task withdrawn, a product flagged fragile and a supervisor's undo at another desk
    (its own engine) are all in the picker's next scan."""
    import dataclasses

    from app.stock.setup import set_product_flags
    from tests.conftest import make_actor

    db, other_desk = fresh_pg, open_database(empty_pg_url)
    try:
        with db.unit_of_work() as uow:
            s = uow.session
            wh = floor_warehouse(s, "PGK")
            kettle = item(s, sku="KETTLE-PGK")
            put(s, kettle, wh, 1, 5)
            customer = b.customer(s)
            orders = [b.order(s, customer, [(kettle, 1)]).id for _ in range(2)]
            uow.commit()
            warehouse_id, barcode = wh.id, kettle.barcode
        review_orders(db, SUPERVISOR, orders)
        allocate(db, SUPERVISOR)
        [list_id] = pl.create_pick_lists(db.unit_of_work(), SUPERVISOR, warehouse_id)

        def scan(code):
            result = pl.scan(db, PICKER, list_id, code)
            with db.unit_of_work() as uow:
                fresh = pl.pick_state(uow.session, list_id)
            assert dataclasses.replace(result.state, last_scan="") == fresh
            return result.state

        pl.claim_list(db, PICKER, list_id)
        for code in ("TPGK0", "TPGK1"):
            scan(code)
        assert scan("PGK-01").step is Step.ITEM
        with other_desk.unit_of_work() as uow:
            admin = make_actor(Role.ADMIN, username="setup")
            set_product_flags(uow, admin, "KETTLE-PGK", fragile=True, high_value=False)
        with other_desk.unit_of_work() as uow:
            order = uow.session.get(Order, orders[1])
            change_status(uow.session, SUPERVISOR, order, "cancelled", reason="customer asked")
            uow.commit()
        assert scan("CONFIRM").step is Step.ITEM
        assert scan(barcode).step is Step.DONE  # the cancelled order's unit is not asked for
        assert pl.undo_last_scan(other_desk, SUPERVISOR, list_id).state.step is Step.ITEM
        assert scan(barcode).step is Step.DONE
        assert pl.finish_list(db, PICKER, list_id).status == "finished"
        with db.unit_of_work() as uow:
            assert check_stock(uow.session) == []
            assert uow.session.scalar(select(func.sum(PickTask.picked))) == 1
    finally:
        other_desk.dispose()
