"""Pick lists at the picker's hand: claim, scan, undo, release, take over; and, for its
callers, every other list verb (making lists, short pick, finish) under one name.

Each scan is its own short transaction: the list's row is locked (``FOR UPDATE``) so two
scans of one list never interleave, the scan is checked against where the picker stands,
and the picked units leave the quant and the reservation together. A refused scan (wrong
bin, wrong item …) changes nothing but is counted, for the list and the picker, in a
transaction of its own, and its named error is raised.
"""

from __future__ import annotations

from sqlalchemy import Integer, bindparam, case, func, null, select, update
from sqlalchemy.orm import Session

from app.errors import ConcurrentUpdate, InvalidInput
from app.i18n import _
from app.numbers import entity_number
from app.permissions import Actor, Permission, require
from app.picking.errors import (
    ConfirmationNeeded,
    NothingToUndo,
    NotYourList,
    PickingError,
    PickListNotFound,
    PickListUnavailable,
    PickQuantityInvalid,
    ScanOutOfStep,
    ToteUnavailable,
    WrongBin,
    WrongItem,
)
from app.picking.listing import (
    _ADD_SCAN,
    CONFIRM_CODE,
    LIST,
    PLS,
    TASK,
    _audit,
    _Listing,
    _load,
    _record,
    _refuse_unless,
    _save,
    _save_place,
    _set_shipments,
    _Task,
    holds,
    keep,
    list_number,
    parse_list_code,
    pick_state,
    state_of,
    verb_state,
)
from app.picking.making import build_lists, create_pick_lists, create_pick_lists_everywhere
from app.picking.model import (
    PickState,
    ScanResult,
    Step,
    Stop,
)
from app.picking.plan import spread
from app.picking.reserve import (
    uow_factory,
    with_retries,
)
from app.picking.shorts import OtherBin, finish_list, other_bins, short_pick
from app.prepared import Prepared, PreparedInsert
from app.uow import UnitOfWork
from db.models import (
    OrderLine,
    StockMove,
    StockQuant,
    Warehouse,
    utcnow,
)
from db.models_picking import PickList, PickListShipment, PickScan, PickTask, Reservation, Tote

__all__ = [  # the verbs callers reach as ``lists.…``, wherever they live
    "CONFIRM_CODE",
    "OtherBin",
    "build_lists",
    "claim_list",
    "claim_next",
    "confirm_handling",
    "create_pick_lists",
    "create_pick_lists_everywhere",
    "finish_list",
    "holds",
    "list_number",
    "order_line_ids",
    "other_bins",
    "parse_list_code",
    "pick_state",
    "release_list",
    "scan",
    "short_pick",
    "take_over",
    "undo_last_scan",
    "verb_state",
    "warehouse_id_of",
]

# --------------------------------------------------------------------------- claim, release

# ``SKIP LOCKED``: a list another desk is claiming right now is not waited for.
_OPEN_LIST = Prepared(
    select(LIST.c.id)
    .where(LIST.c.id == bindparam("list_id"), LIST.c.status == "open")
    .with_for_update(skip_locked=True)
)


def claim_list(source, actor: Actor, list_id: int) -> PickState:
    """Claim an open list. ``SKIP LOCKED``: a list another desk is claiming right now is
    not waited for; it is refused as taken."""
    require(actor, Permission.PICK_AND_PACK)

    def work(uow: UnitOfWork) -> PickState:
        session = uow.session
        got = _OPEN_LIST.scalar(session, {"list_id": list_id})
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
    _save(session, row)
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
        _save(session, row)
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
        _save(session, row)
        _audit(session, actor, row, "take_over", "claimed", "claimed", f"from {before}: {reason}")
        uow.commit()
        return state_of(listing)

    return with_retries(uow_factory(source), work, "take over")


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
        keep(session, listing)
        return ScanResult(True, message, state_of(listing, code), units)

    try:
        return with_retries(make_uow, work, "scan")
    except PickingError as refused:
        if isinstance(refused, (PickListNotFound, PickListUnavailable, NotYourList)):
            raise
        _count_refusal(make_uow, actor, list_id, code, refused)
        raise


_COUNT_WRONG = Prepared(
    update(LIST).where(LIST.c.id == bindparam("b_id")).values(wrong_scans=LIST.c.wrong_scans + 1)
)


def _count_refusal(make_uow, actor: Actor, list_id: int, code: str, error: Exception) -> None:
    def work(uow: UnitOfWork) -> None:
        session = uow.session
        _COUNT_WRONG.rowcount(session, {"b_id": list_id})
        _ADD_SCAN.add(
            session,
            {
                "pick_list_id": list_id,
                "at": utcnow(),
                "actor_id": actor.user_id,
                "actor_name": actor.username,
                "kind": "refused",
                "code": code[:80],
                "stop": None,
                "quantity": 0,
                "effect": None,
                "refused": True,
                "undone": False,
                "note": str(error)[:500],
            },
        )
        uow.commit()

    with_retries(make_uow, work, "count a wrong scan")


def _matches_item(task: _Task, code: str) -> bool:
    folded = code.casefold()
    return folded == task.sku.casefold() or (task.barcode is not None and code == task.barcode)


def _apply(session: Session, actor: Actor, listing: _Listing, code: str) -> tuple[str, int]:
    if not code:
        raise ScanOutOfStep("(empty)", _("scan a code"))
    stop = listing.current()
    step = listing.step(stop)
    row = listing.row
    if step is Step.TOTE:
        return _put_tote(session, actor, listing, code), 0
    if step is Step.DONE:
        raise ScanOutOfStep(code, _("every stop is done: finish the list"))
    assert stop is not None
    first = listing.stop_tasks(stop)[0]
    if step is Step.BIN:
        if code.casefold() == stop.bin_code.casefold():
            row.current_bin_id = stop.bin_id
            _save_place(session, row)
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
    _take(session, actor, listing, effect, +1)  # saves the row
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
    _save_place(session, listing.row)
    _record(session, actor, listing, "confirm", CONFIRM_CODE, stop.number)
    return _("Handling confirmed — scan the item")


def confirm_handling(source, actor: Actor, list_id: int) -> ScanResult:
    """The confirm button: the same as scanning CONFIRM at a fragile / high-value stop."""
    return scan(source, actor, list_id, CONFIRM_CODE)


TOTE = Tote.__table__.c
_TOTE_COLUMNS = (TOTE.id, TOTE.code, TOTE.warehouse_id, TOTE.active)
# The exact code finds the tote by its unique index; only a code typed in another case
# falls back to comparing upper case (a scan of every tote).
_TOTE_EXACT = Prepared(select(*_TOTE_COLUMNS).where(TOTE.code == bindparam("code")))
_TOTE_ANY_CASE = Prepared(select(*_TOTE_COLUMNS).where(func.upper(TOTE.code) == bindparam("code")))
# A tote is busy while it is on a claimed list. The slots have no index on the tote, so
# the claimed lists (a few: one per desk) are found through the index on
# (warehouse_id, status) — every warehouse's, as a tote without one goes anywhere — and
# their slots by the list's key.
_TOTE_BUSY = Prepared(
    select(PLS.pick_list_id)
    .select_from(LIST)
    .join(PickListShipment.__table__, PLS.pick_list_id == LIST.c.id)
    .where(
        LIST.c.warehouse_id.in_(select(Warehouse.__table__.c.id)),
        LIST.c.status == "claimed",
        PLS.tote_id == bindparam("tote_id"),
    )
    .limit(1)
)
_SET_TOTE = Prepared(
    update(PickListShipment.__table__)
    .where(PLS.pick_list_id == bindparam("b_list"), PLS.shipment_id == bindparam("b_shipment"))
    .values(tote_id=bindparam("b_tote"))
)
_UNSET_TOTE = Prepared(
    update(PickListShipment.__table__)
    .where(PLS.pick_list_id == bindparam("b_list"), PLS.slot == bindparam("b_slot"))
    .values(tote_id=None)
)


def _put_tote(session: Session, actor: Actor, listing: _Listing, code: str) -> str:
    tote = _TOTE_EXACT.first(session, {"code": code})
    if tote is None:
        tote = _TOTE_ANY_CASE.first(session, {"code": code.upper()})
    if tote is None or not tote[3]:
        raise ToteUnavailable(code, _("not a tote (scan a tote barcode)"))
    tote_id, tote_code, warehouse_id, _active = tote
    if warehouse_id not in (None, listing.row.warehouse_id):
        raise ToteUnavailable(code, _("belongs to another warehouse"))
    if any(s.tote_id == tote_id for s in listing.slots):
        raise ToteUnavailable(code, _("already on this list"))
    busy = _TOTE_BUSY.scalar(session, {"tote_id": tote_id})
    if busy is not None:
        raise ToteUnavailable(code, _("in use on {list}").format(list=list_number(busy)))
    waiting = next(s for s in listing.slots if s.tote_id is None)
    _SET_TOTE.rowcount(
        session, {"b_list": listing.row.id, "b_shipment": waiting.shipment_id, "b_tote": tote_id}
    )
    waiting.tote_id, waiting.tote_code = tote_id, tote_code
    _record(session, actor, listing, "tote", tote_code, quantity=waiting.slot)
    _save_place(session, listing.row)
    return _("Tote {tote} holds {shipment}").format(
        tote=tote_code, shipment=entity_number("shipment", waiting.shipment_id)
    )


# One picked unit's writes, built once with guards: a row the guard refuses (0 rows)
# means another desk changed it since the list was read — nothing is written then.
_UNITS = bindparam("b_units", type_=Integer)
_TAKE_TASK = Prepared(
    update(PickTask.__table__)
    .where(
        TASK.id == bindparam("b_task"),
        TASK.picked + _UNITS >= 0,
        TASK.picked + _UNITS + TASK.short <= TASK.quantity,
    )
    .values(picked=TASK.picked + _UNITS)
)
RES_T = Reservation.__table__
_HOLDS_NONE = RES_T.c.quantity - _UNITS == 0  # SET reads the row's values before it
_TAKE_RESERVATION = Prepared(
    update(RES_T)
    .where(
        RES_T.c.id == bindparam("b_reservation"),
        RES_T.c.quantity - _UNITS >= 0,
        RES_T.c.picked + _UNITS >= 0,
        RES_T.c.state != "released",
    )
    .values(
        quantity=RES_T.c.quantity - _UNITS,
        picked=RES_T.c.picked + _UNITS,
        # picked in full: closed now; an undo opens it again
        state=case((_HOLDS_NONE, "picked"), else_="open"),
        closed_at=case(
            (_HOLDS_NONE, bindparam("b_now", type_=RES_T.c.closed_at.type)), else_=null()
        ),
    )
)
# Most units leave a reservation that stays open: only its counts change. Left out of
# the SET, its state (in two indexes) is not rewritten, which on SQLite costs more than
# the rest of the update; the last unit (or anything else) takes the full statement.
_TAKE_FROM_OPEN_RESERVATION = Prepared(
    update(RES_T)
    .where(
        RES_T.c.id == bindparam("b_reservation"),
        RES_T.c.quantity - _UNITS > 0,
        RES_T.c.picked + _UNITS >= 0,
        RES_T.c.state == "open",
        RES_T.c.closed_at.is_(None),
    )
    .values(quantity=RES_T.c.quantity - _UNITS, picked=RES_T.c.picked + _UNITS)
)
QUANT_T = StockQuant.__table__
_TAKE_QUANT = Prepared(
    update(QUANT_T)
    .where(
        QUANT_T.c.id == bindparam("b_quant"),
        QUANT_T.c.reserved - _UNITS >= 0,
        QUANT_T.c.on_hand - _UNITS >= 0,
    )
    .values(
        on_hand=QUANT_T.c.on_hand - _UNITS,
        reserved=QUANT_T.c.reserved - _UNITS,
        version=QUANT_T.c.version + 1,
    )
)
_ADD_MOVE = PreparedInsert(
    StockMove.__table__,
    "at product_id warehouse_id from_bin_id to_bin_id quantity kind order_id actor_id reason",
)


def _take(session: Session, actor: Actor, listing: _Listing, effect, sign: int) -> None:
    """Units leave (sign +1) or return to (−1, undo) the bin: task, reservation, quant
    and a stock move change together; the guards refuse anything that would go wrong."""
    now = utcnow()
    row = listing.row
    reason = list_number(row.id)
    for task_id, n in effect:
        task = listing.tasks[int(task_id)]
        units = sign * n
        if _TAKE_TASK.rowcount(session, {"b_task": task.id, "b_units": units}) != 1:
            # its shipment was cancelled meanwhile
            raise ConcurrentUpdate(entity_number("shipment", task.shipment_id))
        key = {"b_reservation": task.reservation_id, "b_units": units}
        changed = 0
        if 0 < units < task.open_units:  # units stay held after these: it stays open
            changed = _TAKE_FROM_OPEN_RESERVATION.rowcount(session, key)
        if changed == 0:  # anything else (or a guess gone wrong): the full statement
            changed = _TAKE_RESERVATION.rowcount(session, {**key, "b_now": now})
        if changed != 1:  # released meanwhile: the order was cancelled or changed
            raise ConcurrentUpdate(entity_number("shipment", task.shipment_id))
        if _TAKE_QUANT.rowcount(session, {"b_quant": task.quant_id, "b_units": units}) != 1:
            raise ConcurrentUpdate("Stock")
        _ADD_MOVE.add(
            session,
            {
                "at": now,
                "product_id": task.product_id,
                "warehouse_id": row.warehouse_id,
                "from_bin_id": task.bin_id if sign > 0 else None,
                "to_bin_id": None if sign > 0 else task.bin_id,
                "quantity": n,
                "kind": "pick" if sign > 0 else "unpick",
                "order_id": task.order_id,
                "actor_id": actor.user_id,
                "reason": reason,
            },
        )
        task.picked += units
    _save_place(session, row)


_LAST_SCAN = (
    select(
        PickScan.__table__.c.id,
        PickScan.__table__.c.kind,
        PickScan.__table__.c.code,
        PickScan.__table__.c.quantity,
        PickScan.__table__.c.effect,
    )
    .where(
        PickScan.__table__.c.pick_list_id == bindparam("list_id"),
        PickScan.__table__.c.refused.is_(False),
        PickScan.__table__.c.undone.is_(False),
        PickScan.__table__.c.kind.in_(("tote", "bin", "confirm", "item")),
    )
    .order_by(PickScan.__table__.c.id.desc())
    .limit(1)
)
_UNDONE = (
    update(PickScan.__table__)
    .where(PickScan.__table__.c.id == bindparam("b_id"))
    .values(undone=True)
)


def undo_last_scan(source, actor: Actor, list_id: int) -> ScanResult:
    """Take back the list's last accepted scan (a tote, bin, confirmation or units)."""

    def work(uow: UnitOfWork) -> ScanResult:
        session = uow.session
        connection = session.connection()
        listing = _load(session, list_id, lock=True)
        _refuse_unless("undo", listing.row, actor)
        last = connection.execute(_LAST_SCAN, {"list_id": list_id}).first()
        if last is None:
            raise NothingToUndo(list_number(list_id))
        row = listing.row
        if last.kind == "item":
            effect = [(int(k), v) for k, v in (last.effect or {}).items()]
            _take(session, actor, listing, effect, -1)  # saves the row
        else:
            if last.kind == "bin":
                row.current_bin_id = None
            elif last.kind == "confirm":
                row.confirmed_stop = None
            elif last.kind == "tote":
                _UNSET_TOTE.rowcount(session, {"b_list": list_id, "b_slot": last.quantity})
                for s in listing.slots:
                    if s.slot == last.quantity:
                        s.tote_id, s.tote_code = None, ""
            _save_place(session, row)
        connection.execute(_UNDONE, {"b_id": last.id})
        uow.commit()
        return ScanResult(
            True, _("Undone: {code}").format(code=last.code), state_of(listing), -last.quantity
        )

    return with_retries(uow_factory(source), work, "undo")


# --------------------------------------------------------------------------- helpers for CLI


def warehouse_id_of(session: Session, code: str) -> int:
    wid = session.scalar(select(Warehouse.id).where(func.upper(Warehouse.code) == code.upper()))
    if wid is None:
        from app.errors import NotFound

        raise NotFound("warehouse", code)
    return wid


def order_line_ids(session: Session, order_id: int) -> list[int]:
    return list(session.scalars(select(OrderLine.id).where(OrderLine.order_id == order_id)))
