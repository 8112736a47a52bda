"""One order read whole for the order-detail pane, ``orderdesk orders show`` and review:
its lines, payments (cards only as brand, last four and expiry), shipments and history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.numbers import entity_number, order_number, parse_number
from app.permissions import Actor, Permission, require
from db.models import (
    AuditEvent,
    Customer,
    Order,
    OrderLine,
    Payment,
    Shipment,
    ShipmentLine,
    Warehouse,
)


@dataclass(frozen=True)
class LineView:
    line_no: int
    sku: str
    product_name: str
    quantity: int
    unit_price_cents: int
    line_total_cents: int
    known_product: bool


@dataclass(frozen=True)
class PaymentView:
    method: str
    status: str
    amount_cents: int
    currency: str
    card: str  # "VISA ····4242 exp 03/27", never more of the number
    reference: str
    paid_at: dt.datetime | None


@dataclass(frozen=True)
class ShipmentView:
    id: int
    number: str
    status: str
    warehouse: str
    carrier: str
    tracking_number: str
    units: int


@dataclass(frozen=True)
class AuditView:
    at: dt.datetime
    actor: str
    entity: str
    action: str
    from_state: str | None
    to_state: str | None
    reason: str
    why: dict | None = None  # the reason as a code and values, where the desk stored one


@dataclass(frozen=True)
class OrderDetail:
    id: int
    number: str
    version: int
    channel: str
    channel_order_id: str
    status: str
    priority: int
    requested_service: str
    currency: str
    subtotal_cents: int
    shipping_cents: int
    tax_cents: int
    discount_cents: int
    total_cents: int
    customer_name: str
    customer_email: str
    customer_phone: str
    customer_status: str
    ship_to: tuple[str, ...]
    purchased_at: dt.datetime | None
    received_at: dt.datetime
    ship_by_at: dt.datetime | None
    stage_times: tuple[tuple[str, dt.datetime], ...]
    lines: tuple[LineView, ...]
    payments: tuple[PaymentView, ...]
    shipments: tuple[ShipmentView, ...]
    audit: tuple[AuditView, ...]
    purchase_order_number: str | None = None  # a business buyer's PO, as the channel sent it
    amounts_source: str = "channel"  # "estimated" from our price list, or "unknown"
    buyer_requested_cancellation: bool = False


def find_order_id(session: Session, actor: Actor, text: str) -> int:
    """An order by its number (SO-000123) or the channel's order id."""
    require(actor, Permission.VIEW_ORDERS)
    number = parse_number(text)
    if number and number[0] == "order":
        found = session.get(Order, number[1])
        if found is not None:
            return found.id
    matches = list(session.scalars(select(Order.id).where(Order.channel_order_id == text.strip())))
    if len(matches) == 1:
        return matches[0]
    raise NotFound("order", text)


def order_detail(session: Session, actor: Actor, order_id: int) -> OrderDetail:
    require(actor, Permission.VIEW_ORDERS)
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound("order", order_number(order_id))
    customer = session.get(Customer, order.customer_id) if order.customer_id else None
    shipments = _shipments(session, order_id)
    return OrderDetail(
        id=order.id,
        number=order_number(order.id),
        version=order.version,
        channel=order.channel,
        channel_order_id=order.channel_order_id,
        status=order.status,
        priority=order.priority,
        requested_service=order.requested_service,
        currency=order.currency,
        subtotal_cents=order.subtotal_cents,
        shipping_cents=order.shipping_cents,
        tax_cents=order.tax_cents,
        discount_cents=order.discount_cents,
        total_cents=order.total_cents,
        customer_name=customer.name if customer else "",
        customer_email=(customer.email or "") if customer else "",
        customer_phone=(customer.phone or "") if customer else "",
        customer_status=customer.status if customer else "",
        ship_to=_ship_to(order),
        purchased_at=order.purchased_at,
        received_at=order.received_at,
        ship_by_at=order.ship_by_at,
        stage_times=_stage_times(order),
        lines=_lines(session, order_id),
        payments=_payments(session, order_id),
        shipments=shipments,
        audit=_audit(session, order_id, [s.id for s in shipments]),
        purchase_order_number=order.purchase_order_number,
        amounts_source=order.amounts_source,
        buyer_requested_cancellation=order.buyer_requested_cancellation,
    )


def _why(detail) -> dict | None:
    why = detail.get("why") if isinstance(detail, dict) else None
    return why if isinstance(why, dict) else None


def _ship_to(order: Order) -> tuple[str, ...]:
    parts = (
        order.ship_name,
        order.ship_line1,
        order.ship_line2,
        order.ship_line3,
        " ".join(p for p in (order.ship_postal_code, order.ship_city) if p),
        order.ship_region,
        order.ship_country,
        order.ship_phone or "",
    )
    return tuple(part for part in parts if part)


def _stage_times(order: Order) -> tuple[tuple[str, dt.datetime], ...]:
    stages = (
        ("purchased", order.purchased_at),
        ("received", order.received_at),
        ("reviewed", order.reviewed_at),
        ("approved", order.approved_at),
        ("allocated", order.allocated_at),
        ("shipped", order.shipped_at),
        ("delivered", order.delivered_at),
        ("cancelled", order.cancelled_at),
    )
    return tuple((name, at) for name, at in stages if at is not None)


def _lines(session: Session, order_id: int) -> tuple[LineView, ...]:
    rows = session.scalars(
        select(OrderLine).where(OrderLine.order_id == order_id).order_by(OrderLine.line_no)
    )
    return tuple(
        LineView(
            line_no=line.line_no,
            sku=line.sku,
            product_name=line.product_name,
            quantity=line.quantity,
            unit_price_cents=line.unit_price_cents,
            line_total_cents=line.line_total_cents,
            known_product=line.product_id is not None,
        )
        for line in rows
    )


def describe_card(brand: str | None, last4: str | None, month: int | None, year: int | None) -> str:
    if not last4:
        return ""
    expiry = f" exp {month:02d}/{year % 100:02d}" if month and year else ""
    return f"{(brand or 'card').upper()} ····{last4}{expiry}"


def _payments(session: Session, order_id: int) -> tuple[PaymentView, ...]:
    rows = session.scalars(select(Payment).where(Payment.order_id == order_id).order_by(Payment.id))
    return tuple(
        PaymentView(
            method=p.method,
            status=p.status,
            amount_cents=p.amount_cents,
            currency=p.currency,
            card=describe_card(p.card_brand, p.card_last4, p.card_exp_month, p.card_exp_year),
            reference=p.processor_token or "",
            paid_at=p.paid_at,
        )
        for p in rows
    )


def _shipments(session: Session, order_id: int) -> tuple[ShipmentView, ...]:
    # Correlated, so only this order's shipment lines are summed (through their index);
    # a grouped subquery joined afterwards summed every shipment line in the database.
    units = (
        select(func.sum(ShipmentLine.quantity))
        .where(ShipmentLine.shipment_id == Shipment.id)
        .correlate(Shipment)
        .scalar_subquery()
    )
    query = (
        select(Shipment, Warehouse.code, units)
        .join(Warehouse, Warehouse.id == Shipment.warehouse_id)
        .where(Shipment.order_id == order_id)
        .order_by(Shipment.id)
    )
    return tuple(
        ShipmentView(
            id=shipment.id,
            number=entity_number("shipment", shipment.id),
            status=shipment.status,
            warehouse=warehouse_code,
            carrier=shipment.carrier or "",
            tracking_number=shipment.tracking_number or "",
            units=int(unit_count or 0),
        )
        for shipment, warehouse_code, unit_count in session.execute(query)
    )


def _audit(session: Session, order_id: int, shipment_ids: list[int]) -> tuple[AuditView, ...]:
    about_order = and_(AuditEvent.entity_type == "order", AuditEvent.entity_id == order_id)
    about_shipments = and_(
        AuditEvent.entity_type == "shipment", AuditEvent.entity_id.in_(shipment_ids)
    )
    condition = or_(about_order, about_shipments) if shipment_ids else about_order
    events = session.scalars(select(AuditEvent).where(condition).order_by(AuditEvent.id))
    return tuple(
        AuditView(
            at=event.at,
            actor=event.actor_name,
            entity=entity_number(event.entity_type, event.entity_id),
            action=event.action,
            from_state=event.from_state,
            to_state=event.to_state,
            reason=event.reason,
            why=_why(event.detail),
        )
        for event in events
    )
