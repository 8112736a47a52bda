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
    tag, shipment_id = _picked_kettle(pg)
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


def test_a_shipment_packs_and_labels_at_the_station_on_postgresql(pg, tmp_path):
    """The station's statements run straight through the driver: on psycopg too."""
    from app.packing import labelling as pl
    from app.packing.package_table import install_default_packages
    from app.packing.printers import FolderPrinter, StationPrinters
    from db.models_shipping import Parcel, ParcelLabel
    from tests.app.picking.conftest import SUPERVISOR

    tag = uuid.uuid4().hex[:6].upper()
    with pg.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, f"W{tag}")
        kettle = item(s, sku=f"KETTLE-{tag}", barcode=None)
        kettle.weight_g = 1200
        order = b.order(
            s, b.customer(s), [(kettle, 2)], status="allocated", channel_order_id=f"PG-{tag}"
        )
        shipment_id = make_shipment(s, order, wh, status="picked").id
        uow.commit()
    install_default_packages(pg, SUPERVISOR)
    opened = ps.station_scan(pg, PICKER, None, f"SH-{shipment_id}").state
    assert [p.status for p in opened.parcels] == ["open"]
    for _unit in range(2):
        state = ps.station_scan(pg, PICKER, shipment_id, f"KETTLE-{tag}").state
    assert state.verified
    weighed = ps.station_scan(pg, PICKER, shipment_id, "2.6 kg").state
    assert weighed.current.weight_g == 2600
    printer = FolderPrinter(tmp_path)
    done = pl.print_labels(pg, PICKER, shipment_id, StationPrinters(printer))
    assert done.state.status == "packed"
    assert [(p.status, p.labels) for p in done.state.parcels] == [("labelled", 1)]
    with pg.unit_of_work() as uow:
        parcel = uow.session.scalar(select(Parcel).where(Parcel.shipment_id == shipment_id))
        label = uow.session.scalar(select(ParcelLabel).where(ParcelLabel.parcel_id == parcel.id))
        assert (parcel.status, parcel.package_type) == (
            "labelled",
            done.state.parcels[0].package_type,
        )
        assert parcel.package_type is not None and parcel.labelled_at is not None
        assert label.outcome == "printed" and label.content == printer.sent[0][1]


def test_two_stations_scanning_a_parcels_waybill_number_at_once_record_one(pg):
    """The tracking number scanned into the station's field: the rules' carrier and the
    number written in the scan's one transaction, with the shipment's row locked, so a
    second station waits and then finds the parcel numbered."""
    from app.packing.errors import ParcelNotReady
    from app.packing.package_table import install_default_packages
    from app.shipping.carrier_table import forget_carrier_tables
    from app.shipping.tracking_numbers import example_tracking_number
    from db.models import Shipment
    from db.models_shipping import Parcel
    from tests.app.picking.conftest import SUPERVISOR

    forget_carrier_tables()  # this test's database is new
    tag, shipment_id = _picked_kettle(pg)
    install_default_packages(pg, SUPERVISOR)
    ps.station_scan(pg, PICKER, None, f"SH-{shipment_id}")
    ps.station_scan(pg, PICKER, shipment_id, f"KETTLE-{tag}")
    weighed = ps.station_scan(pg, PICKER, shipment_id, "35 kg").state  # over our fleet's 30 kg
    assert weighed.carrier == "ups"
    parcel_id = weighed.current.parcel_id
    numbers = [example_tracking_number("ups", parcel_id), example_tracking_number("ups", 7)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def station(number: str) -> None:
        barrier.wait()
        try:
            ps.station_scan(pg, PICKER, shipment_id, number)
            outcomes.append(number)
        except ParcelNotReady:
            outcomes.append("numbered")

    threads = [threading.Thread(target=station, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("numbered") == 1  # one recorded, one refused
    [recorded] = [n for n in outcomes if n != "numbered"]
    with pg.unit_of_work() as uow:
        parcel = uow.session.get(Parcel, parcel_id)
        shipment = uow.session.get(Shipment, shipment_id)
        assert parcel.tracking_number == recorded and parcel.carrier_service_id is not None
        assert shipment.carrier == "ups"


def _picked_kettle(pg) -> tuple[str, int]:
    """A picked shipment of one kettle in a warehouse of its own: (its tag, its id)."""
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
    return tag, shipment_id
