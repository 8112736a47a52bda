"""Reads of shipping: the active carrier services as choice options, shipments for the
list, what a scanned code names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.numbers import entity_number, order_number
from app.search.filters import Choice, Filters
from app.shipping.carrier_table import CarrierRow, ServiceRow, carrier_table
from app.shipping.model import ServiceOption, ShipmentRow
from app.workflow import ShipmentStatus
from db.models import Shipment, User
from db.models_shipping import Parcel, ParcelLabel


def service_options(session: Session) -> list[ServiceOption]:
    """The active services of active carriers, as the choice rules read them (the
    per-process copy of the carrier tables: ``app.shipping.carrier_table``)."""
    return list(carrier_table(session).options)


def carrier_of_service(
    session: Session, service_id: int | None
) -> tuple[CarrierRow | None, ServiceRow | None]:
    """The carrier and service of a parcel's ``carrier_service_id`` (plain rows), or
    (None, None) when no service was chosen."""
    return carrier_table(session).carrier_of_service(service_id)


# The shipment list's filter, declared once (app/search/filters.py).
SHIPMENT_FILTERS = Filters(Choice("status", Shipment.status, choices=tuple(ShipmentStatus)))


def list_shipments(
    session: Session, status: str | None = None, limit: int = 50, before_id: int | None = None
) -> list[ShipmentRow]:
    """Newest first, ``limit`` at a time (keyset: pass the last id seen as ``before_id``)."""
    parcels = (
        select(
            Parcel.shipment_id,
            func.count(Parcel.id).label("n"),
            func.min(Parcel.tracking_number).label("tracking"),
        )
        .where(Parcel.status != "voided")
        .group_by(Parcel.shipment_id)
        .subquery()
    )
    query = (
        select(
            Shipment.id,
            Shipment.order_id,
            Shipment.status,
            Shipment.carrier,
            Shipment.service,
            Shipment.tracking_number,
            parcels.c.n,
            parcels.c.tracking,
        )
        .outerjoin(parcels, parcels.c.shipment_id == Shipment.id)
        .order_by(Shipment.id.desc())
        .limit(limit)
    )
    query = query.where(*SHIPMENT_FILTERS.conditions({"status": status}))
    if before_id is not None:
        query = query.where(Shipment.id < before_id)
    return [
        ShipmentRow(
            number=entity_number("shipment", sid),
            order=order_number(oid),
            status=st,
            carrier=carrier,
            service=service,
            tracking_number=tracking or first_tracking,
            parcels=int(n or 0),
        )
        for sid, oid, st, carrier, service, tracking, n, first_tracking in session.execute(query)
    ]


# --------------------------------------------------------------------------- label history


@dataclass(frozen=True)
class LabelHistoryRow:
    """One print, reprint, failed print, void or import of a parcel's label."""

    parcel: int  # parcel n of the shipment
    action: str
    outcome: str
    label_format: str
    printer: str
    failure: str
    reason: str
    user: str
    at: dt.datetime

    def as_json(self) -> dict:
        return {
            "parcel": self.parcel,
            "action": self.action,
            "outcome": self.outcome,
            "format": self.label_format,
            "printer": self.printer,
            "failure": self.failure,
            "reason": self.reason,
            "user": self.user,
            "at": self.at.isoformat(),
        }


def label_history(session: Session, shipment_id: int) -> list[LabelHistoryRow]:
    """The shipment's label history, oldest first (parcels in order within a moment)."""
    return [
        LabelHistoryRow(
            parcel=sequence,
            action=action,
            outcome=outcome,
            label_format=label_format,
            printer=printer or "",
            failure=failure or "",
            reason=reason or "",
            user=username or "",
            at=at,
        )
        for sequence, action, outcome, label_format, printer, failure, reason, username, at in (
            session.execute(
                select(
                    Parcel.sequence,
                    ParcelLabel.action,
                    ParcelLabel.outcome,
                    ParcelLabel.label_format,
                    ParcelLabel.printer,
                    ParcelLabel.failure,
                    ParcelLabel.reason,
                    User.username,
                    ParcelLabel.created_at,
                )
                .join(Parcel, Parcel.id == ParcelLabel.parcel_id)
                .outerjoin(User, User.id == ParcelLabel.user_id)
                .where(Parcel.shipment_id == shipment_id)
                .order_by(ParcelLabel.id)
            )
        )
    ]
