"""Demo data for allocation and picking (issue 11), made by the services themselves.

Over a small part of the freshly generated demo: routing rules (each warehouse preferred
for its own country; the categories of one warehouse's list as rules), numbered totes,
approved orders allocated into shipments (some split), batch pick lists per warehouse,
and lists left open, claimed half-way, short-picked and finished — each walked scan by
scan by the demo's warehouse person, so the stock invariants hold afterwards.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import select

from app.errors import OrderdeskError
from app.permissions import Actor, Role
from app.picking import lists as pl
from app.picking.model import Step
from app.picking.service import allocate
from app.uow import UnitOfWork
from db.models import Order, Shipment, User, Warehouse
from db.models_picking import PickListShipment, RoutingRule, Tote

log = logging.getLogger(__name__)

DEMO_ALLOCATE = 120  # approved orders the demo allocates
TOTES_PER_WAREHOUSE = 24


def stage_picking(database, supervisor: Actor) -> dict[str, int]:
    picker = _warehouse_person(database) or supervisor
    _routing_and_totes(database)
    with database.unit_of_work() as uow:
        approved = list(
            uow.session.scalars(
                select(Order.id)
                .where(Order.status == "approved")
                .order_by(Order.priority.desc(), Order.id)
                .limit(DEMO_ALLOCATE)
            )
        )
    summary = allocate(database, supervisor, order_ids=approved)
    with database.unit_of_work() as uow:
        new = list(
            uow.session.execute(
                select(Shipment.id, Shipment.warehouse_id).where(
                    Shipment.order_id.in_(approved), Shipment.status == "pending"
                )
            )
        )
    lists: list[int] = []
    for wid in sorted({w for _s, w in new}):
        ids = [sid for sid, w in new if w == wid]
        lists += pl.create_pick_lists(
            database.unit_of_work(), supervisor, wid, batch_size=4, shipment_ids=ids
        )
    finished = short = claimed = 0
    for position, list_id in enumerate(lists):
        try:
            if position % 4 == 0:
                pl.claim_list(database, picker, list_id)
                _walk(database, picker, list_id)
                pl.finish_list(database, picker, list_id)
                finished += 1
            elif position % 4 == 1:
                pl.claim_list(database, picker, list_id)
                _walk(database, picker, list_id, stop_after_bin=True)
                pl.short_pick(database, picker, list_id)
                _walk(database, picker, list_id)
                pl.finish_list(database, picker, list_id)
                short += 1
            elif position % 4 == 2:
                pl.claim_list(database, picker, list_id)
                _walk(database, picker, list_id, limit=4)
                claimed += 1
        except OrderdeskError as error:  # a demo list that cannot be walked stays as it is
            log.info("demo list %s left as it is: %s", list_id, error)
    return {
        "allocated": summary.allocated,
        "split": summary.split,
        "stock_short": summary.stock_short,
        "shipments": summary.shipments,
        "pick_lists": len(lists),
        "finished": finished,
        "short_picked": short,
        "claimed": claimed,
        "open": len(lists) - finished - short - claimed,
    }


def _warehouse_person(database) -> Actor | None:
    with database.unit_of_work() as uow:
        for user in uow.session.scalars(select(User).where(User.active.is_(True))):
            names = {role.name for role in user.roles}
            if Role.WAREHOUSE.value in names:
                return Actor(user.id, user.username, frozenset(names), user.full_name)
    return None


def _routing_and_totes(database) -> None:
    with database.unit_of_work() as uow:
        s = uow.session
        warehouses = s.execute(
            select(Warehouse.id, Warehouse.code, Warehouse.country_code, Warehouse.categories)
        ).all()
        for wid, code, country, _cats in warehouses:
            s.add(RoutingRule(kind="country", key=country, warehouse_id=wid, rank=0))
            for n in range(1, TOTES_PER_WAREHOUSE + 1):
                s.add(Tote(code=f"T-{code}-{n:03d}", warehouse_id=wid, active=True))
        # One category as rules, the same warehouses its lists name (nothing changes).
        by_category: dict[str, set[int]] = {}
        for wid, _code, _country, cats in warehouses:
            for category in (c.strip() for c in (cats or "").split(",") if c.strip()):
                by_category.setdefault(category, set()).add(wid)
        if by_category and all(cats for *_x, cats in warehouses):
            category = sorted(by_category)[0]
            for wid in sorted(by_category[category]):
                s.add(RoutingRule(kind="category", key=category, warehouse_id=wid, rank=0))
        uow.commit()


def _walk(
    database, actor: Actor, list_id: int, *, limit: int = 400, stop_after_bin: bool = False
) -> None:
    for _ in range(limit):
        code = _next_code(database.unit_of_work(), list_id)
        if code is None:
            return
        state = pl.scan(database, actor, list_id, code).state
        if stop_after_bin and state.step in (Step.ITEM, Step.CONFIRM):
            return


def _next_code(uow: UnitOfWork, list_id: int) -> str | None:
    with uow:
        state = pl.pick_state(uow.session, list_id)
        if state.step is Step.DONE:
            return None
        if state.step is Step.TOTE:
            wid = uow.session.scalar(
                select(Shipment.warehouse_id)
                .join(PickListShipment, PickListShipment.shipment_id == Shipment.id)
                .where(PickListShipment.pick_list_id == list_id)
                .limit(1)
            )
            used: Sequence[int] = list(
                uow.session.scalars(
                    select(PickListShipment.tote_id).where(PickListShipment.tote_id.is_not(None))
                )
            )
            return uow.session.scalar(
                select(Tote.code)
                .where(Tote.warehouse_id == wid, Tote.id.not_in(used))
                .order_by(Tote.id)
                .limit(1)
            )
    stop = state.stop
    assert stop is not None
    if state.step is Step.BIN:
        return stop.bin_code
    if state.step is Step.CONFIRM:
        return pl.CONFIRM_CODE
    return stop.barcode or stop.sku
