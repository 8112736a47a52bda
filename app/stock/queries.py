"""Reads of the stock desk: stock per product and warehouse (keyset paged), one product's
bins and quant ages, incoming deliveries, the low-stock list and replenishment suggestions.

Every list reads what it shows in a few grouped queries; none loads a row per product.
``StockPages`` is the lazy table's source: each count or page is one short read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import and_, func, or_, select, true, union
from sqlalchemy.orm import Session

from app.permissions import Actor, Permission, require
from app.search.filters import Equals, Filters, Text
from app.search.paging import short_read
from app.stock import rules
from app.stock.model import (
    DEMAND_DAYS,
    STOCK_DESK_MOVE_KINDS,
    IncomingRow,
    IncomingStatus,
    LowStockRow,
    QuantRow,
    Replenishment,
    StockDetail,
    StockRow,
)
from db.models import (
    Bin,
    IncomingStock,
    Order,
    OrderLine,
    Product,
    Shipment,
    ShipmentLine,
    StockMove,
    StockQuant,
    Warehouse,
    utcnow,
)
from db.models_stock import PickFaceRule, ReorderRule

QUANT = StockQuant.__table__.c
INCOMING = IncomingStock.__table__.c
RULE = ReorderRule.__table__.c


@dataclass(frozen=True)
class StockFilter:
    search: str = ""
    warehouse_id: int | None = None
    low_only: bool = False  # read by ``_stock_query``: a figure, not a column


STOCK_FILTERS = Filters(
    # A barcode as scanned, the start of a SKU, or words of the name.
    Text("search", equals=(Product.barcode,), prefix=(Product.sku,), contains=(Product.name,)),
    Equals("warehouse_id", Warehouse.id),
)


def _aggregates(products):
    """Per (product, warehouse): quant sums, expected deliveries, and the pairs that have
    either or a threshold -- only for ``products`` (ids or a subquery) when given."""

    def only(query, column):
        return query if products is None else query.where(column.in_(products))

    quants = only(
        select(
            QUANT.product_id.label("product_id"),
            QUANT.warehouse_id.label("warehouse_id"),
            func.sum(QUANT.on_hand).label("on_hand"),
            func.sum(QUANT.reserved).label("reserved"),
            func.min(QUANT.received_date).filter(QUANT.on_hand > 0).label("oldest"),
        ),
        QUANT.product_id,
    )
    quants = quants.group_by(QUANT.product_id, QUANT.warehouse_id).subquery("q")
    incoming = only(
        select(
            INCOMING.product_id.label("product_id"),
            INCOMING.warehouse_id.label("warehouse_id"),
            func.sum(INCOMING.quantity).label("incoming"),
        ).where(INCOMING.status == IncomingStatus.EXPECTED, INCOMING.warehouse_id.is_not(None)),
        INCOMING.product_id,
    )
    incoming = incoming.group_by(INCOMING.product_id, INCOMING.warehouse_id).subquery("i")
    pairs = union(
        only(select(QUANT.product_id, QUANT.warehouse_id), QUANT.product_id),
        only(
            select(INCOMING.product_id, INCOMING.warehouse_id).where(
                INCOMING.status == IncomingStatus.EXPECTED, INCOMING.warehouse_id.is_not(None)
            ),
            INCOMING.product_id,
        ),
        only(select(RULE.product_id, RULE.warehouse_id), RULE.product_id),
    ).subquery("pairs")
    return quants, incoming, pairs


def _stock_query(flt: StockFilter, products=None):
    """Rows with their figures; aggregates over ``products`` only when given (a page's
    products, one product, the products with a threshold) -- never the whole stock."""
    quants, incoming, pairs = _aggregates(products)
    on_hand = func.coalesce(quants.c.on_hand, 0)
    reserved = func.coalesce(quants.c.reserved, 0)
    query = (
        select(
            Product.id,
            Warehouse.id,
            Product.sku,
            Product.name,
            Product.barcode,
            Warehouse.code,
            on_hand,
            reserved,
            func.coalesce(incoming.c.incoming, 0),
            RULE.min_quantity,
            quants.c.oldest,
        )
        .select_from(pairs)
        .join(Product, Product.id == pairs.c.product_id)
        .join(Warehouse, Warehouse.id == pairs.c.warehouse_id)
        .outerjoin(
            quants,
            and_(
                quants.c.product_id == pairs.c.product_id,
                quants.c.warehouse_id == pairs.c.warehouse_id,
            ),
        )
        .outerjoin(
            incoming,
            and_(
                incoming.c.product_id == pairs.c.product_id,
                incoming.c.warehouse_id == pairs.c.warehouse_id,
            ),
        )
        .outerjoin(
            ReorderRule.__table__,
            and_(RULE.product_id == pairs.c.product_id, RULE.warehouse_id == pairs.c.warehouse_id),
        )
    )
    query = _filtered(query, flt)
    if flt.low_only:
        query = query.where(RULE.min_quantity.is_not(None), on_hand - reserved < RULE.min_quantity)
    return query


def _filtered(query, flt: StockFilter):
    return query.where(*STOCK_FILTERS.conditions(flt))


def _pairs_query(flt: StockFilter):
    """(sku, warehouse code, product id, warehouse id) of the list's rows in list order,
    walked from the products' SKU index: each candidate pair is an index probe, so a page
    costs the same whatever the size of the stock."""
    has_quant = (
        select(QUANT.id)
        .where(QUANT.product_id == Product.id, QUANT.warehouse_id == Warehouse.id)
        .exists()
    )
    has_incoming = (
        select(INCOMING.id)
        .where(
            INCOMING.product_id == Product.id,
            INCOMING.warehouse_id == Warehouse.id,
            INCOMING.status == IncomingStatus.EXPECTED,
        )
        .exists()
    )
    has_rule = (
        select(RULE.id)
        .where(RULE.product_id == Product.id, RULE.warehouse_id == Warehouse.id)
        .exists()
    )
    query = (
        select(Product.sku, Warehouse.code, Product.id, Warehouse.id)
        .select_from(Product)
        .join(Warehouse, true())
        .where(or_(has_quant, has_incoming, has_rule))
    )
    return _filtered(query, flt)


_RULE_PRODUCTS = select(RULE.product_id)


def _low_rows(session: Session, flt: StockFilter) -> list[StockRow]:
    """The low-only list is small (only products with a threshold): read whole, in order."""
    query = _stock_query(flt, _RULE_PRODUCTS).order_by(Product.sku, Warehouse.code)
    return [_row(values) for values in session.execute(query)]


def _rows_for(session: Session, pairs: list) -> list[StockRow]:
    if not pairs:
        return []
    wanted = [(sku, code) for sku, code, _p, _w in pairs]
    product_ids = sorted({p for _s, _c, p, _w in pairs})
    found = {
        (row.sku, row.warehouse_code): row
        for row in (
            _row(values) for values in session.execute(_stock_query(StockFilter(), product_ids))
        )
    }
    return [found[key] for key in wanted if key in found]


def _row(values) -> StockRow:
    return StockRow(*values)


def count_stock(session: Session, flt: StockFilter) -> int:
    if flt.low_only:
        return len(_low_rows(session, flt))
    # Counted from the distinct pairs (one hash of the quants' covering index) rather than
    # the page query's per-pair probes, which PostgreSQL over-estimates (and JIT-compiles).
    _quants, _incoming, pairs = _aggregates(None)
    query = (
        select(func.count())
        .select_from(pairs)
        .join(Product, Product.id == pairs.c.product_id)
        .join(Warehouse, Warehouse.id == pairs.c.warehouse_id)
    )
    return session.scalar(_filtered(query, flt)) or 0


def stock_page(
    session: Session, flt: StockFilter, after: tuple[str, str] | None, limit: int
) -> list[StockRow]:
    """Rows by SKU then warehouse code, after the given (sku, warehouse code) key."""
    if flt.low_only:
        rows = _low_rows(session, flt)
        return [row for row in rows if after is None or row.key > after][:limit]
    query = _pairs_query(flt)
    if after is not None:
        sku, code = after
        query = query.where(or_(Product.sku > sku, and_(Product.sku == sku, Warehouse.code > code)))
    pairs = session.execute(query.order_by(Product.sku, Warehouse.code).limit(limit)).all()
    return _rows_for(session, pairs)


def stock_page_at(session: Session, flt: StockFilter, offset: int, limit: int) -> list[StockRow]:
    if flt.low_only:
        return _low_rows(session, flt)[offset : offset + limit]
    query = _pairs_query(flt).order_by(Product.sku, Warehouse.code).offset(offset).limit(limit)
    return _rows_for(session, session.execute(query).all())


class StockPages:
    """The stock list for a screen's lazy table; every read opens and closes its own unit."""

    def __init__(self, database, actor: Actor, flt: StockFilter) -> None:
        require(actor, Permission.VIEW_ORDERS)
        self._database = database
        self.flt = flt

    def count(self) -> int:
        with short_read(self._database) as session:
            return count_stock(session, self.flt)

    def page_after(self, after_key: tuple[str, str] | None, limit: int) -> list[StockRow]:
        with short_read(self._database) as session:
            return stock_page(session, self.flt, after_key, limit)

    def page_at(self, offset: int, limit: int, total: int) -> list[StockRow]:
        with short_read(self._database) as session:
            return stock_page_at(session, self.flt, offset, limit)


# --------------------------------------------------------------------------- one product


def stock_detail(
    session: Session, product_id: int, warehouse_id: int, today: dt.date | None = None
) -> StockDetail | None:
    today = today or utcnow().date()
    flt = StockFilter(warehouse_id=warehouse_id)
    row = session.execute(_stock_query(flt, [product_id]).where(Product.id == product_id)).first()
    if row is None:
        return None
    quants = session.execute(
        select(
            QUANT.id,
            Bin.code,
            Bin.kind,
            Bin.pick_sequence,
            QUANT.on_hand,
            QUANT.reserved,
            QUANT.received_date,
        )
        .join(Bin, Bin.id == QUANT.bin_id)
        .where(
            QUANT.product_id == product_id,
            QUANT.warehouse_id == warehouse_id,
            QUANT.on_hand > 0,
        )
        .order_by(QUANT.received_date, QUANT.id)
    ).all()
    fragile, high_value = session.execute(
        select(Product.fragile, Product.high_value).where(Product.id == product_id)
    ).one()
    return StockDetail(
        row=_row(row),
        quants=tuple(QuantRow(*values, age_days=(today - values[6]).days) for values in quants),
        incoming=tuple(incoming_lines(session, product_id=product_id, warehouse_id=warehouse_id)),
        fragile=fragile,
        high_value=high_value,
    )


def incoming_lines(
    session: Session,
    *,
    product_id: int | None = None,
    warehouse_id: int | None = None,
    limit: int = 500,
) -> list[IncomingRow]:
    """Expected deliveries, earliest first; for a warehouse, also those not yet assigned."""
    query = (
        select(
            IncomingStock.id,
            Product.sku,
            Product.name,
            Warehouse.code,
            IncomingStock.quantity,
            IncomingStock.expected_date,
            IncomingStock.reference,
            IncomingStock.status,
        )
        .join(Product, Product.id == IncomingStock.product_id)
        .outerjoin(Warehouse, Warehouse.id == IncomingStock.warehouse_id)
        .where(IncomingStock.status == IncomingStatus.EXPECTED)
    )
    if product_id is not None:
        query = query.where(IncomingStock.product_id == product_id)
    if warehouse_id is not None:
        query = query.where(
            or_(IncomingStock.warehouse_id == warehouse_id, IncomingStock.warehouse_id.is_(None))
        )
    query = query.order_by(IncomingStock.expected_date, IncomingStock.id).limit(limit)
    return [IncomingRow(*values) for values in session.execute(query)]


def warehouses(session: Session) -> list[tuple[int, str, str]]:
    return [
        tuple(r)
        for r in session.execute(
            select(Warehouse.id, Warehouse.code, Warehouse.name).order_by(Warehouse.code)
        )
    ]


# --------------------------------------------------------------------------- low stock


def low_stock(
    session: Session,
    actor: Actor,
    *,
    warehouse_id: int | None = None,
    now: dt.datetime | None = None,
) -> list[LowStockRow]:
    """Products whose available stock is below their threshold, with what to reorder."""
    require(actor, Permission.VIEW_ORDERS)
    now = now or utcnow()
    flt = StockFilter(warehouse_id=warehouse_id, low_only=True)
    rows = [_row(values) for values in session.execute(_stock_query(flt, _RULE_PRODUCTS))]
    if not rows:
        return []
    product_ids = sorted({row.product_id for row in rows})
    since = now - dt.timedelta(days=DEMAND_DAYS)
    demand = dict(
        session.execute(
            select(OrderLine.product_id, func.sum(OrderLine.quantity))
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                OrderLine.product_id.in_(product_ids),
                Order.received_at >= since,
                Order.status != "cancelled",
            )
            .group_by(OrderLine.product_id)
        ).all()
    )
    shipped: dict[tuple[int, int], int] = {}
    for product_id, warehouse, units in session.execute(
        select(OrderLine.product_id, Shipment.warehouse_id, func.sum(ShipmentLine.quantity))
        .join(ShipmentLine, ShipmentLine.order_line_id == OrderLine.id)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(OrderLine.product_id.in_(product_ids), Shipment.created_at >= since)
        .group_by(OrderLine.product_id, Shipment.warehouse_id)
    ):
        shipped[(product_id, warehouse)] = int(units or 0)
    shipped_all: dict[int, int] = defaultdict(int)
    for (product_id, _warehouse), units in shipped.items():
        shipped_all[product_id] += units
    ruled = dict(
        session.execute(
            select(RULE.product_id, func.count())
            .where(RULE.product_id.in_(product_ids))
            .group_by(RULE.product_id)
        ).all()
    )
    packs = {
        (p, w): size
        for p, w, size in session.execute(
            select(RULE.product_id, RULE.warehouse_id, RULE.pack_size).where(
                RULE.product_id.in_(product_ids)
            )
        )
    }
    arrivals = {
        (p, w): day
        for p, w, day in session.execute(
            select(INCOMING.product_id, INCOMING.warehouse_id, func.min(INCOMING.expected_date))
            .where(INCOMING.product_id.in_(product_ids), INCOMING.status == IncomingStatus.EXPECTED)
            .group_by(INCOMING.product_id, INCOMING.warehouse_id)
        )
    }
    found = []
    for row in rows:
        assert row.min_quantity is not None
        here = rules.warehouse_demand(
            int(demand.get(row.product_id, 0) or 0),
            shipped.get((row.product_id, row.warehouse_id), 0),
            shipped_all.get(row.product_id, 0),
            int(ruled.get(row.product_id, 1)),
        )
        found.append(
            LowStockRow(
                sku=row.sku,
                name=row.name,
                warehouse_code=row.warehouse_code,
                on_hand=row.on_hand,
                reserved=row.reserved,
                available=row.available,
                min_quantity=row.min_quantity,
                incoming=row.incoming,
                next_arrival=arrivals.get((row.product_id, row.warehouse_id)),
                demand_30d=here,
                suggested=rules.suggested_reorder(
                    min_quantity=row.min_quantity,
                    pack_size=packs.get((row.product_id, row.warehouse_id), 1),
                    available=row.available,
                    incoming=row.incoming,
                    demand=here,
                ),
            )
        )
    return sorted(found, key=lambda r: (r.warehouse_code, r.available - r.min_quantity, r.sku))


# --------------------------------------------------------------------------- replenishment


def replenishment(session: Session, warehouse_id: int) -> list[Replenishment]:
    """Pick faces of a warehouse below their minimum, and where to refill them from."""
    faces_rows = session.execute(
        select(
            PickFaceRule.product_id,
            Bin.code,
            func.coalesce(func.sum(QUANT.on_hand), 0),
            PickFaceRule.min_quantity,
            PickFaceRule.max_quantity,
        )
        .join(Bin, Bin.id == PickFaceRule.bin_id)
        .outerjoin(
            StockQuant.__table__,
            and_(QUANT.bin_id == Bin.id, QUANT.product_id == PickFaceRule.product_id),
        )
        .where(Bin.warehouse_id == warehouse_id)
        .group_by(
            PickFaceRule.id,
            PickFaceRule.product_id,
            Bin.code,
            PickFaceRule.min_quantity,
            PickFaceRule.max_quantity,
        )
    ).all()
    faces = [rules.PickFaceFacts(*row) for row in faces_rows]
    if not any(face.on_hand < face.min_quantity for face in faces):
        return []
    product_ids = sorted({face.product_id for face in faces})
    reserves = [
        rules.ReserveBinFacts(*row)
        for row in session.execute(
            select(
                QUANT.product_id,
                Bin.code,
                Bin.kind,
                func.sum(QUANT.on_hand - QUANT.reserved),
                func.min(QUANT.received_date),
            )
            .join(Bin, Bin.id == QUANT.bin_id)
            .where(
                QUANT.warehouse_id == warehouse_id,
                QUANT.product_id.in_(product_ids),
                QUANT.on_hand > QUANT.reserved,
                Bin.kind.in_(("overflow", "storage")),
            )
            .group_by(QUANT.product_id, Bin.code, Bin.kind)
        )
    ]
    names = dict(
        session.execute(select(Product.id, Product.sku).where(Product.id.in_(product_ids))).all()
    )
    titles = dict(
        session.execute(select(Product.id, Product.name).where(Product.id.in_(product_ids))).all()
    )
    code = session.scalar(select(Warehouse.code).where(Warehouse.id == warehouse_id)) or ""
    return [
        Replenishment(
            sku=names[face.product_id],
            name=titles[face.product_id],
            warehouse_code=code,
            from_bin=source.bin_code,
            to_bin=face.bin_code,
            quantity=units,
            pick_face_now=face.on_hand,
            pick_face_min=face.min_quantity,
        )
        for face, source, units in rules.plan_replenishment(faces, reserves)
    ]


# --------------------------------------------------------------------------- invariants


def on_hand_from_moves(
    session: Session, product_id: int, kinds: tuple[str, ...] = STOCK_DESK_MOVE_KINDS
) -> dict[int, int]:
    """Per bin, what a product's moves of these kinds add up to (the picking desk's moves
    that take stock out join ``kinds`` where they have happened)."""
    totals: dict[int, int] = defaultdict(int)
    for bin_id, units in session.execute(
        select(StockMove.to_bin_id, func.sum(StockMove.quantity))
        .where(
            StockMove.product_id == product_id,
            StockMove.kind.in_(kinds),
            StockMove.to_bin_id.is_not(None),
        )
        .group_by(StockMove.to_bin_id)
    ):
        totals[bin_id] += int(units)
    for bin_id, units in session.execute(
        select(StockMove.from_bin_id, func.sum(StockMove.quantity))
        .where(
            StockMove.product_id == product_id,
            StockMove.kind.in_(kinds),
            StockMove.from_bin_id.is_not(None),
        )
        .group_by(StockMove.from_bin_id)
    ):
        totals[bin_id] -= int(units)
    return dict(totals)


def on_hand_by_bin(session: Session, product_id: int) -> dict[int, int]:
    return {
        bin_id: int(units)
        for bin_id, units in session.execute(
            select(QUANT.bin_id, func.sum(QUANT.on_hand))
            .where(QUANT.product_id == product_id)
            .group_by(QUANT.bin_id)
        )
    }


# --------------------------------------------------------------------------- setup


def bins_of(session: Session, warehouse_id: int) -> list[tuple[str, str, int, int]]:
    """(code, kind, walk position, units in it) of a warehouse's bins, in walk order."""
    units = (
        select(QUANT.bin_id, func.sum(QUANT.on_hand).label("units"))
        .where(QUANT.warehouse_id == warehouse_id)
        .group_by(QUANT.bin_id)
        .subquery()
    )
    return [
        (code, kind, sequence, int(count or 0))
        for code, kind, sequence, count in session.execute(
            select(Bin.code, Bin.kind, Bin.pick_sequence, units.c.units)
            .outerjoin(units, units.c.bin_id == Bin.id)
            .where(Bin.warehouse_id == warehouse_id)
            .order_by(Bin.pick_sequence, Bin.code)
        )
    ]
