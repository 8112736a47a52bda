"""Making pick lists: a warehouse's pending, fully reserved shipments into single or
batch lists (by carrier and priority), each task numbered by its stop in walk order."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import (
    InvalidInput,
)
from app.live import PICKING, notify
from app.permissions import Actor, Permission, require
from app.picking.bulk import driver_executemany, driver_value, insert_with_ids
from app.picking.listing import (
    PLS,
    SHIP,
)
from app.picking.model import (
    PickingSettings,
    ShipmentFacts,
    TaskFacts,
)
from app.picking.plan import group_batches, priority_key, walk_stops
from app.picking.reserve import (
    QUANT,
    RES,
    waiting_shipment_ids,
)
from app.uow import UnitOfWork
from db.models import (
    Bin,
    Order,
    Product,
    Shipment,
    ShipmentLine,
    StockQuant,
    Warehouse,
    utcnow,
)
from db.models_picking import PickList, PickListShipment, PickTask

# --------------------------------------------------------------------------- creating lists


def create_pick_lists(
    uow: UnitOfWork,
    actor: Actor,
    warehouse_id: int,
    *,
    batch_size: int | None = None,
    single: bool = False,
    shipment_ids: Sequence[int] | None = None,
) -> list[int]:
    """Lists for the warehouse's pending shipments not on a list yet: one per shipment
    (``single``) or batches of up to ``batch_size`` by carrier and priority."""
    require(actor, Permission.ALLOCATE_STOCK)
    size = 1 if single else (batch_size or PickingSettings().batch_size)
    if size < 1:
        raise InvalidInput("batch size", size, "a whole number of 1 or more")
    with uow:
        ids = build_lists(uow.session, actor, warehouse_id, size, shipment_ids)
        uow.commit()
        return ids


def create_pick_lists_everywhere(
    uow: UnitOfWork, actor: Actor, *, batch_size: int | None = None
) -> list[int]:
    """``create_pick_lists`` for every warehouse, in one transaction (allocation runs and
    benches that make the lists of the whole company at once)."""
    require(actor, Permission.ALLOCATE_STOCK)
    size = batch_size or PickingSettings().batch_size
    if size < 1:
        raise InvalidInput("batch size", size, "a whole number of 1 or more")
    with uow:
        warehouses = uow.session.scalars(select(Warehouse.id).order_by(Warehouse.id)).all()
        ids = [i for wid in warehouses for i in build_lists(uow.session, actor, wid, size)]
        uow.commit()
        return ids


def build_lists(
    session: Session,
    actor: Actor,
    warehouse_id: int,
    size: int,
    shipment_ids: Sequence[int] | None = None,
) -> list[int]:
    on_list = (
        select(PLS.shipment_id)
        .join(PickList.__table__, PickList.__table__.c.id == PLS.pick_list_id)
        .where(PickList.__table__.c.status.in_(("open", "claimed", "finished")))
    )
    query = (
        select(
            SHIP.id,
            SHIP.carrier,
            Order.priority,
            Order.ship_by_at,
            Order.requested_service,
            Order.purchased_at,
            Order.received_at,
            Order.id.label("order_id"),
        )
        .join(Order, Order.id == SHIP.order_id)
        .where(
            SHIP.warehouse_id == warehouse_id,
            SHIP.status == "pending",
            SHIP.id.not_in(on_list),
            SHIP.id.not_in(waiting_shipment_ids()),
        )
        .order_by(SHIP.id)
        .with_for_update(of=Shipment.__table__, skip_locked=True)
    )
    if shipment_ids is not None:
        query = query.where(SHIP.id.in_(list(shipment_ids)))
    rows = session.execute(query).all()
    if not rows:
        return []
    facts = [
        ShipmentFacts(
            r.id,
            r.carrier or "",
            priority_key(
                r.priority or 0,
                r.ship_by_at,
                r.requested_service or "standard",
                r.purchased_at or r.received_at,
                r.order_id,
            ),
        )
        for r in rows
    ]
    batches = group_batches(facts, size)
    priority_of = {r.id: r.priority or 0 for r in rows}
    stamp = driver_value(session, PickList.__table__.c.created_at, utcnow())
    kind = "single" if size == 1 else "batch"
    list_ids = insert_with_ids(
        session,
        PickList.__table__,
        ("warehouse_id", "kind", "status", "carrier", "priority", "picker_name", "created_at",
         "wrong_scans", "version"),
        [(warehouse_id, kind, "open", batch[0].carrier,
          max(priority_of[s.shipment_id] for s in batch), "", stamp, 0, 1)
         for batch in batches],
    )  # fmt: skip
    slot_of: dict[int, tuple[int, int]] = {}
    links = []
    for list_id, batch in zip(list_ids, batches, strict=True):
        for slot, s in enumerate(batch, start=1):
            slot_of[s.shipment_id] = (list_id, slot)
            links.append((list_id, s.shipment_id, slot, ""))
    driver_executemany(
        session,
        PickListShipment.__table__,
        ("pick_list_id", "shipment_id", "slot", "outcome"),
        links,
    )
    task_rows = _task_rows(session, slot_of)
    if task_rows:
        driver_executemany(session, PickTask.__table__, TASK_COLUMNS, task_rows)
    if list_ids:
        notify(session, PICKING)
    return list_ids


TASK_COLUMNS = (
    "pick_list_id", "stop", "shipment_id", "shipment_line_id", "reservation_id", "quant_id",
    "bin_id", "product_id", "quantity", "picked", "short",
)  # fmt: skip


def _task_rows(session: Session, slot_of: dict[int, tuple[int, int]]) -> list[tuple]:
    """One pick task per open reservation of the listed shipments, numbered by its stop in
    the list's walk (rows in ``TASK_COLUMNS`` order)."""
    bins = Bin.__table__.c
    products = Product.__table__.c
    slines = ShipmentLine.__table__.c
    tasks = session.execute(
        select(
            RES.id,
            RES.quant_id,
            RES.product_id,
            RES.quantity,
            RES.shipment_line_id,
            slines.shipment_id,
            QUANT.bin_id,
            bins.code,
            bins.pick_sequence,
            products.sku,
        )
        .join(ShipmentLine.__table__, slines.id == RES.shipment_line_id)
        .join(StockQuant.__table__, QUANT.id == RES.quant_id)
        .join(Bin.__table__, bins.id == QUANT.bin_id)
        .join(Product.__table__, products.id == RES.product_id)
        .where(
            slines.shipment_id.in_(list(slot_of)),
            RES.state == "open",
            RES.quantity > 0,
        )
    ).all()
    by_list: dict[int, list] = defaultdict(list)
    for t in tasks:
        by_list[slot_of[t.shipment_id][0]].append(t)
    rows = []
    for list_id, members in by_list.items():
        stops = walk_stops(
            TaskFacts(
                t.id,
                slot_of[t.shipment_id][1],
                t.bin_id,
                t.code,
                t.pick_sequence,
                t.product_id,
                t.sku,
                t.quantity,
            )
            for t in members
        )
        stop_of = {st.task_id: stop.number for stop in stops for st in stop.tasks}
        rows.extend(
            (list_id, stop_of[t.id], t.shipment_id, t.shipment_line_id, t.id, t.quant_id,
             t.bin_id, t.product_id, t.quantity, 0, 0)
            for t in members
        )  # fmt: skip
    return rows
