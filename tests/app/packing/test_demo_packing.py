"""The demo's packing stage: shipments packed by the station's services, some waiting."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.packing import stage_packing
from app.picking import lists as pl
from app.picking.bench import _next_code
from app.picking.check import check_stock
from app.picking.service import allocate
from app.review.service import review_orders
from db.models import Shipment
from db.models_shipping import ParcelLabel
from tests.app.picking.conftest import PICKER, SUPERVISOR, floor_warehouse, item, put
from tests.app.review import builders as b


def _picked_orders(db, count: int) -> None:
    with db.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s, name="Kettle", category="kitchen")
        shirt = item(s, name="Shirt", category="apparel")
        put(s, kettle, wh, 0, 40)
        put(s, shirt, wh, 1, 40)
        ids = [b.order(s, b.customer(s), [(kettle, 1), (shirt, 2)]).id for _ in range(count)]
        uow.commit()
    review_orders(db, SUPERVISOR, ids)
    allocate(db, SUPERVISOR)
    for list_id in pl.create_pick_lists_everywhere(db.unit_of_work(), SUPERVISOR):
        pl.claim_list(db, SUPERVISOR, list_id)
        while (code := _next_code(db, list_id)) is not None:
            pl.scan(db, SUPERVISOR, list_id, code)
        pl.finish_list(db, SUPERVISOR, list_id)


def test_the_demo_packs_picked_shipments_and_leaves_some_waiting(db):
    _picked_orders(db, 4)
    summary = stage_packing(db, SUPERVISOR, PICKER, leave_waiting=1)
    # 4 parcels (one shipment in two) printed, and one reprint
    assert summary == {"packed": 3, "two_parcels": 1, "reprinted": 1, "waiting": 1, "labels": 5}
    with db.unit_of_work() as uow:
        s = uow.session
        statuses = dict(
            s.execute(select(Shipment.status, func.count()).group_by(Shipment.status)).all()
        )
        assert statuses == {"packed": 3, "picked": 1}
        actions = sorted(s.scalars(select(ParcelLabel.action)))
        assert actions == ["print"] * 4 + ["reprint"]
        assert check_stock(s) == []
