"""Reads of the packing station: a shipment's state at the station (items, scans, parcels,
suggested package), what a scanned code opens, package types and rules, a parcel's
contents (the shipping desk reads these too)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from app.numbers import entity_number, order_number, parse_number
from app.packing.model import (
    ItemFacts,
    Notice,
    PackageRuleFacts,
    PackageTypeFacts,
    PackItem,
    PackState,
    ParcelView,
)
from app.packing.rules import expected_weight_g, suggest_package
from db.models import Order, OrderLine, Product, Shipment, ShipmentLine
from db.models_packing import PackageRule, PackageType, PackScan, ProductPacking
from db.models_picking import PickListShipment, Reservation, Tote
from db.models_shipping import Parcel, ParcelLabel

_SHIPPED = frozenset(
    {"shipped", "in_transit", "delivered", "delayed", "lost", "damaged", "returned"}
)


def _session(session_or_uow) -> Session:
    return getattr(session_or_uow, "session", session_or_uow)


def notice_for(status: str) -> Notice:
    if status == "cancelled":
        return Notice.CANCELLED
    if status in _SHIPPED:
        return Notice.SHIPPED
    if status == "packed":
        return Notice.PACKED
    if status in ("pending", "picking"):
        return Notice.NOT_PICKED
    return Notice.NONE


def shipment_of_code(session_or_uow, code: str) -> int | None:
    """The shipment a scanned code means: SH-… itself; SO-… its order's shipment waiting
    at the station (else its latest); a tote code the shipment last picked into it."""
    session = _session(session_or_uow)
    text = (code or "").strip()
    parsed = parse_number(text)
    if parsed is not None and parsed[0] == "shipment":
        return session.scalar(select(Shipment.id).where(Shipment.id == parsed[1]))
    if parsed is not None and parsed[0] == "order":
        rows = session.execute(
            select(Shipment.id, Shipment.status)
            .where(Shipment.order_id == parsed[1])
            .order_by(Shipment.id)
        ).all()
        for wanted in ("picked",):
            for sid, status in rows:
                if status == wanted:
                    return sid
        return rows[-1][0] if rows else None
    if not text:
        return None
    return session.scalar(
        select(PickListShipment.shipment_id)
        .join(Tote, Tote.id == PickListShipment.tote_id)
        .where(func.upper(Tote.code) == text.upper())
        .order_by(PickListShipment.pick_list_id.desc())
        .limit(1)
    )


# Statements built once: building a select costs more than running it on a small table,
# and the station runs these on every scan.
_TYPES = (
    select(
        PackageType.code,
        PackageType.name,
        PackageType.kind,
        PackageType.inner_volume_cm3,
        PackageType.max_weight_g,
        PackageType.tare_g,
    )
    .where(PackageType.active.is_(True))
    .order_by(PackageType.inner_volume_cm3, PackageType.code)
)
_RULES = (
    select(
        PackageRule.rank,
        PackageType.code,
        PackageRule.fragile,
        PackageRule.soft,
        PackageRule.max_volume_cm3,
        PackageRule.max_weight_g,
        PackageRule.id,
    )
    .join(PackageType, PackageType.id == PackageRule.package_type_id)
    .where(PackageRule.active.is_(True), PackageType.active.is_(True))
    .order_by(PackageRule.rank, PackageRule.id)
)
_WANTED = (
    select(
        Product.id,
        Product.sku,
        Product.barcode,
        Product.name,
        Product.spec,
        Product.weight_g,
        Product.fragile,
        Product.high_value,
        ProductPacking.length_mm,
        ProductPacking.width_mm,
        ProductPacking.height_mm,
        ProductPacking.soft,
        ShipmentLine.quantity,
    )
    .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
    .join(Product, Product.id == OrderLine.product_id)
    .outerjoin(ProductPacking, ProductPacking.product_id == Product.id)
    .where(ShipmentLine.shipment_id == bindparam("sid"))
    .order_by(OrderLine.line_no, ShipmentLine.id)
)
_SCANNED = (
    select(PackScan.parcel_id, PackScan.product_id, func.count())
    .where(
        PackScan.shipment_id == bindparam("sid"),
        PackScan.kind == "item",
        PackScan.undone.is_(False),
    )
    .group_by(PackScan.parcel_id, PackScan.product_id)
)
_HEAD = (
    select(
        Shipment.status,
        Shipment.version,
        Shipment.order_id,
        Order.status,
        Order.ship_name,
        Order.ship_city,
        Order.ship_country,
    )
    .join(Order, Order.id == Shipment.order_id)
    .where(Shipment.id == bindparam("sid"))
)
_LABELS = (
    select(ParcelLabel.parcel_id, func.count())
    .join(Parcel, Parcel.id == ParcelLabel.parcel_id)
    .where(
        Parcel.shipment_id == bindparam("sid"),
        ParcelLabel.outcome == "printed",
        ParcelLabel.action.in_(("print", "reprint")),
    )
    .group_by(ParcelLabel.parcel_id)
)
_PARCELS = (
    select(
        Parcel.id,
        Parcel.sequence,
        Parcel.status,
        Parcel.package_type,
        Parcel.weight_g,
        Parcel.tracking_number,
    )
    .where(Parcel.shipment_id == bindparam("sid"))
    .order_by(Parcel.sequence)
)


def _rows(session: Session, statement, **params):
    """Core rows in the session's transaction (pending ORM changes flushed first)."""
    session.flush()
    return session.connection().execute(statement, params).all()


_PACKAGE_CODE = select(PackageType.id).where(
    func.upper(PackageType.code) == bindparam("code"), PackageType.active.is_(True)
)


def is_package_code(session_or_uow, code: str) -> bool:
    return bool(_rows(_session(session_or_uow), _PACKAGE_CODE, code=code.strip().upper()))


def package_types(session_or_uow) -> list[PackageTypeFacts]:
    return [PackageTypeFacts(*row) for row in _rows(_session(session_or_uow), _TYPES)]


def package_rules(session_or_uow) -> list[PackageRuleFacts]:
    return [
        PackageRuleFacts(rank, code, fragile, soft, max_volume, max_weight, rule_id)
        for rank, code, fragile, soft, max_volume, max_weight, rule_id in _rows(
            _session(session_or_uow), _RULES
        )
    ]


@dataclass(frozen=True)
class _Product:
    product_id: int
    sku: str
    barcode: str | None
    name: str
    spec: str
    weight_g: int
    fragile: bool
    high_value: bool
    volume_cm3: int | None
    soft: bool

    def facts(self, quantity: int) -> ItemFacts:
        return ItemFacts(
            self.sku, quantity, self.weight_g, self.volume_cm3, self.fragile, self.soft
        )


def wanted_products(
    session: Session, shipment_id: int
) -> tuple[dict[int, int], dict[int, _Product]]:
    rows = _rows(session, _WANTED, sid=shipment_id)
    wanted: dict[int, int] = defaultdict(int)
    products: dict[int, _Product] = {}
    for r in rows:
        wanted[r.id] += r.quantity
        volume = None
        if r.length_mm:
            volume = max(1, r.length_mm * r.width_mm * r.height_mm // 1000)
        products[r.id] = _Product(
            r.id,
            r.sku,
            r.barcode,
            r.name,
            r.spec or "",
            r.weight_g or 0,
            bool(r.fragile),
            bool(r.high_value),
            volume,
            bool(r.soft),
        )
    return dict(wanted), products


def scanned_units(session: Session, shipment_id: int) -> dict[tuple[int | None, int], int]:
    """(parcel id, product id) → units accepted and not undone."""
    return {
        (parcel, product): n for parcel, product, n in _rows(session, _SCANNED, sid=shipment_id)
    }


def pack_state(
    session_or_uow,
    shipment_id: int,
    last_scan: str = "",
    *,
    known: tuple[dict[int, int], dict[int, _Product], dict[tuple[int | None, int], int]]
    | None = None,
) -> PackState:
    """``known``: the shipment's wanted products and scanned units as the caller has just
    read (and changed) them in this transaction, so they are not read again."""
    session = _session(session_or_uow)
    head = _rows(session, _HEAD, sid=shipment_id)
    if not head:
        from app.packing.errors import NotAtStation

        raise NotAtStation(entity_number("shipment", shipment_id))
    status, version, order_id, order_status, name, city, country = head[0]
    if known is None:
        wanted, products = wanted_products(session, shipment_id)
        units = scanned_units(session, shipment_id)
    else:
        wanted, products, units = known
    scanned: dict[int, int] = defaultdict(int)
    for (_parcel, product_id), n in units.items():
        scanned[product_id] += n
    items = tuple(
        PackItem(
            p.product_id,
            p.sku,
            p.barcode,
            p.name,
            p.spec,
            wanted[pid],
            scanned.get(pid, 0),
            p.fragile,
            p.high_value,
        )
        for pid, p in products.items()
    )
    parcel_rows = _rows(session, _PARCELS, sid=shipment_id)
    parcels = []
    if parcel_rows:
        types = package_types(session)
        rules = package_rules(session)
        tare = {t.code: t.tare_g for t in types}
        labels = dict(_rows(session, _LABELS, sid=shipment_id))
        remaining = [
            products[pid].facts(wanted[pid] - scanned.get(pid, 0))
            for pid in products
            if wanted[pid] > scanned.get(pid, 0)
        ]
        for parcel_id, sequence, parcel_status, package_type, weight_g, tracking in parcel_rows:
            inside = [
                products[pid].facts(n)
                for (pcl, pid), n in units.items()
                if pcl == parcel_id and pid in products and n > 0
            ]
            suggested = suggest_package(inside or remaining, rules, types)
            package = package_type or suggested
            parcels.append(
                ParcelView(
                    parcel_id,
                    sequence,
                    parcel_status,
                    package_type,
                    weight_g,
                    sum(i.quantity for i in inside),
                    expected_weight_g(inside, tare.get(package or "", 0)),
                    suggested,
                    tracking,
                    labels.get(parcel_id, 0),
                )
            )
    notice = notice_for(status)
    return PackState(
        shipment_id,
        entity_number("shipment", shipment_id),
        order_number(order_id),
        status,
        order_status,
        version,
        items,
        tuple(parcels),
        notice,
        " · ".join(p for p in (name, city, country) if p),
        last_scan,
        put_back_left=_picked_units(session, shipment_id) if notice is Notice.CANCELLED else 0,
    )


def _picked_units(session: Session, shipment_id: int) -> int:
    """Units picked for the shipment and not yet put back (a cancelled one's tote)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Reservation.picked), 0))
            .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
            .where(ShipmentLine.shipment_id == shipment_id)
        )
        or 0
    )


def parcel_contents(session_or_uow, parcel_id: int) -> list[tuple[str, str, str, int]]:
    """(SKU, name, spec, units) packed in a parcel, verified by scan."""
    rows = _session(session_or_uow).execute(
        select(Product.sku, Product.name, Product.spec, func.count())
        .join(PackScan, PackScan.product_id == Product.id)
        .where(PackScan.parcel_id == parcel_id, PackScan.kind == "item", PackScan.undone.is_(False))
        .group_by(Product.sku, Product.name, Product.spec)
        .order_by(Product.sku)
    )
    return [(sku, name, spec or "", n) for sku, name, spec, n in rows]


@dataclass(frozen=True)
class WaitingRow:
    shipment_id: int
    number: str
    order: str
    units: int


def waiting_at_station(session_or_uow, limit: int = 200) -> list[WaitingRow]:
    """Picked shipments waiting to be packed, oldest first."""
    rows = _session(session_or_uow).execute(
        select(Shipment.id, Shipment.order_id, func.coalesce(func.sum(ShipmentLine.quantity), 0))
        .outerjoin(ShipmentLine, ShipmentLine.shipment_id == Shipment.id)
        .where(Shipment.status == "picked")
        .group_by(Shipment.id, Shipment.order_id)
        .order_by(Shipment.status_changed_at, Shipment.id)
        .limit(limit)
    )
    return [
        WaitingRow(sid, entity_number("shipment", sid), order_number(oid), int(units))
        for sid, oid, units in rows
    ]
