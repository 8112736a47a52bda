"""``bench flow`` walks orders to shipped through the services (no timing asserted)."""

from __future__ import annotations

from app.database import open_database
from app.shipping.bench import bench_flow
from db.models import Order


def test_bench_flow_ships_every_approved_order_and_confirms_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'flow.sqlite'}"
    results = bench_flow(20, url)
    figures = {r.figure.split(" ")[0]: r.n for r in results}
    stages = "review allocate_and_lists pick_scans pack_stand_in labels_zpl hand_over_scans"
    assert list(figures) == [*stages.split(), "ship_confirm", "end_to_end"]
    approved = figures["review"]
    assert approved > 0
    assert figures["pack_stand_in"] == figures["labels_zpl"] == figures["hand_over_scans"]
    database = open_database(url)
    try:
        with database.unit_of_work() as uow:
            shipped = uow.session.query(Order).filter(Order.status == "shipped").count()
    finally:
        database.dispose()
    assert shipped == approved
