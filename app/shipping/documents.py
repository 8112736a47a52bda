"""The documents shipping draws, built from the database as plain label data: a
shipment's parcel labels (ours, or our hand-over label beside a carrier-issued one) and the
end-of-day manifest per carrier and warehouse."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.address import PostalAddress, order_address
from app.errors import NotFound
from app.i18n import N_
from app.labels.model import (
    CarrierLabelSource,
    ContentLine,
    ManifestDoc,
    ManifestParcel,
    ShippingLabelDoc,
)
from app.numbers import entity_number, order_number
from db.models import Order, OrderLine, Product, Shipment, ShipmentLine, Warehouse
from db.models_shipping import Carrier, CarrierService, Parcel


def warehouse_address(warehouse: Warehouse) -> PostalAddress:
    return PostalAddress(
        recipient=warehouse.name, city=warehouse.city or "", country_code=warehouse.country_code
    )


def shipment_label_docs(session: Session, shipment_id: int) -> list[ShippingLabelDoc]:
    """One label per parcel (parcel n of m); a shipment with no parcel yet gets one label
    for itself, without a tracking number."""
    shipment = session.get(Shipment, shipment_id)
    if shipment is None:
        raise NotFound(N_("shipment"), entity_number("shipment", shipment_id))
    order = session.get(Order, shipment.order_id)
    warehouse = session.get(Warehouse, shipment.warehouse_id)
    contents = []
    fragile = False
    for line, order_line, product in session.execute(
        select(ShipmentLine, OrderLine, Product)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .outerjoin(Product, Product.id == OrderLine.product_id)
        .where(ShipmentLine.shipment_id == shipment.id)
        .order_by(OrderLine.line_no)
    ):
        contents.append(
            ContentLine(
                order_line.sku,
                order_line.product_name or (product.name if product else ""),
                product.spec if product else "",
                line.quantity,
            )
        )
        fragile = fragile or bool(product and product.fragile)
    parcels = list(
        session.scalars(
            select(Parcel)
            .where(Parcel.shipment_id == shipment.id, Parcel.status != "voided")
            .order_by(Parcel.sequence)
        )
    )
    carriers = _carriers_by_service(session, [p.carrier_service_id for p in parcels])
    base = dict(
        ship_from=warehouse_address(warehouse),
        ship_to=order_address(order),
        order_number=order_number(order.id),
        shipment_number=entity_number("shipment", shipment.id),
        contents=tuple(contents),
        fragile=fragile,
        this_side_up=fragile,
        channel_order_id=order.channel_order_id if order.channel != "shop" else "",
    )
    if not parcels:
        return [
            ShippingLabelDoc(
                **base,
                carrier=shipment.carrier or "",
                service=shipment.service or "",
                tracking_number=shipment.tracking_number,
                weight_g=shipment.weight_g,
            )
        ]
    docs = []
    for parcel in parcels:
        carrier, service = carriers.get(parcel.carrier_service_id, (None, None))
        docs.append(
            ShippingLabelDoc(
                **base,
                carrier=carrier.name if carrier else (shipment.carrier or ""),
                service=service.name if service else (shipment.service or ""),
                tracking_number=parcel.tracking_number,
                parcel_index=parcel.sequence,
                parcel_count=len(parcels),
                weight_g=parcel.weight_g,
                source=CarrierLabelSource.CARRIER
                if carrier is not None and carrier.issues_labels
                else CarrierLabelSource.OURS,
            )
        )
    return docs


def _carriers_by_service(session: Session, service_ids) -> dict:
    ids = {i for i in service_ids if i}
    if not ids:
        return {}
    return {
        service.id: (carrier, service)
        for service, carrier in session.execute(
            select(CarrierService, Carrier)
            .join(Carrier, Carrier.id == CarrierService.carrier_id)
            .where(CarrierService.id.in_(ids))
        )
    }


def day_bounds(day: dt.date, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
    return start.astimezone(dt.UTC), (start + dt.timedelta(days=1)).astimezone(dt.UTC)


def manifest_docs(
    session: Session, carrier_code: str, day: dt.date, tz: dt.tzinfo = dt.UTC
) -> list[ManifestDoc]:
    """The parcels handed over to ``carrier_code`` on ``day`` (in ``tz``), one manifest per
    warehouse they left from."""
    carrier = session.scalar(select(Carrier).where(Carrier.code == carrier_code))
    if carrier is None:
        raise NotFound(N_("carrier"), carrier_code)
    start, end = day_bounds(day, tz)
    rows = session.execute(
        select(Parcel, Shipment, Order, CarrierService, Warehouse)
        .join(Shipment, Shipment.id == Parcel.shipment_id)
        .join(Order, Order.id == Shipment.order_id)
        .join(CarrierService, CarrierService.id == Parcel.carrier_service_id)
        .join(Warehouse, Warehouse.id == Shipment.warehouse_id)
        .where(
            CarrierService.carrier_id == carrier.id,
            Parcel.status == "handed_over",
            Parcel.handed_over_at >= start,
            Parcel.handed_over_at < end,
        )
        .order_by(Warehouse.code, Parcel.handed_over_at, Parcel.id)
    ).all()
    counts = _parcel_counts(session, {shipment.id for _p, shipment, *_ in rows})
    by_warehouse: dict[str, list[ManifestParcel]] = defaultdict(list)
    names: dict[str, str] = {}
    for parcel, shipment, order, service, warehouse in rows:
        names[warehouse.code] = warehouse.name
        by_warehouse[warehouse.code].append(
            ManifestParcel(
                shipment_number=entity_number("shipment", shipment.id),
                order_number=order_number(order.id),
                tracking_number=parcel.tracking_number or "",
                recipient=order.ship_name,
                city=order.ship_city,
                postal_code=order.ship_postal_code,
                country_code=order.ship_country,
                service=service.name,
                weight_g=parcel.weight_g or 0,
                handed_over_at=parcel.handed_over_at,
                parcel_index=parcel.sequence,
                parcel_count=counts.get(shipment.id, 1),
            )
        )
    code = carrier.code.upper().replace("_", "")
    return [
        ManifestDoc(
            number=f"MF-{day:%Y%m%d}-{code}-{wh}",
            carrier=carrier.name,
            warehouse=names[wh],
            day=day,
            parcels=tuple(parcels),
        )
        for wh, parcels in by_warehouse.items()
    ]


def _parcel_counts(session: Session, shipment_ids: set[int]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    if shipment_ids:
        for sid in session.scalars(
            select(Parcel.shipment_id).where(
                Parcel.shipment_id.in_(shipment_ids), Parcel.status != "voided"
            )
        ):
            counts[sid] += 1
    return counts


def carriers_in_use(uow) -> list[tuple[str, str]]:
    """(code, name) of the active carriers, for a screen's choice."""
    with uow:
        return [
            (code, name)
            for code, name in uow.session.execute(
                select(Carrier.code, Carrier.name)
                .where(Carrier.active.is_(True))
                .order_by(Carrier.name)
            )
        ]


def manifests_for_day(uow, carrier_code: str, day: dt.date, tz: dt.tzinfo) -> list[ManifestDoc]:
    """``manifest_docs`` in its own read-only unit of work (for screens)."""
    with uow:
        return manifest_docs(uow.session, carrier_code, day, tz)
