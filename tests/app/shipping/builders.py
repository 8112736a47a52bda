"""A split order at the shipping desk: two shipments, their parcels labelled."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlalchemy import select

from app.permissions import Role
from app.shipping.tracking_numbers import ups_check_digit
from db.models import Shipment, ShipmentLine, User
from db.models_shipping import Carrier, CarrierService, Parcel
from tests import factories as f
from tests.conftest import make_actor

_n = itertools.count(1)


def ups_number(i: int) -> str:
    body = f"999AA10{i:08d}"
    return f"1Z{body}{ups_check_digit(body)}"


def shipper(session, username: str = "shipper") -> object:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(username=username, full_name="Sam Shipper", password_hash="x")
        session.add(user)
        session.flush()
    return make_actor(Role.WAREHOUSE, user_id=user.id, username=username)


def service_id(session, carrier: str, level: str = "standard") -> int:
    return session.scalar(
        select(CarrierService.id)
        .join(Carrier, Carrier.id == CarrierService.carrier_id)
        .where(Carrier.code == carrier, CarrierService.level == level)
        .order_by(CarrierService.id)
        .limit(1)
    )


@dataclass
class SplitOrder:
    order_id: int
    shipment_ids: tuple[int, int]
    parcel_ids: tuple[tuple[int, ...], tuple[int, ...]]
    tracking: tuple[tuple[str, ...], tuple[str, ...]]
    line_ids: tuple[int, int]  # kettle, mug


def split_order(
    session,
    *,
    channel: str = "amazon",
    carrier: str = "ups",
    parcels: tuple[int, int] = (2, 1),
    status: str = "packed",
    amazon_id: str | None = None,
) -> SplitOrder:
    """3 kettles and a mug; shipment A takes 2 kettles and the mug, B the third kettle."""
    n = next(_n)
    cust = f.customer(session)
    wh = f.warehouse(session)
    kettle = f.product(session, name="Kettle", price_cents=3000, weight_g=900)
    mug = f.product(session, name="Mug", price_cents=1000, weight_g=300)
    order = f.order(
        session,
        cust,
        status="allocated",
        channel=channel,
        channel_order_id=amazon_id or f"111-{n:07d}-{n:07d}",
        lines=[(kettle, 3), (mug, 1)],
    )
    kettle_line, mug_line = order.lines
    kettle_line.channel_line_id = f"{n:07d}000001"
    mug_line.channel_line_id = f"{n:07d}000002"
    a = Shipment(order_id=order.id, warehouse_id=wh.id, status=status)
    b = Shipment(order_id=order.id, warehouse_id=wh.id, status=status)
    session.add_all([a, b])
    session.flush()

    session.add_all(
        [
            ShipmentLine(shipment_id=a.id, order_line_id=kettle_line.id, quantity=2),
            ShipmentLine(shipment_id=a.id, order_line_id=mug_line.id, quantity=1),
            ShipmentLine(shipment_id=b.id, order_line_id=kettle_line.id, quantity=1),
        ]
    )
    sid = service_id(session, carrier)
    parcel_ids, tracking = [], []
    for shipment, count in zip((a, b), parcels, strict=True):
        ids, numbers = [], []
        for seq in range(1, count + 1):
            number = ups_number(n * 100 + shipment.id * 10 + seq) if carrier == "ups" else None
            parcel = Parcel(
                shipment_id=shipment.id,
                sequence=seq,
                weight_g=1000,
                carrier_service_id=sid,
                tracking_number=number,
                status="labelled",
            )
            session.add(parcel)
            session.flush()
            if number is None:
                from app.shipping.tracking_numbers import own_fleet_tracking_number

                parcel.tracking_number = number = own_fleet_tracking_number(parcel.id)
            ids.append(parcel.id)
            numbers.append(number)
        shipment.carrier = carrier
        parcel_ids.append(tuple(ids))
        tracking.append(tuple(numbers))
    session.flush()
    return SplitOrder(
        order.id,
        (a.id, b.id),
        tuple(parcel_ids),
        tuple(tracking),
        (kettle_line.id, mug_line.id),
    )
