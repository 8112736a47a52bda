"""A case's replacement: other goods (another variant, another item, or the same SKU as a
new unit) sent at no charge, through the warehouse like any shipment.

The agent names the products and quantities. Each becomes a line of the order at no
charge (price 0: the order's totals, payments and refund limits do not move) and a line of
a new pending shipment from the warehouse that sent the goods, recorded as the case's
reship (so the channel is not told of it as a shipment of its own items, and the stock
check knows why it holds stock for an order that has left). Stock is reserved now where
it is, else when the next allocation runs; then pick lists, packing and hand-over as usual.
Runs inside the case's Resolve (one transaction); audited on the order and the shipment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.i18n import N_
from app.live import PICKING, notify
from app.numbers import entity_number
from app.permissions import Actor
from app.returns.errors import NothingToReplace, ReplacementItemRefused
from db.models import Order, OrderLine, Product, ShipmentLine

MAX_UNITS = 99  # per item: a replacement is a few units, not a new order


@dataclass(frozen=True)
class ReplacementItem:
    sku: str
    quantity: int = 1


def parse_items(texts: Sequence[str]) -> tuple[ReplacementItem, ...]:
    """``SKU`` or ``SKU=QTY`` (the CLI's ``--item``; a dialog's lines): plain data, checked
    against the catalogue by the service."""
    items = []
    for text in texts:
        sku, _sep, count = text.strip().partition("=")
        quantity = int(count) if count.strip().lstrip("-").isdigit() else (0 if count else 1)
        items.append(ReplacementItem(sku.strip(), quantity))
    return tuple(items)


def replacement_for_case(
    session: Session, actor: Actor, case, items: Sequence[ReplacementItem]
) -> int:
    """The replacement shipment of ``items`` for the case's order, in the caller's
    transaction; returns its id (see the module)."""
    from app.returns.service import open_reship, original_shipment

    ref = entity_number("case", case.id)
    if case.order_id is None:
        raise NothingToReplace(ref)
    original = original_shipment(session, case)
    if original is None:
        raise NothingToReplace(ref)
    products = _products(session, ref, items)
    order = session.get(Order, case.order_id)
    next_no = (
        session.scalar(select(func.max(OrderLine.line_no)).where(OrderLine.order_id == order.id))
        or 0
    )
    added, goods = [], []
    for offset, (item, product) in enumerate(zip(items, products, strict=True), start=1):
        line = OrderLine(
            order_id=order.id,
            line_no=next_no + offset,
            product_id=product.id,
            sku=product.sku,
            product_name=product.name,
            channel_line_id=None,  # not the channel's item: never confirmed to it
            quantity=item.quantity,
            unit_price_cents=0,
            line_total_cents=0,
        )
        session.add(line)
        session.flush()
        goods.append((line.id, item.quantity))
        added.append({"sku": product.sku, "quantity": item.quantity})
    shipment = open_reship(session, actor, case, original, goods)
    number = entity_number("shipment", shipment.id)
    detail = {"case": ref, "replaces": entity_number("shipment", original.id), "items": added}
    record_event(session, actor, entity_type="shipment", entity_id=shipment.id,
                 action="replacement", to_state="pending", reason=ref, detail=detail)  # fmt: skip
    record_event(session, actor, entity_type="order", entity_id=order.id,
                 action="replacement_lines", from_state=order.status, to_state=order.status,
                 reason=ref, detail={**detail, "shipment": number, "no_charge": True})  # fmt: skip
    notify(session, PICKING)
    return shipment.id


def _products(session: Session, ref: str, items: Sequence[ReplacementItem]) -> list[Product]:
    if not items:
        raise ReplacementItemRefused(ref, "-", N_("name at least one product and its quantity"))
    by_sku = {
        p.sku.upper(): p
        for p in session.scalars(
            select(Product).where(func.upper(Product.sku).in_({i.sku.upper() for i in items}))
        )
    }
    found = []
    for item in items:
        product = by_sku.get(item.sku.upper())
        if product is None:
            raise ReplacementItemRefused(ref, item.sku, N_("no such product"))
        if not product.active:
            raise ReplacementItemRefused(ref, item.sku, N_("the product is no longer sold"))
        if not 1 <= item.quantity <= MAX_UNITS:
            raise ReplacementItemRefused(ref, item.sku, N_("the quantity must be 1 to 99"))
        found.append(product)
    return found


@dataclass(frozen=True)
class ReplaceableLine:
    """What the customer received (a suggestion the agent edits to the replacement)."""

    sku: str
    name: str
    spec: str
    quantity: int


def replaceable_lines(session: Session, case_id: int) -> list[ReplaceableLine]:
    """The goods of the shipment a case's replacement would replace (none if none left)."""
    from app.returns.service import original_shipment
    from db.models_cases import Case

    case = session.get(Case, case_id)
    if case is None or case.order_id is None:
        return []
    original = original_shipment(session, case)
    if original is None:
        return []
    return [
        ReplaceableLine(sku, name, spec or "", int(quantity))
        for sku, name, spec, quantity in session.execute(
            select(Product.sku, Product.name, Product.spec, ShipmentLine.quantity)
            .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(ShipmentLine.shipment_id == original.id)
            .order_by(ShipmentLine.id)
        )
    ]
