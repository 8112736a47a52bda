"""Two packing stations on one PostgreSQL database: one shipment is never over-counted."""

from __future__ import annotations

import threading
import uuid

from sqlalchemy import func, select

from app.packing import service as ps
from app.packing.errors import ExtraPackItem
from db.models_packing import PackScan
from tests.app.picking.conftest import PICKER, floor_warehouse, item
from tests.app.review import builders as b
from tests.factories import shipment as make_shipment


def test_two_stations_scanning_the_last_unit_at_once_count_it_once(pg):
    tag = uuid.uuid4().hex[:6].upper()
    with pg.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, f"W{tag}")
        kettle = item(s, sku=f"KETTLE-{tag}", barcode=None)
        order = b.order(
            s, b.customer(s), [(kettle, 1)], status="allocated", channel_order_id=f"PG-{tag}"
        )
        shipment_id = make_shipment(s, order, wh, status="picked").id
        uow.commit()
    ps.open_shipment(pg, PICKER, f"SH-{shipment_id}")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def station() -> None:
        barrier.wait()
        try:
            ps.scan_item(pg, PICKER, shipment_id, f"KETTLE-{tag}")
            outcomes.append("accepted")
        except ExtraPackItem:
            outcomes.append("extra")

    threads = [threading.Thread(target=station) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["accepted", "extra"]
    with pg.unit_of_work() as uow:
        accepted = uow.session.scalar(
            select(func.count()).where(PackScan.shipment_id == shipment_id, PackScan.kind == "item")
        )
    assert accepted == 1
