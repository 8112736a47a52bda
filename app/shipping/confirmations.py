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
from app.shipping.carrier_table import carrier_table
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
from db.models_shipping import Parcel, ShipConfirmation, ShipConfirmationExport

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


def _period_shipments(channel: str, since: dt.datetime):
    """The channel's shipments that left since ``since`` (a reship excepted: a case's
    reship sends the same lines again, and the channel was told once already)."""
    return (
        select(Shipment.id)
        .join(Order, Order.id == Shipment.order_id)
        .where(
            Order.channel == channel,
            Shipment.status.in_(sorted(DISPATCHED)),
            Shipment.shipped_at >= since,
            Shipment.id.not_in(select(Reship.shipment_id)),
        )
        .correlate(None)  # an IN list of its own, never tied to the outer query's shipments
    )


@dataclass(frozen=True, slots=True)
class _TrackedParcel:
    id: int
    tracking_number: str
    carrier_service_id: int | None


def _tracked_parcels(connection, shipments) -> dict[int, dict[int, _TrackedParcel]]:
    """Each shipment's handed-over parcels that carry a tracking number, in sequence."""
    out: dict[int, dict[int, _TrackedParcel]] = defaultdict(dict)
    for shipment_id, parcel_id, number, service_id in connection.execute(
        select(Parcel.shipment_id, Parcel.id, Parcel.tracking_number, Parcel.carrier_service_id)
        .where(
            Parcel.shipment_id.in_(shipments),
            Parcel.status == "handed_over",
            Parcel.tracking_number.is_not(None),
        )
        .order_by(Parcel.shipment_id, Parcel.sequence)
    ):
        out[shipment_id][parcel_id] = _TrackedParcel(parcel_id, number, service_id)
    return out


def _packed_units(connection, shipments) -> dict[int, dict]:
    """shipment id → {(parcel id, product id): units the station scanned into it}."""
    out: dict[int, dict] = defaultdict(dict)
    for shipment_id, parcel_id, product_id, units in connection.execute(
        select(PackScan.shipment_id, PackScan.parcel_id, PackScan.product_id, func.count())
        .where(
            PackScan.shipment_id.in_(shipments),
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
    out as confirmed before.

    Plain columns (no ORM objects), and the period's shipments as a subquery rather than
    a list of ids: a day of ten thousand orders is read in a few statements."""
    connection = session.connection()
    shipments = _period_shipments(channel, since)
    lines = connection.execute(
        select(
            ShipmentLine.id,
            ShipmentLine.quantity,
            Shipment.id,
            Shipment.carrier,
            Shipment.shipped_at,
            Order.id,
            Order.channel_order_id,
            OrderLine.channel_line_id,
            OrderLine.sku,
            OrderLine.product_id,
        )
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .join(Order, Order.id == Shipment.order_id)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(Shipment.id.in_(shipments))
        .order_by(Shipment.shipped_at, Shipment.id, OrderLine.line_no)
    ).all()
    confirmed = set(
        connection.execute(
            select(ShipConfirmation.shipment_line_id, ShipConfirmation.parcel_id)
            .join(ShipmentLine, ShipmentLine.id == ShipConfirmation.shipment_line_id)
            .where(ShipmentLine.shipment_id.in_(shipments))
        ).all()
    )
    parcels = _tracked_parcels(connection, shipments)
    packed = _packed_units(connection, shipments)
    table = carrier_table(session)
    by_shipment: dict[int, list] = defaultdict(list)
    for line in lines:
        by_shipment[line[2]].append(line)
    out = []
    for shipment_id, rows in by_shipment.items():
        tracked = parcels.get(shipment_id)
        if not tracked:
            continue  # shipped without a tracked parcel: nothing to tell the channel yet
        split = units_per_parcel(
            [(line_id, product_id, quantity) for line_id, quantity, *_s, product_id in rows],
            list(tracked),
            packed.get(shipment_id, {}),
        )
        line_rows = {row[0]: row for row in rows}
        for line_id, parcel_id, units in split:
            if (line_id, parcel_id) in confirmed:
                continue
            row = _confirmation_row(line_rows[line_id], tracked[parcel_id], units, table)
            out.append((row, line_id, parcel_id))
    return out, len(confirmed)


def _confirmation_row(line, parcel: _TrackedParcel, units: int, table) -> ConfirmationRow:
    (_id, _qty, shipment_id, shipment_carrier, shipped_at, order_id, channel_order_id,
     channel_line_id, sku, _product) = line  # fmt: skip
    carrier, service = table.carrier_of_service(parcel.carrier_service_id)
    carrier = carrier or table.carrier_by_code(shipment_carrier or "")
    return ConfirmationRow(
        channel_order_id=channel_order_id,
        channel_line_id=channel_line_id or "",
        sku=sku,
        quantity=units,
        ship_date=shipped_at.astimezone(dt.UTC).date(),
        carrier_code=(carrier.amazon_code if carrier else None) or OTHER,
        carrier_name=carrier.name if carrier else (shipment_carrier or ""),
        tracking_number=parcel.tracking_number,
        ship_method=(service.ship_method or service.name) if service else "",
        shipment_number=entity_number("shipment", shipment_id),
        order_number=order_number(order_id),
    )


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
