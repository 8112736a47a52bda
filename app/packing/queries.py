"""Reads of the packing station: a shipment's state at the station (items, scans, parcels,
suggested package), what a scanned code opens, package types and rules, a parcel's
contents (the shipping desk reads these too)."""

from __future__ import annotations

import threading
import time
import weakref
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select
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
from app.prepared import Prepared
from app.shipping.carrier_table import carrier_table
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


_SHIPMENT_ID = select(Shipment.id).where(Shipment.id == bindparam("sid"))
_ORDER_SHIPMENTS = (
    select(Shipment.id, Shipment.status)
    .where(Shipment.order_id == bindparam("oid"))
    .order_by(Shipment.id)
)
_TOTE_SHIPMENT = (
    select(PickListShipment.shipment_id)
    .join(Tote, Tote.id == PickListShipment.tote_id)
    .where(func.upper(Tote.code) == bindparam("code"))
    .order_by(PickListShipment.pick_list_id.desc())
    .limit(1)
)


def shipment_of_code(session_or_uow, code: str) -> int | None:
    """The shipment a scanned code means: SH-… itself; SO-… its order's shipment waiting
    at the station (else its latest); a tote code the shipment last picked into it."""
    session = _session(session_or_uow)
    text = (code or "").strip()
    parsed = parse_number(text)
    if parsed is not None and parsed[0] == "shipment":
        return _first(session, _SHIPMENT_ID, sid=parsed[1])
    if parsed is not None and parsed[0] == "order":
        rows = _rows(session, _ORDER_SHIPMENTS, oid=parsed[1])
        for sid, status in rows:
            if status == "picked":
                return sid
        return rows[-1][0] if rows else None
    if not text:
        return None
    return _first(session, _TOTE_SHIPMENT, code=text.upper())


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
        Order.requested_service,
    )
    .join(Order, Order.id == Shipment.order_id)
    .where(Shipment.id == bindparam("sid"))
)
# The station's verbs lock the shipment's row (not its order's) while they count it.
_HEAD_LOCKED = _HEAD.with_for_update(of=Shipment.__table__)
_LABELS_PRINTED = (
    select(func.count())
    .where(
        ParcelLabel.parcel_id == Parcel.id,
        ParcelLabel.outcome == "printed",
        or_(ParcelLabel.action == "print", ParcelLabel.action == "reprint"),
    )
    .correlate(Parcel)
    .scalar_subquery()
)
_PARCELS = (
    select(
        Parcel.id,
        Parcel.sequence,
        Parcel.status,
        Parcel.package_type,
        Parcel.weight_g,
        Parcel.tracking_number,
        _LABELS_PRINTED,
        Parcel.carrier_service_id,
        Parcel.version,
    )
    .where(Parcel.shipment_id == bindparam("sid"))
    .order_by(Parcel.sequence)
)


# Each run through the session's driver connection (``app.prepared``): a scan that opens a
# tote or meets a package code reads these in its transaction.
_PREPARED: dict[object, Prepared] = {}


def _prepared(statement) -> Prepared:
    run = _PREPARED.get(statement)
    if run is None:
        run = _PREPARED[statement] = Prepared(statement)
    return run


def _rows(session: Session, statement, **params):
    """Rows in the session's transaction (pending ORM changes flushed first)."""
    session.flush()
    return _prepared(statement).all(session, params)


def _first(session: Session, statement, **params):
    session.flush()
    return _prepared(statement).scalar(session, params)


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


# --------------------------------------------------------------------------- the package table
# The station reads the package types and rules on every scan (for the suggestion), but a
# supervisor edits them a few times a year: they are kept per process and per database.
# An edit through ``package_table``'s verbs drops the copy at once; an edit made by another
# process is seen within ``PACKAGE_TABLE_MAX_AGE_S`` (the copy is read again when older).
PACKAGE_TABLE_MAX_AGE_S = 30.0
_SUGGESTIONS_KEPT = 4096


class PackageTable:
    """The active package types and rules as read at one moment, with the suggestions
    made from them (the same items always get the same suggestion from one table)."""

    def __init__(
        self, types: Sequence[PackageTypeFacts], rules: Sequence[PackageRuleFacts]
    ) -> None:
        self.types = tuple(types)
        self.rules = tuple(rules)
        self.tare = {t.code: t.tare_g for t in self.types}
        self._suggested: dict[tuple[ItemFacts, ...], str | None] = {}

    def suggest(self, items: tuple[ItemFacts, ...]) -> str | None:
        try:
            return self._suggested[items]
        except KeyError:
            pass
        if len(self._suggested) >= _SUGGESTIONS_KEPT:
            self._suggested.clear()
        code = self._suggested[items] = suggest_package(items, self.rules, self.types)
        return code


_package_tables: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_package_tables_lock = threading.Lock()


def package_table(session_or_uow) -> PackageTable:
    """The package table of the session's database, read at most ``PACKAGE_TABLE_MAX_AGE_S``
    ago (or since this process last edited it)."""
    session = _session(session_or_uow)
    bind = session.get_bind()
    now = time.monotonic()
    kept = _package_tables.get(bind)
    if kept is not None and now - kept[0] < PACKAGE_TABLE_MAX_AGE_S:
        return kept[1]
    table = PackageTable(package_types(session), package_rules(session))
    with _package_tables_lock:
        _package_tables[bind] = (now, table)
    return table


def forget_package_table() -> None:
    """After an edit of package types or rules: every station reads them afresh."""
    with _package_tables_lock:
        _package_tables.clear()


# --------------------------------------------------------------------------- a station's read


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
    return _wanted_products(_rows(session, _WANTED, sid=shipment_id))


def _wanted_products(rows) -> tuple[dict[int, int], dict[int, _Product]]:
    wanted: dict[int, int] = defaultdict(int)
    products: dict[int, _Product] = {}
    for (
        product_id,
        sku,
        barcode,
        name,
        spec,
        weight_g,
        fragile,
        high_value,
        length_mm,
        width_mm,
        height_mm,
        soft,
        quantity,
    ) in rows:
        wanted[product_id] += quantity
        volume = None
        if length_mm:
            volume = max(1, length_mm * width_mm * height_mm // 1000)
        products[product_id] = _Product(
            product_id,
            sku,
            barcode,
            name,
            spec or "",
            weight_g or 0,
            bool(fragile),
            bool(high_value),
            volume,
            bool(soft),
        )
    return dict(wanted), products


def scanned_units(session: Session, shipment_id: int) -> dict[tuple[int | None, int], int]:
    """(parcel id, product id) → units accepted and not undone."""
    return {
        (parcel, product): n for parcel, product, n in _rows(session, _SCANNED, sid=shipment_id)
    }


@dataclass(frozen=True)
class ParcelRow:
    parcel_id: int
    sequence: int
    status: str
    package_type: str | None
    weight_g: int | None
    tracking_number: str | None
    labels: int  # labels printed (first print and reprints)
    carrier_service_id: int | None = None
    version: int = 1


@dataclass
class StationRead:
    """What one transaction read of a shipment at the station; a verb changes it as it
    changes the rows (a unit scanned, a parcel opened or weighed), so the state after the
    verb is built without reading again."""

    shipment_id: int
    status: str
    version: int
    order_id: int
    order_status: str
    ship_to: str
    wanted: dict[int, int]
    products: dict[int, _Product]
    units: dict[tuple[int | None, int], int]
    parcels: list[ParcelRow]
    ship_country: str = ""
    requested_service: str | None = None  # the order's, as the carrier choice reads it

    def scanned_by_product(self) -> dict[int, int]:
        scanned: dict[int, int] = defaultdict(int)
        for (_parcel, product_id), n in self.units.items():
            scanned[product_id] += n
        return scanned

    def current_parcel(self) -> ParcelRow | None:
        """The parcel scans go into: the last open one."""
        return next((p for p in reversed(self.parcels) if p.status == "open"), None)

    def parcel(self, parcel_id: int) -> ParcelRow | None:
        return next((p for p in self.parcels if p.parcel_id == parcel_id), None)

    def replace_parcel(self, parcel: ParcelRow) -> None:
        self.parcels = [parcel if p.parcel_id == parcel.parcel_id else p for p in self.parcels]


_DRIVER_HEAD = Prepared(_HEAD)
_DRIVER_HEAD_LOCKED = Prepared(_HEAD_LOCKED)
_DRIVER_WANTED = Prepared(_WANTED)
_DRIVER_SCANNED = Prepared(_SCANNED)
_DRIVER_PARCELS = Prepared(_PARCELS)


def read_station(session_or_uow, shipment_id: int, *, lock: bool = False) -> StationRead | None:
    """The shipment at the station as four reads (its head, wanted items, scanned units,
    parcels); None when there is no such shipment. ``lock``: its row is locked for the
    rest of the transaction (PostgreSQL), so two stations never count one shipment at once."""
    session = _session(session_or_uow)
    session.flush()
    params = {"sid": shipment_id}
    # The head alone first: on PostgreSQL a statement that waited for the row's lock
    # sees the locked row afresh but any row joined to it as it was when it began, so
    # what the other station just committed is read by the statements after the lock.
    head = (_DRIVER_HEAD_LOCKED if lock else _DRIVER_HEAD).first(session, params)
    if head is None:
        return None
    status, version, order_id, order_status, name, city, country, requested = head
    wanted, products = _wanted_products(_DRIVER_WANTED.all(session, params))
    units = {(parcel, product): n for parcel, product, n in _DRIVER_SCANNED.all(session, params)}
    parcels = [ParcelRow(*row) for row in _DRIVER_PARCELS.all(session, params)]
    return StationRead(
        shipment_id,
        status,
        version,
        order_id,
        order_status,
        " · ".join(p for p in (name, city, country) if p),
        wanted,
        products,
        units,
        parcels,
        country or "",
        requested,
    )


def pack_state(session_or_uow, shipment_id: int, last_scan: str = "") -> PackState:
    """The shipment's state at the station, read afresh in the caller's transaction."""
    session = _session(session_or_uow)
    read = read_station(session, shipment_id)
    if read is None:
        from app.packing.errors import NotAtStation

        raise NotAtStation(entity_number("shipment", shipment_id))
    return station_state(session, read, last_scan)


def station_state(
    session_or_uow, read: StationRead, last_scan: str = "", *, carrier: str | None = None
) -> PackState:
    """The state a station read (plus the changes its verb made to it) amounts to;
    ``carrier``: the one the verb knows (else the one chosen for the parcels, if any)."""
    session = _session(session_or_uow)
    scanned = read.scanned_by_product()
    wanted, products, units = read.wanted, read.products, read.units
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
    parcels = []
    if read.parcels:
        table = package_table(session)
        remaining = tuple(
            products[pid].facts(wanted[pid] - scanned.get(pid, 0))
            for pid in products
            if wanted[pid] > scanned.get(pid, 0)
        )
        for parcel in read.parcels:
            inside = tuple(
                products[pid].facts(n)
                for (pcl, pid), n in units.items()
                if pcl == parcel.parcel_id and pid in products and n > 0
            )
            suggested = table.suggest(inside or remaining)
            package = parcel.package_type or suggested
            parcels.append(
                ParcelView(
                    parcel.parcel_id,
                    parcel.sequence,
                    parcel.status,
                    parcel.package_type,
                    parcel.weight_g,
                    sum(i.quantity for i in inside),
                    expected_weight_g(inside, table.tare.get(package or "", 0)),
                    suggested,
                    parcel.tracking_number,
                    parcel.labels,
                )
            )
    notice = notice_for(read.status)
    return PackState(
        read.shipment_id,
        entity_number("shipment", read.shipment_id),
        order_number(read.order_id),
        read.status,
        read.order_status,
        read.version,
        items,
        tuple(parcels),
        notice,
        read.ship_to,
        last_scan,
        put_back_left=(
            _picked_units(session, read.shipment_id) if notice is Notice.CANCELLED else 0
        ),
        carrier=chosen_carrier(session, read.parcels) if carrier is None else carrier,
    )


def chosen_carrier(session: Session, parcels: Sequence[ParcelRow]) -> str:
    """The code of the carrier chosen for the parcels ("" before the choice)."""
    service_id = next(
        (p.carrier_service_id for p in parcels if p.carrier_service_id and p.status != "voided"),
        None,
    )
    if service_id is None:
        return ""
    carrier, _service = carrier_table(session, knowing=service_id).carrier_of_service(service_id)
    return carrier.code if carrier is not None else ""


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
