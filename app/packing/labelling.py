"""Labels and packing slips printed at the station: every open parcel's label (refused
until its shipment is verified, unless a supervisor overrides with a reason), the slip, an
explicit reprint. Each print is recorded in ``parcel_labels`` in the same transaction as
its outcome: a label the printer did not take leaves its parcel open and says why; when
every parcel is labelled the shipment becomes packed through the workflow.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections import defaultdict, namedtuple
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from app.audit import add_events
from app.errors import ConcurrentUpdate, PrintFailed
from app.i18n import N_, _, ngettext
from app.labels.model import (
    CarrierLabelSource,
    ContentLine,
    CustomsForm,
    PackingSlipDoc,
    ShippingLabelDoc,
    SlipLine,
)
from app.labels.packing_slip import SlipSize, render_packing_slip_pdf
from app.labels.shipping import render_shipping_label_pdf
from app.labels.zpl import render_shipping_labels_zpl
from app.live import notify
from app.numbers import entity_number, order_number
from app.packing import queries
from app.packing.errors import (
    LabelAlreadyPrinted,
    NotAtStation,
    OverrideNeedsReason,
    ParcelNotReady,
    VerificationIncomplete,
)
from app.packing.model import PackResult, PackState
from app.packing.printers import StationPrinters
from app.packing.queries import StationRead
from app.packing.service import SHIPMENTS, _audit, _refuse_in
from app.packing.tracking import choose_carrier_if_none, number_parcels
from app.permissions import Actor
from app.picking.service import uow_factory
from app.prepared import Prepared
from app.shipping.carrier_table import carrier_table
from app.shipping.customs import crosses_customs_border, shipment_declarations
from app.shipping.documents import order_address, warehouse_address
from app.uow import UnitOfWork
from app.workflow import RecordState, TransitionPlan, plan_transition
from db.models import Order, OrderLine, Shipment, Warehouse, utcnow
from db.models_shipping import Parcel, ParcelLabel

SERVICE_LEVELS = {
    "standard": N_("Standard"),
    "expedited": N_("Expedited"),
    "next_day": N_("Next day"),
}


# --------------------------------------------------------------------------- labels


def _names_of_service(session: Session, service_id: int) -> tuple[str, str, bool] | None:
    """The parcel's carrier and service names, from the desk's copy of the carrier tables."""
    table = carrier_table(session, knowing=service_id)
    carrier, service = table.carrier_of_service(service_id)
    if carrier is None or service is None:
        return None
    return carrier.name, service.name, carrier.issues_labels


def _carrier_of(session: Session, parcel, facts):
    """(carrier name, service name, whether the carrier issues its own labels)."""
    if parcel.carrier_service_id is not None:
        names = _names_of_service(session, parcel.carrier_service_id)
        if names is not None:
            return names
    level = facts.shipment_service or facts.requested_service or "standard"
    return facts.shipment_carrier or _("Own fleet"), _(SERVICE_LEVELS.get(level, level)), False


_ORDER_FACTS = (
    select(
        Order.id,
        Order.requested_service,
        Order.channel_order_id,
        Order.amounts_source,
        Order.is_gift,
        Order.gift_message,
        Order.purchased_at,
        Order.received_at,
        Order.currency,
        Order.purchase_order_number,
        Order.ship_name,
        Order.ship_line1,
        Order.ship_line2,
        Order.ship_line3,
        Order.ship_city,
        Order.ship_region,
        Order.ship_postal_code,
        Order.ship_country,
        Order.ship_phone,
        Warehouse.name.label("warehouse_name"),
        Warehouse.city.label("warehouse_city"),
        Warehouse.country_code.label("warehouse_country"),
        Shipment.service.label("shipment_service"),
        Shipment.carrier.label("shipment_carrier"),
    )
    .select_from(Shipment)
    .join(Order, Order.id == Shipment.order_id)
    .join(Warehouse, Warehouse.id == Shipment.warehouse_id)
    .where(Shipment.id == bindparam("sid"))
)
_OrderFacts = namedtuple("_OrderFacts", [c.key for c in _ORDER_FACTS.selected_columns])
_DRIVER_ORDER_FACTS = Prepared(_ORDER_FACTS)
_PARCEL_FACTS = Prepared(
    select(
        Parcel.id,
        Parcel.sequence,
        Parcel.status,
        Parcel.package_type,
        Parcel.weight_g,
        Parcel.tracking_number,
        Parcel.carrier_service_id,
        Parcel.version,
        Parcel.shipment_id,
    )
    .where(Parcel.shipment_id == bindparam("sid"))
    .order_by(Parcel.sequence)
)


@dataclass
class _ParcelFacts:
    """A parcel as the print reads it (plain values, kept up to date by the print's own
    statements); named like ``Parcel``'s attributes, so a loaded parcel is drawn alike."""

    id: int
    sequence: int
    status: str
    package_type: str | None
    weight_g: int | None
    tracking_number: str | None
    carrier_service_id: int | None
    version: int
    shipment_id: int


def _parcel_facts(session: Session, shipment_id: int) -> list[_ParcelFacts]:
    return [_ParcelFacts(*row) for row in _PARCEL_FACTS.all(session, {"sid": shipment_id})]


def _facts_of(read: StationRead) -> list[_ParcelFacts]:
    """The parcels of a station's read, as the print reads them."""
    return [
        _ParcelFacts(
            p.parcel_id,
            p.sequence,
            p.status,
            p.package_type,
            p.weight_g,
            p.tracking_number,
            p.carrier_service_id,
            p.version,
            read.shipment_id,
        )
        for p in read.parcels
    ]


@dataclass(frozen=True)
class _WarehouseFacts:
    name: str
    city: str | None
    country_code: str


class _Docs:
    """Everything the labels and the slip of one shipment are drawn from."""

    def __init__(
        self,
        session: Session,
        shipment_id: int,
        override: bool,
        state: PackState | None = None,
        units: dict[tuple[int | None, int], int] | None = None,
        parcels: list[_ParcelFacts] | None = None,
    ) -> None:
        self.session = session
        self.shipment_id = shipment_id
        # The columns the label and slip show (its order's, its warehouse's), not objects
        # loaded; read through the driver, so what the ORM holds goes first.
        session.flush()
        params = {"sid": shipment_id}
        self.order = _OrderFacts(*_DRIVER_ORDER_FACTS.first(session, params))
        self.warehouse = _WarehouseFacts(
            self.order.warehouse_name, self.order.warehouse_city, self.order.warehouse_country
        )
        self.state = state or queries.pack_state(session, shipment_id)
        self.parcels = parcels if parcels is not None else _parcel_facts(session, shipment_id)
        if units is None:
            units = queries.scanned_units(session, shipment_id)
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

    @functools.cached_property
    def ship_to(self):  # the same on every label and the slip: worked out once
        return order_address(self.order)

    @functools.cached_property
    def ship_from(self):
        return warehouse_address(self.warehouse)

    def label(self, parcel: Parcel | _ParcelFacts) -> ShippingLabelDoc:
        carrier, service, issues_labels = _carrier_of(self.session, parcel, self.order)
        inside = self.contents.get(parcel.id, {})
        lines = tuple(
            ContentLine(self.items[pid].sku, self.items[pid].name, self.items[pid].spec, n)
            for pid, n in inside.items()
            if pid in self.items and n
        )
        fragile = any(self.items[pid].fragile for pid in inside if pid in self.items)
        return ShippingLabelDoc(
            ship_from=self.ship_from,
            ship_to=self.ship_to,
            order_number=order_number(self.order.id),
            shipment_number=entity_number("shipment", self.shipment_id),
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
            # A carrier that issues its own label: ours is the hand-over label beside it.
            source=CarrierLabelSource.CARRIER if issues_labels else CarrierLabelSource.OURS,
        )

    def slip(self) -> PackingSlipDoc:
        prices = dict(
            self.session.execute(
                select(OrderLine.product_id, OrderLine.unit_price_cents).where(
                    OrderLine.order_id == self.order.id
                )
            ).all()
        )
        if self.order.amounts_source != "channel" or self.order.is_gift:
            # Our estimate is not what the customer paid, and a gift's recipient is not
            # told what it cost: no prices on the slip.
            prices = {}
        lines = tuple(
            SlipLine(i.sku, i.name, i.spec, i.wanted, prices.get(i.product_id))
            for i in self.state.items
        )
        placed = self.order.purchased_at or self.order.received_at
        return PackingSlipDoc(
            order_number=order_number(self.order.id),
            shipment_number=entity_number("shipment", self.shipment_id),
            order_date=placed.date() if placed else dt.date.today(),
            ship_to=self.ship_to,
            ship_from=self.ship_from,
            lines=lines,
            currency=self.order.currency,
            customer_po=self.order.purchase_order_number or "",
            channel_order_id=self.order.channel_order_id or "",
            gift=self.order.is_gift,
            gift_message=self.order.gift_message or "",
        )


def render_label(doc: ShippingLabelDoc, label_format: str, printers: StationPrinters) -> bytes:
    if label_format == "zpl":
        return render_shipping_labels_zpl([doc], printers.zpl)
    return render_shipping_label_pdf(doc)


def _check_ready(docs: _Docs, parcels: list[_ParcelFacts]) -> dict[int, str]:
    """Each parcel's package: the packer's choice, else the suggestion (kept when the
    label prints)."""
    packages = {}
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
        package = parcel.package_type or views[parcel.id].suggested_package
        if package is None:
            raise ParcelNotReady(
                number, parcel.sequence, N_("choose its package (scan the package's code).")
            )
        packages[parcel.id] = package
    return packages


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
        number = entity_number("shipment", shipment_id)
        read = queries.read_station(session, shipment_id, lock=True)  # its row locked
        if read is None:
            raise NotAtStation(number)
        current = queries.station_state(session, read)
        override = override_reason is not None and not current.verified
        _refuse_in("override" if override else "print", read.status, shipment_id, actor)
        if not current.verified and override_reason is None:
            raise VerificationIncomplete(number, current.scanned, current.wanted)
        if override and not override_reason.strip():
            raise OverrideNeedsReason(number)
        # What the station read just above (its row locked): not read again.
        docs = _Docs(session, shipment_id, override, current, read.units, _facts_of(read))
        # A parcel started but left empty is dropped, not labelled.
        for parcel in [p for p in docs.parcels if p.status == "open" and len(docs.parcels) > 1]:
            if not docs.contents.get(parcel.id):
                _drop(session, parcel)
                docs.parcels.remove(parcel)
        pending = [p for p in docs.parcels if p.status == "open"]
        if not pending:
            raise LabelAlreadyPrinted(number)
        packages = _check_ready(docs, pending)
        version = read.version
        chosen = choose_carrier_if_none(session, actor, shipment_id, pending)
        if chosen is not None:  # the rules' carrier went on the shipment and its parcels
            version = chosen
            docs.parcels = _parcel_facts(session, shipment_id)
            pending = [p for p in docs.parcels if p.status == "open"]
        number_parcels(session, actor, shipment_id, pending)
        # A cross-border parcel's declaration is made before any label prints: a product
        # without its HS code or origin stops the print, by name.
        sequences = {p.sequence for p in pending}
        declarations = []
        if crosses_customs_border(docs.warehouse.country_code, docs.order.ship_country):
            declarations = [
                d
                for d in shipment_declarations(session, shipment_id, signed_by=actor.username)
                if d.parcel_index in sequences
            ]
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
                session,
                actor,
                docs,
                parcel,
                printers,
                "print",
                override_reason or "",
                packages[parcel.id],
            )
            if failure is not None:
                break
        if failure is not None:
            for parcel in pending:  # the suggested package stays chosen
                if parcel.status == "open" and parcel.package_type is None:
                    _keep_package(session, parcel, packages[parcel.id])
            uow.commit()  # the failed attempt is history too
            raise failure
        packed = _pack(session, actor, read, version, docs.parcels)
        slip_note = _print_slip(docs, printers, slip_size)
        customs_note = _print_customs(session, actor, docs, declarations, printers)
        slip_note = " ".join(n for n in (slip_note, customs_note) if n)
        notify(session, SHIPMENTS)
        uow.commit()
        message = ngettext(
            "{shipment} packed: {count} label printed.",
            "{shipment} packed: {count} labels printed.",
            len(pending),
        ).format(shipment=number, count=len(pending))
        after = _after_print(current, packed, docs.parcels, pending)
        if chosen is not None:  # chosen by this print
            after = dataclasses.replace(after, carrier=queries.chosen_carrier(session, pending))
        return PackResult(message, after, slip_note)

    # Not retried: a retry after a conflict could print a label twice.
    with uow_factory(source)() as uow:
        return work(uow)


# The shipment packed with its weight: the workflow's guarded move (the UPDATE of
# ``apply_plans_guarded`` for these columns, guarded by the version read) as one statement
# on the driver, for the print that runs at every shipment.
_SHIPMENTS = Shipment.__table__
_PACKED = Prepared(
    update(_SHIPMENTS)
    .where(_SHIPMENTS.c.id == bindparam("sid"), _SHIPMENTS.c.version == bindparam("seen_version"))
    .values(
        status=bindparam("to_state", type_=_SHIPMENTS.c.status.type),
        status_changed_at=bindparam("at", type_=_SHIPMENTS.c.status_changed_at.type),
        weight_g=bindparam("weight", type_=_SHIPMENTS.c.weight_g.type),
        version=_SHIPMENTS.c.version + 1,
    )
)


def _pack(
    session: Session, actor: Actor, read: StationRead, version: int, parcels: list[_ParcelFacts]
) -> TransitionPlan:
    """Every parcel labelled: the shipment packed, with its parcels' weight, as the
    workflow plans it (the move allowed for this person, its audit event)."""
    # Packed stamps no stage time, so no stage column is read.
    record = RecordState("shipment", read.shipment_id, read.status, version)
    plan = plan_transition(
        record, "packed", actor, now=utcnow(), reason=_parcels_text(len(parcels))
    )
    if set(plan.changes) != {"status", "status_changed_at"}:  # the statement's columns
        raise ValueError(f"{plan.kind} {plan.entity_id}: unexpected changes {sorted(plan.changes)}")
    done = _PACKED.rowcount(
        session,
        {
            "sid": read.shipment_id,
            "seen_version": version,
            "to_state": plan.to_state,
            "at": plan.changes["status_changed_at"],
            "weight": sum(p.weight_g or 0 for p in parcels),
        },
    )
    if done != 1:
        raise ConcurrentUpdate(entity_number("shipment", read.shipment_id))
    add_events(session, [plan.audit_row()])
    return plan


def _after_print(
    before: PackState,
    packed: TransitionPlan,
    parcels: list[_ParcelFacts],
    printed: list[_ParcelFacts],
) -> PackState:
    """The station's state before printing plus what printing changed: the shipment
    packed (its order is not changed by that), empty parcels dropped, its parcels labelled,
    numbered and packaged as written (the package the suggestion was, so their expected
    weight stays); what was scanned into them is unchanged."""
    facts = {p.id: p for p in parcels}
    printed_ids = {p.id for p in printed}
    views = tuple(
        dataclasses.replace(
            view,
            status=facts[view.parcel_id].status,
            package_type=facts[view.parcel_id].package_type,
            tracking_number=facts[view.parcel_id].tracking_number,
            labels=view.labels + int(view.parcel_id in printed_ids),
        )
        for view in before.parcels
        if view.parcel_id in facts
    )
    return dataclasses.replace(
        before,
        status=packed.to_state,
        version=packed.seen_version + 1,
        parcels=views,
        notice=queries.notice_for(packed.to_state),
        last_scan="",
        put_back_left=0,  # counted for a cancelled shipment only
    )


def _parcels_text(count: int) -> str:
    # Stored as the audit reason (English, like every stored reason), so no "(s)" either.
    return f"{count} parcel labelled" if count == 1 else f"{count} parcels labelled"


_LABELS = ParcelLabel.__table__
_PARCELS = Parcel.__table__
# A label's record and its parcel's move to labelled, written straight through the driver
# (the ORM's flush of the two rows cost more than the rest of a print).
_ADD_LABEL = Prepared(
    insert(_LABELS).values(
        parcel_id=bindparam("pid", type_=_LABELS.c.parcel_id.type),
        action=bindparam("label_action", type_=_LABELS.c.action.type),
        source="drawn",
        label_format=bindparam("label_format_", type_=_LABELS.c.label_format.type),
        printer=bindparam("printer_name", type_=_LABELS.c.printer.type),
        outcome=bindparam("label_outcome", type_=_LABELS.c.outcome.type),
        failure=bindparam("failure_reason", type_=_LABELS.c.failure.type),
        reason=bindparam("label_reason", type_=_LABELS.c.reason.type),
        content=bindparam("label_content", type_=_LABELS.c.content.type),
        user_id=bindparam("uid", type_=_LABELS.c.user_id.type),
        created_at=bindparam("at", type_=_LABELS.c.created_at.type),
    )
)
# The parcel still open, at the version the print read.
_OPEN_AT_SEEN = (
    _PARCELS.c.id == bindparam("pid"),
    _PARCELS.c.version == bindparam("seen_version"),
    _PARCELS.c.status == "open",
)
_LABELLED = Prepared(
    update(_PARCELS)
    .where(*_OPEN_AT_SEEN)
    .values(
        status="labelled",
        labelled_at=bindparam("at", type_=_PARCELS.c.labelled_at.type),
        package_type=bindparam("package", type_=_PARCELS.c.package_type.type),
        version=_PARCELS.c.version + 1,
    )
)


_DROP_EMPTY = Prepared(delete(_PARCELS).where(*_OPEN_AT_SEEN))
_KEEP_PACKAGE = Prepared(
    update(_PARCELS)
    .where(*_OPEN_AT_SEEN)
    .values(
        package_type=bindparam("package", type_=_PARCELS.c.package_type.type),
        version=_PARCELS.c.version + 1,
    )
)


def _guarded(session: Session, statement: Prepared, parcel: _ParcelFacts, **values) -> None:
    """One guarded write of a parcel the print read; another desk's change says so."""
    done = statement.rowcount(session, {"pid": parcel.id, "seen_version": parcel.version, **values})
    if done != 1:
        raise ConcurrentUpdate(f"{entity_number('shipment', parcel.shipment_id)}-{parcel.sequence}")


def _drop(session: Session, parcel: _ParcelFacts) -> None:
    _guarded(session, _DROP_EMPTY, parcel)


def _keep_package(session: Session, parcel: _ParcelFacts, package: str) -> None:
    _guarded(session, _KEEP_PACKAGE, parcel, package=package)
    parcel.package_type, parcel.version = package, parcel.version + 1


def _print_one(
    session,
    actor,
    docs: _Docs,
    parcel: Parcel,
    printers: StationPrinters,
    action: str,
    reason: str,
    package: str | None = None,
) -> PrintFailed | None:
    printer = printers.label
    data = render_label(docs.label(parcel), printer.label_format, printers)
    title = f"{docs.state.number}-{parcel.sequence}"
    record = {
        "pid": parcel.id,
        "label_action": action,
        "label_format_": printer.label_format,
        "printer_name": printer.name[:200],
        "label_reason": reason or None,
        "uid": actor.user_id,
        "at": utcnow(),
    }
    try:
        printer.send(data, title)
    except PrintFailed as error:
        _ADD_LABEL.rowcount(
            session,
            record | {"label_outcome": "failed", "failure_reason": error.reason,
                      "label_content": None},
        )  # fmt: skip
        _audit(session, actor, "parcel", parcel.id, "label_failed", error.reason)
        return error
    _ADD_LABEL.rowcount(
        session,
        record | {"label_outcome": "printed", "failure_reason": None, "label_content": data},
    )
    if action == "print":
        _mark_labelled(session, parcel, package or parcel.package_type)
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


def _mark_labelled(session: Session, parcel: _ParcelFacts, package: str | None) -> None:
    """The parcel labelled, in its row (guarded by the version the print read) and in
    the print's plain copy of it."""
    _guarded(session, _LABELLED, parcel, at=utcnow(), package=package)
    parcel.status, parcel.package_type, parcel.version = "labelled", package, parcel.version + 1


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


def _print_customs(
    session, actor: Actor, docs: _Docs, declarations: list, printers: StationPrinters
) -> str:
    """Each cross-border parcel's CN22 (4×6, on a PDF label printer, else the slip printer)
    or CN23 (A4, on the slip printer). What could not print is said in amber, with where
    to get it: the labels are already on their parcels."""
    notes = []
    by_sequence = {p.sequence: p for p in docs.parcels}
    for declaration in declarations:
        printer = printers.slip
        if declaration.form is CustomsForm.CN22 and printers.label.label_format == "pdf":
            printer = printers.label
        title = f"{docs.state.number}-{declaration.parcel_index}-{declaration.form.value}"
        parcel = by_sequence.get(declaration.parcel_index)
        if printer is None:
            notes.append(
                _(
                    "Parcel {n} needs a {form} customs declaration and no printer here takes "
                    "it: write it with 'orderdesk label {shipment}'."
                ).format(
                    n=declaration.parcel_index,
                    form=declaration.form.value,
                    shipment=docs.state.number,
                )
            )
            continue
        try:
            printer.send(declaration.render(), title)
        except PrintFailed as error:
            notes.append(error.message)
            continue
        if parcel is not None:
            _audit(
                session,
                actor,
                "parcel",
                parcel.id,
                "customs_printed",
                "",
                {"form": declaration.form.value, "printer": printer.name},
            )
    return " ".join(notes)


def reprint_label(
    source, actor: Actor, parcel_id: int, printers: StationPrinters, reason: str = ""
) -> PackResult:
    """An explicit reprint, with its reason: see ``app.packing.reprint`` (which also
    reprints the parcel's customs declaration)."""
    from app.packing.reprint import reprint_label as reprint

    return reprint(source, actor, parcel_id, printers, reason)
