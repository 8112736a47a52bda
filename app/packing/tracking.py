"""The carrier and tracking number of a parcel at the packing station.

Before the first label, the carrier service is the one the rules choose (the level asked,
weight, destination). Our own fleet's numbers are generated; a carrier that issues its own
labels brings its number with them (``orderdesk shipments carrier-label``); for a carrier
whose label we draw but whose numbers it assigns (a waybill from its range: SF Express,
USPS), the packer scans the number at the station — checked against that carrier's format
and check digit — and the label cannot print without it.
"""

from __future__ import annotations

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.errors import AlreadyExists, ConcurrentUpdate
from app.i18n import N_, _
from app.numbers import entity_number
from app.packing import queries
from app.packing.errors import ParcelNotReady
from app.packing.model import PackResult
from app.packing.service import _audit, _locked, _refuse_unless
from app.permissions import Actor
from app.picking.service import uow_factory
from app.prepared import Prepared
from app.shipping.queries import carrier_of_service, service_options
from app.shipping.rules import choose_service
from app.shipping.service import apply_choice, shipment_needs
from app.shipping.tracking_numbers import check_tracking_number, own_fleet_tracking_number
from app.uow import UnitOfWork
from db.models import Order, Shipment
from db.models_shipping import Parcel

OWN_FLEET = "own_fleet"


def ensure_carrier(session: Session, actor: Actor, shipment: Shipment, parcels: list[Parcel]):
    """The rules' carrier service on the shipment's parcels when one of them has none."""
    if any(p.carrier_service_id is None for p in parcels):
        order = session.get(Order, shipment.order_id)
        choice = choose_service(service_options(session), shipment_needs(session, shipment, order))
        apply_choice(session, actor, shipment, choice)


def choose_carrier_if_none(session: Session, actor: Actor, shipment_id: int, pending) -> int | None:
    """The rules' carrier service on a shipment whose open parcels (plain rows) have none
    yet, through shipping's verb on the loaded shipment (only then are objects loaded).
    The shipment's version after the choice, or None when every parcel had its carrier;
    the caller reads the parcels again (the choice goes on all of them)."""
    if all(p.carrier_service_id is not None for p in pending):
        return None
    shipment = session.get(Shipment, shipment_id)
    parcels = list(session.scalars(select(Parcel).where(Parcel.id.in_([p.id for p in pending]))))
    ensure_carrier(session, actor, shipment, parcels)
    session.flush()
    version = shipment.version
    # The print goes on with plain statements: what was loaded is read again if used.
    session.expire_all()
    return version


# An own-fleet number on a parcel still open, guarded by the version the print read.
_SET_TRACKING = Prepared(
    update(Parcel.__table__)
    .where(
        Parcel.__table__.c.id == bindparam("pid"),
        Parcel.__table__.c.version == bindparam("seen_version"),
        Parcel.__table__.c.status == "open",
    )
    .values(
        tracking_number=bindparam("tracking", type_=Parcel.__table__.c.tracking_number.type),
        version=Parcel.__table__.c.version + 1,
    )
)


def number_parcels(session: Session, actor: Actor, shipment_id: int, pending: list) -> None:
    """Before the labels print (their carrier chosen): our own fleet's numbers generated
    and written (the plain parcel rows ``pending`` updated alike); a parcel whose carrier
    assigns the number and whose number was not scanned is refused by name."""
    for parcel in pending:
        if parcel.tracking_number is not None:
            continue
        carrier, _service = carrier_of_service(session, parcel.carrier_service_id)
        if carrier is None or carrier.issues_labels:
            continue  # its number comes with the carrier's label
        if carrier.code == OWN_FLEET:
            tracking = own_fleet_tracking_number(parcel.id)
            done = _SET_TRACKING.rowcount(
                session, {"pid": parcel.id, "seen_version": parcel.version, "tracking": tracking}
            )
            if done != 1:
                raise ConcurrentUpdate(
                    f"{entity_number('shipment', shipment_id)}-{parcel.sequence}"
                )
            parcel.tracking_number, parcel.version = tracking, parcel.version + 1
            _audit(
                session,
                actor,
                "parcel",
                parcel.id,
                "tracking_number",
                "",
                {"tracking_number": tracking},
            )
            continue
        raise ParcelNotReady(
            entity_number("shipment", shipment_id),
            parcel.sequence,
            N_("scan its carrier's tracking number (from the carrier's waybill) first."),
        )


def scan_tracking_number(source, actor: Actor, shipment_id: int, code: str) -> PackResult:
    """The scanned number goes on the shipment's first parcel without one (parcels in
    order), checked against that parcel's carrier (chosen by the rules if not yet)."""

    def work(uow: UnitOfWork) -> PackResult:
        session = uow.session
        shipment = _locked(session, shipment_id)
        _refuse_unless("tracking", shipment, actor)
        parcels = list(
            session.scalars(
                select(Parcel)
                .where(Parcel.shipment_id == shipment_id, Parcel.status.in_(("open", "labelled")))
                .order_by(Parcel.sequence)
            )
        )
        waiting = [p for p in parcels if p.tracking_number is None]
        number = entity_number("shipment", shipment_id)
        if not waiting:
            raise ParcelNotReady(
                number, 0, N_("every parcel has its tracking number; scan the next item.")
            )
        ensure_carrier(session, actor, shipment, parcels)
        parcel = waiting[0]
        carrier, _service = carrier_of_service(session, parcel.carrier_service_id)
        tracking = check_tracking_number(carrier.code, code, carrier.name)
        taken = session.scalar(
            select(Parcel.id).where(Parcel.tracking_number == tracking, Parcel.id != parcel.id)
        )
        if taken is not None:
            raise AlreadyExists(N_("tracking number"), tracking)
        parcel.tracking_number = tracking
        _audit(
            session,
            actor,
            "parcel",
            parcel.id,
            "tracking_number",
            "",
            {"tracking_number": tracking},
        )
        uow.commit()
        return PackResult(
            _("{carrier} tracking number {number} recorded for parcel {n}.").format(
                carrier=carrier.name, number=tracking, n=parcel.sequence
            ),
            queries.pack_state(session, shipment_id),
        )

    with uow_factory(source)() as uow:
        return work(uow)


def planned_carrier(source, shipment_id: int) -> str:
    """The code of the carrier the shipment's parcels go with (the rules' choice when none
    was made yet); reads only, changes nothing."""
    with uow_factory(source)() as uow:
        session = uow.session
        shipment = session.get(Shipment, shipment_id)
        parcels = list(
            session.scalars(
                select(Parcel).where(Parcel.shipment_id == shipment_id, Parcel.status != "voided")
            )
        )
        ensure_carrier(session, Actor(None, "planner", frozenset()), shipment, parcels)
        session.flush()
        carrier, _service = carrier_of_service(session, parcels[0].carrier_service_id)
        return carrier.code  # the unit of work ends without a commit: nothing is kept
