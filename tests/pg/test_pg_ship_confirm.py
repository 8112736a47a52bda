"""Two desks writing one channel's ship-confirmation file at once on PostgreSQL: no
integrity error reaches them, and every line is confirmed in one file only."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

from sqlalchemy import func, select

import app.shipping.confirmations as confirmations
from app.shipping.confirmations import export_confirmations
from db.models import Order, Shipment, ShipmentLine
from db.models_shipping import ShipConfirmation
from tests.app.shipping.builders import shipper, split_order
from tests.app.shipping.test_confirmations import ship_all

SINCE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_two_desks_exporting_at_once_split_the_lines_and_neither_fails(pg, monkeypatch):
    tag = uuid.uuid4().hex[:8]
    channel = f"partner-{tag}"
    with pg.unit_of_work() as uow:
        built = [
            split_order(uow.session, channel=channel, parcels=(2, 1), amazon_id=f"PG-{tag}-{i}")
            for i in range(2)
        ]
        actor = shipper(uow.session, f"shipper-{tag}")
        uow.commit()
    for order in built:
        ship_all(pg, actor, order)
    real = confirmations.pending_confirmations
    both_read = threading.Barrier(2, timeout=30)
    first_reads = threading.local()

    def read_then_wait_for_the_other_desk(session, channel_, since):
        found = real(session, channel_, since)
        if not getattr(first_reads, "done", False):
            first_reads.done = True
            both_read.wait()  # both desks hold the same pending lines before either writes
        return found

    monkeypatch.setattr(confirmations, "pending_confirmations", read_then_wait_for_the_other_desk)
    results, errors = [], []

    def desk() -> None:
        try:
            results.append(export_confirmations(pg.unit_of_work(), actor, channel, SINCE))
        except Exception as error:  # the test reports whatever escaped
            errors.append(error)

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.rows for r in results) == [0, 6]  # the loser read again: nothing left
    with pg.unit_of_work() as uow:
        stored = uow.session.scalar(
            select(func.count())
            .select_from(ShipConfirmation)
            .join(ShipmentLine, ShipmentLine.id == ShipConfirmation.shipment_line_id)
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .join(Order, Order.id == Shipment.order_id)
            .where(Order.channel == channel)
        )
    assert stored == 6
