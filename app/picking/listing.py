"""A pick list as it stands: its tasks, slots and stops read under a lock, the step the
picker is at, who may use which verb on it (declared in ``model.PICK_VERBS``)."""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass, field, fields
from functools import lru_cache

from sqlalchemy import Integer, bindparam, select, type_coerce, update
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import ConcurrentUpdate
from app.i18n import _
from app.live import PICKING, notify
from app.numbers import entity_number, parse_number
from app.permissions import Actor, Permission, require
from app.picking.errors import NotYourList, PickListNotFound, PickListUnavailable
from app.picking.model import (
    PICK_VERBS,
    PickState,
    Step,
    Stop,
    StopView,
    TaskFacts,
    VerbState,
)
from app.picking.plan import walk_stops
from app.prepared import Prepared, PreparedInsert
from app.workflow import RecordState, apply_plans_in_bulk, plan_transition
from db.models import (
    Bin,
    Product,
    Shipment,
    utcnow,
)
from db.models_picking import PickList, PickListShipment, PickScan, PickTask, Tote

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


def _refuse_unless(verb: str, row: _ListRow, actor: Actor) -> None:
    declared = PICK_VERBS[verb]
    require(actor, declared.permission)
    state = verb_state(verb, row.status, row.picker_id, row.picker_name, actor)
    if state.enabled:
        return
    if row.status in declared.from_states and declared.own_list:
        raise NotYourList(list_number(row.id), row.picker_name)
    raise PickListUnavailable(list_number(row.id), row.status, verb, row.picker_name)


# --------------------------------------------------------------------------- the list as it stands


@dataclass(slots=True)
class _ListRow:
    """The list's own row, read with Core under the lock: the verbs change its fields and
    write them back with ``_save`` (no ORM object to load, track and flush per scan)."""

    id: int
    warehouse_id: int
    kind: str
    status: str
    carrier: str
    priority: int
    picker_id: int | None
    picker_name: str
    claimed_at: dt.datetime | None
    finished_at: dt.datetime | None
    created_at: dt.datetime
    current_bin_id: int | None
    confirmed_stop: int | None
    wrong_scans: int
    version: int


@dataclass(slots=True)
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


@dataclass(slots=True)
class _Slot:
    slot: int
    shipment_id: int
    tote_id: int | None
    tote_code: str
    outcome: str


@dataclass
class _Listing:
    row: _ListRow
    tasks: dict[int, _Task]
    slots: list[_Slot]
    stops: list[Stop]
    # task id → its bin's and product's details as last read (``_DETAILS`` order)
    seen: dict[int, tuple] = field(default_factory=dict)

    def stop_tasks(self, stop: Stop) -> list[_Task]:
        return [self.tasks[t.task_id] for t in stop.tasks]

    def stop_done(self, stop: Stop) -> bool:
        tasks = self.tasks  # asked of every stop at every scan: kept to plain lookups
        for member in stop.tasks:
            task = tasks[member.task_id]
            if task.quantity - task.picked - task.short:
                return False
        return True

    def current(self) -> Stop | None:
        return next((s for s in self.stops if not self.stop_done(s)), None)

    def progress(self) -> tuple[Stop | None, int]:
        """The first stop not done (None: all are) and how many stops are done."""
        tasks = self.tasks  # at every scan: one pass, plain lookups (``stop_done`` inline)
        current, done = None, 0
        for stop in self.stops:
            for member in stop.tasks:
                task = tasks[member.task_id]
                if task.quantity - task.picked - task.short:
                    if current is None:
                        current = stop
                    break
            else:
                done += 1
        return current, done

    def step(self, stop: Stop | None) -> Step:
        """The step the picker is at; ``stop`` is ``current()`` (the caller has it)."""
        if any(s.tote_id is None for s in self.slots):
            return Step.TOTE
        if stop is None:
            return Step.DONE
        if self.row.current_bin_id != stop.bin_id:
            return Step.BIN
        first = self.stop_tasks(stop)[0]
        if (first.fragile or first.high_value) and self.row.confirmed_stop != stop.number:
            return Step.CONFIRM
        return Step.ITEM


# Built once (a scan reads the list three times): building and keying a statement cost
# more than running it. Run on the session's connection: Core rows, no ORM objects.
LIST = PickList.__table__
_ROW_COLUMNS = [LIST.c[f.name] for f in fields(_ListRow)]
_LIST_SELECT = select(*_ROW_COLUMNS).where(LIST.c.id == bindparam("list_id"))
_LIST = Prepared(_LIST_SELECT)
_LIST_LOCKED = Prepared(_LIST_SELECT.with_for_update())
_SLOTS = Prepared(
    select(PLS.slot, PLS.shipment_id, PLS.tote_id, Tote.code, PLS.outcome)
    .outerjoin(Tote, Tote.id == PLS.tote_id)
    .where(PLS.pick_list_id == bindparam("list_id"))
    .order_by(PLS.slot)
)
_TASKS = Prepared(
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
    .where(TASK.pick_list_id == bindparam("list_id"))
)
# The list's fields a verb changes, written back under the version it was read at (as
# the ORM's version_id_col did): a list changed meanwhile is a ConcurrentUpdate.
_SAVE = Prepared(
    update(LIST)
    .where(LIST.c.id == bindparam("b_id"), LIST.c.version == bindparam("b_version"))
    .values(
        status=bindparam("b_status"),
        picker_id=bindparam("b_picker_id"),
        picker_name=bindparam("b_picker_name"),
        claimed_at=bindparam("b_claimed_at", type_=LIST.c.claimed_at.type),
        finished_at=bindparam("b_finished_at", type_=LIST.c.finished_at.type),
        current_bin_id=bindparam("b_current_bin_id"),
        confirmed_stop=bindparam("b_confirmed_stop"),
        version=LIST.c.version + 1,
    )
)
# A scan moves only the picker's place on the list (and its version): the other fields
# are left out, so their index (warehouse, status) is not rewritten at every scan.
_SAVE_PLACE = Prepared(
    update(LIST)
    .where(LIST.c.id == bindparam("b_id"), LIST.c.version == bindparam("b_version"))
    .values(
        current_bin_id=bindparam("b_current_bin_id"),
        confirmed_stop=bindparam("b_confirmed_stop"),
        version=LIST.c.version + 1,
    )
)
_ADD_SCAN = PreparedInsert(
    PickScan.__table__,
    "pick_list_id at actor_id actor_name kind code stop quantity effect refused undone note",
)


def _load(session: Session, list_id: int, *, lock: bool) -> _Listing:
    key = {"list_id": list_id}
    if lock:  # taken out: a transaction that fails leaves no half-changed copy behind
        kept = _kept_lists(session).pop(list_id, None)
        if kept is not None:
            listing = _refreshed(session, list_id, kept)
            if listing is not None:
                return listing
    found = (_LIST_LOCKED if lock else _LIST).first(session, key)
    if found is None:
        raise PickListNotFound(list_number(list_id))
    row = _ListRow(*found)
    slots = _read_slots(session, key)
    slot_of = {s.shipment_id: s.slot for s in slots}
    tasks = {}
    seen = {}
    for r in _TASKS.all(session, key):
        tasks[r[0]] = _Task(*r[:19], slot_of.get(r[2], 0), r[19])
        seen[r[0]] = (r[7], r[8], *r[10:16])
    return _Listing(row, tasks, slots, _stops(tasks), seen)


def _read_slots(session: Session, key: dict) -> list[_Slot]:
    slot_rows = _SLOTS.all(session, key)
    return [_Slot(s, sid, tid, code or "", outcome) for s, sid, tid, code, outcome in slot_rows]


def _stops(tasks: dict[int, _Task]) -> list[Stop]:
    facts = tuple(
        (t.id, t.slot, t.bin_id, t.bin_code, t.pick_sequence, t.product_id, t.sku, t.quantity)
        for t in tasks.values()
    )
    return list(_walk(facts))


@lru_cache(maxsize=256)
def _walk(facts: tuple[tuple, ...]) -> tuple[Stop, ...]:
    """``walk_stops`` of the same tasks gives the same stops: a list is walked once per
    scan, its tasks (all but what is picked) the same from one scan to the next."""
    return tuple(walk_stops(TaskFacts(*f) for f in facts))


# ------------------------------------------------------------------- kept between scans
#
# A picker's scans follow each other on one list: the list as the last scan of this
# process left it is kept (per database, per list) and the next scan reads only what
# can change under it. What another desk can change without the list's version moving
# is read again at every scan: the tasks' picked and short units (a cancelled shipment's
# tasks are withdrawn), which tasks there are, and the bins' and products' details (a
# barcode, a flag, a bin's code or place in the walk). The list's own row and slots
# (totes, outcomes) change only with the list's version: while it stands, only the row's
# place, counts and version are read again (not its times); once it moved (another
# desk's verb), the list is read whole.


@dataclass(slots=True)
class _Kept:
    version: int
    listing: _Listing


_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # engine → {list id: _Kept}
_KEPT_LISTS = 64  # a desk walks one list at a time: a few are plenty
_DETAILS = (Bin.code, Bin.pick_sequence, Product.sku, Product.barcode, Product.name, Product.spec)
# Read as stored (0/1 on SQLite: no row is converted), made bool where they changed.
_FLAGS = tuple(type_coerce(c, Integer) for c in (Product.fragile, Product.high_value))
_TIMES = ("claimed_at", "finished_at", "created_at")
_PLACE_COLUMNS = [c for c in _ROW_COLUMNS if c.name not in _TIMES]
# ``_refreshed`` puts the times back before these, by position:
assert [c.name for c in _PLACE_COLUMNS[8:]] == [
    "current_bin_id",
    "confirmed_stop",
    "wrong_scans",
    "version",
]
_PLACE_LOCKED = Prepared(_LIST_SELECT.with_only_columns(*_PLACE_COLUMNS).with_for_update())
_TASK_STATE = Prepared(
    select(TASK.id, TASK.picked, TASK.short, *_DETAILS, *_FLAGS)
    .join(Bin, Bin.id == TASK.bin_id)
    .join(Product, Product.id == TASK.product_id)
    .where(TASK.pick_list_id == bindparam("list_id"))
)


def _kept_lists(session: Session) -> dict[int, _Kept]:
    engine = session.bind
    if engine is None:  # not bound to one engine: nothing is kept
        return {}
    kept = _KEPT.get(engine)
    if kept is None:
        kept = _KEPT[engine] = {}
    return kept


def keep(session: Session, listing: _Listing) -> None:
    """After a commit: the list as it now stands is kept for its next scan here."""
    kept = _kept_lists(session)
    if len(kept) >= _KEPT_LISTS:
        kept.clear()  # one call: safe beside another thread's scan, unlike picking one out
    kept[listing.row.id] = _Kept(listing.row.version, listing)


def _refreshed(session: Session, list_id: int, kept: _Kept) -> _Listing | None:
    """The kept list, locked, brought up to date with what can have changed (None: the
    list is read whole, as another desk changed it or tasks were added or taken away)."""
    key = {"list_id": list_id}
    found = _PLACE_LOCKED.first(session, key)
    if found is None or found[-1] != kept.version:
        return None
    listing = kept.listing
    before = listing.row  # its times are only written with a new version
    row = _ListRow(*found[:8], before.claimed_at, before.finished_at, before.created_at, *found[8:])
    tasks, seen = listing.tasks, listing.seen
    rows = _TASK_STATE.all(session, key)
    if len(rows) != len(tasks):
        return None
    walk_changed = False
    for r in rows:
        task = tasks.get(r[0])
        if task is None:
            return None
        task.picked = r[1]
        task.short = r[2]
        details = r[3:]
        if details != seen[task.id]:
            walk_changed |= _update_details(task, details)
            seen[task.id] = details
    if walk_changed:
        listing.stops = _stops(tasks)
    listing.row = row
    return listing


def _update_details(task: _Task, details: tuple) -> bool:
    """A task's bin and product details as read again; whether its place in the walk
    (bin code, bin sequence, SKU) changed."""
    code, sequence, sku, barcode, name, spec, fragile, high_value = details
    moved = (code, sequence, sku) != (task.bin_code, task.pick_sequence, task.sku)
    task.bin_code, task.pick_sequence, task.sku = code, sequence, sku
    task.barcode, task.name, task.spec = barcode, name, spec
    task.fragile, task.high_value = bool(fragile), bool(high_value)
    return moved


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
    stop, stops_done = listing.progress()
    step = listing.step(stop)
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
        stops_done,
        len(listing.stops),
        row.wrong_scans,
        tote_for,
        last_scan,
        row.picker_id,
    )


def pick_state(session: Session, list_id: int) -> PickState:
    return state_of(_load(session, list_id, lock=False))


_SHIPMENT_STATES = Prepared(
    select(SHIP.id, SHIP.status, SHIP.version, SHIP.shipped_at, SHIP.delivered_at)
    .join(PickListShipment.__table__, PLS.shipment_id == SHIP.id)
    .where(PLS.pick_list_id == bindparam("list_id"))
    .order_by(SHIP.id)
)


def shipment_states(session: Session, list_id: int) -> dict[int, RecordState]:
    """The list's shipments as the workflow plans over them (status, version, stage times)."""
    return {
        sid: RecordState(
            "shipment",
            sid,
            status,
            version,
            frozenset(c for c, at in (("shipped_at", shipped), ("delivered_at", delivered)) if at),
        )
        for sid, status, version, shipped, delivered in _SHIPMENT_STATES.all(
            session, {"list_id": list_id}
        )
    }


def _set_shipments(session, actor, listing: _Listing, frm: str, to: str, reason: str) -> None:
    """The list's shipments in ``frm`` move to ``to`` with the workflow's bulk writer (one
    guarded UPDATE, one batch of audit events): claiming and releasing a list end no
    promise of stock, so no ORM object and stock hook is needed per shipment."""
    now = utcnow()
    states = shipment_states(session, listing.row.id)
    apply_plans_in_bulk(
        session,
        [
            plan_transition(state, to, actor, now=now, reason=reason)
            for state in states.values()
            if state.status == frm
        ],
    )


def _audit(session, actor, row: _ListRow, action: str, frm, to, reason: str = "") -> None:
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


def _record(session, actor, listing, kind, code, stop=None, quantity=0, effect=None) -> None:
    _ADD_SCAN.add(
        session,
        {
            "pick_list_id": listing.row.id,
            "at": utcnow(),
            "actor_id": actor.user_id,
            "actor_name": actor.username,
            "kind": kind,
            "code": code[:80],
            "stop": stop,
            "quantity": quantity,
            "effect": effect,
            "refused": False,
            "undone": False,
            "note": "",
        },
    )


def _save(session: Session, row: _ListRow) -> None:
    """Write the list's changed fields back and bump its version (the desks' boards and
    screens see the list changed); refused if another desk changed it since it was read."""
    _write_guarded(
        session,
        _SAVE,
        row,
        {
            "b_status": row.status,
            "b_picker_id": row.picker_id,
            "b_picker_name": row.picker_name,
            "b_claimed_at": row.claimed_at,
            "b_finished_at": row.finished_at,
            "b_current_bin_id": row.current_bin_id,
            "b_confirmed_stop": row.confirmed_stop,
        },
    )


def _save_place(session: Session, row: _ListRow) -> None:
    """``_save`` for a scan, which changes no more than where the picker stands."""
    _write_guarded(
        session,
        _SAVE_PLACE,
        row,
        {"b_current_bin_id": row.current_bin_id, "b_confirmed_stop": row.confirmed_stop},
    )


def _write_guarded(session: Session, statement: Prepared, row: _ListRow, values: dict) -> None:
    """``values`` written on the list at the version it was read at, and its version
    bumped; refused if another desk changed it since."""
    changed = statement.rowcount(session, {"b_id": row.id, "b_version": row.version, **values})
    if changed != 1:
        raise ConcurrentUpdate(list_number(row.id))
    row.version += 1
