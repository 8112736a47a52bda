"""Demo data for shipping (issue 12), made by the services themselves.

Over the shipments the packing station labelled, and generated ones packed without
parcels, each put into one parcel (every fifth into two) by a stand-in for the station with
its carrier service chosen by the rules and its tracking number recorded: most handed over
by scanning their shipment numbers (so orders become partly shipped or shipped), one in
five (at least one) kept labelled at the door; then the day's Amazon and partner
confirmations exported and recorded. Shipments still picked are the packing station's
waiting list and are left to it. Manifest and confirmation files are written to ``folder``
when one is given.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from pathlib import Path

from sqlalchemy import select

from app.errors import OrderdeskError
from app.numbers import entity_number
from app.permissions import Actor
from app.shipping.confirmations import export_confirmations
from app.shipping.service import hand_over
from app.shipping.stand_in import pack_stand_in
from db.models import Order, Shipment, ShipmentLine
from db.models_picking import Reservation
from db.models_shipping import Carrier, CarrierService, Parcel

log = logging.getLogger(__name__)

DEMO_PARCELLED = 60  # shipments the demo packs and labels
KEEP_AT_THE_DOOR = 5  # of those, one in this many is left labelled, not handed over


def stage_shipping(database, supervisor: Actor, folder: Path | None = None) -> dict[str, int]:
    labelled = _labelled_at_the_station(database) + _parcelled_by_stand_in(database, supervisor)
    # One in KEEP_AT_THE_DOOR (at least one) stays labelled at the door, not handed over.
    kept = set(labelled[KEEP_AT_THE_DOOR - 1 :: KEEP_AT_THE_DOOR]) or set(labelled[-1:])
    handed = 0
    for shipment_id in labelled:
        if shipment_id in kept:
            continue
        code = entity_number("shipment", shipment_id)
        try:
            while not hand_over(database.unit_of_work(), supervisor, code).shipment_shipped:
                pass
            handed += 1
        except OrderdeskError as error:
            log.info("demo shipment %s not handed over: %s", shipment_id, error)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    confirmed = 0
    for channel in _channels(database):
        export = export_confirmations(database.unit_of_work(), supervisor, channel, since)
        confirmed += export.rows
        if folder is not None:
            suffix = "txt" if export.file_format == "amazon_tsv" else "csv"
            safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", channel)
            (folder / f"ship-confirm-{safe}.{suffix}").write_bytes(export.content)
    if folder is not None:
        _write_manifests(database, folder)
    return {"labelled": len(labelled), "shipped": handed, "confirmed_lines": confirmed}


def _labelled_at_the_station(database) -> list[int]:
    """Packed shipments whose every parcel the packing station labelled."""
    not_labelled = (
        select(Parcel.id)
        .where(Parcel.shipment_id == Shipment.id, Parcel.status.not_in(("labelled", "voided")))
        .exists()
    )
    has_parcel = select(Parcel.id).where(Parcel.shipment_id == Shipment.id).exists()
    with database.unit_of_work() as uow:
        return list(
            uow.session.scalars(
                select(Shipment.id)
                .where(Shipment.status == "packed", has_parcel, ~not_labelled)
                .order_by(Shipment.id)
            )
        )


def _parcelled_by_stand_in(database, supervisor: Actor) -> list[int]:
    """Generated shipments packed without parcels, fully picked: parcelled and labelled by
    the stand-in (every fifth in two parcels)."""
    with database.unit_of_work() as uow:
        has_parcel = select(Parcel.id).where(Parcel.shipment_id == Shipment.id).exists()
        unpicked = (
            select(Reservation.id)
            .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
            .where(ShipmentLine.shipment_id == Shipment.id, Reservation.state == "open")
            .exists()
        )
        waiting = list(
            uow.session.scalars(
                select(Shipment.id)
                .where(Shipment.status == "packed", ~has_parcel, ~unpicked)
                .order_by(Shipment.id)
                .limit(DEMO_PARCELLED)
            )
        )
    labelled = []
    for position, shipment_id in enumerate(waiting):
        try:
            pack_stand_in(database, supervisor, shipment_id, parcels=2 if position % 5 == 4 else 1)
            labelled.append(shipment_id)
        except OrderdeskError as error:  # e.g. no service takes it: left unlabelled
            log.info("demo shipment %s not labelled: %s", shipment_id, error)
    return labelled


def _channels(database) -> list[str]:
    with database.unit_of_work() as uow:
        return sorted(
            set(
                uow.session.scalars(
                    select(Order.channel)
                    .join(Shipment, Shipment.order_id == Order.id)
                    .join(Parcel, Parcel.shipment_id == Shipment.id)
                    .where(Parcel.status == "handed_over")
                )
            )
            - {"shop"}
        )


def _write_manifests(database, folder: Path) -> None:
    from app.labels.manifest import render_manifest_csv, render_manifest_pdf
    from app.shipping.documents import manifest_docs

    today = dt.datetime.now(dt.UTC).date()
    with database.unit_of_work() as uow:
        codes = list(
            uow.session.scalars(
                select(Carrier.code)
                .join(CarrierService, CarrierService.carrier_id == Carrier.id)
                .join(Parcel, Parcel.carrier_service_id == CarrierService.id)
                .where(Parcel.status == "handed_over")
                .distinct()
            )
        )
        docs = [doc for code in codes for doc in manifest_docs(uow.session, code, today)]
    for doc in docs:
        (folder / f"{doc.number}.pdf").write_bytes(render_manifest_pdf(doc))
        (folder / f"{doc.number}.csv").write_bytes(render_manifest_csv(doc))
