"""The carrier and tracking number of a parcel at the packing station.

Before the first label, the carrier service is the one the rules choose (the level asked,
weight, destination). Our own fleet's numbers are generated; a carrier that issues its own
labels brings its number with them (``orderdesk shipments carrier-label``); for a carrier
whose label we draw but whose numbers it assigns (a waybill from its range: SF Express,
USPS), the packer scans the number at the station — checked against that carrier's format
and check digit — and the label cannot print without it.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.errors import AlreadyExists, ConcurrentUpdate
from app.i18n import N_, _
from app.numbers import entity_number
from app.packing import queries
from app.packing.carrier import choose_carrier_now, rules_choice
from app.packing.errors import NotAtStation, ParcelNotReady
from app.packing.model import PackResult
from app.packing.queries import StationRead
from app.packing.service import _audit, _read_locked, _refuse_in
from app.permissions import Actor
from app.picking.service import uow_factory
from app.prepared import Prepared
from app.shipping.carrier_table import carrier_table
from app.shipping.model import ServiceChoice
from app.shipping.tracking_numbers import check_tracking_number, own_fleet_tracking_number
from app.uow import UnitOfWork
from db.models_shipping import Parcel

OWN_FLEET = "own_fleet"
_LIVE = ("open", "labelled")  # parcels a scanned number may go on


def choose_carrier_if_none(session: Session, actor: Actor, shipment_id: int, pending) -> int | None:
    """The rules' carrier service on a shipment whose open parcels (plain rows) have none
    yet. The shipment's version after the choice, or None when every parcel had its
    carrier; the caller reads the parcels again (the choice goes on all of them)."""
    if all(p.carrier_service_id is not None for p in pending):
        return None
    return choose_carrier_now(session, actor, shipment_id)[1]


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
        service_id = parcel.carrier_service_id
        carrier, _service = carrier_table(session, knowing=service_id).carrier_of_service(
            service_id
        )
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


_TAKEN = Prepared(
    select(Parcel.__table__.c.id)
    .where(
        Parcel.__table__.c.tracking_number == bindparam("number"),
        Parcel.__table__.c.id != bindparam("pid"),
    )
    .limit(1)
)
# A scanned number on a parcel, guarded by the version the scan read.
_SET_SCANNED = Prepared(
    update(Parcel.__table__)
    .where(
        Parcel.__table__.c.id == bindparam("pid"),
        Parcel.__table__.c.version == bindparam("seen_version"),
    )
    .values(
        tracking_number=bindparam("tracking", type_=Parcel.__table__.c.tracking_number.type),
        version=Parcel.__table__.c.version + 1,
    )
)


def record_scanned_number(uow: UnitOfWork, actor: Actor, read: StationRead, code: str):
    """The scanned number on the first parcel (in order) without one, checked against its
    carrier (the rules' choice is recorded first when a parcel has none), in the scan's
    transaction on the station's locked read; committed. The ``PackResult``."""
    session = uow.session
    shipment_id = read.shipment_id
    _refuse_in("tracking", read.status, shipment_id, actor)
    if not any(p.status in _LIVE and p.tracking_number is None for p in read.parcels):
        raise ParcelNotReady(
            entity_number("shipment", shipment_id),
            0,
            N_("every parcel has its tracking number; scan the next item."),
        )
    if any(p.status in _LIVE and p.carrier_service_id is None for p in read.parcels):
        choice, read.version = choose_carrier_now(session, actor, shipment_id)
        read.parcels = [_with_service(p, choice) for p in read.parcels]
    parcel = next(p for p in read.parcels if p.status in _LIVE and p.tracking_number is None)
    service_id = parcel.carrier_service_id
    carrier, _service = carrier_table(session, knowing=service_id).carrier_of_service(service_id)
    tracking = check_tracking_number(carrier.code, code, carrier.name)
    if _TAKEN.scalar(session, {"number": tracking, "pid": parcel.parcel_id}) is not None:
        raise AlreadyExists(N_("tracking number"), tracking)
    done = _SET_SCANNED.rowcount(
        session, {"pid": parcel.parcel_id, "seen_version": parcel.version, "tracking": tracking}
    )
    if done != 1:
        raise ConcurrentUpdate(f"{entity_number('shipment', shipment_id)}-{parcel.sequence}")
    read.replace_parcel(
        dataclasses.replace(parcel, tracking_number=tracking, version=parcel.version + 1)
    )
    _audit(
        session,
        actor,
        "parcel",
        parcel.parcel_id,
        "tracking_number",
        "",
        {"tracking_number": tracking},
    )
    uow.commit()
    return PackResult(
        _("{carrier} tracking number {number} recorded for parcel {n}.").format(
            carrier=carrier.name, number=tracking, n=parcel.sequence
        ),
        queries.station_state(session, read),
    )


def _with_service(parcel, choice: ServiceChoice):
    """A parcel row as the choice's write left it (every parcel not voided)."""
    if parcel.status == "voided":
        return parcel
    return dataclasses.replace(
        parcel, carrier_service_id=choice.option.service_id, version=parcel.version + 1
    )


def scan_tracking_number(source, actor: Actor, shipment_id: int, code: str) -> PackResult:
    """The scanned number goes on the shipment's first parcel without one (parcels in
    order), checked against that parcel's carrier (chosen by the rules if not yet)."""
    with uow_factory(source)() as uow:
        return record_scanned_number(uow, actor, _read_locked(uow.session, shipment_id), code)


def planned_carrier(source, shipment_id: int) -> str:
    """The code of the carrier the shipment's parcels go with (the rules' choice when none
    was made yet); reads only, changes nothing."""
    with uow_factory(source)() as uow:
        session = uow.session
        read = queries.read_station(session, shipment_id)
        if read is None:
            raise NotAtStation(entity_number("shipment", shipment_id))
        live = [p for p in read.parcels if p.status != "voided"]
        if any(p.carrier_service_id is None for p in live):
            return rules_choice(session, shipment_id)[1].option.carrier_code
        return queries.chosen_carrier(session, live)
