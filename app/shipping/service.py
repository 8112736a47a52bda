"""Verbs of shipping, one transaction each: choose a shipment's carrier service, record a
parcel's tracking number, import a carrier-issued label, hand a parcel over by scanning
its label (the shipment ships when its last parcel leaves; the order follows)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import AlreadyExists, InvalidInput, NotFound
from app.i18n import N_, NP_
from app.numbers import entity_number, order_number, parse_number
from app.permissions import Actor, Permission, require
from app.shipping.errors import ShipmentNotReady, UnknownLabelScan
from app.shipping.model import HandOver, ParcelNeeds, ServiceChoice
from app.shipping.queries import carrier_of_service, service_options
from app.shipping.rules import choose_service, level_of
from app.shipping.tracking_numbers import (
    check_tracking_number,
    normalise,
    own_fleet_tracking_number,
)
from app.uow import UnitOfWork
from app.workflow import OrderStatus, ShipmentStatus, change_status, may_transition
from db.models import Order, OrderLine, Product, Shipment, ShipmentLine, utcnow
from db.models_picking import Reservation
from db.models_shipping import Parcel

SS = ShipmentStatus
# A shipment in one of these has left the building.
DISPATCHED = frozenset(
    {SS.SHIPPED, SS.IN_TRANSIT, SS.DELIVERED, SS.DELAYED, SS.LOST, SS.DAMAGED, SS.RETURNED}
)


# --------------------------------------------------------------------------- carrier choice


def shipment_needs(session: Session, shipment: Shipment, order: Order) -> ParcelNeeds:
    """Value of the goods in this shipment, and its weight: the parcels' weighed total, else
    the products' weights."""
    value = session.scalar(
        select(
            func.coalesce(
                func.sum(OrderLine.line_total_cents * ShipmentLine.quantity / OrderLine.quantity),
                0,
            )
        )
        .select_from(ShipmentLine)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(ShipmentLine.shipment_id == shipment.id)
    )
    weighed = session.scalar(
        select(func.sum(Parcel.weight_g)).where(
            Parcel.shipment_id == shipment.id, Parcel.status != "voided"
        )
    )
    weight = weighed or shipment.weight_g
    if not weight:
        weight = session.scalar(
            select(func.coalesce(func.sum(Product.weight_g * ShipmentLine.quantity), 0))
            .select_from(ShipmentLine)
            .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(ShipmentLine.shipment_id == shipment.id)
        )
    return ParcelNeeds(
        requested_level=level_of(order.requested_service),
        value_cents=int(value or 0),
        currency=order.currency,
        weight_g=int(weight or 0),
        country_code=order.ship_country or "",
    )


def choose_carrier(uow: UnitOfWork, actor: Actor, shipment_id: int) -> ServiceChoice:
    """Choose and record the shipment's carrier service (on the shipment and its parcels)."""
    require(actor, Permission.PICK_AND_PACK)
    with uow:
        session = uow.session
        shipment = _shipment(session, shipment_id)
        _refuse_if_gone(shipment)
        order = session.get(Order, shipment.order_id)
        choice = choose_service(service_options(session), shipment_needs(session, shipment, order))
        apply_choice(session, actor, shipment, choice)
        uow.commit()
        return choice


def apply_choice(session: Session, actor: Actor, shipment: Shipment, choice: ServiceChoice):
    option = choice.option
    shipment.carrier = option.carrier_code
    shipment.service = option.service_code
    for parcel in session.scalars(
        select(Parcel).where(Parcel.shipment_id == shipment.id, Parcel.status != "voided")
    ):
        parcel.carrier_service_id = option.service_id
        parcel.signature_required = choice.signature
        parcel.insured = choice.insurance
    record_event(
        session,
        actor,
        entity_type="shipment",
        entity_id=shipment.id,
        action="carrier",
        detail={
            "carrier": option.carrier_code,
            "service": option.service_code,
            "signature": choice.signature,
            "insurance": choice.insurance,
            "faster_than_asked": choice.faster_than_asked,
        },
    )


# --------------------------------------------------------------------------- tracking numbers


def record_tracking_number(
    uow: UnitOfWork, actor: Actor, parcel_id: int, text: str | None = None
) -> str:
    """Check ``text`` against the parcel's carrier (format, check digit) and record it; for
    our own fleet, an empty ``text`` generates the number. A number already on another
    parcel is refused."""
    require(actor, Permission.PICK_AND_PACK)
    with uow:
        session = uow.session
        parcel = session.get(Parcel, parcel_id)
        if parcel is None:
            raise NotFound(N_("parcel"), parcel_id)
        carrier, _service = carrier_of_service(session, parcel.carrier_service_id)
        if carrier is None:
            raise InvalidInput("carrier", "", N_("a carrier service chosen for the parcel first"))
        if not (text or "").strip() and carrier.code == "own_fleet":
            number = own_fleet_tracking_number(parcel.id)
        else:
            number = check_tracking_number(carrier.code, text or "", carrier.name)
        taken = session.scalar(
            select(Parcel.id).where(Parcel.tracking_number == number, Parcel.id != parcel.id)
        )
        if taken is not None:
            raise AlreadyExists(N_("tracking number"), number)
        before = parcel.tracking_number
        parcel.tracking_number = number
        record_event(
            session,
            actor,
            entity_type="parcel",
            entity_id=parcel.id,
            action="tracking_number",
            from_state=before,
            to_state=number,
        )
        uow.commit()
        return number


# --------------------------------------------------------------------------- hand-over


def find_scanned(session: Session, code: str) -> tuple[Shipment, Parcel | None]:
    """A shipment number names the shipment (its next parcel is meant); a tracking number
    names one parcel."""
    parsed = parse_number(code)
    if parsed and parsed[0] == "shipment":
        shipment = session.get(Shipment, parsed[1])
        if shipment is None:
            raise UnknownLabelScan(code.strip())
        return shipment, None
    number = normalise(code)
    parcel = session.scalar(select(Parcel).where(Parcel.tracking_number == number).limit(1))
    if parcel is None:
        raise UnknownLabelScan(code.strip())
    return session.get(Shipment, parcel.shipment_id), parcel


def _shipment(session: Session, shipment_id: int) -> Shipment:
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(N_("shipment"), entity_number("shipment", shipment_id))
    return shipment


def _refuse_if_gone(shipment: Shipment) -> None:
    ref = entity_number("shipment", shipment.id)
    if shipment.status == SS.CANCELLED:
        raise ShipmentNotReady(
            N_("{shipment} is CANCELLED: do not ship it, put the goods back."), ref, "cancelled"
        )
    if shipment.status in DISPATCHED:
        raise ShipmentNotReady(
            N_("{shipment} has already shipped ({status}); it is not handed over twice."),
            ref,
            "shipped",
            status=shipment.status,
        )


def hand_over(uow: UnitOfWork, actor: Actor, code: str) -> HandOver:
    """The parcel whose label was scanned leaves with the carrier (time and who recorded).
    The last parcel of a shipment ships the shipment; the order is then shipped, or partly
    shipped while another of its shipments is still here."""
    require(actor, Permission.SHIP_ORDERS)
    with uow:
        session = uow.session
        shipment, parcel = find_scanned(session, code)
        _refuse_if_gone(shipment)
        ref = entity_number("shipment", shipment.id)
        parcels = list(
            session.scalars(
                select(Parcel)
                .where(Parcel.shipment_id == shipment.id, Parcel.status != "voided")
                .order_by(Parcel.sequence)
            )
        )
        if shipment.status != SS.PACKED:
            raise ShipmentNotReady(
                N_("{shipment} is {status}, not packed: finish packing and labelling first."),
                ref,
                "not_packed",
                status=shipment.status,
            )
        _refuse_if_unpicked(session, shipment, ref)
        parcel = _parcel_to_hand_over(shipment, ref, parcels, parcel)
        now = utcnow()
        parcel.status = "handed_over"
        parcel.handed_over_at = now
        parcel.handed_over_by = actor.user_id
        record_event(
            session,
            actor,
            entity_type="parcel",
            entity_id=parcel.id,
            action="handed_over",
            from_state="labelled",
            to_state="handed_over",
            detail={"shipment": ref, "tracking_number": parcel.tracking_number},
        )
        left = sum(1 for p in parcels if p.status != "handed_over")
        order = session.get(Order, shipment.order_id)
        if left == 0:
            if shipment.tracking_number is None:
                shipment.tracking_number = parcels[0].tracking_number
            change_status(session, actor, shipment, SS.SHIPPED)
            _order_follows(session, actor, order)
        carrier, _service = carrier_of_service(session, parcel.carrier_service_id)
        uow.commit()
        return HandOver(
            shipment_number=ref,
            order_number=order_number(order.id),
            parcel_index=parcel.sequence,
            parcel_count=len(parcels),
            tracking_number=parcel.tracking_number,
            carrier=carrier.name if carrier else shipment.carrier,
            parcels_left=left,
            shipment_shipped=left == 0,
            order_status=order.status,
            handed_over_at=now,
        )


def unpicked_units(session: Session, shipment_id: int) -> int:
    """Units still promised to the shipment but never picked (open reservations)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Reservation.quantity), 0))
            .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
            .where(ShipmentLine.shipment_id == shipment_id, Reservation.state == "open")
        )
        or 0
    )


def _refuse_if_unpicked(session: Session, shipment: Shipment, ref: str) -> None:
    # A parcel cannot hold what never left its bin; shipping it would leave a promise of
    # stock on a shipment that has gone (the stock check's invariant 3).
    units = unpicked_units(session, shipment.id)
    if units:
        raise ShipmentNotReady(
            NP_(
                "{shipment} still has {units} unit that was never picked; it cannot leave.",
                "{shipment} still has {units} units that were never picked; it cannot leave.",
                count="units",
            ),
            ref,
            "not_picked",
            units=units,
        )


def _parcel_to_hand_over(
    shipment: Shipment, ref: str, parcels: list[Parcel], scanned: Parcel | None
) -> Parcel:
    count = len(parcels)
    if scanned is None:
        waiting = [p for p in parcels if p.status == "labelled"]
        if not waiting:
            raise ShipmentNotReady(
                N_("{shipment} has no labelled parcel waiting to be handed over."),
                ref,
                "no_parcel",
            )
        return waiting[0]
    if scanned.status == "handed_over":
        raise ShipmentNotReady(
            N_("Parcel {index} of {count} of {shipment} was already handed over."),
            ref,
            "handed_over",
            index=scanned.sequence,
            count=count,
        )
    if scanned.status != "labelled":
        raise ShipmentNotReady(
            N_("Parcel {index} of {count} of {shipment} is not labelled yet."),
            ref,
            "not_labelled",
            index=scanned.sequence,
            count=count,
        )
    return scanned


def _order_follows(session: Session, actor: Actor, order: Order) -> None:
    statuses = session.scalars(
        select(Shipment.status).where(
            Shipment.order_id == order.id, Shipment.status != SS.CANCELLED
        )
    ).all()
    target = (
        OrderStatus.SHIPPED
        if all(status in DISPATCHED for status in statuses)
        else OrderStatus.PARTLY_SHIPPED
    )
    if order.status != target and may_transition("order", order.status, target):
        change_status(session, actor, order, target)
