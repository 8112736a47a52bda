"""Allocation verbs: approved orders → shipments per warehouse; the review, workflow and
shop-counter hooks. Reserving itself lives in ``reserve.py``, routing in ``routing.py``."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from app.audit import add_events
from app.errors import ConcurrentUpdate
from app.i18n import _
from app.live import PICKING, notify
from app.numbers import order_number
from app.permissions import Actor, Permission, require
from app.picking.bulk import (
    driver_executemany,
    driver_value,
    insert_with_ids,
    postgres,
    update_rows,
)
from app.picking.model import (
    AllocationSummary,
    OrderNeed,
    OrderPlan,
    PickingSettings,
)
from app.picking.plan import end_of_local_day, order_key
from app.picking.reserve import (
    BIN,
    LINE,
    ORDER,
    PRODUCT,
    QUANT,
    RES,
    SHIPMENT,
    SLINE,
    is_transient,  # noqa: F401  (the counter and packing desks import the retry kit from here)
    release_order,
    release_reservations,
    release_shipment,
    reserve_orders,
    reserve_waiting_shipments,
    uow_factory,
    with_retries,
)
from app.picking.routing import load_routing
from app.review.model import COLLECTED_IN_STORE
from app.uow import UnitOfWork
from app.workflow import change_status
from db.models import (
    Bin,
    Order,
    Shipment,
    ShipmentLine,
    StockMove,
    StockQuant,
    Warehouse,
    utcnow,
)
from db.models_picking import Reservation

log = logging.getLogger(__name__)

ALLOCATE_BATCH = 500


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
    nothing reserved. Then shipments waiting for stock (the rest of a short pick that
    ships in two) reserve what has come back.
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
        total = total + summary
        if not ids:
            break
        last = ids[-1]
    if order_ids is None:
        with_retries(make_uow, lambda uow: _reserve_waiting(uow, actor), "allocate")
    return total


def allocate_reviewed(
    session: Session, actor: Actor, order_ids: Sequence[int]
) -> AllocationSummary:
    """The orders an auto-review batch just approved, allocated in that batch's transaction.

    Approval reserved their quants a moment ago, so this only makes the shipments and moves
    the orders to allocated (or, if a reserved bin was flagged for a count meanwhile, plans
    again, and an order that cannot be filled goes to stock short). ``actor`` is the
    system's (``app.permissions.system_actor``): the reviewer's role need not allocate.
    """
    require(actor, Permission.ALLOCATE_STOCK)
    if not order_ids:
        return AllocationSummary()
    summary, _ids = _allocate_batch(
        session, actor, 0, len(order_ids), order_ids, reserved_just_now=True
    )
    if summary.shipments or summary.stock_short:
        notify(session, PICKING)
    return summary


def _reserve_waiting(uow: UnitOfWork, actor: Actor) -> None:
    """Shipments waiting for stock (the rest of a short pick) reserve it when it is back."""
    if reserve_waiting_shipments(uow.session, actor):
        notify(uow.session, PICKING)
        uow.commit()


def _allocate_batch(
    session: Session,
    actor: Actor,
    after: int,
    size: int,
    only: Sequence[int] | None,
    reserved_just_now: bool = False,
) -> tuple[AllocationSummary, list[int]]:
    """``reserved_just_now``: ``only`` are orders this transaction has just reserved in full
    (review's approvals), under the quant locks it still holds; they need planning again
    only when a bin of theirs is flagged for a count."""
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
        .where(
            ORDER.status == "approved",
            ORDER.id > after,
            # A sale collected at the counter left with its buyer: nothing to ship.
            or_(ORDER.requested_service.is_(None), ORDER.requested_service != COLLECTED_IN_STORE),
        )
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
    # Reservations in bins flagged for a count are not trusted: planned again. (Most runs
    # have no flagged bin: one look at the small bins table spares the reservations.)
    any_flagged = (
        session.execute(select(BIN.id).where(BIN.needs_count).limit(1)).first() is not None
    )
    if any_flagged:
        flagged = select(QUANT.id).join(Bin.__table__, BIN.id == QUANT.bin_id)
        release_reservations(
            session,
            actor,
            RES.order_id.in_(ids)
            & RES.quant_id.in_(flagged.where(BIN.needs_count))
            & RES.shipment_line_id.is_(None),
            "bin flagged for a count",
        )
    # Asking again what review's approvals still need would only find nothing missing.
    plans = {} if reserved_just_now and not any_flagged else reserve_orders(session, actor, ids)
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
    stamp = driver_value(session, SHIPMENT.created_at, now)
    columns = ("order_id", "warehouse_id", "status", "created_at", "status_changed_at", "version")
    rows = [(oid, wid, "pending", stamp, stamp, 1) for oid, wid in pairs]
    if postgres(session):
        ids = insert_with_ids(session, Shipment.__table__, columns, rows)
        created = [(sid, oid, wid) for sid, (oid, wid) in zip(ids, pairs, strict=True)]
    else:
        # Plain executemany through the driver, then the new ids read back: RETURNING with
        # many rows is sent one row per statement on SQLite, and SQLAlchemy's per-row
        # parameter work cost more than the inserts themselves.
        driver_executemany(session, Shipment.__table__, columns, rows)
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
    line_rows = [(sid, ol, n) for (sid, ol), n in units.items()]
    line_columns = ("shipment_id", "order_line_id", "quantity")
    if postgres(session):
        line_ids = insert_with_ids(session, ShipmentLine.__table__, line_columns, line_rows)
        line_of = {(sid, ol): lid for lid, (sid, ol, _n) in zip(line_ids, line_rows, strict=True)}
    else:
        driver_executemany(session, ShipmentLine.__table__, line_columns, line_rows)
        line_of = {
            (sid, ol): lid
            for lid, sid, ol in session.execute(
                select(SLINE.id, SLINE.shipment_id, SLINE.order_line_id).where(
                    SLINE.shipment_id.in_([sid for sid, _o, _w in created])
                )
            )
        }
    update_rows(
        session,
        "reservations",
        "shipment_line_id = v.line_id",
        ["id"],
        [("id", "integer"), ("line_id", "integer")],
        [
            (r.id, line_of[(shipment_of[(r.order_id, r.warehouse_id)], r.order_line_id)])
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
    events = []
    for from_state, members in by_from.items():
        permission = ORDER_TRANSITIONS.get((from_state, to_state))
        if permission is None:
            raise InvalidTransition("order", order_number(members[0].id), from_state, to_state)
        require(actor, permission)
        stage = {"allocated": "allocated_at", "cancelled": "cancelled_at"}.get(to_state)
        # Straight through the driver (one statement over arrays on PostgreSQL): SQLAlchemy's
        # per-row parameter work on thousands of orders cost more than the UPDATE.
        stamp = driver_value(session, ORDER.status_changed_at, now)
        sets = f"{stage} = COALESCE(orders.{stage}, ?), " if stage else ""
        changed = update_rows(
            session,
            "orders",
            f"{sets}status = ?, status_changed_at = ?, version = orders.version + 1",
            ["id", "version"],
            [("id", "integer"), ("version", "integer")],
            [(r.id, r.version) for r in members],
            constants=((stamp,) if stage else ()) + (to_state, stamp),
        )
        if changed != len(members):
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
    end_of_day = end_of_local_day(now)
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
