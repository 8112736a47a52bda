"""Order changes we make, one transaction each: cancel (stops the warehouse at once) and a
new ship-to address (a label already printed is voided and the parcel packed again)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.address import PostalAddress
from app.audit import record_event
from app.changes.errors import AddressProblems, CancelRefused, ChangeRefused
from app.changes.reasons import AMAZON_CANCEL_REASONS
from app.changes.rules import (
    address_problems,
    cleaned_address,
    why_not_cancel,
    why_not_readdress,
)
from app.errors import ConcurrentUpdate, InvalidInput, NotFound
from app.i18n import N_
from app.numbers import entity_number
from app.permissions import Actor, Permission, require
from app.workflow import OrderStatus, ShipmentStatus, change_status
from db.models import Order, Shipment
from db.models_changes import ChannelCancellation
from db.models_picking import Reservation
from db.models_shipping import Parcel, ParcelLabel

REPORTED_CHANNELS = frozenset({"amazon"})
_IN_THE_WAREHOUSE = ("pending", "picking", "picked", "packed")


@dataclass(frozen=True)
class CancelResult:
    shipments_stopped: int
    units_to_put_back: int  # picked already: back to their bins
    labels_voided: int
    reported_to_channel: bool


def _order(session: Session, order_id: int, expected_version: int | None) -> tuple[Order, str]:
    ref = entity_number("order", order_id)
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound(N_("order"), ref)
    if expected_version is not None and order.version != expected_version:
        raise ConcurrentUpdate(ref)
    return order, ref


def _shipment_statuses(session: Session, order_id: int) -> dict[int, str]:
    return dict(
        session.execute(
            select(Shipment.id, Shipment.status).where(Shipment.order_id == order_id)
        ).all()
    )


def cancel_order(
    database,
    actor: Actor,
    order_id: int,
    reason: str,
    *,
    note: str = "",
    expected_version: int | None = None,
) -> CancelResult:
    """Cancel before shipment: pick tasks withdrawn, reservations released, labels voided,
    and the channel told (Amazon: the cancellation upload file) — all or nothing."""
    require(actor, Permission.CANCEL_ORDERS)
    if reason not in AMAZON_CANCEL_REASONS:
        raise InvalidInput(
            N_("reason"),
            reason,
            N_("one of: customer_request, no_stock, address_undeliverable, risk, other"),
        )
    with database.unit_of_work() as uow:
        session = uow.session
        order, _ref = _order(session, order_id, expected_version)
        result = stop_and_cancel(
            session,
            actor,
            order,
            reason=" ".join(f"{reason} {note}".split()),
            report_code=AMAZON_CANCEL_REASONS[reason],
        )
        uow.commit()
    return result


def stop_and_cancel(
    session: Session,
    actor: Actor,
    order: Order,
    *,
    reason: str,
    report_code: str | None,
    detail: dict | None = None,
) -> CancelResult:
    """The cancel itself, in the caller's transaction (ours above, or an import applying
    the channel's cancellation): refused once the order has left; pick tasks withdrawn,
    reservations released and labels voided; the channel told when ``report_code`` is
    given (Amazon's reason code; None when the channel cancelled it itself)."""
    ref = entity_number("order", order.id)
    shipments = _shipment_statuses(session, order.id)
    why = why_not_cancel(order.status, shipments.values())
    if why:
        raise CancelRefused(ref, why)
    stopping = [sid for sid, status in shipments.items() if status in _IN_THE_WAREHOUSE]
    units = _picked_units(session, stopping)
    voided = _void_labels(session, actor, stopping, reason="order cancelled")
    change_status(session, actor, order, OrderStatus.CANCELLED, reason=reason, detail=detail)
    reported = report_code is not None and order.channel in REPORTED_CHANNELS
    if reported:
        session.add(ChannelCancellation(
            order_id=order.id, channel=order.channel, channel_order_id=order.channel_order_id,
            reason_code=report_code,
        ))  # fmt: skip
    return CancelResult(len(stopping), units, voided, reported)


def _picked_units(session: Session, shipment_ids: list[int]) -> int:
    if not shipment_ids:
        return 0
    from db.models import ShipmentLine

    total = session.scalar(
        select(func.coalesce(func.sum(Reservation.picked), 0))
        .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
        .where(ShipmentLine.shipment_id.in_(shipment_ids))
    )
    return int(total or 0)


def _void_labels(session: Session, actor: Actor, shipment_ids: list[int], *, reason: str) -> int:
    """Parcels of these shipments lose their labels: a void row in each label history, the
    parcel voided so its tracking number is no longer handed over or followed."""
    if not shipment_ids:
        return 0
    labelled = session.execute(
        select(Parcel.id, Parcel.shipment_id).where(
            Parcel.shipment_id.in_(shipment_ids), Parcel.status == "labelled"
        )
    ).all()
    for parcel_id, _shipment in labelled:
        session.add(
            ParcelLabel(
                parcel_id=parcel_id,
                action="void",
                label_format="pdf",
                reason=reason,
                user_id=actor.user_id,
            )
        )
    session.execute(
        update(Parcel)
        .where(Parcel.shipment_id.in_(shipment_ids), Parcel.status.in_(("open", "labelled")))
        .values(status="voided", version=Parcel.version + 1)
        .execution_options(synchronize_session=False)
    )
    return len(labelled)


@dataclass(frozen=True)
class ReaddressResult:
    labels_voided: int
    shipments_to_pack_again: int


def change_address(
    database,
    actor: Actor,
    order_id: int,
    address: PostalAddress,
    *,
    expected_version: int | None = None,
) -> ReaddressResult:
    """A new ship-to before shipment, checked like any address; a label already printed is
    voided and its shipment goes back from packed to picked, for the station to pack again."""
    require(actor, Permission.CHANGE_ORDERS)
    address = cleaned_address(address)
    problems = address_problems(address)
    if problems:
        raise AddressProblems(problems)
    with database.unit_of_work() as uow:
        session = uow.session
        order, ref = _order(session, order_id, expected_version)
        shipments = _shipment_statuses(session, order_id)
        why = why_not_readdress(order.channel, order.status, shipments.values())
        if why:
            raise ChangeRefused(ref, why)
        old = _ship_to(order)
        _set_ship_to(order, address)
        packed = [sid for sid, status in shipments.items() if status == ShipmentStatus.PACKED]
        voided = _void_labels(session, actor, packed, reason="address changed")
        for shipment in session.scalars(select(Shipment).where(Shipment.id.in_(packed))):
            change_status(session, actor, shipment, ShipmentStatus.PICKED, reason="address changed")
        record_event(
            session, actor, entity_type="order", entity_id=order.id, action="change_address",
            from_state=order.status, to_state=order.status, reason="address changed",
            detail={"old": old, "new": _ship_to(order)},
        )  # fmt: skip
        uow.commit()
    return ReaddressResult(voided, len(packed))


def _ship_to(order: Order) -> dict:
    return {
        "name": order.ship_name, "line1": order.ship_line1, "line2": order.ship_line2,
        "city": order.ship_city, "region": order.ship_region,
        "postal_code": order.ship_postal_code, "country": order.ship_country,
        "phone": order.ship_phone,
    }  # fmt: skip


def _set_ship_to(order: Order, address: PostalAddress) -> None:
    order.ship_name = address.recipient
    order.ship_line1 = address.line1
    order.ship_line2 = address.line2
    order.ship_city = address.city
    order.ship_region = address.region
    order.ship_postal_code = address.postal_code
    order.ship_line3 = address.line3
    order.ship_country = address.country_code
    order.ship_phone = address.phone or None


def amazon_cancellation_file(
    database, actor: Actor, *, now: dt.datetime | None = None
) -> tuple[bytes, int]:
    """The cancellations not yet reported, as Amazon's order-cancellation upload file
    (tab-separated ``order-id``, ``cancellation-reason-code``, ``amazon-order-item-code``);
    each is marked reported, so a file made again never repeats one."""
    require(actor, Permission.CANCEL_ORDERS)
    now = now or dt.datetime.now(dt.UTC)
    with database.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(ChannelCancellation)
            .where(
                ChannelCancellation.channel == "amazon", ChannelCancellation.exported_at.is_(None)
            )
            .order_by(ChannelCancellation.id)
            .with_for_update(skip_locked=True)
        ).all()
        lines = ["order-id\tcancellation-reason-code\tamazon-order-item-code"]
        for row in rows:
            lines.append(f"{row.channel_order_id}\t{row.reason_code}\t{row.channel_line_id or ''}")
            row.exported_at = now
        uow.commit()
    return ("\r\n".join(lines) + "\r\n").encode("utf-8"), len(rows)
