"""Reserving, allocating and releasing stock; routing rules. Verbs run in a unit of work.

The one rule here: a unit of stock is promised once. ``reserve_orders`` locks the quants
of the products involved in a fixed order (product id, then quant id; ``FOR NO KEY
UPDATE`` on PostgreSQL, SQLite's single writer otherwise), reads what is free under the
lock, lets the pure planner choose, and writes the reservations and the quants' reserved
counts in the caller's transaction. Everything that ends a promise (cancel, short pick, a
change) goes through ``release_reservations``.
"""

from __future__ import annotations

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

from app.audit import add_events, record_event
from app.errors import ConcurrentUpdate, InvalidInput, NotFound, StockBusy
from app.i18n import _
from app.live import PICKING, notify
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.picking.model import (
    AllocationSummary,
    LineNeed,
    OrderNeed,
    OrderPlan,
    PickingSettings,
    QuantFacts,
    Routing,
)
from app.picking.plan import order_key, plan_orders
from app.uow import UnitOfWork
from app.workflow import change_status
from db.models import (
    Bin,
    Order,
    OrderLine,
    Product,
    Shipment,
    ShipmentLine,
    StockMove,
    StockQuant,
    Warehouse,
    utcnow,
)
from db.models_picking import Reservation, RoutingRule

log = logging.getLogger(__name__)

QUANT = StockQuant.__table__.c
RES = Reservation.__table__.c
LINE = OrderLine.__table__.c
ORDER = Order.__table__.c
PRODUCT = Product.__table__.c
BIN = Bin.__table__.c
SHIPMENT = Shipment.__table__.c
SLINE = ShipmentLine.__table__.c

ALLOCATE_BATCH = 500
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


# --------------------------------------------------------------------------- routing


def load_routing(session: Session) -> Routing:
    categories: dict[str, set[int]] = defaultdict(set)
    countries: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for kind, key, warehouse_id, rank in session.execute(
        select(RoutingRule.kind, RoutingRule.key, RoutingRule.warehouse_id, RoutingRule.rank)
    ):
        if kind == "category":
            categories[key].add(warehouse_id)
        else:
            countries[key].append((rank, warehouse_id))
    own = {
        wid: frozenset(c.strip() for c in (cats or "").split(",") if c.strip())
        for wid, cats in session.execute(select(Warehouse.id, Warehouse.categories))
    }
    return Routing(
        {k: frozenset(v) for k, v in categories.items()},
        {k: tuple(w for _, w in sorted(v)) for k, v in countries.items()},
        own,
    )


@dataclass(frozen=True)
class RoutingRuleRow:
    rule_id: int
    kind: str
    key: str
    warehouse: str
    rank: int


def _warehouse_by_code(session: Session, code: str) -> Warehouse:
    found = session.scalar(select(Warehouse).where(Warehouse.code == code.strip().upper()))
    if found is None:
        found = session.scalar(select(Warehouse).where(Warehouse.code == code.strip()))
    if found is None:
        raise NotFound("warehouse", code)
    return found


def add_routing_rule(
    uow: UnitOfWork, actor: Actor, kind: str, key: str, warehouse_code: str, rank: int = 0
) -> RoutingRuleRow:
    """``category KEY → warehouse`` (allowed) or ``country KEY → warehouse`` (preferred)."""
    require(actor, Permission.SUPERVISE_WAREHOUSE)
    if kind not in ("category", "country"):
        raise InvalidInput("kind", kind, "category or country")
    key = key.strip()
    if kind == "country":
        key = key.upper()
        if len(key) != 2 or not key.isalpha():
            raise InvalidInput("country", key, "a two-letter ISO country code")
    if not key:
        raise InvalidInput(kind, key, "a name")
    with uow:
        session = uow.session
        wh = _warehouse_by_code(session, warehouse_code)
        exists = session.scalar(
            select(RoutingRule.id).where(
                RoutingRule.kind == kind, RoutingRule.key == key, RoutingRule.warehouse_id == wh.id
            )
        )
        if exists:
            from app.errors import AlreadyExists

            raise AlreadyExists("routing rule", f"{kind} {key} → {wh.code}")
        rule = RoutingRule(kind=kind, key=key, warehouse_id=wh.id, rank=rank)
        session.add(rule)
        session.flush()
        record_event(
            session,
            actor,
            entity_type="routing_rule",
            entity_id=rule.id,
            action="add",
            reason=f"{kind} {key} → {wh.code}",
        )
        uow.commit()
        return RoutingRuleRow(rule.id, kind, key, wh.code, rank)


def remove_routing_rule(uow: UnitOfWork, actor: Actor, rule_id: int) -> None:
    """Refused when it would leave a category that has stock with no warehouse."""
    require(actor, Permission.SUPERVISE_WAREHOUSE)
    with uow:
        session = uow.session
        rule = session.get(RoutingRule, rule_id)
        if rule is None:
            raise NotFound("routing rule", rule_id)
        if rule.kind == "category":
            others = session.scalar(
                select(func.count())
                .select_from(RoutingRule)
                .where(
                    RoutingRule.kind == "category",
                    RoutingRule.key == rule.key,
                    RoutingRule.id != rule.id,
                )
            )
            if not others:
                from app.errors import RoutingLeavesCategoryEmpty

                raise RoutingLeavesCategoryEmpty(rule.key)
        record_event(
            session,
            actor,
            entity_type="routing_rule",
            entity_id=rule.id,
            action="remove",
            reason=f"{rule.kind} {rule.key} → warehouse {rule.warehouse_id}",
        )
        session.delete(rule)
        uow.commit()


def routing_rules(session: Session) -> list[RoutingRuleRow]:
    rows = session.execute(
        select(RoutingRule.id, RoutingRule.kind, RoutingRule.key, Warehouse.code, RoutingRule.rank)
        .join(Warehouse, Warehouse.id == RoutingRule.warehouse_id)
        .order_by(RoutingRule.kind, RoutingRule.key, RoutingRule.rank, Warehouse.code)
    )
    return [RoutingRuleRow(*row) for row in rows]


# --------------------------------------------------------------------------- reserving


def _needs(session: Session, order_ids: Sequence[int]) -> list[OrderNeed]:
    """What each order still needs reserved: its lines less what is already held/picked."""
    if not order_ids:
        return []
    held: dict[int, int] = defaultdict(int)
    for line_id, units in session.execute(
        select(RES.order_line_id, func.sum(RES.quantity + RES.picked))
        .where(RES.order_id.in_(order_ids), RES.state != "released")
        .group_by(RES.order_line_id)
    ):
        held[line_id] = int(units or 0)
    lines: dict[int, list[LineNeed]] = defaultdict(list)
    for line_id, order_id, product_id, quantity, category in session.execute(
        select(LINE.id, LINE.order_id, LINE.product_id, LINE.quantity, PRODUCT.category)
        .join(Product.__table__, PRODUCT.id == LINE.product_id)
        .where(LINE.order_id.in_(order_ids))
        .order_by(LINE.order_id, LINE.line_no)
    ):
        missing = quantity - held.get(line_id, 0)
        if missing > 0:
            lines[order_id].append(LineNeed(line_id, product_id, category, missing))
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
        ).where(ORDER.id.in_(order_ids))
    ):
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
    stamp = _bound(session, Reservation.__table__.c.created_at, now)
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


def _bound(session: Session, column, value):
    """``value`` as the driver takes it for ``column`` (UTC time as SQLite stores it)."""
    processor = column.type.bind_processor(session.get_bind().dialect)
    return processor(value) if processor else value


def driver_executemany(session: Session, table, columns: Sequence[str], rows: list) -> None:
    """A plain INSERT of many rows straight through the driver, in the session's
    transaction: SQLAlchemy's per-row parameter processing cost more than the insert.
    Values must already be what the driver takes (see ``_bound``)."""
    connection = session.connection()
    style = connection.dialect.paramstyle
    mark = "?" if style == "qmark" else "%s"
    quote = connection.dialect.identifier_preparer.quote
    statement = (
        f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) "
        f"VALUES ({', '.join([mark] * len(columns))})"
    )
    connection.exec_driver_sql(statement, rows)


def _bump_reserved(session: Session, per_quant: dict[int, int]) -> None:
    """reserved += n per quant, guarded: never above on hand, never below zero."""
    table = StockQuant.__table__
    values = [{"qid": qid, "n": n} for qid, n in sorted(per_quant.items())]
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("qid"),
            table.c.reserved + bindparam("n") <= table.c.on_hand,
            table.c.reserved + bindparam("n") >= 0,
        )
        .values(reserved=table.c.reserved + bindparam("n"), version=table.c.version + 1)
        .execution_options(synchronize_session=False)
    )
    result = session.execute(statement, values)
    if result.rowcount != len(values):
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


def on_status_change(session: Session, actor: Actor, record, from_state: str, to_state: str):
    """Called by ``change_status``: a promise ends when its order or shipment leaves the
    states that hold stock, whichever desk moved it. Bulk writers release themselves."""
    if getattr(session, "bulk_collector", False) or from_state == to_state:
        return
    if isinstance(record, Order):
        if from_state == "allocated" and to_state not in ("shipped", "partly_shipped"):
            # Allocation withdrawn (cancel, edit, stock gone): its shipments stop too.
            for shipment in session.scalars(
                select(Shipment).where(
                    Shipment.order_id == record.id,
                    Shipment.status.in_(("pending", "picking", "picked", "packed")),
                )
            ):
                change_status(session, actor, shipment, "cancelled", reason=f"order {to_state}")
        if from_state in ("approved", "allocated") and to_state not in (
            "approved",
            "allocated",
            "partly_shipped",
            "shipped",
        ):
            release_order(session, actor, record.id, f"order {to_state}")
    elif to_state == "cancelled":
        release_shipment(session, actor, record.id, "shipment cancelled")
        # Its pick tasks are withdrawn: what is still open there is no longer asked for.
        from db.models_picking import PickTask

        tasks = PickTask.__table__
        session.execute(
            update(tasks)
            .where(tasks.c.shipment_id == record.id)
            .values(short=tasks.c.quantity - tasks.c.picked)
            .execution_options(synchronize_session=False)
        )


# --------------------------------------------------------------------------- review hook


def reserve_approved(session: Session, actor: Actor, order_ids: Sequence[int]):
    """Reserve for orders review is about to approve; returns {order id: short lines text}
    for those it cannot fill (they go to stock short instead)."""
    plans = reserve_orders(session, actor, order_ids)
    return {oid: plan for oid, plan in plans.items() if not plan.filled}


def short_reason(session: Session, plan: OrderPlan) -> list[tuple[str, int, int]]:
    """(SKU, wanted, available) of each short product."""
    skus = dict(
        session.execute(
            select(PRODUCT.id, PRODUCT.sku).where(
                PRODUCT.id.in_([s.product_id for s in plan.short])
            )
        ).all()
    )
    return [(skus.get(s.product_id, str(s.product_id)), s.wanted, s.available) for s in plan.short]


# --------------------------------------------------------------------------- allocation


def allocate(
    source,
    actor: Actor,
    *,
    order_ids: Sequence[int] | None = None,
    batch_size: int = ALLOCATE_BATCH,
    settings: PickingSettings | None = None,
) -> AllocationSummary:
    """Approved orders → one shipment per warehouse from their reservations.

    Orders are claimed with ``FOR UPDATE SKIP LOCKED`` (another desk allocating leaves
    them alone). What an order still lacks is planned again under the stock lock; an
    order that cannot be filled any more goes to stock short with the reason and keeps
    nothing reserved.
    """
    require(actor, Permission.ALLOCATE_STOCK)
    settings = settings or PickingSettings()
    make_uow = uow_factory(source)
    total = AllocationSummary()
    last = 0
    while True:

        def batch(uow: UnitOfWork, after=last):
            summary, ids = _allocate_batch(uow.session, actor, after, batch_size, order_ids)
            if summary.shipments or summary.stock_short:
                notify(uow.session, PICKING)
            uow.commit()
            return summary, ids

        summary, ids = with_retries(make_uow, batch, "allocate", settings.max_attempts)
        total = AllocationSummary(
            total.allocated + summary.allocated,
            total.split + summary.split,
            total.stock_short + summary.stock_short,
            total.shipments + summary.shipments,
        )
        if not ids:
            return total
        last = ids[-1]


def _allocate_batch(
    session: Session,
    actor: Actor,
    after: int,
    size: int,
    only: Sequence[int] | None,
) -> tuple[AllocationSummary, list[int]]:
    query = (
        select(
            ORDER.id,
            ORDER.version,
            ORDER.status,
            ORDER.priority,
            ORDER.ship_by_at,
            ORDER.requested_service,
            ORDER.purchased_at,
            ORDER.received_at,
            ORDER.allocated_at,
        )
        .where(ORDER.status == "approved", ORDER.id > after)
        .order_by(ORDER.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    if only is not None:
        query = query.where(ORDER.id.in_(list(only)))
    rows = session.execute(query).all()
    ids = [r.id for r in rows]
    if not rows:
        return AllocationSummary(), ids
    # Reservations in bins flagged for a count are not trusted: planned again.
    flagged = select(QUANT.id).join(Bin.__table__, BIN.id == QUANT.bin_id).where(BIN.needs_count)
    release_reservations(
        session,
        actor,
        (RES.order_id.in_(ids)) & RES.quant_id.in_(flagged) & RES.shipment_line_id.is_(None),
        "bin flagged for a count",
    )
    plans = reserve_orders(session, actor, ids)
    short_ids = [oid for oid, p in plans.items() if not p.filled]
    by_id = {r.id: r for r in rows}
    if short_ids:
        for oid in short_ids:
            release_order(session, actor, oid, "stock gone before allocation")
        reasons = {oid: _short_text(session, plans[oid]) for oid in short_ids}
        bulk_status(session, actor, [by_id[i] for i in short_ids], "stock_short", reasons)
    filled = [r for r in sorted(rows, key=_row_key) if r.id not in set(short_ids)]
    shipments, split = _make_shipments(session, [r.id for r in filled])
    bulk_status(
        session,
        actor,
        filled,
        "allocated",
        {r.id: "allocated to " + shipments_text(shipments.get(r.id, ())) for r in filled},
    )
    summary = AllocationSummary(
        len(filled), split, len(short_ids), sum(len(v) for v in shipments.values())
    )
    return summary, ids


def _row_key(row) -> tuple:
    placed = row.purchased_at or row.received_at
    return order_key(
        OrderNeed(
            row.id,
            (),
            "",
            row.priority or 0,
            row.ship_by_at,
            row.requested_service or "standard",
            placed,
        )
    )


def shipments_text(numbers: Sequence[str]) -> str:
    return ", ".join(numbers) if numbers else "-"


def _short_text(session: Session, plan: OrderPlan) -> str:
    parts = [
        _("{sku}: {wanted} wanted, {available} available").format(
            sku=sku, wanted=wanted, available=available
        )
        for sku, wanted, available in short_reason(session, plan)
    ]
    return _("stock gone before allocation — {lines}").format(lines="; ".join(parts))


def _make_shipments(session: Session, order_ids: Sequence[int]) -> tuple[dict[int, list[str]], int]:
    """One shipment per order and warehouse, one line per order line there; reservations
    are tied to their shipment line."""
    if not order_ids:
        return {}, 0
    reservations = session.execute(
        select(RES.id, RES.order_id, RES.order_line_id, RES.warehouse_id, RES.quantity)
        .where(
            RES.order_id.in_(order_ids),
            RES.state == "open",
            RES.shipment_line_id.is_(None),
        )
        .order_by(RES.order_id, RES.warehouse_id, RES.order_line_id, RES.id)
    ).all()
    pairs = sorted({(r.order_id, r.warehouse_id) for r in reservations})
    if not pairs:
        return {}, 0
    now = utcnow()
    # Plain executemany, then the new ids read back: RETURNING with many rows is sent one
    # row per statement on SQLite, ten times slower.
    session.execute(
        insert(Shipment.__table__),
        [
            {
                "order_id": oid,
                "warehouse_id": wid,
                "status": "pending",
                "created_at": now,
                "status_changed_at": now,
                "version": 1,
            }
            for oid, wid in pairs
        ],
    )
    created = session.execute(
        select(SHIPMENT.id, SHIPMENT.order_id, SHIPMENT.warehouse_id).where(
            SHIPMENT.order_id.in_(sorted({oid for oid, _w in pairs})),
            SHIPMENT.status == "pending",
            SHIPMENT.created_at == now,
        )
    ).all()
    shipment_of = {(oid, wid): sid for sid, oid, wid in created}
    units: dict[tuple[int, int], int] = defaultdict(int)
    for r in reservations:
        units[(shipment_of[(r.order_id, r.warehouse_id)], r.order_line_id)] += r.quantity
    session.execute(
        insert(ShipmentLine.__table__),
        [
            {"shipment_id": sid, "order_line_id": ol, "quantity": n}
            for (sid, ol), n in units.items()
        ],
    )
    line_of = {
        (sid, ol): lid
        for lid, sid, ol in session.execute(
            select(SLINE.id, SLINE.shipment_id, SLINE.order_line_id).where(
                SLINE.shipment_id.in_([sid for sid, _o, _w in created])
            )
        )
    }
    session.execute(
        update(Reservation.__table__)
        .where(RES.id == bindparam("rid"))
        .values(shipment_line_id=bindparam("slid"))
        .execution_options(synchronize_session=False),
        [
            {
                "rid": r.id,
                "slid": line_of[(shipment_of[(r.order_id, r.warehouse_id)], r.order_line_id)],
            }
            for r in reservations
        ],
    )
    from app.numbers import entity_number

    numbers: dict[int, list[str]] = defaultdict(list)
    for sid, oid, _wid in created:
        numbers[oid].append(entity_number("shipment", sid))
    split = sum(1 for v in numbers.values() if len(v) > 1)
    return numbers, split


# --------------------------------------------------------------------------- bulk status


def bulk_status(
    session: Session, actor: Actor, rows: Sequence, to_state: str, reasons: dict[int, str]
) -> None:
    """Move many orders as ``change_status`` would, written in bulk.

    The same transition table and permission decide (one check per from-state, not per
    order); the orders are updated with one UPDATE per from-state guarded by the version
    each was read at, and the audit events go in with one INSERT. Building an ORM audit
    object per order cost more than the allocation itself. Stage times as
    ``change_status`` stamps them (``allocated_at`` the first time).
    """
    if not rows:
        return
    from app.errors import InvalidTransition
    from app.workflow import ORDER_TRANSITIONS

    now = utcnow()
    by_from: dict[str, list] = defaultdict(list)
    for row in rows:
        by_from[row.status].append(row)
    table = Order.__table__
    events = []
    for from_state, members in by_from.items():
        permission = ORDER_TRANSITIONS.get((from_state, to_state))
        if permission is None:
            raise InvalidTransition("order", order_number(members[0].id), from_state, to_state)
        require(actor, permission)
        values = {"status": to_state, "status_changed_at": now}
        stage = {"allocated": "allocated_at", "cancelled": "cancelled_at"}.get(to_state)
        statement = (
            update(table)
            .where(table.c.id == bindparam("oid"), table.c.version == bindparam("seen"))
            .values(version=table.c.version + 1, **values)
            .execution_options(synchronize_session=False)
        )
        if stage:
            statement = statement.values({stage: func.coalesce(table.c[stage], bindparam("stamp"))})
        params = [{"oid": r.id, "seen": r.version, "stamp": now} for r in members]
        if session.execute(statement, params).rowcount != len(params):
            raise ConcurrentUpdate("An order of the batch")
        events.extend(
            {
                "at": now,
                "actor_id": actor.user_id,
                "actor_name": actor.username,
                "entity_type": "order",
                "entity_id": r.id,
                "action": "status",
                "from_state": from_state,
                "to_state": to_state,
                "reason": reasons.get(r.id, ""),
                "detail": None,
            }
            for r in members
        )
    add_events(session, events)  # written, chained, when the session commits


def ship_by_today_ids(session: Session, warehouse_id: int, now: dt.datetime) -> list[int]:
    """Shipment ids of one warehouse whose order ships by today (or is late), not picked."""
    end_of_day = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    rows = session.execute(
        select(Shipment.id)
        .join(Order, Order.id == Shipment.order_id)
        .where(
            Shipment.warehouse_id == warehouse_id,
            Shipment.status.in_(("pending", "picking")),
            Order.ship_by_at.is_not(None),
            Order.ship_by_at < end_of_day,
        )
        .order_by(Order.ship_by_at, Shipment.id)
    )
    return list(rows.scalars())


def short_findings(session: Session, plan: OrderPlan) -> tuple:
    """The review finding (``stock.short``) for each product the locked stock lacks."""
    from app.review.model import Finding, Queue, Severity

    return tuple(
        Finding(
            "stock.short",
            Severity.BLOCK,
            "lines",
            f"{sku}: {wanted} wanted, {available} available — short {wanted - available} "
            "(stock taken by other orders while this one was reviewed).",
            Queue.STOCK_SHORT,
            (("sku", sku), ("wanted", wanted), ("available", available),
             ("short", wanted - available)),
        )
        for sku, wanted, available in short_reason(session, plan)
    )  # fmt: skip


def reserve_or_short(session: Session, actor: Actor, order_id: int) -> tuple:
    """Reserve what one order needs; () when reserved, else its stock-short findings."""
    plan = reserve_orders(session, actor, [order_id]).get(order_id)
    return short_findings(session, plan) if plan is not None and not plan.filled else ()


def reserve_for_reviews(session: Session, actor: Actor, reviews: Sequence) -> list:
    """Review's approvals promise stock: reserve each approved order's quants now, in the
    review's transaction. An order the locked stock cannot fill is stock short instead,
    with the same finding review itself writes (``stock.short``)."""
    from app.review.batch import OrderReview
    from app.review.decide import Outcome, decide

    approved = [r.order_id for r in reviews if r.decision.outcome is Outcome.APPROVED]
    if not approved:
        return list(reviews)
    plans = reserve_orders(session, actor, approved)
    out = []
    for review in reviews:
        plan = plans.get(review.order_id)
        if plan is None or plan.filled:
            out.append(review)
            continue
        findings = review.findings + short_findings(session, plan)
        out.append(OrderReview(review.order_id, findings, decide(findings)))
    return out


# --------------------------------------------------------------------------- shop counter


def take_at_counter(
    session: Session, actor: Actor, order_id: int, store_code: str
) -> list[tuple[int, str, int, int]]:
    """A sale collected in the store takes its units at once: reserved under the same
    stock lock as every other promise, then handed over (the units leave the quant with a
    pick move). From the warehouse whose code is the store's, when there is one.

    Returns (line number, SKU, wanted, available) of each line the store cannot fill;
    then nothing was taken and the caller refuses the sale.
    """
    import dataclasses

    store = session.scalar(select(Warehouse.id).where(Warehouse.code == store_code.upper()))
    routing = load_routing(session)
    if store is not None:
        routing = dataclasses.replace(routing, only=frozenset({store}))
    plan = reserve_orders(session, actor, [order_id], routing=routing).get(order_id)
    if plan is not None and not plan.filled:
        line_no = dict(
            session.execute(
                select(LINE.product_id, LINE.line_no).where(LINE.order_id == order_id)
            ).all()
        )
        return [
            (line_no.get(pid, 0), sku, wanted, available)
            for (sku, wanted, available), pid in zip(
                short_reason(session, plan), [s.product_id for s in plan.short], strict=True
            )
        ]
    hand_over(session, actor, RES.order_id == order_id, "handed over at the counter")
    return []


def hand_over(session: Session, actor: Actor, where, reason: str) -> int:
    """Open reservations matching ``where`` leave stock now: picked, with a pick move."""
    rows = session.execute(
        select(
            RES.id,
            RES.quant_id,
            RES.order_id,
            RES.quantity,
            QUANT.product_id,
            QUANT.warehouse_id,
            QUANT.bin_id,
        )
        .join(StockQuant.__table__, QUANT.id == RES.quant_id)
        .where(where, RES.state == "open", RES.quantity > 0)
        .order_by(QUANT.product_id, QUANT.id)
    ).all()
    if not rows:
        return 0
    now = utcnow()
    res = Reservation.__table__
    session.execute(
        update(res)
        .where(res.c.id == bindparam("rid"))
        .values(picked=res.c.picked + res.c.quantity, quantity=0, state="picked", closed_at=now)
        .execution_options(synchronize_session=False),
        [{"rid": r.id} for r in rows],
    )
    q = StockQuant.__table__
    result = session.execute(
        update(q)
        .where(q.c.id == bindparam("qid"), q.c.reserved >= bindparam("n"))
        .values(
            on_hand=q.c.on_hand - bindparam("n"),
            reserved=q.c.reserved - bindparam("n"),
            version=q.c.version + 1,
        )
        .execution_options(synchronize_session=False),
        [{"qid": r.quant_id, "n": r.quantity} for r in rows],
    )
    if result.rowcount != len(rows):
        raise ConcurrentUpdate("Stock")
    session.execute(
        insert(StockMove.__table__),
        [
            {
                "at": now,
                "product_id": r.product_id,
                "warehouse_id": r.warehouse_id,
                "from_bin_id": r.bin_id,
                "to_bin_id": None,
                "quantity": r.quantity,
                "kind": "pick",
                "order_id": r.order_id,
                "actor_id": actor.user_id,
                "reason": reason,
            }
            for r in rows
        ],
    )
    return sum(r.quantity for r in rows)
