"""The packing station's verbs, each one transaction: open a shipment, scan an item, undo,
start another parcel, weigh, choose the package, print (or reprint) the labels.

Every scan is its own short transaction with the shipment's row locked, so two stations
never count one shipment at once; a refused scan changes nothing but is recorded (with
its reason) in a transaction of its own, and its named error is raised. Printing renders
each open parcel's label, sends it, and records the outcome in ``parcel_labels`` in the
same transaction: a label that did not print leaves its parcel open and says why; when
every parcel is labelled the shipment becomes packed through the workflow.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import (
    ExtraPackItem,
    LabelAlreadyPrinted,
    NotAtStation,
    OverrideNeedsReason,
    PackingError,
    PackNothingToUndo,
    ParcelNotReady,
    PrintFailed,
    ShipmentNotPackable,
    UnknownPackage,
    VerificationIncomplete,
    WrongPackItem,
)
from app.i18n import N_, _
from app.labels.model import Address, ContentLine, PackingSlipDoc, ShippingLabelDoc, SlipLine
from app.labels.packing_slip import SlipSize, render_packing_slip_pdf
from app.labels.shipping import render_shipping_label_pdf, weight_text
from app.labels.zpl import render_shipping_labels_zpl
from app.live import notify
from app.numbers import entity_number, order_number
from app.packing import queries
from app.packing.model import (
    PACK_VERBS,
    Notice,
    PackageRuleFacts,
    PackingSettings,
    PackResult,
    PackState,
    ScanKind,
    VerbState,
)
from app.packing.printers import StationPrinters
from app.packing.rules import (
    check_weight,
    check_weight_range,
    classify_scan,
    matches_item,
    parse_weight,
)
from app.permissions import Actor, Permission, require
from app.picking.service import uow_factory, with_retries
from app.uow import UnitOfWork
from app.workflow import change_status
from db.models import Order, OrderLine, Shipment, Warehouse, utcnow
from db.models_packing import PackageType, PackScan
from db.models_shipping import Carrier, CarrierService, Parcel, ParcelLabel

SHIPMENTS = "shipments"
SERVICE_LEVELS = {
    "standard": N_("Standard"),
    "expedited": N_("Expedited"),
    "next_day": N_("Next day"),
}

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
    spec = PACK_VERBS[verb]
    require(actor, spec.permission)
    if shipment.status not in spec.from_states:
        why = _WHY_NOT.get(queries.notice_for(shipment.status), N_("not waiting to be packed."))
        raise ShipmentNotPackable(entity_number("shipment", shipment.id), shipment.status, why)


def _locked(session: Session, shipment_id: int) -> Shipment:
    shipment = session.scalar(select(Shipment).where(Shipment.id == shipment_id).with_for_update())
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
    parcel = session.scalar(
        select(Parcel)
        .where(Parcel.shipment_id == shipment.id, Parcel.status == "open")
        .order_by(Parcel.sequence.desc())
        .limit(1)
    )
    if parcel is not None:
        return parcel
    last = session.scalar(
        select(func.max(Parcel.sequence)).where(Parcel.shipment_id == shipment.id)
    )
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


# --------------------------------------------------------------------------- opening


def open_shipment(source, actor: Actor, code: str) -> PackState:
    """The shipment a scanned SH-/SO-/tote code means, ready at the station (its first
    parcel made when it is picked). A cancelled or shipped one opens too: its state says
    so (``notice``) for the station to show loudly; nothing is changed then."""
    require(actor, Permission.PICK_AND_PACK)

    def work(uow: UnitOfWork) -> PackState:
        session = uow.session
        shipment_id = queries.shipment_of_code(session, code)
        if shipment_id is None:
            raise NotAtStation(code.strip())
        shipment = _locked(session, shipment_id)
        if shipment.status == "picked":
            _current_parcel(session, actor, shipment)
            uow.commit()
        return queries.pack_state(session, shipment_id, code.strip())

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
    (``station_scan``) instead of being refused as a wrong item."""
    make_uow = uow_factory(source)
    code = (code or "").strip()

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        shipment = _locked(session, shipment_id)
        if redirect and shipment.status != "picked" and _other_shipment(session, code):
            raise _NotAnItem("shipment")  # the next tote, after this one was packed
        _refuse_unless("scan", shipment, actor)
        wanted, products = queries.wanted_products(session, shipment_id)
        product = next((p for p in products.values() if matches_item(code, p.sku, p.barcode)), None)
        if product is None:
            if redirect and queries.is_package_code(session, code):
                raise _NotAnItem("package")
            if redirect and _other_shipment(session, code):
                raise _NotAnItem("shipment")
            raise WrongPackItem(code, entity_number("shipment", shipment_id))
        units = queries.scanned_units(session, shipment_id)
        done = sum(n for (_parcel, pid), n in units.items() if pid == product.product_id)
        if done >= wanted[product.product_id]:
            raise ExtraPackItem(product.sku, wanted[product.product_id])
        parcel = _current_parcel(session, actor, shipment)
        session.add(
            PackScan(
                shipment_id=shipment_id,
                parcel_id=parcel.id,
                product_id=product.product_id,
                at=utcnow(),
                actor_id=actor.user_id,
                actor_name=actor.username,
                kind="item",
                code=code[:80],
                undone=False,
                note="",
            )
        )
        uow.commit()
        after = queries.pack_state(session, shipment_id, code)
        message = _("{sku}: {done} of {wanted}").format(
            sku=product.sku, done=done + 1, wanted=wanted[product.product_id]
        )
        if after.verified:
            message += " — " + _("every item verified: weigh, then print (F10)")
        return PackResult(message, after)

    def _other_shipment(session: Session, scanned: str) -> bool:
        return queries.shipment_of_code(session, scanned) not in (None, shipment_id)

    try:
        return with_retries(make_uow, work, "pack scan")
    except PackingError as refused:
        if not isinstance(refused, NotAtStation):
            _record_refusal(make_uow, actor, shipment_id, code, refused)
        raise


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
        shipment = _locked(session, shipment_id)
        _refuse_unless("weigh", shipment, actor)
        parcel = _target_parcel(session, actor, shipment, parcel_id)
        parcel.weight_g = grams
        session.flush()
        after = queries.pack_state(session, shipment_id)
        view = next(p for p in after.parcels if p.parcel_id == parcel.id)
        check = check_weight(grams, view.expected_g, settings)
        _audit(
            session,
            actor,
            "parcel",
            parcel.id,
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


# --------------------------------------------------------------------------- labels


def _address_of_order(order: Order) -> Address:
    lines = tuple(x for x in (order.ship_line1, order.ship_line2, order.ship_line3) if x)
    return Address(
        order.ship_name,
        lines,
        order.ship_city,
        order.ship_postal_code,
        order.ship_region,
        order.ship_country,
        phone=order.ship_phone or "",
    )


def _address_of_warehouse(warehouse: Warehouse) -> Address:
    return Address(warehouse.name, (), warehouse.city or "", "", "", warehouse.country_code)


def _carrier_of(session: Session, shipment: Shipment, parcel: Parcel, order: Order):
    if parcel.carrier_service_id is not None:
        row = session.execute(
            select(Carrier.name, CarrierService.name)
            .join(Carrier, Carrier.id == CarrierService.carrier_id)
            .where(CarrierService.id == parcel.carrier_service_id)
        ).first()
        if row is not None:
            return row[0], row[1]
    level = shipment.service or order.requested_service or "standard"
    return shipment.carrier or _("Own fleet"), _(SERVICE_LEVELS.get(level, level))


class _Docs:
    """Everything the labels and the slip of one shipment are drawn from."""

    def __init__(self, session: Session, shipment: Shipment, override: bool) -> None:
        self.session = session
        self.shipment = shipment
        self.order = session.get(Order, shipment.order_id)
        self.warehouse = session.get(Warehouse, shipment.warehouse_id)
        self.state = queries.pack_state(session, shipment.id)
        self.parcels = list(
            session.scalars(
                select(Parcel).where(Parcel.shipment_id == shipment.id).order_by(Parcel.sequence)
            )
        )
        units = queries.scanned_units(session, shipment.id)
        self.contents: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for (parcel_id, product_id), n in units.items():
            if parcel_id is not None:
                self.contents[parcel_id][product_id] += n
        if override and self.parcels:
            # Not verified: what was not scanned is declared in the last parcel.
            last = self.parcels[-1].id
            for item in self.state.items:
                if item.wanted > item.scanned:
                    self.contents[last][item.product_id] += item.wanted - item.scanned
        self.items = {i.product_id: i for i in self.state.items}

    def label(self, parcel: Parcel) -> ShippingLabelDoc:
        carrier, service = _carrier_of(self.session, self.shipment, parcel, self.order)
        inside = self.contents.get(parcel.id, {})
        lines = tuple(
            ContentLine(self.items[pid].sku, self.items[pid].name, self.items[pid].spec, n)
            for pid, n in inside.items()
            if pid in self.items and n
        )
        fragile = any(self.items[pid].fragile for pid in inside if pid in self.items)
        return ShippingLabelDoc(
            ship_from=_address_of_warehouse(self.warehouse),
            ship_to=_address_of_order(self.order),
            order_number=order_number(self.order.id),
            shipment_number=entity_number("shipment", self.shipment.id),
            carrier=carrier,
            service=service,
            tracking_number=parcel.tracking_number,
            parcel_index=parcel.sequence,
            parcel_count=len(self.parcels),
            contents=lines,
            weight_g=parcel.weight_g,
            fragile=fragile,
            this_side_up=fragile,
            channel_order_id=self.order.channel_order_id or "",
        )

    def slip(self) -> PackingSlipDoc:
        prices = dict(
            self.session.execute(
                select(OrderLine.product_id, OrderLine.unit_price_cents).where(
                    OrderLine.order_id == self.order.id
                )
            ).all()
        )
        lines = tuple(
            SlipLine(i.sku, i.name, i.spec, i.wanted, prices.get(i.product_id))
            for i in self.state.items
        )
        placed = self.order.purchased_at or self.order.received_at
        return PackingSlipDoc(
            order_number=order_number(self.order.id),
            shipment_number=entity_number("shipment", self.shipment.id),
            order_date=placed.date() if placed else dt.date.today(),
            ship_to=_address_of_order(self.order),
            ship_from=_address_of_warehouse(self.warehouse),
            lines=lines,
            currency=self.order.currency,
            channel_order_id=self.order.channel_order_id or "",
        )


def render_label(doc: ShippingLabelDoc, label_format: str, printers: StationPrinters) -> bytes:
    if label_format == "zpl":
        return render_shipping_labels_zpl([doc], printers.zpl)
    return render_shipping_label_pdf(doc)


def _check_ready(docs: _Docs, parcels: list[Parcel]) -> None:
    number = docs.state.number
    views = {p.parcel_id: p for p in docs.state.parcels}
    for parcel in parcels:
        if not docs.contents.get(parcel.id):
            raise ParcelNotReady(number, parcel.sequence, N_("it is empty: scan its items."))
        if parcel.weight_g is None:
            raise ParcelNotReady(
                number,
                parcel.sequence,
                N_("weigh it first (put it on the scale or type the weight)."),
            )
        if parcel.package_type is None:
            suggested = views[parcel.id].suggested_package
            if suggested is None:
                raise ParcelNotReady(
                    number, parcel.sequence, N_("choose its package (scan the package's code).")
                )
            parcel.package_type = suggested


def print_labels(
    source,
    actor: Actor,
    shipment_id: int,
    printers: StationPrinters,
    *,
    override_reason: str | None = None,
    slip_size: SlipSize = SlipSize.A5,
) -> PackResult:
    """Print the label of every open parcel (and the packing slip); refused until every
    item was scanned unless a supervisor overrides with a reason. A label the printer did
    not take is recorded as failed and its parcel stays open; ``PrintFailed`` says why."""

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        shipment = _locked(session, shipment_id)
        number = entity_number("shipment", shipment_id)
        current = queries.pack_state(session, shipment_id)
        override = override_reason is not None and not current.verified
        _refuse_unless("override" if override else "print", shipment, actor)
        if not current.verified and override_reason is None:
            raise VerificationIncomplete(number, current.scanned, current.wanted)
        if override and not override_reason.strip():
            raise OverrideNeedsReason(number)
        docs = _Docs(session, shipment, override)
        # A parcel started but left empty is dropped, not labelled.
        for parcel in [p for p in docs.parcels if p.status == "open" and len(docs.parcels) > 1]:
            if not docs.contents.get(parcel.id):
                session.delete(parcel)
                docs.parcels.remove(parcel)
        session.flush()
        pending = [p for p in docs.parcels if p.status == "open"]
        if not pending:
            raise LabelAlreadyPrinted(number)
        _check_ready(docs, pending)
        if override:
            _audit(
                session,
                actor,
                "shipment",
                shipment_id,
                "pack_override",
                override_reason,
                {"scanned": current.scanned, "wanted": current.wanted},
            )
        failure = None
        for parcel in pending:
            failure = _print_one(
                session, actor, docs, parcel, printers, "print", override_reason or ""
            )
            if failure is not None:
                break
        if failure is not None:
            uow.commit()  # the failed attempt is history too
            raise failure
        shipment.weight_g = sum(p.weight_g or 0 for p in docs.parcels)
        change_status(session, actor, shipment, "packed", reason=_parcels_text(len(docs.parcels)))
        slip_note = _print_slip(docs, printers, slip_size)
        notify(session, SHIPMENTS)
        uow.commit()
        message = _("{shipment} packed: {count} label(s) printed.").format(
            shipment=number, count=len(pending)
        )
        return PackResult(message, queries.pack_state(session, shipment_id), slip_note)

    # Not retried: a retry after a conflict could print a label twice.
    with uow_factory(source)() as uow:
        return work(uow)


def _parcels_text(count: int) -> str:
    return f"{count} parcel(s) labelled"


def _print_one(
    session, actor, docs: _Docs, parcel: Parcel, printers: StationPrinters, action: str, reason: str
) -> PrintFailed | None:
    printer = printers.label
    data = render_label(docs.label(parcel), printer.label_format, printers)
    title = f"{docs.state.number}-{parcel.sequence}"
    record = ParcelLabel(
        parcel_id=parcel.id,
        action=action,
        source="drawn",
        label_format=printer.label_format,
        printer=printer.name[:200],
        reason=reason or None,
        user_id=actor.user_id,
        created_at=utcnow(),
    )
    try:
        printer.send(data, title)
    except PrintFailed as error:
        record.outcome, record.failure = "failed", error.reason
        session.add(record)
        _audit(session, actor, "parcel", parcel.id, "label_failed", error.reason)
        return error
    record.outcome, record.content = "printed", data
    session.add(record)
    if action == "print":
        parcel.status = "labelled"
        parcel.labelled_at = utcnow()
    _audit(
        session,
        actor,
        "parcel",
        parcel.id,
        f"label_{action}",
        reason,
        {"printer": printer.name, "format": printer.label_format},
    )
    return None


def _print_slip(docs: _Docs, printers: StationPrinters, size: SlipSize) -> str:
    """The slip goes to the slip printer (A5), else 4×6 to a PDF label printer. A slip that
    does not print does not unlabel the parcel: the station says so, in amber."""
    printer = printers.slip
    if printer is None and printers.label.label_format == "pdf":
        printer, size = printers.label, SlipSize.LABEL_4X6
    if printer is None:
        return _("No slip printer is set up: print the packing slip from the order.")
    pdf = render_packing_slip_pdf(docs.slip(), size=size)
    try:
        printer.send(pdf, f"{docs.state.number}-slip")
    except PrintFailed as error:
        return error.message
    return ""


def reprint_label(
    source, actor: Actor, parcel_id: int, printers: StationPrinters, reason: str = ""
) -> PackResult:
    """An explicit reprint of a labelled parcel's label, recorded with who and why."""

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        parcel = session.get(Parcel, parcel_id)
        if parcel is None:
            raise NotAtStation(str(parcel_id))
        shipment = _locked(session, parcel.shipment_id)
        _refuse_unless("reprint", shipment, actor)
        docs = _Docs(session, shipment, override=False)
        failure = _print_one(
            session,
            actor,
            docs,
            parcel,
            printers,
            "reprint",
            reason or _("reprinted at the packing station"),
        )
        uow.commit()
        if failure is not None:
            raise failure
        return PackResult(
            _("{shipment} parcel {n}: label reprinted.").format(
                shipment=docs.state.number, n=parcel.sequence
            ),
            queries.pack_state(session, shipment.id),
        )

    with uow_factory(source)() as uow:
        return work(uow)


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
        return print_labels(source, actor, shipment_id, printers)
    return scan_item(source, actor, shipment_id, code)  # pragma: no cover - ITEM handled above


# --------------------------------------------------------------------------- the rules table


def install_default_packages(source, actor: Actor) -> int:
    """The usual package types and rules, for a station that has none yet. Returns how
    many package types were added (0 when the station had its own already)."""
    from app.packing.model import DEFAULT_PACKAGES, DEFAULT_RULES
    from db.models_packing import PackageRule

    require(actor, Permission.SUPERVISE_WAREHOUSE)
    with uow_factory(source)() as uow:
        session = uow.session
        if session.scalar(select(func.count()).select_from(PackageType)):
            return 0
        ids = {}
        for p in DEFAULT_PACKAGES:
            row = PackageType(
                code=p.code,
                name=p.name,
                kind=p.kind,
                tare_g=p.tare_g,
                inner_volume_cm3=p.inner_volume_cm3,
                max_weight_g=p.max_weight_g,
                active=True,
            )
            session.add(row)
            session.flush()
            ids[p.code] = row.id
        for r in DEFAULT_RULES:
            session.add(
                PackageRule(
                    rank=r.rank,
                    fragile=r.fragile,
                    soft=r.soft,
                    max_volume_cm3=r.max_volume_cm3,
                    max_weight_g=r.max_weight_g,
                    package_type_id=ids[r.package_code],
                    active=True,
                )
            )
        _audit(
            session,
            actor,
            "package_rule",
            0,
            "install_defaults",
            f"{len(DEFAULT_PACKAGES)} package types, {len(DEFAULT_RULES)} rules",
        )
        uow.commit()
        return len(DEFAULT_PACKAGES)


def add_package_rule(source, actor: Actor, rule: PackageRuleFacts) -> int:
    """A supervisor adds a rule (conditions → package code); returns its id."""
    from db.models_packing import PackageRule

    require(actor, Permission.SUPERVISE_WAREHOUSE)
    with uow_factory(source)() as uow:
        session = uow.session
        package_id = session.scalar(
            select(PackageType.id).where(func.upper(PackageType.code) == rule.package_code.upper())
        )
        if package_id is None:
            raise UnknownPackage(rule.package_code)
        row = PackageRule(
            rank=rule.rank,
            fragile=rule.fragile,
            soft=rule.soft,
            max_volume_cm3=rule.max_volume_cm3,
            max_weight_g=rule.max_weight_g,
            package_type_id=package_id,
            active=True,
        )
        session.add(row)
        session.flush()
        _audit(session, actor, "package_rule", row.id, "add", repr(rule))
        uow.commit()
        return row.id


def remove_package_rule(source, actor: Actor, rule_id: int) -> None:
    from app.errors import NotFound
    from db.models_packing import PackageRule

    require(actor, Permission.SUPERVISE_WAREHOUSE)
    with uow_factory(source)() as uow:
        session = uow.session
        row = session.get(PackageRule, rule_id)
        if row is None:
            raise NotFound("package rule", rule_id)
        _audit(session, actor, "package_rule", row.id, "remove", f"rank {row.rank}")
        session.delete(row)
        uow.commit()
