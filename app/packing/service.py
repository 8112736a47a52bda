"""The packing station's verbs, each one transaction: open a shipment, scan an item, undo,
start another parcel, weigh, choose the package (printing: ``labelling.py``).

Every scan is its own short transaction with the shipment's row locked, so two stations
never count one shipment at once; a refused scan changes nothing but is recorded (with
its reason) in a transaction of its own, and its named error is raised.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import (
    Integer,
    String,
    bindparam,
    exists,
    false,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import ConcurrentUpdate, PrintFailed
from app.i18n import N_, _
from app.labels.shipping import weight_text
from app.numbers import entity_number, parse_number
from app.packing import queries
from app.packing.carrier import planned_carrier_code
from app.packing.errors import (
    ExtraPackItem,
    LabelAlreadyPrinted,
    NotAtStation,
    PackingError,
    PackNothingToUndo,
    ParcelNotReady,
    ShipmentNotPackable,
    UnknownPackage,
    WrongPackItem,
)
from app.packing.model import (
    PACK_VERBS,
    Notice,
    PackingSettings,
    PackResult,
    PackState,
    ScanKind,
    VerbState,
)
from app.packing.printers import StationPrinters
from app.packing.queries import ParcelRow, StationRead
from app.packing.rules import (
    check_weight,
    check_weight_range,
    classify_scan,
    matches_item,
    parse_weight,
)
from app.permissions import Actor, Permission, require
from app.picking.service import uow_factory, with_retries
from app.prepared import Prepared
from app.shipping.tracking_numbers import looks_like_tracking_number
from app.uow import UnitOfWork
from db.models import Shipment, utcnow
from db.models_packing import PackageType, PackScan
from db.models_shipping import Parcel

SHIPMENTS = "shipments"

_WHY_NOT = {
    Notice.CANCELLED: N_(
        "CANCELLED — put back: its order was cancelled. Do not pack it; put every item back."
    ),
    Notice.SHIPPED: N_("ALREADY SHIPPED — it has left the warehouse. Nothing to pack."),
    Notice.PACKED: N_("already packed and labelled. Reprint (F9) if a label is damaged."),
    Notice.NOT_PICKED: N_("not picked yet: finish its pick list first."),
}


def verb_state(verb: str, status: str, actor: Actor) -> VerbState:
    """May ``actor`` use ``verb`` on a shipment in ``status``; if not, why (for a tooltip)."""
    spec = PACK_VERBS[verb]
    if not actor.may(spec.permission):
        return VerbState(
            False, _("Needs the permission {permission}.").format(permission=spec.permission.value)
        )
    if status not in spec.from_states:
        why = _WHY_NOT.get(queries.notice_for(status))
        return VerbState(False, _(why) if why else status)
    return VerbState(True)


def _refuse_unless(verb: str, shipment: Shipment, actor: Actor) -> None:
    _refuse_in(verb, shipment.status, shipment.id, actor)


def _refuse_in(verb: str, status: str, shipment_id: int, actor: Actor) -> None:
    spec = PACK_VERBS[verb]
    require(actor, spec.permission)
    if status not in spec.from_states:
        why = _WHY_NOT.get(queries.notice_for(status), N_("not waiting to be packed."))
        raise ShipmentNotPackable(entity_number("shipment", shipment_id), status, why)


# Built once: every scan locks its shipment and finds its parcel.
_LOCKED = select(Shipment).where(Shipment.id == bindparam("sid")).with_for_update()
_OPEN_PARCEL = (
    select(Parcel)
    .where(Parcel.shipment_id == bindparam("sid"), Parcel.status == "open")
    .order_by(Parcel.sequence.desc())
    .limit(1)
)
_LAST_SEQUENCE = select(func.max(Parcel.sequence)).where(Parcel.shipment_id == bindparam("sid"))


def _locked(session: Session, shipment_id: int) -> Shipment:
    shipment = session.scalar(_LOCKED, {"sid": shipment_id})
    if shipment is None:
        raise NotAtStation(entity_number("shipment", shipment_id))
    return shipment


def _audit(
    session,
    actor,
    kind: str,
    entity_id: int,
    action: str,
    reason: str = "",
    detail: dict | None = None,
) -> None:
    record_event(
        session,
        actor,
        entity_type=kind,
        entity_id=entity_id,
        action=action,
        reason=reason,
        detail=detail,
    )


def _current_parcel(session: Session, actor: Actor, shipment: Shipment) -> Parcel:
    """The last open parcel; the first parcel is made when there is none yet."""
    parcel = session.scalar(_OPEN_PARCEL, {"sid": shipment.id})
    if parcel is not None:
        return parcel
    last = session.scalar(_LAST_SEQUENCE, {"sid": shipment.id})
    parcel = Parcel(shipment_id=shipment.id, sequence=(last or 0) + 1, status="open")
    session.add(parcel)
    session.flush()
    _audit(
        session,
        actor,
        "parcel",
        parcel.id,
        "open",
        f"{entity_number('shipment', shipment.id)} parcel {parcel.sequence}",
    )
    return parcel


# The station's hot verbs (open, scan, weigh) work on plain rows: the shipment read once
# (its row locked), each change one guarded statement whose row count says whether it
# held, the state after the change derived from that read plus the change.
_PARCEL_ROWS = Parcel.__table__
_SCAN_ROWS = PackScan.__table__
_ADD_PARCEL = Prepared(
    insert(_PARCEL_ROWS)
    .values(
        shipment_id=bindparam("sid"),
        sequence=bindparam("sequence"),
        status="open",
        created_at=bindparam("at", type_=_PARCEL_ROWS.c.created_at.type),
        signature_required=False,
        insured=False,
        version=1,
    )
    .returning(_PARCEL_ROWS.c.id)
)
_UNITS_SCANNED = (
    select(func.count())
    .where(
        _SCAN_ROWS.c.shipment_id == bindparam("guard_sid"),
        _SCAN_ROWS.c.product_id == bindparam("guard_product"),
        _SCAN_ROWS.c.kind == "item",
        _SCAN_ROWS.c.undone.is_(False),
    )
    .scalar_subquery()
)
# One unit into an open parcel of a shipment still waiting to be packed, while fewer than
# the wanted units were scanned: no row is added when another desk got there first.
_ADD_UNIT = Prepared(
    insert(_SCAN_ROWS).from_select(
        [
            *("shipment_id", "parcel_id", "product_id", "at", "actor_id"),
            *("actor_name", "kind", "code", "undone", "note"),
        ],
        select(
            bindparam("sid", type_=Integer),
            bindparam("parcel_id", type_=Integer),
            bindparam("product_id", type_=Integer),
            bindparam("at", type_=_SCAN_ROWS.c.at.type),
            bindparam("actor_id", type_=Integer),
            bindparam("actor_name", type_=String),
            literal("item", String),
            bindparam("code", type_=String),
            false(),
            literal("", String),
        ).where(
            exists().where(Shipment.id == bindparam("guard_sid"), Shipment.status == "picked"),
            exists().where(
                _PARCEL_ROWS.c.id == bindparam("guard_parcel"),
                _PARCEL_ROWS.c.shipment_id == bindparam("guard_sid"),
                _PARCEL_ROWS.c.status == "open",
            ),
            bindparam("wanted", type_=Integer) > _UNITS_SCANNED,
        ),
    )
)
_WEIGH = Prepared(
    update(_PARCEL_ROWS)
    .where(
        _PARCEL_ROWS.c.id == bindparam("pid"),
        _PARCEL_ROWS.c.shipment_id == bindparam("sid"),
        _PARCEL_ROWS.c.status == "open",
        exists().where(Shipment.id == bindparam("guard_sid"), Shipment.status == "picked"),
    )
    .values(weight_g=bindparam("grams", type_=Integer), version=_PARCEL_ROWS.c.version + 1)
)


def _read_locked(session: Session, shipment_id: int) -> StationRead:
    read = queries.read_station(session, shipment_id, lock=True)
    if read is None:
        raise NotAtStation(entity_number("shipment", shipment_id))
    return read


def _open_parcel(session: Session, actor: Actor, read: StationRead) -> ParcelRow:
    """The last open parcel; the first (or next) is made when there is none open."""
    current = read.current_parcel()
    if current is not None:
        return current
    sequence = max((p.sequence for p in read.parcels), default=0) + 1
    made = _ADD_PARCEL.scalar(
        session, {"sid": read.shipment_id, "sequence": sequence, "at": utcnow()}
    )
    parcel = ParcelRow(made, sequence, "open", None, None, None, 0, None, 1)
    read.parcels.append(parcel)
    _audit(
        session,
        actor,
        "parcel",
        parcel.parcel_id,
        "open",
        f"{entity_number('shipment', read.shipment_id)} parcel {sequence}",
    )
    return parcel


# --------------------------------------------------------------------------- opening


def open_shipment(source, actor: Actor, code: str) -> PackState:
    """The shipment a scanned SH-/SO-/tote code means, ready at the station (its first
    parcel made when it is picked). A cancelled or shipped one opens too: its state says
    so (``notice``) for the station to show loudly; nothing is changed then."""
    require(actor, Permission.PICK_AND_PACK)

    def work(uow: UnitOfWork) -> PackState:
        session = uow.session
        parsed = parse_number(code)
        if parsed is not None and parsed[0] == "shipment":
            shipment_id = parsed[1]  # the locked read below says whether it exists
        else:
            shipment_id = queries.shipment_of_code(session, code)
        read = None
        if shipment_id is not None:
            read = queries.read_station(session, shipment_id, lock=True)
        if read is None:
            raise NotAtStation(code.strip())
        if read.status == "picked" and read.current_parcel() is None:
            _open_parcel(session, actor, read)
            uow.commit()
        return queries.station_state(session, read, code.strip())

    return with_retries(uow_factory(source), work, "open shipment")


def state(source, shipment_id: int) -> PackState:
    with uow_factory(source)() as uow:
        return queries.pack_state(uow.session, shipment_id)


# --------------------------------------------------------------------------- scanning


class _NotAnItem(Exception):
    """The code scanned as an item is a package code or another shipment's tote."""

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.kind = kind


def scan_item(
    source, actor: Actor, shipment_id: int, code: str, *, redirect: bool = False
) -> PackResult:
    """One item scanned into the current parcel; a wrong or extra item is refused.
    ``redirect``: a package code or another shipment's tote is handed back to the caller
    (``station_scan``) instead of being refused as a wrong item, and a carrier's tracking
    number is recorded (``app.packing.tracking``) in this scan's transaction."""
    make_uow = uow_factory(source)
    code = (code or "").strip()

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        read = _read_locked(session, shipment_id)
        if redirect and read.status != "picked" and _other_shipment(session, code):
            raise _NotAnItem("shipment")  # the next tote, after this one was packed
        _refuse_in("scan", read.status, shipment_id, actor)
        wanted, products = read.wanted, read.products
        product = next((p for p in products.values() if matches_item(code, p.sku, p.barcode)), None)
        if product is None:
            if redirect and queries.is_package_code(session, code):
                raise _NotAnItem("package")
            if redirect and looks_like_tracking_number(code):
                return _scanned_number(uow, actor, read, code)
            if redirect and _other_shipment(session, code):
                raise _NotAnItem("shipment")
            raise WrongPackItem(code, entity_number("shipment", shipment_id))
        pid = product.product_id
        done = read.scanned_by_product().get(pid, 0)
        if done >= wanted[pid]:
            raise ExtraPackItem(product.sku, wanted[pid])
        parcel = _open_parcel(session, actor, read)
        added = _ADD_UNIT.rowcount(
            session,
            {
                "sid": shipment_id,
                "parcel_id": parcel.parcel_id,
                "product_id": pid,
                "at": utcnow(),
                "actor_id": actor.user_id,
                "actor_name": actor.username,
                "code": code[:80],
                "guard_sid": shipment_id,
                "guard_parcel": parcel.parcel_id,
                "guard_product": pid,
                "wanted": wanted[pid],
            },
        )
        if added != 1:
            _explain_lost_scan(session, actor, shipment_id, product)
        uow.commit()
        read.units[parcel.parcel_id, pid] = read.units.get((parcel.parcel_id, pid), 0) + 1
        after = queries.station_state(session, read, code)
        message = _("{sku}: {done} of {wanted}").format(
            sku=product.sku, done=done + 1, wanted=wanted[pid]
        )
        if after.verified:
            message += " — " + _("every item verified: weigh, then print (F10)")
        return PackResult(message, after)

    def _other_shipment(session: Session, scanned: str) -> bool:
        return queries.shipment_of_code(session, scanned) not in (None, shipment_id)

    try:
        return with_retries(make_uow, work, "pack scan")
    except _NumberRefused as refused:
        raise refused.error from None
    except PackingError as refused:
        if not isinstance(refused, NotAtStation):
            _record_refusal(make_uow, actor, shipment_id, code, refused)
        raise


class _NumberRefused(Exception):
    """A scanned tracking number the tracking verb refused: raised as its own error, not
    recorded as a refused item scan."""

    def __init__(self, error: PackingError) -> None:
        super().__init__(str(error))
        self.error = error


def _scanned_number(uow: UnitOfWork, actor: Actor, read: StationRead, code: str) -> PackResult:
    """A carrier's tracking number scanned into the item field: recorded in the scan's
    own transaction, on what it read (see ``app.packing.tracking``)."""
    from app.packing.tracking import record_scanned_number  # builds on these verbs

    try:
        return record_scanned_number(uow, actor, read, code)
    except PackingError as refused:
        raise _NumberRefused(refused) from refused


def _explain_lost_scan(session: Session, actor: Actor, shipment_id: int, product) -> None:
    """The guarded insert added no unit: read again and say why (cancelled meanwhile, the
    last unit scanned at another station …)."""
    read = _read_locked(session, shipment_id)
    _refuse_in("scan", read.status, shipment_id, actor)
    wanted = read.wanted.get(product.product_id, 0)
    if read.scanned_by_product().get(product.product_id, 0) >= wanted:
        raise ExtraPackItem(product.sku, wanted)
    raise ConcurrentUpdate(entity_number("shipment", shipment_id))


def _record_refusal(make_uow, actor: Actor, shipment_id: int, code: str, error) -> None:
    def work(uow: UnitOfWork) -> None:
        uow.session.add(
            PackScan(
                shipment_id=shipment_id,
                parcel_id=None,
                product_id=None,
                at=utcnow(),
                actor_id=actor.user_id,
                actor_name=actor.username,
                kind="refused",
                code=code[:80],
                undone=False,
                note=str(error)[:500],
            )
        )
        uow.commit()

    with_retries(make_uow, work, "record a refused pack scan")


def undo_last_scan(source, actor: Actor, shipment_id: int) -> PackResult:
    """Take back the last accepted item scan of a parcel not yet labelled."""

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        shipment = _locked(session, shipment_id)
        _refuse_unless("undo", shipment, actor)
        last = session.scalar(
            select(PackScan)
            .join(Parcel, Parcel.id == PackScan.parcel_id)
            .where(
                PackScan.shipment_id == shipment_id,
                PackScan.kind == "item",
                PackScan.undone.is_(False),
                Parcel.status == "open",
            )
            .order_by(PackScan.id.desc())
            .limit(1)
        )
        if last is None:
            raise PackNothingToUndo(entity_number("shipment", shipment_id))
        last.undone = True
        uow.commit()
        return PackResult(
            _("Undone: {code}").format(code=last.code), queries.pack_state(session, shipment_id)
        )

    return with_retries(uow_factory(source), work, "undo pack scan")


def new_parcel(source, actor: Actor, shipment_id: int) -> PackResult:
    """Close the current parcel for scanning; the next scans go into a new one."""

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        shipment = _locked(session, shipment_id)
        _refuse_unless("new_parcel", shipment, actor)
        current = _current_parcel(session, actor, shipment)
        units = queries.scanned_units(session, shipment_id)
        number = entity_number("shipment", shipment_id)
        if not any(n for (pcl, _p), n in units.items() if pcl == current.id):
            raise ParcelNotReady(
                number, current.sequence, N_("it is empty: scan its items before starting another.")
            )
        parcel = Parcel(shipment_id=shipment_id, sequence=current.sequence + 1, status="open")
        session.add(parcel)
        session.flush()
        _audit(session, actor, "parcel", parcel.id, "open", f"{number} parcel {parcel.sequence}")
        uow.commit()
        return PackResult(
            _("Parcel {n} started: scan its items.").format(n=parcel.sequence),
            queries.pack_state(session, shipment_id),
        )

    return with_retries(uow_factory(source), work, "new parcel")


def _target_parcel(session, actor, shipment: Shipment, parcel_id: int | None) -> Parcel:
    if parcel_id is None:
        return _current_parcel(session, actor, shipment)
    parcel = session.get(Parcel, parcel_id)
    if parcel is None or parcel.shipment_id != shipment.id:
        raise NotAtStation(str(parcel_id))
    if parcel.status != "open":
        raise LabelAlreadyPrinted(entity_number("shipment", shipment.id))
    return parcel


def _weighed_parcel(
    session: Session, actor: Actor, read: StationRead, parcel_id: int | None
) -> ParcelRow:
    if parcel_id is None:
        return _open_parcel(session, actor, read)
    parcel = read.parcel(parcel_id)
    if parcel is None:
        raise NotAtStation(str(parcel_id))
    if parcel.status != "open":
        raise LabelAlreadyPrinted(entity_number("shipment", read.shipment_id))
    return parcel


def set_weight(
    source,
    actor: Actor,
    shipment_id: int,
    grams: int,
    parcel_id: int | None = None,
    settings: PackingSettings | None = None,
) -> PackResult:
    """The parcel's weight (typed, or from a scale that types); 0 g or 500 kg are refused,
    a weight off the items' expected weight beyond the tolerance is kept with a warning."""
    settings = settings or PackingSettings()
    check_weight_range(grams, settings)

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        read = _read_locked(session, shipment_id)
        _refuse_in("weigh", read.status, shipment_id, actor)
        parcel = _weighed_parcel(session, actor, read, parcel_id)
        weighed = _WEIGH.rowcount(
            session,
            {"pid": parcel.parcel_id, "sid": shipment_id, "guard_sid": shipment_id, "grams": grams},
        )
        if weighed != 1:  # cancelled or labelled at another desk meanwhile
            again = _read_locked(session, shipment_id)
            _refuse_in("weigh", again.status, shipment_id, actor)
            raise LabelAlreadyPrinted(entity_number("shipment", shipment_id))
        parcel = dataclasses.replace(parcel, weight_g=grams, version=parcel.version + 1)
        read.replace_parcel(parcel)
        # Weighed: the carrier the rules will choose is known (whose waybill to scan).
        carrier = queries.chosen_carrier(session, read.parcels) or planned_carrier_code(
            session, read
        )
        after = queries.station_state(session, read, carrier=carrier)
        view = next(p for p in after.parcels if p.parcel_id == parcel.parcel_id)
        check = check_weight(grams, view.expected_g, settings)
        _audit(
            session,
            actor,
            "parcel",
            parcel.parcel_id,
            "weigh",
            weight_text(grams),
            {"weighed_g": grams, "expected_g": view.expected_g, "tolerance_g": check.tolerance_g},
        )
        uow.commit()
        message = _("Parcel {n}: {weight}").format(n=parcel.sequence, weight=weight_text(grams))
        warning = ""
        if view.units and not check.within:
            warning = _(
                "{difference} off the {expected} the items should weigh (tolerance "
                "{tolerance}): check the parcel's contents."
            ).format(
                difference=weight_text(abs(check.difference_g)),
                expected=weight_text(check.expected_g),
                tolerance=weight_text(check.tolerance_g),
            )
        return PackResult(message, after, warning)

    return with_retries(uow_factory(source), work, "weigh")


def choose_package(
    source, actor: Actor, shipment_id: int, code: str, parcel_id: int | None = None
) -> PackResult:
    """The packer's choice of package for the parcel (the suggestion is only a default)."""

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        shipment = _locked(session, shipment_id)
        _refuse_unless("package", shipment, actor)
        package = session.scalar(
            select(PackageType).where(
                func.upper(PackageType.code) == code.strip().upper(), PackageType.active.is_(True)
            )
        )
        if package is None:
            raise UnknownPackage(code.strip())
        parcel = _target_parcel(session, actor, shipment, parcel_id)
        parcel.package_type = package.code
        _audit(session, actor, "parcel", parcel.id, "package", package.code)
        uow.commit()
        return PackResult(
            _("Parcel {n}: {package}").format(n=parcel.sequence, package=package.name),
            queries.pack_state(session, shipment_id),
        )

    return with_retries(uow_factory(source), work, "choose package")


# --------------------------------------------------------------------------- the scan field


def notice_text(notice: Notice) -> str:
    why = _WHY_NOT.get(notice)
    return _(why) if why else ""


def station_scan(
    source,
    actor: Actor,
    shipment_id: int | None,
    code: str,
    printers: StationPrinters | None = None,
) -> PackResult:
    """Whatever was scanned into the station's one field: a shipment, order or tote opens
    it; a weight, a package code, PRINT or NEW-PARCEL act on the open shipment; anything
    else is an item of it (or refused as one)."""
    code = (code or "").strip()
    kind = classify_scan(code)
    if shipment_id is not None and kind is ScanKind.ITEM:
        try:
            return scan_item(source, actor, shipment_id, code, redirect=True)
        except _NotAnItem as not_an_item:
            if not_an_item.kind == "package":
                return choose_package(source, actor, shipment_id, code)
            kind = ScanKind.SHIPMENT
    if shipment_id is None or kind is ScanKind.SHIPMENT:
        opened = open_shipment(source, actor, code)
        message = notice_text(opened.notice) or _("{shipment} open: scan each item.").format(
            shipment=opened.number
        )
        return PackResult(message, opened)
    if kind is ScanKind.WEIGHT:
        return set_weight(source, actor, shipment_id, parse_weight(code) or 0)
    if kind is ScanKind.PACKAGE:
        return choose_package(source, actor, shipment_id, code)
    if kind is ScanKind.NEW_PARCEL:
        return new_parcel(source, actor, shipment_id)
    if kind is ScanKind.PRINT:
        if printers is None:
            raise PrintFailed("-", _("no label printer is set up at this station."))
        from app.packing.labelling import print_labels  # printing builds on these verbs

        return print_labels(source, actor, shipment_id, printers)
    return scan_item(source, actor, shipment_id, code)  # pragma: no cover - ITEM handled above
