"""Pick lists: create, claim, scan, undo, short pick, finish, release, take over.

Each scan is its own short transaction: the list's row is locked (``FOR UPDATE``) so two
scans of one list never interleave, the scan is checked against where the picker stands,
and the picked units leave the quant and the reservation together. A refused scan (wrong
bin, wrong item …) changes nothing but is counted, for the list and the picker, in a
transaction of its own, and its named error is raised.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import (
    ConcurrentUpdate,
    ConfirmationNeeded,
    InvalidInput,
    NothingToUndo,
    NotYourList,
    PickingError,
    PickListIncomplete,
    PickListNotFound,
    PickListUnavailable,
    PickQuantityInvalid,
    ScanOutOfStep,
    ToteUnavailable,
    WrongBin,
    WrongItem,
)
from app.i18n import _
from app.live import PICKING, notify
from app.numbers import entity_number, parse_number
from app.permissions import Actor, Permission, require
from app.picking.model import (
    PICK_VERBS,
    PickingSettings,
    PickState,
    ScanResult,
    ShipmentFacts,
    ShortPickChoice,
    Step,
    Stop,
    StopView,
    TaskFacts,
    VerbState,
)
from app.picking.plan import group_batches, priority_key, spread, walk_stops
from app.picking.reserve import (
    QUANT,
    RES,
    driver_executemany,
    driver_marks,
    driver_value,
    release_reservations,
    reserve_waiting_shipments,
    uow_factory,
    waiting_shipment_ids,
    with_retries,
)
from app.uow import UnitOfWork
from app.workflow import change_status
from db.models import (
    Bin,
    ContactTask,
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
from db.models_picking import PickList, PickListShipment, PickScan, PickTask, Reservation, Tote

TASK = PickTask.__table__.c
PLS = PickListShipment.__table__.c
SHIP = Shipment.__table__.c
CONFIRM_CODE = "CONFIRM"


def list_number(list_id: int) -> str:
    return entity_number("pick_list", list_id)


def parse_list_code(code: str) -> int:
    parsed = parse_number(code)
    if parsed and parsed[0] == "pick_list":
        return parsed[1]
    if code.strip().isdigit():
        return int(code.strip())
    raise PickListNotFound(code.strip())


# --------------------------------------------------------------------------- verbs as data


def verb_state(
    verb: str, status: str, picker_id: int | None, picker_name: str, actor: Actor
) -> VerbState:
    """Whether ``actor`` may use ``verb`` on a list in ``status`` held by that picker:
    the service refuses with the same answer, the screen enables its button from it."""
    declared = PICK_VERBS[verb]
    if not actor.may(declared.permission):
        return VerbState(False, _("You may not do this."))
    if status not in declared.from_states:
        return VerbState(False, _("The list is {status}.").format(status=status))
    supervisor = actor.may(Permission.SUPERVISE_WAREHOUSE)
    mine = holds(picker_id, picker_name, actor)
    if declared.own_list and not mine and not supervisor:
        return VerbState(False, _("Another picker holds this list."))
    if declared.supervisor and mine:
        return VerbState(False, _("You already hold this list."))
    return VerbState(True)


def holds(picker_id: int | None, picker_name: str, actor: Actor) -> bool:
    """Whether the list is held by ``actor`` (by user id; by name for the command line)."""
    if actor.user_id is not None:
        return picker_id == actor.user_id
    return picker_id is None and picker_name == actor.username


def _refuse_unless(verb: str, row: PickList, actor: Actor) -> None:
    declared = PICK_VERBS[verb]
    require(actor, declared.permission)
    state = verb_state(verb, row.status, row.picker_id, row.picker_name, actor)
    if state.enabled:
        return
    if row.status in declared.from_states and declared.own_list:
        raise NotYourList(list_number(row.id), row.picker_name)
    raise PickListUnavailable(list_number(row.id), row.status, verb, row.picker_name)


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
    # One INSERT … RETURNING per list, straight through the driver: with many rows SQLite
    # would send them one by one anyway, and a list is a few shipments.
    connection = session.connection()
    returning = driver_marks(
        connection,
        "INSERT INTO pick_lists (warehouse_id, kind, status, carrier, priority, picker_name,"
        " created_at, wrong_scans, version) VALUES (?, ?, 'open', ?, ?, '', ?, 0, 1)"
        " RETURNING id",
    )
    list_ids = [
        connection.exec_driver_sql(
            returning,
            (
                warehouse_id,
                kind,
                batch[0].carrier,
                max(priority_of[s.shipment_id] for s in batch),
                stamp,
            ),
        ).scalar_one()
        for batch in batches
    ]
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


# --------------------------------------------------------------------------- the list as it stands


@dataclass
class _Task:
    id: int
    stop: int
    shipment_id: int
    shipment_line_id: int
    reservation_id: int
    quant_id: int
    bin_id: int
    bin_code: str
    pick_sequence: int
    product_id: int
    sku: str
    barcode: str | None
    name: str
    spec: str
    fragile: bool
    high_value: bool
    quantity: int
    picked: int
    short: int
    slot: int
    order_id: int

    @property
    def open_units(self) -> int:
        return self.quantity - self.picked - self.short


@dataclass
class _Slot:
    slot: int
    shipment_id: int
    tote_id: int | None
    tote_code: str
    outcome: str


@dataclass
class _Listing:
    row: PickList
    tasks: dict[int, _Task]
    slots: list[_Slot]
    stops: list[Stop]

    def stop_tasks(self, stop: Stop) -> list[_Task]:
        return [self.tasks[t.task_id] for t in stop.tasks]

    def stop_done(self, stop: Stop) -> bool:
        return all(t.open_units == 0 for t in self.stop_tasks(stop))

    def current(self) -> Stop | None:
        return next((s for s in self.stops if not self.stop_done(s)), None)

    def step(self) -> Step:
        if any(s.tote_id is None for s in self.slots):
            return Step.TOTE
        stop = self.current()
        if stop is None:
            return Step.DONE
        if self.row.current_bin_id != stop.bin_id:
            return Step.BIN
        first = self.stop_tasks(stop)[0]
        if (first.fragile or first.high_value) and self.row.confirmed_stop != stop.number:
            return Step.CONFIRM
        return Step.ITEM


def _load(session: Session, list_id: int, *, lock: bool) -> _Listing:
    query = select(PickList).where(PickList.id == list_id)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise PickListNotFound(list_number(list_id))
    slot_rows = session.execute(
        select(PLS.slot, PLS.shipment_id, PLS.tote_id, Tote.code, PLS.outcome)
        .outerjoin(Tote, Tote.id == PLS.tote_id)
        .where(PLS.pick_list_id == list_id)
        .order_by(PLS.slot)
    ).all()
    slots = [_Slot(s, sid, tid, code or "", outcome) for s, sid, tid, code, outcome in slot_rows]
    slot_of = {s.shipment_id: s.slot for s in slots}
    tasks = {}
    for r in session.execute(
        select(
            TASK.id,
            TASK.stop,
            TASK.shipment_id,
            TASK.shipment_line_id,
            TASK.reservation_id,
            TASK.quant_id,
            TASK.bin_id,
            Bin.code,
            Bin.pick_sequence,
            TASK.product_id,
            Product.sku,
            Product.barcode,
            Product.name,
            Product.spec,
            Product.fragile,
            Product.high_value,
            TASK.quantity,
            TASK.picked,
            TASK.short,
            SHIP.order_id,
        )
        .join(Bin, Bin.id == TASK.bin_id)
        .join(Product, Product.id == TASK.product_id)
        .join(Shipment.__table__, SHIP.id == TASK.shipment_id)
        .where(TASK.pick_list_id == list_id)
    ):
        tasks[r.id] = _Task(*r[:19], slot_of.get(r.shipment_id, 0), r.order_id)
    stops = walk_stops(
        TaskFacts(
            t.id, t.slot, t.bin_id, t.bin_code, t.pick_sequence, t.product_id, t.sku, t.quantity
        )
        for t in tasks.values()
    )
    return _Listing(row, tasks, slots, stops)


def _stop_view(listing: _Listing, stop: Stop) -> StopView:
    members = listing.stop_tasks(stop)
    first = members[0]
    tote_of = {s.slot: (s.tote_code or f"#{s.slot}") for s in listing.slots}
    totes = tuple((tote_of.get(t.slot, f"#{t.slot}"), t.quantity, t.picked) for t in members)
    return StopView(
        stop.number,
        first.bin_code,
        first.sku,
        first.barcode,
        first.name,
        first.spec,
        sum(t.quantity for t in members),
        sum(t.picked for t in members),
        sum(t.short for t in members),
        totes,
        first.fragile,
        first.high_value,
    )


def state_of(listing: _Listing, last_scan: str = "") -> PickState:
    row = listing.row
    stop = listing.current()
    step = listing.step()
    tote_for = ""
    if step is Step.TOTE:
        waiting = next(s for s in listing.slots if s.tote_id is None)
        tote_for = entity_number("shipment", waiting.shipment_id)
    return PickState(
        row.id,
        list_number(row.id),
        row.status,
        row.picker_name,
        row.version,
        step,
        _stop_view(listing, stop) if stop else None,
        sum(1 for s in listing.stops if listing.stop_done(s)),
        len(listing.stops),
        row.wrong_scans,
        tote_for,
        last_scan,
        row.picker_id,
    )


def pick_state(session: Session, list_id: int) -> PickState:
    return state_of(_load(session, list_id, lock=False))


# --------------------------------------------------------------------------- claim, release


def _set_shipments(session, actor, listing: _Listing, frm: str, to: str, reason: str) -> None:
    ids = [s.shipment_id for s in listing.slots]
    for shipment in session.scalars(select(Shipment).where(Shipment.id.in_(ids))):
        if shipment.status == frm:
            change_status(session, actor, shipment, to, reason=reason)


def claim_list(source, actor: Actor, list_id: int) -> PickState:
    """Claim an open list. ``SKIP LOCKED``: a list another desk is claiming right now is
    not waited for; it is refused as taken."""
    require(actor, Permission.PICK_AND_PACK)

    def work(uow: UnitOfWork) -> PickState:
        session = uow.session
        got = session.scalar(
            select(PickList.id)
            .where(PickList.id == list_id, PickList.status == "open")
            .with_for_update(skip_locked=True)
        )
        if got is None:
            row = session.get(PickList, list_id)
            if row is None:
                raise PickListNotFound(list_number(list_id))
            status = row.status if row.status != "open" else "being claimed"
            raise PickListUnavailable(list_number(list_id), status, "be claimed", row.picker_name)
        state = _claim(session, actor, list_id)
        uow.commit()
        return state

    return with_retries(uow_factory(source), work, "claim")


def claim_next(source, actor: Actor, warehouse_id: int) -> PickState | None:
    """The most urgent open list of the warehouse no other desk is claiming."""
    require(actor, Permission.PICK_AND_PACK)

    def work(uow: UnitOfWork) -> PickState | None:
        session = uow.session
        got = session.scalar(
            select(PickList.id)
            .where(PickList.warehouse_id == warehouse_id, PickList.status == "open")
            .order_by(PickList.priority.desc(), PickList.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if got is None:
            return None
        state = _claim(session, actor, got)
        uow.commit()
        return state

    return with_retries(uow_factory(source), work, "claim")


def _claim(session: Session, actor: Actor, list_id: int) -> PickState:
    listing = _load(session, list_id, lock=True)
    row = listing.row
    _refuse_unless("claim", row, actor)
    row.status = "claimed"
    row.picker_id = actor.user_id
    row.picker_name = actor.username
    row.claimed_at = utcnow()
    _set_shipments(session, actor, listing, "pending", "picking", f"on {list_number(row.id)}")
    _audit(session, actor, row, "claim", "open", "claimed")
    return state_of(listing)


def release_list(source, actor: Actor, list_id: int, reason: str = "") -> PickState:
    """Back to the board: by its picker or a supervisor. Picked units stay picked."""

    def work(uow: UnitOfWork) -> PickState:
        session = uow.session
        listing = _load(session, list_id, lock=True)
        row = listing.row
        _refuse_unless("release", row, actor)
        row.status = "open"
        row.picker_id = None
        row.picker_name = ""
        row.current_bin_id = None
        row.confirmed_stop = None
        _set_shipments(session, actor, listing, "picking", "pending", "list released")
        _audit(session, actor, row, "release", "claimed", "open", reason)
        uow.commit()
        return state_of(listing)

    return with_retries(uow_factory(source), work, "release")


def take_over(source, actor: Actor, list_id: int, reason: str) -> PickState:
    """A supervisor takes a list claimed at a desk that went away; the reason is kept."""
    if len((reason or "").strip()) < 5:
        raise InvalidInput("reason", reason or "", "why the list is taken over (5+ letters)")

    def work(uow: UnitOfWork) -> PickState:
        session = uow.session
        listing = _load(session, list_id, lock=True)
        row = listing.row
        _refuse_unless("take_over", row, actor)
        before = row.picker_name
        row.picker_id = actor.user_id
        row.picker_name = actor.username
        row.current_bin_id = None
        row.confirmed_stop = None
        _audit(session, actor, row, "take_over", "claimed", "claimed", f"from {before}: {reason}")
        uow.commit()
        return state_of(listing)

    return with_retries(uow_factory(source), work, "take over")


def _audit(session, actor, row: PickList, action: str, frm, to, reason: str = "") -> None:
    """The list's event in the audit chain; the desks showing the board hear of it."""
    notify(session, PICKING)
    record_event(
        session,
        actor,
        entity_type="pick_list",
        entity_id=row.id,
        action=action,
        from_state=frm,
        to_state=to,
        reason=reason,
    )


# --------------------------------------------------------------------------- scanning


def scan(source, actor: Actor, list_id: int, code: str) -> ScanResult:
    """One scan (tote, bin, CONFIRM, item barcode or SKU, or a typed count)."""
    make_uow = uow_factory(source)
    code = (code or "").strip()

    def work(uow: UnitOfWork) -> ScanResult:
        session = uow.session
        listing = _load(session, list_id, lock=True)
        _refuse_unless("scan", listing.row, actor)
        message, units = _apply(session, actor, listing, code)
        uow.commit()
        return ScanResult(True, message, state_of(listing, code), units)

    try:
        return with_retries(make_uow, work, "scan")
    except PickingError as refused:
        if isinstance(refused, (PickListNotFound, PickListUnavailable, NotYourList)):
            raise
        _count_refusal(make_uow, actor, list_id, code, refused)
        raise


def _count_refusal(make_uow, actor: Actor, list_id: int, code: str, error: Exception) -> None:
    def work(uow: UnitOfWork) -> None:
        session = uow.session
        session.execute(
            update(PickList.__table__)
            .where(PickList.__table__.c.id == list_id)
            .values(wrong_scans=PickList.__table__.c.wrong_scans + 1)
        )
        session.add(
            PickScan(
                pick_list_id=list_id,
                at=utcnow(),
                actor_id=actor.user_id,
                actor_name=actor.username,
                kind="refused",
                code=code[:80],
                quantity=0,
                refused=True,
                undone=False,
                note=str(error)[:500],
            )
        )
        uow.commit()

    with_retries(make_uow, work, "count a wrong scan")


def _record(session, actor, listing, kind, code, stop=None, quantity=0, effect=None) -> None:
    session.add(
        PickScan(
            pick_list_id=listing.row.id,
            at=utcnow(),
            actor_id=actor.user_id,
            actor_name=actor.username,
            kind=kind,
            code=code[:80],
            stop=stop,
            quantity=quantity,
            effect=effect,
            refused=False,
            undone=False,
            note="",
        )
    )


def _matches_item(task: _Task, code: str) -> bool:
    folded = code.casefold()
    return folded == task.sku.casefold() or (task.barcode is not None and code == task.barcode)


def _apply(session: Session, actor: Actor, listing: _Listing, code: str) -> tuple[str, int]:
    if not code:
        raise ScanOutOfStep("(empty)", _("scan a code"))
    step = listing.step()
    row = listing.row
    if step is Step.TOTE:
        return _put_tote(session, actor, listing, code), 0
    if step is Step.DONE:
        raise ScanOutOfStep(code, _("every stop is done: finish the list"))
    stop = listing.current()
    assert stop is not None
    first = listing.stop_tasks(stop)[0]
    if step is Step.BIN:
        if code.casefold() == stop.bin_code.casefold():
            row.current_bin_id = stop.bin_id
            _record(session, actor, listing, "bin", code, stop.number)
            return _("Bin {bin} — take {qty} × {sku}").format(
                bin=stop.bin_code, qty=stop.quantity, sku=stop.sku
            ), 0
        if _matches_item(first, code):
            raise ScanOutOfStep(code, _("scan bin {bin} first").format(bin=stop.bin_code))
        raise WrongBin(code, stop.bin_code)
    if step is Step.CONFIRM:
        if code.upper() == CONFIRM_CODE:
            return _confirm(session, actor, listing, stop), 0
        raise ConfirmationNeeded(first.sku, _marks(first))
    # Step.ITEM
    members = listing.stop_tasks(stop)
    picked_here = sum(t.picked for t in members)
    if _matches_item(first, code):
        units = 1
    elif code.isdigit() and len(code) <= 4 and picked_here >= 1:
        total = int(code)
        wanted = sum(t.quantity - t.short for t in members)
        if total <= picked_here or total > wanted:
            raise PickQuantityInvalid(total, wanted)
        units = total - picked_here
    elif code.isdigit() and len(code) <= 4:
        expected = _("scan the item {sku} once, then type the count").format(sku=stop.sku)
        raise ScanOutOfStep(code, expected)
    elif code.casefold() == stop.bin_code.casefold():
        expected = _("bin already scanned: scan the item {sku}").format(sku=stop.sku)
        raise ScanOutOfStep(code, expected)
    else:
        raise WrongItem(code, first.sku)
    open_total = sum(t.open_units for t in members)
    if units > open_total:
        raise PickQuantityInvalid(picked_here + units, picked_here + open_total)
    effect = spread(units, [(t.id, t.open_units) for t in members])
    _take(session, actor, listing, effect, +1)
    _record(
        session,
        actor,
        listing,
        "item",
        code,
        stop.number,
        units,
        {str(task_id): n for task_id, n in effect},
    )
    done = sum(t.picked for t in members)
    if done >= sum(t.quantity - t.short for t in members):
        return _("{sku}: {done} of {qty} — stop done").format(
            sku=stop.sku, done=done, qty=stop.quantity
        ), units
    return _("{sku}: {done} of {qty}").format(sku=stop.sku, done=done, qty=stop.quantity), units


def _marks(task: _Task) -> str:
    marks = [m for m, on in (("FRAGILE", task.fragile), ("HIGH VALUE", task.high_value)) if on]
    return " + ".join(marks)


def _confirm(session, actor, listing: _Listing, stop: Stop) -> str:
    listing.row.confirmed_stop = stop.number
    _record(session, actor, listing, "confirm", CONFIRM_CODE, stop.number)
    return _("Handling confirmed — scan the item")


def confirm_handling(source, actor: Actor, list_id: int) -> ScanResult:
    """The confirm button: the same as scanning CONFIRM at a fragile / high-value stop."""
    return scan(source, actor, list_id, CONFIRM_CODE)


def _put_tote(session: Session, actor: Actor, listing: _Listing, code: str) -> str:
    tote = session.scalar(select(Tote).where(func.upper(Tote.code) == code.upper()))
    if tote is None or not tote.active:
        raise ToteUnavailable(code, _("not a tote (scan a tote barcode)"))
    if tote.warehouse_id not in (None, listing.row.warehouse_id):
        raise ToteUnavailable(code, _("belongs to another warehouse"))
    if any(s.tote_id == tote.id for s in listing.slots):
        raise ToteUnavailable(code, _("already on this list"))
    busy = session.scalar(
        select(PLS.pick_list_id)
        .join(PickList.__table__, PickList.__table__.c.id == PLS.pick_list_id)
        .where(PLS.tote_id == tote.id, PickList.__table__.c.status == "claimed")
        .limit(1)
    )
    if busy is not None:
        raise ToteUnavailable(code, _("in use on {list}").format(list=list_number(busy)))
    waiting = next(s for s in listing.slots if s.tote_id is None)
    session.execute(
        update(PickListShipment.__table__)
        .where(PLS.pick_list_id == listing.row.id, PLS.shipment_id == waiting.shipment_id)
        .values(tote_id=tote.id)
    )
    waiting.tote_id, waiting.tote_code = tote.id, tote.code
    _record(session, actor, listing, "tote", tote.code, quantity=waiting.slot)
    _touch(listing.row)
    return _("Tote {tote} holds {shipment}").format(
        tote=tote.code, shipment=entity_number("shipment", waiting.shipment_id)
    )


def _touch(row: PickList) -> None:
    from sqlalchemy.orm.attributes import flag_modified

    flag_modified(row, "status")


def _take(session: Session, actor: Actor, listing: _Listing, effect, sign: int) -> None:
    """Units leave (sign +1) or return to (−1, undo) the bin: task, reservation, quant
    and a stock move change together; the guards refuse anything that would go wrong."""
    now = utcnow()
    for task_id, n in effect:
        task = listing.tasks[int(task_id)]
        units = sign * n
        session.execute(
            update(PickTask.__table__).where(TASK.id == task.id).values(picked=TASK.picked + units)
        )
        res = Reservation.__table__
        changed = session.execute(
            update(res)
            .where(
                res.c.id == task.reservation_id,
                res.c.quantity - units >= 0,
                res.c.picked + units >= 0,
                res.c.state != "released",
            )
            .values(
                quantity=res.c.quantity - units,
                picked=res.c.picked + units,
                state="open",
                closed_at=None,
            )
        ).rowcount
        if changed != 1:
            raise ConcurrentUpdate(entity_number("shipment", task.shipment_id))
        session.execute(
            update(res)
            .where(res.c.id == task.reservation_id, res.c.quantity == 0)
            .values(state="picked", closed_at=now)
        )
        q = StockQuant.__table__
        changed = session.execute(
            update(q)
            .where(q.c.id == task.quant_id, q.c.reserved - units >= 0, q.c.on_hand - units >= 0)
            .values(
                on_hand=q.c.on_hand - units,
                reserved=q.c.reserved - units,
                version=q.c.version + 1,
            )
        ).rowcount
        if changed != 1:
            raise ConcurrentUpdate("Stock")
        session.add(
            StockMove(
                at=now,
                product_id=task.product_id,
                warehouse_id=listing.row.warehouse_id,
                from_bin_id=task.bin_id if sign > 0 else None,
                to_bin_id=None if sign > 0 else task.bin_id,
                quantity=n,
                kind="pick" if sign > 0 else "unpick",
                order_id=task.order_id,
                actor_id=actor.user_id,
                reason=list_number(listing.row.id),
            )
        )
        task.picked += units
    _touch(listing.row)


def undo_last_scan(source, actor: Actor, list_id: int) -> ScanResult:
    """Take back the list's last accepted scan (a tote, bin, confirmation or units)."""

    def work(uow: UnitOfWork) -> ScanResult:
        session = uow.session
        listing = _load(session, list_id, lock=True)
        _refuse_unless("undo", listing.row, actor)
        last = session.scalar(
            select(PickScan)
            .where(
                PickScan.pick_list_id == list_id,
                PickScan.refused.is_(False),
                PickScan.undone.is_(False),
                PickScan.kind.in_(("tote", "bin", "confirm", "item")),
            )
            .order_by(PickScan.id.desc())
            .limit(1)
        )
        if last is None:
            raise NothingToUndo(list_number(list_id))
        row = listing.row
        if last.kind == "item":
            effect = [(int(k), v) for k, v in (last.effect or {}).items()]
            _take(session, actor, listing, effect, -1)
        elif last.kind == "bin":
            row.current_bin_id = None
        elif last.kind == "confirm":
            row.confirmed_stop = None
        elif last.kind == "tote":
            session.execute(
                update(PickListShipment.__table__)
                .where(PLS.pick_list_id == list_id, PLS.slot == last.quantity)
                .values(tote_id=None)
            )
            for s in listing.slots:
                if s.slot == last.quantity:
                    s.tote_id, s.tote_code = None, ""
        last.undone = True
        _touch(row)
        uow.commit()
        return ScanResult(
            True, _("Undone: {code}").format(code=last.code), state_of(listing), -last.quantity
        )

    return with_retries(uow_factory(source), work, "undo")


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
        _touch(listing.row)
        listing.row.current_bin_id = None
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
        session.add(
            ContactTask(
                order_id=order_id,
                customer_id=order.customer_id if order else None,
                kind="stock_short",
                state="open",
                what_needed=_(
                    "Short pick on {list}: {n} unit(s) could not be picked. Ask the customer: "
                    "ship what was picked now (the rest follows as a second shipment) or hold "
                    "the whole shipment. Default: {choice}."
                ).format(list=list_number(listing.row.id), n=n, choice=choice.value),
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
        shipments = {
            s.id: s
            for s in session.scalars(
                select(Shipment).where(Shipment.id.in_([s.shipment_id for s in listing.slots]))
            )
        }
        for slot in listing.slots:
            shipment = shipments[slot.shipment_id]
            if shipment.status != "picking":
                continue
            picked = picked_by_shipment[shipment.id]
            if slot.outcome != "short":
                change_status(session, actor, shipment, "picked", reason=list_number(row.id))
                continue
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


# --------------------------------------------------------------------------- helpers for CLI


def warehouse_id_of(session: Session, code: str) -> int:
    wid = session.scalar(select(Warehouse.id).where(func.upper(Warehouse.code) == code.upper()))
    if wid is None:
        from app.errors import NotFound

        raise NotFound("warehouse", code)
    return wid


def order_line_ids(session: Session, order_id: int) -> list[int]:
    return list(session.scalars(select(OrderLine.id).where(OrderLine.order_id == order_id)))
