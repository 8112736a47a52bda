"""Telling the channels what shipped: the confirmation file for a channel's orders shipped
since a day, each shipment line confirmed once (``ship_confirmations`` is unique per
shipment line), so a re-export for an overlapping period never confirms a parcel twice.

Each line's units are confirmed under the tracking number of the parcel they went in (as
the packing station scanned them; a line packed in two parcels is two rows), so a
multi-parcel shipment tells the channel every parcel; a split order's shipments each
confirm their own quantities.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
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
from app.shipping.errors import ConfirmationExportBusy
from app.shipping.model import ConfirmationRow
from app.shipping.rules import units_per_parcel
from app.shipping.service import DISPATCHED
from app.uow import UnitOfWork
from db.models import Order, OrderLine, Shipment, ShipmentLine, utcnow
from db.models_packing import PackScan
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


def _tracked_parcels(session: Session, shipment_ids: list[int]) -> dict[int, list[Parcel]]:
    """Each shipment's handed-over parcels that carry a tracking number, in sequence."""
    out: dict[int, list[Parcel]] = defaultdict(list)
    if shipment_ids:
        for parcel in session.scalars(
            select(Parcel)
            .where(
                Parcel.shipment_id.in_(shipment_ids),
                Parcel.status == "handed_over",
                Parcel.tracking_number.is_not(None),
            )
            .order_by(Parcel.shipment_id, Parcel.sequence)
        ):
            out[parcel.shipment_id].append(parcel)
    return out


def _packed_units(session: Session, shipment_ids: list[int]) -> dict[int, dict]:
    """shipment id → {(parcel id, product id): units the station scanned into it}."""
    out: dict[int, dict] = defaultdict(dict)
    if shipment_ids:
        for shipment_id, parcel_id, product_id, units in session.execute(
            select(PackScan.shipment_id, PackScan.parcel_id, PackScan.product_id, func.count())
            .where(
                PackScan.shipment_id.in_(shipment_ids),
                PackScan.kind == "item",
                PackScan.undone.is_(False),
                PackScan.parcel_id.is_not(None),
            )
            .group_by(PackScan.shipment_id, PackScan.parcel_id, PackScan.product_id)
        ):
            out[shipment_id][(parcel_id, product_id)] = int(units)
    return out


def pending_confirmations(
    session: Session, channel: str, since: dt.datetime
) -> tuple[list[tuple[ConfirmationRow, int, int]], int]:
    """(row, shipment line id, parcel id) for the units of every line of the channel's
    shipments shipped since ``since`` and not yet confirmed — one row per parcel the
    line's units went in, under that parcel's tracking number — and how many were left
    out as confirmed before."""
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
        session.execute(
            select(ShipConfirmation.shipment_line_id, ShipConfirmation.parcel_id).where(
                ShipConfirmation.shipment_line_id.in_([sl.id for sl, *_ in lines])
            )
        ).all()
    )
    shipment_ids = sorted({s.id for _sl, s, *_ in lines})
    parcels = _tracked_parcels(session, shipment_ids)
    packed = _packed_units(session, shipment_ids)
    services = {
        s.id: (s, c)
        for s, c in session.execute(
            select(CarrierService, Carrier).join(Carrier, Carrier.id == CarrierService.carrier_id)
        )
    }
    carriers = {c.code: c for c in session.scalars(select(Carrier))}
    by_shipment: dict[int, list] = defaultdict(list)
    for shipment_line, shipment, order, order_line in lines:
        by_shipment[shipment.id].append((shipment_line, shipment, order, order_line))
    out = []
    for shipment_id, rows in by_shipment.items():
        tracked = {p.id: p for p in parcels.get(shipment_id, [])}
        if not tracked:
            continue  # shipped without a tracked parcel: nothing to tell the channel yet
        split = units_per_parcel(
            [(sl.id, ol.product_id, sl.quantity) for sl, _s, _o, ol in rows],
            list(tracked),
            packed.get(shipment_id, {}),
        )
        line_rows = {sl.id: (sl, s, o, ol) for sl, s, o, ol in rows}
        for line_id, parcel_id, units in split:
            if (line_id, parcel_id) in confirmed:
                continue
            _sl, shipment, order, order_line = line_rows[line_id]
            parcel = tracked[parcel_id]
            service, carrier = services.get(parcel.carrier_service_id, (None, None))
            carrier = carrier or carriers.get(shipment.carrier or "")
            name = carrier.name if carrier else (shipment.carrier or "")
            row = ConfirmationRow(
                channel_order_id=order.channel_order_id,
                channel_line_id=order_line.channel_line_id or "",
                sku=order_line.sku,
                quantity=units,
                ship_date=shipment.shipped_at.astimezone(dt.UTC).date(),
                carrier_code=(carrier.amazon_code if carrier else None) or OTHER,
                carrier_name=name,
                tracking_number=parcel.tracking_number,
                ship_method=(service.ship_method or service.name) if service else "",
                shipment_number=entity_number("shipment", shipment.id),
                order_number=order_number(order.id),
            )
            out.append((row, line_id, parcel_id))
    return out, len(confirmed)


# A desk that lost the race to another desk's file reads again; past this many, it says so.
EXPORT_ATTEMPTS = 3


def export_confirmations(
    uow: UnitOfWork, actor: Actor, channel: str, since: dt.datetime
) -> ConfirmationExport:
    """The file for ``channel`` (Amazon's TSV, else our partner CSV) and its record.

    Two desks exporting at once would write the same lines: the second's insert then meets
    the first's rows (PostgreSQL waits for the first to commit, then refuses). The loser
    reads again — now without what the other desk's file holds — so each line is in one
    file only; if it keeps losing, ``ConfirmationExportBusy`` says to try again."""
    require(actor, Permission.SHIP_ORDERS)
    if since.tzinfo is None:
        raise InvalidInput("since", since, N_("a time with its time zone"))
    file_format = file_format_for(channel)
    lost: Exception | None = None
    for _attempt in range(EXPORT_ATTEMPTS):
        try:
            return _export_once(uow, actor, channel, since, file_format)
        except (IntegrityError, OperationalError) as error:
            if not _lost_race(error):
                raise
            lost = error
    raise ConfirmationExportBusy(channel) from lost


def _lost_race(error: Exception) -> bool:
    """Another desk's confirmations got there first (PostgreSQL: the unique key; SQLite:
    its write lock, or the key when the other commit came before our read)."""
    text = str(getattr(error, "orig", error)).lower()
    if isinstance(error, IntegrityError):
        return "ship_confirmations" in text or "shipment_line_parcel" in text
    return "database is locked" in text


def _export_once(
    uow: UnitOfWork, actor: Actor, channel: str, since: dt.datetime, file_format: str
) -> ConfirmationExport:
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
