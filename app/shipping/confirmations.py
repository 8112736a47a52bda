"""Telling the channels what shipped: the confirmation file for a channel's orders shipped
since a day, each shipment line confirmed once (``ship_confirmations`` is unique per
shipment line), so a re-export for an overlapping period never confirms a parcel twice.

A shipment's lines are confirmed under the tracking number of its first parcel (the
packing station does not yet say which item went in which parcel of a multi-parcel
shipment); a split order's shipments each confirm their own quantities.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import InvalidInput
from app.i18n import N_
from app.numbers import entity_number, order_number
from app.permissions import Actor, Permission, require
from app.shipping.confirm_file import (
    OTHER,
    render_amazon_confirmation,
    render_partner_confirmation,
)
from app.shipping.model import ConfirmationRow
from app.shipping.service import DISPATCHED
from app.uow import UnitOfWork
from db.models import Order, OrderLine, Shipment, ShipmentLine, utcnow
from db.models_returns import Reship
from db.models_shipping import (
    Carrier,
    CarrierService,
    Parcel,
    ShipConfirmation,
    ShipConfirmationExport,
)

AMAZON_CHANNELS = frozenset({"amazon"})


@dataclass(frozen=True)
class ConfirmationExport:
    content: bytes
    rows: int
    already_confirmed: int  # lines in the period left out because an earlier file had them
    file_format: str

    def as_json(self) -> dict:
        return {
            "rows": self.rows,
            "already_confirmed": self.already_confirmed,
            "format": self.file_format,
        }


def file_format_for(channel: str) -> str:
    return "amazon_tsv" if channel.lower() in AMAZON_CHANNELS else "partner_csv"


def _first_parcels(session: Session, shipment_ids: list[int]) -> dict[int, Parcel]:
    first = (
        select(Parcel.shipment_id, func.min(Parcel.sequence).label("seq"))
        .where(
            Parcel.shipment_id.in_(shipment_ids),
            Parcel.status == "handed_over",
            Parcel.tracking_number.is_not(None),
        )
        .group_by(Parcel.shipment_id)
        .subquery()
    )
    return {
        parcel.shipment_id: parcel
        for parcel in session.scalars(
            select(Parcel).join(
                first,
                (first.c.shipment_id == Parcel.shipment_id) & (first.c.seq == Parcel.sequence),
            )
        )
    }


def pending_confirmations(
    session: Session, channel: str, since: dt.datetime
) -> tuple[list[tuple[ConfirmationRow, int, int]], int]:
    """(row, shipment line id, parcel id) for every line of the channel's shipments shipped
    since ``since`` and not yet confirmed, and how many were left out as confirmed before."""
    lines = session.execute(
        select(ShipmentLine, Shipment, Order, OrderLine)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(Order, Order.id == Shipment.order_id)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(
            Order.channel == channel,
            Shipment.status.in_(DISPATCHED),
            Shipment.shipped_at >= since,
            # A case's reship sends the same lines again: the channel was told once already.
            Shipment.id.not_in(select(Reship.shipment_id)),
        )
        .order_by(Shipment.shipped_at, Shipment.id, OrderLine.line_no)
    ).all()
    confirmed = set(
        session.scalars(
            select(ShipConfirmation.shipment_line_id).where(
                ShipConfirmation.shipment_line_id.in_([sl.id for sl, *_ in lines])
            )
        )
    )
    parcels = _first_parcels(session, sorted({s.id for _sl, s, *_ in lines}))
    services = {
        s.id: (s, c)
        for s, c in session.execute(
            select(CarrierService, Carrier).join(Carrier, Carrier.id == CarrierService.carrier_id)
        )
    }
    carriers = {c.code: c for c in session.scalars(select(Carrier))}
    out = []
    for shipment_line, shipment, order, order_line in lines:
        if shipment_line.id in confirmed:
            continue
        parcel = parcels.get(shipment.id)
        if parcel is None:
            continue  # shipped without a tracked parcel: nothing to tell the channel yet
        service, carrier = services.get(parcel.carrier_service_id, (None, None))
        carrier = carrier or carriers.get(shipment.carrier or "")
        name = carrier.name if carrier else (shipment.carrier or "")
        row = ConfirmationRow(
            channel_order_id=order.channel_order_id,
            channel_line_id=order_line.channel_line_id or "",
            sku=order_line.sku,
            quantity=shipment_line.quantity,
            ship_date=shipment.shipped_at.astimezone(dt.UTC).date(),
            carrier_code=(carrier.amazon_code if carrier else None) or OTHER,
            carrier_name=name,
            tracking_number=parcel.tracking_number,
            ship_method=(service.ship_method or service.name) if service else "",
            shipment_number=entity_number("shipment", shipment.id),
            order_number=order_number(order.id),
        )
        out.append((row, shipment_line.id, parcel.id))
    return out, len(confirmed)


def export_confirmations(
    uow: UnitOfWork, actor: Actor, channel: str, since: dt.datetime
) -> ConfirmationExport:
    """The file for ``channel`` (Amazon's TSV, else our partner CSV) and its record."""
    require(actor, Permission.SHIP_ORDERS)
    if since.tzinfo is None:
        raise InvalidInput("since", since, N_("a time with its time zone"))
    file_format = file_format_for(channel)
    with uow:
        session = uow.session
        pending, confirmed = pending_confirmations(session, channel, since)
        rows = [row for row, _sl, _p in pending]
        content = (
            render_amazon_confirmation(rows)
            if file_format == "amazon_tsv"
            else render_partner_confirmation(rows)
        )
        export = ShipConfirmationExport(
            channel=channel,
            file_format=file_format,
            since=since,
            created_at=utcnow(),
            user_id=actor.user_id,
            row_count=len(rows),
        )
        session.add(export)
        session.flush()
        if pending:
            session.execute(
                insert(ShipConfirmation),
                [
                    {
                        "export_id": export.id,
                        "shipment_line_id": line_id,
                        "parcel_id": parcel_id,
                        "quantity": row.quantity,
                        "tracking_number": row.tracking_number,
                    }
                    for row, line_id, parcel_id in pending
                ],
            )
        record_event(
            session,
            actor,
            entity_type="ship_confirmation",
            entity_id=export.id,
            action="export",
            detail={"channel": channel, "rows": len(rows), "since": since.isoformat()},
        )
        uow.commit()
    return ConfirmationExport(content, len(rows), confirmed, file_format)
