"""Reserving and releasing stock under the stock lock; bounded retries; bulk writes.

The one rule here: a unit of stock is promised once. ``reserve_orders`` locks the quants
of the products involved in a fixed order (product id, then quant id; ``FOR NO KEY
UPDATE`` on PostgreSQL, SQLite's single writer otherwise), reads what is free under the
lock, lets the pure planner choose, and writes the reservations and the quants' reserved
counts in the caller's transaction. Everything that ends a promise (cancel, short pick, a
change) goes through ``release_reservations``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session

from app.bulk.among import one_of
from app.errors import ConcurrentUpdate
from app.permissions import Actor
from app.picking.bulk import (  # noqa: F401  (the list and allocation modules import them here)
    driver_executemany,
    driver_marks,
    driver_sql,
    driver_value,
    postgres,
    update_rows,
)
from app.picking.errors import StockBusy
from app.picking.model import (
    LineNeed,
    OrderNeed,
    OrderPlan,
    PickingSettings,
    QuantFacts,
    Routing,
)
from app.picking.plan import plan_orders, plan_rest
from app.picking.routing import load_routing
from app.uow import UnitOfWork
from db.models import (
    Bin,
    Order,
    OrderLine,
    Product,
    Shipment,
    ShipmentLine,
    StockQuant,
    utcnow,
)
from db.models_picking import Reservation

log = logging.getLogger(__name__)

QUANT = StockQuant.__table__.c
RES = Reservation.__table__.c
LINE = OrderLine.__table__.c
ORDER = Order.__table__.c
PRODUCT = Product.__table__.c
BIN = Bin.__table__.c
SHIPMENT = Shipment.__table__.c
SLINE = ShipmentLine.__table__.c

T = TypeVar("T")

# --------------------------------------------------------------------------- retries

_TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization, deadlock, lock timeout


def is_transient(error: BaseException) -> bool:
    """A lock or serialization conflict another try may not meet again."""
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    orig = error.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if state in _TRANSIENT_SQLSTATES:
        return True
    return "database is locked" in str(orig) or "database table is locked" in str(orig)


def with_retries(
    make_uow: Callable[[], UnitOfWork],
    work: Callable[[UnitOfWork], T],
    action: str,
    attempts: int = PickingSettings().max_attempts,
) -> T:
    """Run ``work`` in a fresh unit of work, again after a transient conflict (bounded)."""
    for attempt in range(1, attempts + 1):
        try:
            with make_uow() as uow:
                return work(uow)
        except sa_exc.DBAPIError as error:
            if not is_transient(error) or attempt == attempts:
                if is_transient(error):
                    raise StockBusy(action, attempts) from error
                raise
            log.info("%s: transient conflict, try %d of %d", action, attempt, attempts)
            time.sleep(0.02 * attempt)
    raise StockBusy(action, attempts)  # pragma: no cover - loop always returns or raises


def uow_factory(source) -> Callable[[], UnitOfWork]:
    unit_of_work = getattr(source, "unit_of_work", None)
    return unit_of_work if callable(unit_of_work) else source


# --------------------------------------------------------------------------- reserving


def _needs(session: Session, order_ids: Sequence[int]) -> list[OrderNeed]:
    """What each order still needs reserved: its lines less what is already held/picked."""
    if not order_ids:
        return []
    ids = list(order_ids)
    held = (
        select(RES.order_line_id, func.sum(RES.quantity + RES.picked).label("units"))
        .where(one_of(session, RES.order_id, ids), RES.state != "released")
        .group_by(RES.order_line_id)
        .subquery()
    )
    missing = LINE.quantity - func.coalesce(held.c.units, 0)
    lines: dict[int, list[LineNeed]] = defaultdict(list)
    # Only lines still missing units come back: orders review reserved in full (most of
    # an allocation run) cost one aggregate, not a Python object per line.
    for line_id, order_id, product_id, units, category in session.execute(
        select(LINE.id, LINE.order_id, LINE.product_id, missing, PRODUCT.category)
        .join(Product.__table__, PRODUCT.id == LINE.product_id)
        .outerjoin(held, held.c.order_line_id == LINE.id)
        .where(one_of(session, LINE.order_id, ids), missing > 0)
        .order_by(LINE.order_id, LINE.line_no)
    ).all():  # fetched at once: row by row cost a fifth of this function
        lines[order_id].append(LineNeed(line_id, product_id, category, int(units)))
    if not lines:
        return []
    needs = []
    for row in session.execute(
        select(
            ORDER.id,
            ORDER.ship_country,
            ORDER.priority,
            ORDER.ship_by_at,
            ORDER.requested_service,
            ORDER.purchased_at,
            ORDER.received_at,
        ).where(one_of(session, ORDER.id, sorted(lines)))
    ).all():
        if lines.get(row.id):
            placed = row.purchased_at or row.received_at
            if placed.tzinfo is None:
                placed = placed.replace(tzinfo=dt.UTC)
            ship_by = row.ship_by_at
            if ship_by is not None and ship_by.tzinfo is None:
                ship_by = ship_by.replace(tzinfo=dt.UTC)
            needs.append(
                OrderNeed(
                    row.id,
                    tuple(lines[row.id]),
                    row.ship_country or "",
                    row.priority or 0,
                    ship_by,
                    row.requested_service or "standard",
                    placed,
                )
            )
    return needs


def lock_stock(session: Session, product_ids: Iterable[int]) -> dict[int, list[QuantFacts]]:
    """Lock the products' quants in product, quant order and read what is free.

    Quants in bins flagged for a count are locked too but not offered.
    """
    ids = sorted(set(product_ids))
    stock: dict[int, list[QuantFacts]] = defaultdict(list)
    for start in range(0, len(ids), 2000):
        part = ids[start : start + 2000]
        rows = session.execute(
            select(
                QUANT.id,
                QUANT.product_id,
                QUANT.warehouse_id,
                QUANT.bin_id,
                QUANT.on_hand,
                QUANT.reserved,
                QUANT.received_date,
                BIN.needs_count,
            )
            .join(Bin.__table__, BIN.id == QUANT.bin_id)
            .where(QUANT.product_id.in_(part))
            .order_by(QUANT.product_id, QUANT.id)
            .with_for_update(of=StockQuant.__table__, key_share=True)
        )
        for qid, pid, wid, bid, on_hand, reserved, received, needs_count in rows:
            if needs_count:
                continue
            free = on_hand - reserved
            if free > 0:
                stock[pid].append(QuantFacts(qid, pid, wid, bid, free, received))
    return stock


def reserve_orders(
    session: Session, actor: Actor, order_ids: Sequence[int], *, routing: Routing | None = None
) -> dict[int, OrderPlan]:
    """Reserve what ``order_ids`` still need, in priority order; short orders take nothing.

    Returns each order's plan (orders needing nothing are left out).
    """
    needs = _needs(session, order_ids)
    if not needs:
        return {}
    stock = lock_stock(session, {line.product_id for n in needs for line in n.lines})
    plans = plan_orders(needs, stock, routing or load_routing(session))
    order_of_line = {line.order_line_id: n.order_id for n in needs for line in n.lines}
    apply_takes(session, [t for p in plans for t in p.takes if p.filled], order_of_line)
    return {p.order_id: p for p in plans}


def apply_takes(session: Session, takes, order_of_line: dict[int, int] | None = None) -> None:
    """Write reservations for ``takes`` and add them to their quants' reserved count.

    A reservation is a promise, not a movement: on hand does not change, so no stock move
    is written (the reservation row, with its times, is the record); picking writes one.
    """
    if not takes:
        return
    now = utcnow()
    if order_of_line is None:
        order_of_line = dict(
            session.execute(
                select(LINE.id, LINE.order_id).where(
                    LINE.id.in_(sorted({t.order_line_id for t in takes}))
                )
            ).all()
        )
    columns = (
        "quant_id", "product_id", "warehouse_id", "order_id", "order_line_id", "quantity",
        "picked", "released", "state", "created_at",
    )  # fmt: skip
    stamp = driver_value(session, Reservation.__table__.c.created_at, now)
    driver_executemany(
        session,
        Reservation.__table__,
        columns,
        [
            (t.quant_id, t.product_id, t.warehouse_id, order_of_line[t.order_line_id],
             t.order_line_id, t.quantity, 0, 0, "open", stamp)
            for t in takes
        ],
    )  # fmt: skip
    per_quant: dict[int, int] = defaultdict(int)
    for t in takes:
        per_quant[t.quant_id] += t.quantity
    _bump_reserved(session, per_quant)


def _bump_reserved(session: Session, per_quant: dict[int, int]) -> None:
    """reserved += n per quant, guarded: never above on hand, never below zero."""
    changed = update_rows(
        session,
        "stock_quants",
        "reserved = stock_quants.reserved + v.n, version = stock_quants.version + 1",
        ["id"],
        [("id", "integer"), ("n", "integer")],
        sorted(per_quant.items()),
        where="stock_quants.reserved + v.n <= stock_quants.on_hand"
        " AND stock_quants.reserved + v.n >= 0",
    )
    if changed != len(per_quant):
        raise ConcurrentUpdate("Stock")


@dataclass(frozen=True)
class _Release:
    quant_id: int
    order_line_id: int
    quantity: int


def release_reservations(
    session: Session, actor: Actor, where, reason: str, *, units: dict[int, int] | None = None
) -> int:
    """Release open reservations matching ``where`` (a SQL condition on reservations).

    ``units`` (reservation id → at most this many) releases part of a reservation.
    Quants are locked in the fixed order before they change. Returns units released.
    """
    rows = session.execute(
        select(RES.id, RES.quant_id, RES.order_line_id, RES.order_id, RES.quantity).where(
            where, RES.state == "open", RES.quantity > 0
        )
    ).all()
    if units is not None:
        rows = [r for r in rows if r.id in units]
    if not rows:
        return 0
    quant_ids = sorted({r.quant_id for r in rows})
    session.execute(
        select(QUANT.id)
        .where(QUANT.id.in_(quant_ids))
        .order_by(QUANT.product_id, QUANT.id)
        .with_for_update(key_share=True)
    ).all()
    now = utcnow()
    per_quant: dict[int, int] = defaultdict(int)
    releases = []
    table = Reservation.__table__
    updates = []
    for r in rows:
        n = r.quantity if units is None else min(r.quantity, units[r.id])
        if n <= 0:
            continue
        left = r.quantity - n
        updates.append(
            {
                "rid": r.id,
                "n": n,
                "state": "open" if left else "released",
                "closed_at": None if left else now,
            }
        )
        per_quant[r.quant_id] -= n
        releases.append(_Release(r.quant_id, r.order_line_id, n))
    if not updates:
        return 0
    # A reservation emptied by a release closes unless it has picked units: then "picked".
    session.execute(
        update(table)
        .where(table.c.id == bindparam("rid"))
        .values(
            quantity=table.c.quantity - bindparam("n"),
            released=table.c.released + bindparam("n"),
            state=bindparam("state"),
            closed_at=bindparam("closed_at"),
        )
        .execution_options(synchronize_session=False),
        updates,
    )
    session.execute(
        update(table)
        .where(
            table.c.id.in_([u["rid"] for u in updates]),
            table.c.quantity == 0,
            table.c.picked > 0,
        )
        .values(state="picked")
        .execution_options(synchronize_session=False)
    )
    _bump_reserved(session, per_quant)
    log.debug("released %d unit(s): %s", sum(r.quantity for r in releases), reason)
    return sum(u["n"] for u in updates)


def release_order(session: Session, actor: Actor, order_id: int, reason: str) -> int:
    return release_reservations(session, actor, RES.order_id == order_id, reason)


def release_order_line(uow_session: Session, actor: Actor, order_line_id: int, reason: str) -> int:
    """A line changed: what it held goes back (the order is planned again after the edit)."""
    return release_reservations(uow_session, actor, RES.order_line_id == order_line_id, reason)


def release_shipment(session: Session, actor: Actor, shipment_id: int, reason: str) -> int:
    line_ids = select(ShipmentLine.id).where(ShipmentLine.shipment_id == shipment_id)
    return release_reservations(session, actor, RES.shipment_line_id.in_(line_ids), reason)


# --------------------------------------------------------------------------- waiting shipments


def lacking_lines(session: Session, shipment_ids=None) -> dict[int, dict[int, tuple[int, int]]]:
    """Pending shipments whose lines are not fully reserved — the rest of a short pick
    that ships in two — as {shipment id: {shipment line id: (order line id, units)}}.
    ``shipment_ids`` (ids or a SQL select of them) narrows the search."""
    query = (
        select(SLINE.shipment_id, SLINE.id, SLINE.order_line_id, SLINE.quantity - held_units())
        .join(Shipment.__table__, SHIPMENT.id == SLINE.shipment_id)
        .where(SHIPMENT.status == "pending", SLINE.quantity > held_units())
        .order_by(SLINE.shipment_id, SLINE.id)
    )
    if shipment_ids is not None:
        query = query.where(SLINE.shipment_id.in_(shipment_ids))
    out: dict[int, dict[int, tuple[int, int]]] = defaultdict(dict)
    for shipment_id, line_id, order_line_id, units in session.execute(query):
        out[shipment_id][line_id] = (order_line_id, int(units))
    return dict(out)


def held_units():
    """Units held for a shipment line (open or picked reservations), as a correlated
    subquery on ``shipment_lines``."""
    return (
        select(func.coalesce(func.sum(RES.quantity + RES.picked), 0))
        .where(RES.shipment_line_id == SLINE.id, RES.state != "released")
        .scalar_subquery()
    )


def waiting_shipment_ids():
    """A select of the pending shipments not fully reserved (kept off pick lists)."""
    return (
        select(SLINE.shipment_id)
        .join(Shipment.__table__, SHIPMENT.id == SLINE.shipment_id)
        .where(SHIPMENT.status == "pending", SLINE.quantity > held_units())
    )


def reserve_waiting_shipments(session: Session, actor: Actor, shipment_ids=None) -> list[int]:
    """Reserve what waiting shipments lack, all or nothing per shipment, planned as a first
    allocation is (``plan.plan_rest``): from its own warehouse when it can fill it all,
    else the fewest warehouses that can — the shipment moves to the first and splits, one
    more shipment per other warehouse. A shipment no set of warehouses can fill keeps
    waiting, holding nothing; the next allocation run tries again. Returns the shipments
    now fully reserved (new ones of a split included)."""
    lacking = lacking_lines(session, shipment_ids)
    if not lacking:
        return []
    facts = {
        r.id: r
        for r in session.execute(
            select(
                SHIPMENT.id,
                SHIPMENT.order_id,
                SHIPMENT.warehouse_id,
                SHIPMENT.carrier,
                SHIPMENT.service,
                ORDER.ship_country,
            )
            .join(Order.__table__, ORDER.id == SHIPMENT.order_id)
            .where(SHIPMENT.id.in_(sorted(lacking)))
        )
    }
    product_of = {
        line_id: (product_id, category or "")
        for line_id, product_id, category in session.execute(
            select(LINE.id, LINE.product_id, PRODUCT.category)
            .join(Product.__table__, PRODUCT.id == LINE.product_id)
            .where(LINE.id.in_(sorted({ol for s in lacking.values() for ol, _n in s.values()})))
        )
    }
    quantity_of = dict(
        session.execute(
            select(SLINE.id, SLINE.quantity).where(
                SLINE.id.in_(sorted({sl for s in lacking.values() for sl in s}))
            )
        ).all()
    )
    routing = load_routing(session)
    stock = lock_stock(session, {pid for pid, _c in product_of.values()})
    done = []
    for shipment_id, lines in sorted(lacking.items()):
        ship = facts[shipment_id]
        need = OrderNeed(
            ship.order_id,
            tuple(LineNeed(ol, *product_of[ol], units) for ol, units in lines.values()),
            ship.ship_country or "",
        )
        plan = plan_rest(need, stock, routing, ship.warehouse_id)
        if not plan.filled:
            continue
        apply_takes(session, plan.takes, {ol: ship.order_id for ol, _n in lines.values()})
        line_of, made = _share_out(session, actor, ship, lines, quantity_of, plan)
        _tie_to_lines(session, ship.order_id, line_of)
        stock = _less(stock, plan.takes)
        done.extend([shipment_id, *made])
    return done


def _share_out(session: Session, actor: Actor, ship, lines, quantity_of, plan: OrderPlan):
    """The waiting shipment takes the units of the plan's first warehouse (it moves there
    if that is another); each other warehouse gets a new pending shipment with lines for
    its units. Returns ({(order line, warehouse): shipment line}, new shipment ids)."""
    keep = plan.warehouses[0]
    units: dict[tuple[int, int], int] = defaultdict(int)
    for t in plan.takes:
        units[(t.warehouse_id, t.order_line_id)] += t.quantity
    if keep != ship.warehouse_id:
        session.execute(
            update(Shipment.__table__)
            .where(SHIPMENT.id == ship.id)
            .values(warehouse_id=keep, version=SHIPMENT.version + 1)
        )
    shipment_of = {keep: ship.id}
    for warehouse_id in plan.warehouses[1:]:
        shipment_of[warehouse_id] = _new_shipment(session, actor, ship, warehouse_id)
    line_of: dict[tuple[int, int], int] = {}
    for line_id, (order_line_id, lacked) in lines.items():
        held = quantity_of[line_id] - lacked  # already held or picked: stays on this line
        supply = [(w, units[(w, order_line_id)]) for w in plan.warehouses
                  if units.get((w, order_line_id))]  # fmt: skip
        if held == 0 and not units.get((keep, order_line_id)):
            # Nothing of it stays here: the line itself goes to its first other warehouse.
            first, n = supply[0]
            _set_line(session, line_id, shipment_of[first], n)
            line_of[(order_line_id, first)] = line_id
            supply = supply[1:]
        else:
            _set_line(session, line_id, ship.id, held + units.get((keep, order_line_id), 0))
            line_of[(order_line_id, keep)] = line_id
            supply = [(w, n) for w, n in supply if w != keep]
        for warehouse_id, n in supply:
            line_of[(order_line_id, warehouse_id)] = session.execute(
                insert(ShipmentLine.__table__)
                .values(shipment_id=shipment_of[warehouse_id], order_line_id=order_line_id,
                        quantity=n)
                .returning(SLINE.id)
            ).scalar_one()  # fmt: skip
    return line_of, list(shipment_of.values())[1:]


def _new_shipment(session: Session, actor: Actor, ship, warehouse_id: int) -> int:
    from app.audit import record_event
    from app.numbers import entity_number

    now = utcnow()
    new_id = session.execute(
        insert(Shipment.__table__)
        .values(order_id=ship.order_id, warehouse_id=warehouse_id, status="pending",
                carrier=ship.carrier, service=ship.service, created_at=now,
                status_changed_at=now, version=1)
        .returning(SHIPMENT.id)
    ).scalar_one()  # fmt: skip
    record_event(
        session,
        actor,
        entity_type="shipment",
        entity_id=new_id,
        action="created",
        to_state="pending",
        reason=f"rest of {entity_number('shipment', ship.id)} split over warehouses",
    )
    return new_id


def _set_line(session: Session, line_id: int, shipment_id: int, quantity: int) -> None:
    session.execute(
        update(ShipmentLine.__table__)
        .where(SLINE.id == line_id)
        .values(shipment_id=shipment_id, quantity=quantity)
    )


def _less(stock: dict[int, list[QuantFacts]], takes) -> dict[int, list[QuantFacts]]:
    """``stock`` with what ``takes`` reserved taken off (the next shipment plans on it)."""
    taken: dict[int, int] = defaultdict(int)
    for t in takes:
        taken[t.quant_id] += t.quantity
    return {
        pid: [dataclasses.replace(q, free=q.free - taken[q.quant_id]) for q in quants
              if q.free > taken[q.quant_id]]
        for pid, quants in stock.items()
    }  # fmt: skip


def _tie_to_lines(session: Session, order_id: int, line_of: dict[tuple[int, int], int]) -> None:
    """The order's reservations just made (no shipment line yet) join the shipment lines
    ((order line id, warehouse id) → shipment line id)."""
    for (order_line_id, warehouse_id), shipment_line_id in line_of.items():
        session.execute(
            update(Reservation.__table__)
            .where(
                RES.order_id == order_id,
                RES.order_line_id == order_line_id,
                RES.warehouse_id == warehouse_id,
                RES.state == "open",
                RES.shipment_line_id.is_(None),
            )
            .values(shipment_line_id=shipment_line_id)
            .execution_options(synchronize_session=False)
        )
