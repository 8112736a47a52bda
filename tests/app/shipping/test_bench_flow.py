"""``bench flow`` walks orders to shipped through the services (no timing asserted)."""

from __future__ import annotations

import pytest

from app.database import open_database
from app.errors import InvalidInput
from app.shipping.bench import bench_flow
from db.models import Order
from db.models_packing import PackScan
from db.models_shipping import Parcel


def test_bench_flow_ships_every_approved_order_and_confirms_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'flow.sqlite'}"
    results = bench_flow(20, url)
    figures = {r.figure.split(" ")[0]: r.n for r in results}
    stages = "import review allocate_and_lists pick_scans pack_scans hand_over_scans"
    assert list(figures) == [*stages.split(), "ship_confirm", "end_to_end"]
    assert figures["import"] == 20  # the Amazon report's orders, through the intake service
    approved = figures["review"]
    assert approved > 0
    end = next(r for r in results if r.figure.startswith("end_to_end"))
    assert f"{approved} ZPL labels" in end.figure  # one parcel each, printed at the station
    database = open_database(url)
    try:
        with database.unit_of_work() as uow:
            shipped = uow.session.query(Order).filter(Order.status == "shipped").count()
            amazon = uow.session.query(Order).filter(Order.channel == "amazon").count()
            scans = uow.session.query(PackScan).filter(PackScan.kind == "item").count()
            numbers = [p.tracking_number for p in uow.session.query(Parcel)]
    finally:
        database.dispose()
    assert shipped == approved and amazon == 20
    # + open, weigh, the UPS waybill's number scanned at the station, print
    assert scans > 0 and figures["pack_scans"] == scans + 4 * approved
    assert len(numbers) == approved and all(n.startswith("1Z") for n in numbers)
    assert figures["ship_confirm"] > 0  # the Amazon confirmation's lines
    # CPU seconds beside the wall clock, per stage and end to end
    assert all(r.extra["cpu_s"] > 0 and "cpu_ms_each" in r.extra for r in results)
    assert "cpu_s=" in end.as_text()


def test_bench_flow_refuses_a_database_that_already_has_orders(tmp_path):
    url = f"sqlite:///{tmp_path / 'flow.sqlite'}"
    bench_flow(3, url)
    with pytest.raises(InvalidInput, match="an empty database"):
        bench_flow(3, url)
