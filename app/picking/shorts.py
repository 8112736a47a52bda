"""A stop the bin cannot fill (short pick: another bin, or released and put before
customer service) and finishing a list (shipments picked; a short one ships in two or
is held, as the setting says).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.audit import record_event
from app.i18n import _
from app.permissions import Actor
from app.picking.errors import PickListIncomplete, ScanOutOfStep, WrongBin
from app.picking.listing import (
    PLS,
    TASK,
    _audit,
    _Listing,
    _load,
    _record,
    _refuse_unless,
    _save,
    list_number,
    shipment_states,
    state_of,
)
from app.picking.model import (
    PickingSettings,
    PickState,
    ScanResult,
    ShortPickChoice,
    Stop,
)
from app.picking.reserve import (
    QUANT,
    RES,
    release_reservations,
    reserve_waiting_shipments,
    uow_factory,
    with_retries,
)
from app.review.task_text import task_text
from app.uow import UnitOfWork
from app.workflow import apply_plans_in_bulk, change_status, plan_transition
from db.models import (
    Bin,
    ContactTask,
    Order,
    Shipment,
    ShipmentLine,
    StockQuant,
    utcnow,
)
from db.models_picking import PickListShipment, PickTask, Reservation

# --------------------------------------------------------------------------- short pick


@dataclass(frozen=True)
class OtherBin:
    bin_code: str
    free: int


def other_bins(session: Session, list_id: int) -> list[OtherBin]:
    """Where else the current stop's product is free in this warehouse (not flagged)."""
    listing = _load(session, list_id, lock=False)
    stop = listing.current()
    if stop is None:
        return []
    rows = session.execute(
        select(Bin.code, func.sum(QUANT.on_hand - QUANT.reserved))
        .select_from(StockQuant.__table__)
        .join(Bin, Bin.id == QUANT.bin_id)
        .where(
            QUANT.product_id == stop.product_id,
            QUANT.warehouse_id == listing.row.warehouse_id,
            QUANT.bin_id != stop.bin_id,
            Bin.needs_count.is_(False),
            QUANT.on_hand > QUANT.reserved,
        )
        .group_by(Bin.code, Bin.pick_sequence)
        .order_by(Bin.pick_sequence, Bin.code)
    ).all()
    return [OtherBin(code, int(free)) for code, free in rows]


def short_pick(
    source,
    actor: Actor,
    list_id: int,
    *,
    other_bin: str | None = None,
    settings: PickingSettings | None = None,
) -> ScanResult:
    """The bin lacks what the stop wants: the bin is flagged for a count; what is missing
    comes from ``other_bin`` (as far as it has it) or is marked short — released, and
    the order put before customer service with the short-pick choice."""
    settings = settings or PickingSettings()

    def work(uow: UnitOfWork) -> ScanResult:
        session = uow.session
        listing = _load(session, list_id, lock=True)
        _refuse_unless("short", listing.row, actor)
        stop = listing.current()
        if stop is None:
            raise ScanOutOfStep(_("short"), _("every stop is done: finish the list"))
        members = [t for t in listing.stop_tasks(stop) if t.open_units > 0]
        open_units = {t.id: t.open_units for t in members}
        missing = sum(open_units.values())
        session.execute(update(Bin).where(Bin.id == stop.bin_id).values(needs_count=True))
        moved_by_task = (
            _move_to_bin(session, actor, listing, stop, members, other_bin) if other_bin else {}
        )
        moved = sum(moved_by_task.values())
        # The old tasks close; units moved to the other bin are carried by new tasks.
        for t in members:
            session.execute(
                update(PickTask.__table__)
                .where(TASK.id == t.id)
                .values(short=TASK.short + open_units[t.id])
            )
            t.short += open_units[t.id]
        to_release = {
            t.id: open_units[t.id] - moved_by_task.get(t.id, 0)
            for t in members
            if open_units[t.id] > moved_by_task.get(t.id, 0)
        }
        truly_short = sum(to_release.values())
        if to_release:
            _release_short(session, actor, listing, to_release, settings)
        _record(session, actor, listing, "short", stop.bin_code, stop.number, missing)
        record_event(
            session,
            actor,
            entity_type="pick_list",
            entity_id=list_id,
            action="short_pick",
            reason=f"{stop.sku} at {stop.bin_code}: {missing} missing, {moved} from "
            f"{other_bin or '-'}; bin flagged for a count",
        )
        listing.row.current_bin_id = None
        _save(session, listing.row)
        uow.commit()
        fresh = _load(session, list_id, lock=False)
        if moved:
            message = _("{n} × {sku} now from bin {bin}").format(
                n=moved, sku=stop.sku, bin=other_bin
            )
        else:
            message = _("{n} × {sku} marked short; bin {bin} flagged for a count").format(
                n=truly_short, sku=stop.sku, bin=stop.bin_code
            )
        return ScanResult(True, message, state_of(fresh))

    return with_retries(uow_factory(source), work, "short pick")


def _move_to_bin(
    session, actor, listing: _Listing, stop: Stop, members, code: str
) -> dict[int, int]:
    """Reserve the missing units at another bin (as far as it has them): task id → moved."""
    target = session.scalar(
        select(Bin).where(Bin.warehouse_id == listing.row.warehouse_id, Bin.code == code)
    )
    if target is None or target.needs_count or target.id == stop.bin_id:
        raise WrongBin(code, _("another bin that has {sku}").format(sku=stop.sku))
    quants = session.execute(
        select(QUANT.id, QUANT.on_hand, QUANT.reserved, QUANT.product_id)
        .where(
            QUANT.bin_id == target.id,
            QUANT.product_id == stop.product_id,
            QUANT.on_hand > QUANT.reserved,
        )
        .order_by(QUANT.product_id, QUANT.id)
        .with_for_update(key_share=True)
    ).all()
    moved: dict[int, int] = defaultdict(int)
    now = utcnow()
    new_tasks = []
    for t in members:
        want = t.open_units
        if not want:
            continue
        for q in quants:
            free = q.on_hand - q.reserved - sum(n for qid, n, _t in new_tasks if qid == q.id)
            n = min(want, free)
            if n <= 0:
                continue
            new_tasks.append((q.id, n, t))
            want -= n
            moved[t.id] += n
            if not want:
                break
    if not new_tasks:
        raise WrongBin(code, _("another bin that has {sku}").format(sku=stop.sku))
    # Release what moves from the old reservations, then reserve it at the new bin.
    from_old: dict[int, int] = defaultdict(int)
    for _qid, n, t in new_tasks:
        from_old[t.reservation_id] += n
    release_reservations(
        session,
        actor,
        RES.id.in_(list(from_old)),
        f"short at {stop.bin_code}: moved to {code}",
        units=dict(from_old),
    )
    order_line = dict(
        session.execute(
            select(ShipmentLine.id, ShipmentLine.order_line_id).where(
                ShipmentLine.id.in_([t.shipment_line_id for _q, _n, t in new_tasks])
            )
        ).all()
    )
    from app.picking.model import Take
    from app.picking.reserve import apply_takes

    takes = [
        Take(order_line[t.shipment_line_id], t.product_id, qid, listing.row.warehouse_id, n)
        for qid, n, t in new_tasks
    ]
    apply_takes(session, takes)
    new_res = session.execute(
        select(RES.id, RES.quant_id, RES.order_line_id)
        .where(
            RES.quant_id.in_([qid for qid, _n, _t in new_tasks]),
            RES.state == "open",
            RES.shipment_line_id.is_(None),
            RES.created_at >= now - dt.timedelta(seconds=1),
        )
        .order_by(RES.id.desc())
    ).all()
    next_stop = max((t.stop for t in listing.tasks.values()), default=0) + 1
    for qid, n, t in new_tasks:
        rid = next(
            r.id
            for r in new_res
            if r.quant_id == qid and r.order_line_id == order_line[t.shipment_line_id]
        )
        session.execute(
            update(Reservation.__table__)
            .where(RES.id == rid)
            .values(shipment_line_id=t.shipment_line_id)
        )
        session.execute(
            insert(PickTask.__table__).values(
                pick_list_id=listing.row.id,
                stop=next_stop,
                shipment_id=t.shipment_id,
                shipment_line_id=t.shipment_line_id,
                reservation_id=rid,
                quant_id=qid,
                bin_id=target.id,
                product_id=t.product_id,
                quantity=n,
                picked=0,
                short=0,
            )
        )
    return dict(moved)


def _release_short(session, actor, listing: _Listing, to_release: dict[int, int], settings) -> None:
    """Release what cannot be picked (task id → units) and put each order before
    customer service with the short-pick choice."""
    units: dict[int, int] = defaultdict(int)
    orders: dict[int, int] = defaultdict(int)
    short_shipments = set()
    for task_id, n in to_release.items():
        t = listing.tasks[task_id]
        units[t.reservation_id] += n
        orders[t.order_id] += n
        short_shipments.add(t.shipment_id)
    release_reservations(session, actor, RES.id.in_(list(units)), "short pick", units=dict(units))
    for slot in listing.slots:
        if slot.shipment_id in short_shipments:
            session.execute(
                update(PickListShipment.__table__)
                .where(PLS.pick_list_id == listing.row.id, PLS.shipment_id == slot.shipment_id)
                .values(outcome="short")
            )
            slot.outcome = "short"
    for order_id, n in orders.items():
        order = session.get(Order, order_id)
        choice = settings.short_pick_default
        # Stored as a code and values: said in the language of whoever reads the task.
        what = task_text(
            "picking.short_pick", list=list_number(listing.row.id), n=n, choice=choice.value
        )
        session.add(
            ContactTask(
                order_id=order_id,
                customer_id=order.customer_id if order else None,
                kind="stock_short",
                state="open",
                what_needed=what.english(),
                what_code=what.code,
                what_values=what.data(),
                created_at=utcnow(),
                created_by_id=actor.user_id,
                created_by_name=actor.username,
            )
        )


# --------------------------------------------------------------------------- finish


def finish_list(
    source, actor: Actor, list_id: int, *, settings: PickingSettings | None = None
) -> PickState:
    """Every stop picked or short: shipments → picked. A short shipment follows the
    short-pick setting: ship what was picked (the rest becomes a second, pending
    shipment) or hold; a shipment with nothing picked is cancelled and its order goes
    back to stock short."""
    settings = settings or PickingSettings()

    def work(uow: UnitOfWork) -> PickState:
        session = uow.session
        listing = _load(session, list_id, lock=True)
        row = listing.row
        _refuse_unless("finish", row, actor)
        if any(s.tote_id is None for s in listing.slots):
            raise PickListIncomplete(list_number(list_id), len(listing.stops))
        open_stops = sum(1 for s in listing.stops if not listing.stop_done(s))
        if open_stops:
            raise PickListIncomplete(list_number(list_id), open_stops)
        picked_by_shipment: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for t in listing.tasks.values():
            picked_by_shipment[t.shipment_id][t.shipment_line_id] += t.picked
        states = shipment_states(session, row.id)
        picking = [s for s in listing.slots if states[s.shipment_id].status == "picking"]
        # Picked in full (most): the workflow's bulk writer, one UPDATE and one batch of
        # audit events for them all; no promise of stock ends there.
        now = utcnow()
        apply_plans_in_bulk(
            session,
            [
                plan_transition(
                    states[s.shipment_id], "picked", actor, now=now, reason=list_number(row.id)
                )
                for s in picking
                if s.outcome != "short"
            ],
        )
        for slot in picking:
            if slot.outcome != "short":
                continue
            shipment = session.get(Shipment, slot.shipment_id)
            picked = picked_by_shipment[shipment.id]
            if sum(picked.values()) == 0:
                change_status(session, actor, shipment, "cancelled", reason="nothing picked")
                _order_back_if_empty(session, actor, shipment.order_id)
                continue
            if settings.short_pick_default is ShortPickChoice.SHIP_PARTIAL:
                second = _split_rest(session, shipment, picked)
                if second is not None:
                    reserve_waiting_shipments(session, actor, [second])
                outcome = "partial"
            else:
                outcome = "held"
            session.execute(
                update(PickListShipment.__table__)
                .where(PLS.pick_list_id == row.id, PLS.shipment_id == shipment.id)
                .values(outcome=outcome)
            )
            change_status(
                session, actor, shipment, "picked", reason=f"{list_number(row.id)}: {outcome}"
            )
        row.status = "finished"
        row.finished_at = utcnow()
        _save(session, row)
        _audit(session, actor, row, "finish", "claimed", "finished")
        uow.commit()
        return state_of(listing)

    return with_retries(uow_factory(source), work, "finish")


def _split_rest(session: Session, shipment: Shipment, picked: dict[int, int]) -> int | None:
    """The shipment keeps what was picked; the rest becomes a second pending shipment,
    returned (the caller reserves it; until it is fully reserved it waits off the lists)."""
    short_lines = [line for line in shipment.lines if picked.get(line.id, 0) < line.quantity]
    if not short_lines:
        return None
    second = Shipment(
        order_id=shipment.order_id,
        warehouse_id=shipment.warehouse_id,
        status="pending",
        carrier=shipment.carrier,
        service=shipment.service,
    )
    session.add(second)
    session.flush()
    for line in short_lines:
        got = picked.get(line.id, 0)
        if got == 0:
            line.shipment_id = second.id  # nothing of it here: the line moves over whole
        else:
            session.add(
                ShipmentLine(
                    shipment_id=second.id,
                    order_line_id=line.order_line_id,
                    quantity=line.quantity - got,
                )
            )
            line.quantity = got
    session.flush()
    return second.id


def _order_back_if_empty(session: Session, actor: Actor, order_id: int) -> None:
    alive = session.scalar(
        select(func.count())
        .select_from(Shipment)
        .where(Shipment.order_id == order_id, Shipment.status != "cancelled")
    )
    order = session.get(Order, order_id)
    if not alive and order is not None and order.status == "allocated":
        change_status(session, actor, order, "stock_short", reason="short pick: nothing picked")
