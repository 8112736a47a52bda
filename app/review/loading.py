"""Rows → review facts, for a whole batch of orders at once.

Every query here takes the batch's ids, SKUs or customers in one ``IN`` list and, where it
sums, groups in the database: a batch of a thousand orders costs about a dozen queries
whatever its size, never a query per order or per rule. What does not change during a run
(the catalogue rows already read, the warehouses, the stock ledger) is kept in ``RunCache``
and only the new keys are fetched for the next batch.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from app.address import PostalAddress
from app.bulk.among import one_of
from app.review.keys import address_key, email_key, items_key, phone_key
from app.review.model import (
    BlockList,
    CustomerFacts,
    LineFacts,
    OrderFacts,
    PaymentFacts,
    ProductFacts,
    PromotionFacts,
    RecentOrder,
    ReviewSettings,
    ReviewWorld,
    StockPosition,
    WarehouseStock,
)
from app.workflow import OrderStatus as OS
from db.models import (
    Address,
    AuditEvent,
    BlockListEntry,
    Customer,
    IntakeConflict,
    Order,
    OrderLine,
    Payment,
    Product,
    Promotion,
    StockQuant,
    Warehouse,
)
from db.models_picking import Reservation

# Plain table columns: Core selects skip the ORM's row machinery, a third of the cost of
# reading a few thousand rows.
LINE = OrderLine.__table__.c
CUSTOMER = Customer.__table__.c
ADDRESS = Address.__table__.c
PAYMENT = Payment.__table__.c
ORDER = Order.__table__.c
QUANT = StockQuant.__table__.c
PRODUCT = Product.__table__.c
WAREHOUSE = Warehouse.__table__.c
BLOCKED = BlockListEntry.__table__.c
CONFLICT = IntakeConflict.__table__.c
RESERVED = Reservation.__table__.c
PROMO = Promotion.__table__.c

# Bound parameters per IN list: well under SQLite's limit, and plans stay cached.
IN_CHUNK = 5000


def of_orders(column, order_ids: Sequence[int]):
    """``column IN ids``, or a range when the sorted ids are (nearly) consecutive.

    Auto-review takes received orders in id order, so a batch is usually a run of ids:
    a BETWEEN is one index range and spares rendering a thousand parameters. Readers
    using it drop the rows of orders that are not in the batch.
    """
    if order_ids and order_ids[-1] - order_ids[0] < 2 * len(order_ids):
        return column.between(order_ids[0], order_ids[-1])
    return column.in_(order_ids)


def chunks(values: Sequence, size: int = IN_CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


class OrderRow(Protocol):
    """What the loader reads of an order: an ``Order`` or a row of ``ORDER_COLUMNS``."""

    id: int
    channel: str
    channel_order_id: str
    customer_id: int | None
    status: str
    priority: int
    requested_service: str
    currency: str
    subtotal_cents: int
    shipping_cents: int
    tax_cents: int
    discount_cents: int
    total_cents: int
    ship_name: str
    ship_phone: str | None
    ship_line1: str
    ship_line2: str
    ship_line3: str
    ship_city: str
    ship_region: str
    ship_postal_code: str
    ship_country: str
    purchased_at: dt.datetime | None
    received_at: dt.datetime
    amounts_source: str


ORDER_COLUMNS = tuple(
    Order.__table__.c[name]
    for name in (
        "id", "channel", "channel_order_id", "customer_id", "status", "priority",
        "requested_service", "currency", "subtotal_cents", "shipping_cents", "tax_cents",
        "discount_cents", "total_cents",
        "ship_name", "ship_phone", "ship_line1", "ship_line2", "ship_line3", "ship_city",
        "ship_region", "ship_postal_code", "ship_country", "purchased_at", "received_at",
        "reviewed_at", "approved_at", "version", "amounts_source",
    )
)  # fmt: skip


@dataclass
class RunCache:
    """What one review run keeps between its batches."""

    settings: ReviewSettings = field(default_factory=ReviewSettings)
    products: dict[str, ProductFacts | None] = field(default_factory=dict)
    # Stock per product id, with the units promised by approvals earlier in the run.
    ledger: dict[int, StockPosition] = field(default_factory=dict)
    warehouses: dict[int, tuple[str, frozenset[str]]] | None = None
    # Kinds of identifier the block list holds: a list with no phones needs no phone keys.
    block_kinds: frozenset[str] | None = None


@dataclass(frozen=True)
class Batch:
    facts: list[OrderFacts]
    world: ReviewWorld
    # Customer language and contact per customer id, for what the service drafts.
    customers: dict[int, CustomerFacts]


def load_batch(
    session: Session, orders: Sequence[OrderRow], cache: RunCache, now: dt.datetime
) -> Batch:
    """Facts for ``orders`` (ORM objects or rows of ``ORDER_COLUMNS``) and their world."""
    order_ids = [order.id for order in orders]
    lines = _lines(session, order_ids)
    _apply_counter_overrides(session, [o.id for o in orders if o.channel == "shop"], lines)
    customer_ids = sorted({o.customer_id for o in orders if o.customer_id is not None})
    customers = _customers(session, customer_ids)
    placed = [_placed_at(o.purchased_at, o.received_at) for o in orders]
    recent = _recent_orders(session, orders, customer_ids, placed, cache.settings, lines)
    payments = _payments(session, order_ids)
    skus = sorted({line.sku for order_lines in lines.values() for line in order_lines})
    _fill_products(session, cache, skus)
    products = {sku: cache.products[sku] for sku in skus if cache.products.get(sku)}
    fill_stock(session, cache, [p.id for p in products.values()])
    facts = [
        _order_facts(
            order,
            lines.get(order.id, ()),
            customers.get(order.customer_id) if order.customer_id else None,
            recent.get(order.customer_id, ()) if order.customer_id else (),
            payments.get(order.id, ()),
        )
        for order in orders
    ]
    conflicts = _intake_conflicts(session, order_ids, facts)
    facts = [
        replace(f, intake_conflicts=conflicts[f.order_id]) if f.order_id in conflicts else f
        for f in facts
    ]
    world = ReviewWorld(
        now=now,
        products=products,
        stock=cache.ledger,
        promotions=_promotions(session, products.values(), placed),
        block_list=_block_list(session, cache, facts),
        settings=cache.settings,
    )
    return Batch(facts, world, customers)


def _placed_at(purchased_at: dt.datetime | None, received_at: dt.datetime) -> dt.datetime:
    return purchased_at or received_at


# --------------------------------------------------------------------------- per order


def _lines(session: Session, order_ids: Sequence[int]) -> dict[int, list[LineFacts]]:
    found: dict[int, list[LineFacts]] = defaultdict(list)
    columns = (
        LINE.order_id,
        LINE.line_no,
        LINE.sku,
        LINE.quantity,
        LINE.unit_price_cents,
        LINE.line_total_cents,
        LINE.discount_cents,
        LINE.product_name,
        LINE.channel_line_id,
    )
    wanted = set(order_ids)
    for ids in chunks(sorted(wanted)):
        query = select(*columns).where(of_orders(LINE.order_id, ids))
        for order_id, line_no, sku, qty, unit, total, discount, text, line_id in session.execute(
            query
        ).all():
            if order_id not in wanted:
                continue
            found[order_id].append(
                LineFacts(
                    line_no,
                    sku,
                    qty,
                    unit,
                    total,
                    discount or 0,
                    text or "",
                    channel_line_id=line_id or "",
                )
            )
    for order_lines in found.values():
        order_lines.sort(key=lambda line: line.line_no)
    return found


def _apply_counter_overrides(
    session: Session, order_ids: Sequence[int], lines: dict[int, list[LineFacts]]
) -> None:
    """Prices given at the shop counter with a reason by someone allowed to give them.

    The counter records them in the order's "entered" audit event (who, line, price,
    reason, whether that person holds OVERRIDE_PRICES); only those allowed count.
    """
    for ids in chunks(sorted(order_ids)):
        events = session.execute(
            select(AuditEvent.entity_id, AuditEvent.actor_name, AuditEvent.detail).where(
                AuditEvent.entity_type == "order",
                AuditEvent.action == "entered",
                AuditEvent.entity_id.in_(ids),
            )
        ).all()
        for order_id, actor_name, detail in events:
            overrides = (detail or {}).get("price_overrides") or []
            allowed = {
                item.get("line_no"): item
                for item in overrides
                if isinstance(item, dict) and item.get("allowed") and item.get("reason")
            }
            if not allowed or order_id not in lines:
                continue
            lines[order_id] = [
                replace(
                    line,
                    price_override_reason=str(allowed[line.line_no]["reason"]),
                    price_override_by=actor_name,
                )
                if line.line_no in allowed
                and allowed[line.line_no].get("unit_price_cents") == line.unit_price_cents
                else line
                for line in lines[order_id]
            ]


def _customers(session: Session, customer_ids: Sequence[int]) -> dict[int, CustomerFacts]:
    addresses: dict[int, list[tuple[str, str, str, str]]] = defaultdict(list)
    rows = []
    for ids in chunks(customer_ids):
        rows.extend(
            session.execute(
                select(
                    CUSTOMER.id,
                    CUSTOMER.name,
                    CUSTOMER.email,
                    CUSTOMER.phone,
                    CUSTOMER.status,
                    CUSTOMER.language,
                    CUSTOMER.created_at,
                    CUSTOMER.channel_buyer_id,
                ).where(one_of(session, CUSTOMER.id, ids))
            ).all()
        )
        address_query = select(
            ADDRESS.customer_id,
            ADDRESS.line1,
            ADDRESS.postal_code,
            ADDRESS.country_code,
            ADDRESS.city,
        ).where(one_of(session, ADDRESS.customer_id, ids))
        for customer_id, line1, postal_code, country, city in session.execute(address_query).all():
            addresses[customer_id].append((line1, postal_code, country, city))
    return {
        cid: CustomerFacts(
            id=cid,
            name=name or "",
            email=email or "",
            phone=phone or "",
            status=status,
            language=language or "en",
            created_at=created_at,
            addresses=tuple(addresses.get(cid, ())),
            channel_buyer_id=buyer_id or "",
        )
        for cid, name, email, phone, status, language, created_at, buyer_id in rows
    }


def _payments(session: Session, order_ids: Sequence[int]) -> dict[int, list[PaymentFacts]]:
    found: dict[int, list[PaymentFacts]] = defaultdict(list)
    columns = (
        PAYMENT.order_id,
        PAYMENT.method,
        PAYMENT.status,
        PAYMENT.amount_cents,
        PAYMENT.currency,
        PAYMENT.card_brand,
        PAYMENT.card_last4,
        PAYMENT.card_exp_month,
        PAYMENT.card_exp_year,
    )
    wanted = set(order_ids)
    for ids in chunks(sorted(wanted)):
        query = select(*columns).where(of_orders(PAYMENT.order_id, ids)).order_by(PAYMENT.id)
        for (
            order_id,
            method,
            status,
            amount,
            currency,
            brand,
            last4,
            month,
            year,
        ) in session.execute(query).all():
            if order_id not in wanted:
                continue
            found[order_id].append(
                PaymentFacts(
                    method, status, amount, currency, brand or "", last4 or "", month, year
                )
            )
    return found


def _recent_orders(
    session: Session,
    orders: Sequence[OrderRow],
    customer_ids: Sequence[int],
    placed: Sequence[dt.datetime],
    settings: ReviewSettings,
    batch_lines: dict[int, list[LineFacts]],
) -> dict[int, tuple[RecentOrder, ...]]:
    """The batch customers' orders placed within the history window of the batch's orders.

    The batch's own orders are taken from memory; only the others are read, and only those
    inside the window (placed = purchase time, else receipt time, compared in SQL).
    """
    if not customer_ids or not placed:
        return {}
    window = settings.history_window
    since, until = min(placed) - window, max(placed) + window
    placed_at = func.coalesce(ORDER.purchased_at, ORDER.received_at)
    columns = (
        ORDER.id,
        ORDER.customer_id,
        ORDER.purchased_at,
        ORDER.received_at,
        ORDER.status,
        ORDER.ship_line1,
        ORDER.ship_postal_code,
        ORDER.ship_country,
        ORDER.ship_city,
    )
    batch_ids = {order.id for order in orders}
    others = []
    for ids in chunks(customer_ids):
        query = select(*columns).where(
            one_of(session, ORDER.customer_id, ids),
            placed_at >= since,
            placed_at <= until,
            ~of_orders(ORDER.id, sorted(batch_ids)),
        )
        others.extend(row for row in session.execute(query).all() if row[0] not in batch_ids)
    # A customer whose only order in the window is the one being reviewed has no history
    # to compare with: most customers, so their keys are not worth computing.
    per_customer: dict[int, int] = defaultdict(int)
    for order in orders:
        per_customer[order.customer_id] += 1
    for row in others:
        per_customer[row[1]] += 1
    rows = [
        (o.id, o.customer_id, o.purchased_at, o.received_at, o.status, o.ship_line1,
         o.ship_postal_code, o.ship_country, o.ship_city)
        for o in orders
        if o.customer_id is not None and per_customer[o.customer_id] > 1
    ]  # fmt: skip
    rows.extend(row for row in others if per_customer[row[1]] > 1)
    items = _items_of(session, [row[0] for row in rows], batch_lines)
    found: dict[int, list[RecentOrder]] = defaultdict(list)
    for oid, cid, purchased, received, status, line1, postal, country, city in rows:
        found[cid].append(
            RecentOrder(
                order_id=oid,
                placed_at=purchased or received,
                status=status,
                ship_to_key=address_key(line1, postal, country, city),
                items_key=items.get(oid, ()),
            )
        )
    return {cid: tuple(orders) for cid, orders in found.items()}


def _items_of(
    session: Session, order_ids: Sequence[int], batch_lines: dict[int, list[LineFacts]]
) -> dict[int, tuple[tuple[str, int], ...]]:
    pairs: dict[int, list[tuple[str, int]]] = {
        oid: [(line.sku, line.quantity) for line in batch_lines[oid]]
        for oid in order_ids
        if oid in batch_lines
    }
    missing = [oid for oid in order_ids if oid not in batch_lines]
    for ids in chunks(missing):
        query = select(LINE.order_id, LINE.sku, LINE.quantity).where(
            one_of(session, LINE.order_id, ids)
        )
        for oid, sku, quantity in session.execute(query).all():
            pairs.setdefault(oid, []).append((sku, quantity))
    return {oid: items_key(values) for oid, values in pairs.items()}


def _intake_conflicts(
    session: Session, order_ids: Sequence[int], facts: Sequence[OrderFacts]
) -> dict[int, tuple[str, ...]]:
    by_id = {f.order_id: f for f in facts}
    found: dict[int, list[str]] = defaultdict(list)
    for ids in chunks(sorted(by_id)):
        query = (
            select(CONFLICT.order_id, CONFLICT.created_at, CONFLICT.incoming)
            .where(of_orders(CONFLICT.order_id, ids), CONFLICT.resolved_at.is_(None))
            .order_by(CONFLICT.id)
        )
        for order_id, created_at, incoming in session.execute(query).all():
            if order_id not in by_id:
                continue
            found[order_id].append(describe_conflict(by_id[order_id], incoming, created_at))
    return {oid: tuple(texts) for oid, texts in found.items()}


def describe_conflict(stored: OrderFacts, incoming: object, at: dt.datetime | None) -> str:
    """What differs between the stored order and the copy the channel sent again."""
    when = f" on {at:%Y-%m-%d %H:%M} UTC" if at else ""
    if not isinstance(incoming, dict):
        return f"received again{when} with different content."
    differences = []
    total = incoming.get("total_minor")
    if isinstance(total, int) and total != stored.total_cents:
        differences.append(f"total {stored.total_cents} → {total}")
    lines = incoming.get("lines")
    if isinstance(lines, list):
        theirs = items_key(
            (str(line.get("sku", "")), line.get("quantity", 0))
            for line in lines
            if isinstance(line, dict) and isinstance(line.get("quantity", 0), int)
        )
        ours = items_key((line.sku, line.quantity) for line in stored.lines)
        if theirs != ours:
            differences.append("items " + _items_text(ours) + " → " + _items_text(theirs))
    ship = incoming.get("ship_to")
    if isinstance(ship, dict):
        theirs_address = address_key(
            str(ship.get("line1", "")),
            str(ship.get("postal_code", "")),
            str(ship.get("country_code", "")),
            str(ship.get("city", "")),
        )
        s = stored.ship_to
        if theirs_address != address_key(s.line1, s.postal_code, s.country_code, s.city):
            differences.append("ship-to address changed")
    what = "; ".join(differences) or "other details differ"
    reasons = _not_applied(incoming.get("channel_conflicts"))
    return f"received again{when}: {what}{reasons}."


def _not_applied(conflicts: object) -> str:
    """Why the channel's change was not applied at import (``app.intake.channel_updates``)."""
    from app.intake.channel_updates import CONFLICT_REASONS

    if not isinstance(conflicts, list):
        return ""
    codes = dict.fromkeys(c.get("reason") for c in conflicts if isinstance(c, dict))
    texts = [CONFLICT_REASONS.get(str(code), str(code)) for code in codes if code]
    return " — not applied: " + "; ".join(texts) if texts else ""


def _items_text(items: Iterable[tuple[str, int]]) -> str:
    return ", ".join(f"{quantity}×{sku}" for sku, quantity in items) or "none"


def _order_facts(
    order: OrderRow,
    lines: Sequence[LineFacts],
    customer: CustomerFacts | None,
    recent: Sequence[RecentOrder],
    payments: Sequence[PaymentFacts] = (),
) -> OrderFacts:
    return OrderFacts(
        order_id=order.id,
        channel=order.channel,
        channel_order_id=order.channel_order_id,
        currency=order.currency,
        received_at=order.received_at,
        purchased_at=order.purchased_at,
        priority=order.priority,
        requested_service=order.requested_service,
        subtotal_cents=order.subtotal_cents,
        shipping_cents=order.shipping_cents,
        tax_cents=order.tax_cents,
        discount_cents=order.discount_cents,
        total_cents=order.total_cents,
        amounts_source=order.amounts_source,
        customer=customer,
        ship_to=_ship_to(order),
        lines=tuple(lines),
        payments=tuple(payments),
        recent_orders=tuple(r for r in recent if r.order_id != order.id),
    )


def _ship_to(order: OrderRow) -> PostalAddress:
    """``order_address`` for an order or a row (attributes read directly: once per order)."""
    return PostalAddress(
        recipient=order.ship_name or "",
        line1=order.ship_line1 or "",
        line2=order.ship_line2 or "",
        line3=order.ship_line3 or "",
        city=order.ship_city or "",
        region=order.ship_region or "",
        postal_code=order.ship_postal_code or "",
        country_code=order.ship_country or "",
        phone=order.ship_phone or "",
    )


# --------------------------------------------------------------------------- the world


def _fill_products(session: Session, cache: RunCache, skus: Sequence[str]) -> None:
    new = [sku for sku in skus if sku not in cache.products]
    for sku in new:
        cache.products[sku] = None  # unknown unless found below
    columns = (
        PRODUCT.id,
        PRODUCT.sku,
        PRODUCT.name,
        PRODUCT.spec,
        PRODUCT.model,
        PRODUCT.category,
        PRODUCT.price_cents,
        PRODUCT.currency,
        PRODUCT.active,
    )
    for part in chunks(new):
        for row in session.execute(select(*columns).where(PRODUCT.sku.in_(part))):
            cache.products[row.sku] = ProductFacts(*row)


def _warehouses(session: Session, cache: RunCache) -> dict[int, tuple[str, frozenset[str]]]:
    if cache.warehouses is None:
        rows = session.execute(select(WAREHOUSE.id, WAREHOUSE.code, WAREHOUSE.categories))
        cache.warehouses = {
            wid: (code, frozenset(c.strip() for c in (categories or "").split(",") if c.strip()))
            for wid, code, categories in rows
        }
    return cache.warehouses


def fill_stock(session: Session, cache: RunCache, product_ids: Sequence[int]) -> None:
    """On hand less reserved per warehouse, and units promised to approved orders."""
    new = sorted({pid for pid in product_ids if pid not in cache.ledger})
    if not new:
        return
    warehouses = _warehouses(session, cache)
    per_product: dict[int, list[WarehouseStock]] = defaultdict(list)
    committed: dict[int, int] = {}
    for part in chunks(new):
        free = (
            select(
                QUANT.product_id,
                QUANT.warehouse_id,
                func.sum(QUANT.on_hand - QUANT.reserved),
            )
            .where(QUANT.product_id.in_(part))
            .group_by(QUANT.product_id, QUANT.warehouse_id)
        )
        for pid, wid, units in session.execute(free).all():
            code, categories = warehouses.get(wid, (str(wid), frozenset()))
            per_product[pid].append(WarehouseStock(wid, code, int(units or 0), categories))
        promised = (
            select(LINE.product_id, func.sum(LINE.quantity))
            .join(Order.__table__, ORDER.id == LINE.order_id)
            .where(ORDER.status == OS.APPROVED, LINE.product_id.in_(part))
            .group_by(LINE.product_id)
        )
        committed.update({pid: int(units or 0) for pid, units in session.execute(promised).all()})
        # Approval reserves its quants (issue 11): those units are already out of
        # on hand less reserved, so only what approved orders hold unreserved is promised.
        held = (
            select(RESERVED.product_id, func.sum(RESERVED.quantity))
            .join(Order.__table__, ORDER.id == RESERVED.order_id)
            .where(
                ORDER.status == OS.APPROVED,
                RESERVED.state == "open",
                RESERVED.product_id.in_(part),
            )
            .group_by(RESERVED.product_id)
        )
        for pid, units in session.execute(held).all():
            committed[pid] = max(0, committed.get(pid, 0) - int(units or 0))
    for pid in new:
        cache.ledger[pid] = StockPosition(
            pid,
            tuple(sorted(per_product.get(pid, ()), key=lambda w: w.warehouse_code)),
            committed.get(pid, 0),
        )


def _promotions(
    session: Session, products: Iterable[ProductFacts], placed: Sequence[dt.datetime]
) -> tuple[PromotionFacts, ...]:
    products = list(products)
    if not products or not placed:
        return ()
    skus = sorted({p.sku for p in products})
    categories = sorted({p.category for p in products})
    query = select(
        PROMO.id, PROMO.name, PROMO.starts_at, PROMO.ends_at, PROMO.sku, PROMO.category,
        PROMO.percent_off, PROMO.amount_off_cents, PROMO.currency,
    ).where(
        PROMO.active.is_(True),
        or_(PROMO.sku.in_(skus), PROMO.category.in_(categories)),
        PROMO.starts_at <= max(placed),
        or_(PROMO.ends_at.is_(None), PROMO.ends_at > min(placed)),
    )  # fmt: skip
    return tuple(PromotionFacts(*row) for row in session.execute(query).all())


def identifier_keys(
    facts: Iterable[OrderFacts], kinds: Iterable[str] = ("customer", "email", "phone", "address")
) -> dict[str, set[str]]:
    """The normalised identifiers of a batch, for the block-list kinds asked for."""
    wanted = set(kinds)
    keys: dict[str, set[str]] = {kind: set() for kind in wanted}
    for order in facts:
        country = order.ship_to.country_code.strip().upper()
        customer = order.customer
        if customer is not None and "customer" in wanted:
            keys["customer"].add(str(customer.id))
        if customer is not None and "email" in wanted:
            keys["email"].add(email_key(customer.email))
        if "phone" in wanted:
            keys["phone"].add(phone_key(order.ship_to.phone, country))
            if customer is not None:
                keys["phone"].add(phone_key(customer.phone, country))
        if "address" in wanted:
            ship = order.ship_to
            keys["address"].add(
                address_key(ship.line1, ship.postal_code, ship.country_code, ship.city)
            )
    for values in keys.values():
        values.discard("")
    return keys


def _block_list(session: Session, cache: RunCache, facts: Sequence[OrderFacts]) -> BlockList:
    if cache.block_kinds is None:
        cache.block_kinds = frozenset(
            session.scalars(select(BLOCKED.kind).where(BLOCKED.active.is_(True)).distinct())
        )
    found: dict[str, set[str]] = defaultdict(set)
    for kind, values in identifier_keys(facts, cache.block_kinds).items():
        for part in chunks(sorted(values)):
            query = select(BLOCKED.value_key).where(
                and_(
                    BLOCKED.active.is_(True),
                    BLOCKED.kind == kind,
                    BLOCKED.value_key.in_(part),
                )
            )
            found[kind].update(session.scalars(query))
    return BlockList(
        customer_ids=frozenset(int(v) for v in found["customer"] if v.isdigit()),
        emails=frozenset(found["email"]),
        phones=frozenset(found["phone"]),
        addresses=frozenset(found["address"]),
    )
