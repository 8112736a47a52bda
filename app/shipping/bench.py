"""``orderdesk bench flow --n N``: the path of an order through the same services the
desks use, each stage timed: review (which reserves stock), allocation and batch pick
lists, every pick as scans (each scan its own transaction), packing, the ZPL labels of
every parcel, the hand-over scan of every parcel, and the confirmation file.

What it skips, until those parts are merged: the Amazon report import (the review bench's
filler writes the N received orders, outside the clock), and the packing station's
verification scans (``app.shipping.stand_in`` packs each shipment: parcel, carrier,
tracking number, labelled). The filler's orders are of channel ``bench``, so the
confirmation written is the partner CSV. Target: ≥ 200 orders/s end to end.
"""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select

from app.bench import BenchResult
from app.database import open_database
from app.labels.zpl import ZplSettings, render_shipping_labels_zpl
from app.permissions import Actor, Role
from app.picking import lists as pl
from app.picking.bench import _totes
from app.picking.model import Step
from app.picking.service import allocate
from app.review.bench import fill_received_orders
from app.review.service import ALL_RECEIVED, review_orders
from app.shipping.confirmations import export_confirmations
from app.shipping.documents import shipment_label_docs
from app.shipping.service import hand_over
from app.shipping.stand_in import pack_stand_in
from db.models import Shipment
from db.models_shipping import Parcel

FLOW_ORDERS_PER_SECOND = 200
ACTOR = Actor(user_id=None, username="bench", roles=frozenset({Role.SUPERVISOR.value}))


def bench_flow(n: int, url: str) -> list[BenchResult]:
    database = open_database(url)
    try:
        fill_received_orders(database, n, seed=5)
        _totes(database, n + 50)  # a tote stays with its shipment after the list is done
        since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        stages: list[tuple[str, float, int]] = []

        def timed(name: str, work) -> object:
            start = time.perf_counter()
            count = work()
            stages.append((name, time.perf_counter() - start, count))
            return count

        timed("review", lambda: review_orders(database, ACTOR, ALL_RECEIVED).approved)
        timed("allocate_and_lists", lambda: _allocate_and_lists(database))
        timed("pick_scans", lambda: _pick_everything(database))
        shipments = _shipments(database, "picked")
        timed("pack_stand_in", lambda: _pack(database, shipments))
        timed("labels_zpl", lambda: _labels(database, shipments))
        timed("hand_over_scans", lambda: _hand_over(database, shipments))
        timed("ship_confirm", lambda: _confirm(database, since))
        total = sum(seconds for _name, seconds, _count in stages)
        dialect = database.dialect
        results = [
            BenchResult("flow", count, seconds, dialect, name) for name, seconds, count in stages
        ]
        results.append(
            BenchResult(
                "flow",
                n,
                total,
                dialect,
                f"end_to_end ({len(shipments)} shipments shipped; import and packing "
                "verification skipped)",
                target_seconds=n / FLOW_ORDERS_PER_SECOND,
            )
        )
        return results
    finally:
        database.dispose()


def _allocate_and_lists(database) -> int:
    allocate(database, ACTOR)
    return len(pl.create_pick_lists_everywhere(database.unit_of_work(), ACTOR, batch_size=8))


def _pick_everything(database) -> int:
    with database.unit_of_work() as uow:
        from db.models_picking import PickList

        lists = uow.session.execute(
            select(PickList.id, PickList.warehouse_id).where(PickList.status == "open")
        ).all()
    scans = 0
    for list_id, warehouse_id in lists:
        pl.claim_list(database, ACTOR, list_id)
        while (code := _next_code(database, list_id, warehouse_id)) is not None:
            pl.scan(database, ACTOR, list_id, code)
            scans += 1
        pl.finish_list(database, ACTOR, list_id)
    return scans


def _next_code(database, list_id: int, warehouse_id: int) -> str | None:
    """What a picker scans next: a free tote of the list's warehouse, the stop's bin,
    CONFIRM, the item."""
    from db.models_picking import PickListShipment, Tote

    with database.unit_of_work() as uow:
        state = pl.pick_state(uow.session, list_id)
        if state.step is Step.DONE:
            return None
        if state.step is Step.TOTE:
            used = select(PickListShipment.tote_id).where(PickListShipment.tote_id.is_not(None))
            tote = uow.session.scalar(
                select(Tote.code)
                .where(Tote.warehouse_id == warehouse_id, Tote.id.not_in(used))
                .order_by(Tote.id)
                .limit(1)
            )
            if tote is None:
                raise RuntimeError(f"bench flow: no free tote in warehouse {warehouse_id}")
            return tote
    stop = state.stop
    if state.step is Step.BIN:
        return stop.bin_code
    if state.step is Step.CONFIRM:
        return pl.CONFIRM_CODE
    return stop.barcode or stop.sku


def _shipments(database, status: str) -> list[int]:
    with database.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(Shipment.id).where(Shipment.status == status).order_by(Shipment.id)
            )
        )


def _pack(database, shipments: list[int]) -> int:
    for shipment_id in shipments:
        pack_stand_in(database, ACTOR, shipment_id, parcels=1)
    return len(shipments)


def _labels(database, shipments: list[int]) -> int:
    with database.unit_of_work() as uow:
        docs = [doc for sid in shipments for doc in shipment_label_docs(uow.session, sid)]
    render_shipping_labels_zpl(docs, ZplSettings(dpi=203))
    return len(docs)


def _hand_over(database, shipments: list[int]) -> int:
    with database.unit_of_work() as uow:
        tracking = list(
            uow.session.scalars(
                select(Parcel.tracking_number).where(Parcel.shipment_id.in_(shipments))
            )
        )
    for number in tracking:
        hand_over(database.unit_of_work(), ACTOR, number)
    return len(tracking)


def _confirm(database, since: dt.datetime) -> int:
    return export_confirmations(database.unit_of_work(), ACTOR, "bench", since).rows
