"""The demo's after-sales work, done by the desks' own services: a reship goes through the
warehouse like any shipment (pick list, picking scan by scan, packing station, label,
hand-over), and a returned parcel is received and inspected (resellable units back to stock,
a damaged one written off) with the refund requested for finance."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from app.cases.model import Category, Source
from app.cases.service import CaseDraft, open_case
from app.demo.packing import _DemoPrinter, _pack
from app.demo.picking import _walk
from app.errors import OrderdeskError
from app.numbers import entity_number
from app.packing.package_table import install_default_packages
from app.packing.printers import StationPrinters
from app.permissions import Actor
from app.picking import lists as pl
from app.picking.service import allocate
from app.returns.service import book_return, inspect_return, receive_return
from app.shipping.service import hand_over
from app.stock.service import receive_stock
from db.models import Bin, Order, OrderLine, Payment, Product, Shipment, ShipmentLine
from db.models_picking import Reservation
from db.models_returns import Return

log = logging.getLogger(__name__)


def send_through_warehouse(database, boss: Actor, hands: Actor, shipment_id: int) -> str:
    """Pick, pack, label and hand over one pending shipment; returns its status at the end."""
    with database.unit_of_work() as uow:
        warehouse_id = uow.session.get(Shipment, shipment_id).warehouse_id
    install_default_packages(database, boss)
    for list_id in pl.create_pick_lists(
        database.unit_of_work(), boss, warehouse_id, batch_size=1, shipment_ids=[shipment_id]
    ):
        pl.claim_list(database, hands, list_id)
        _walk(database, hands, list_id)
        pl.finish_list(database, hands, list_id)
    _pack(database, hands, shipment_id, StationPrinters(_DemoPrinter()), split=False)
    code = entity_number("shipment", shipment_id)
    while not hand_over(database.unit_of_work(), boss, code).shipment_shipped:
        pass
    with database.unit_of_work() as uow:
        return uow.session.get(Shipment, shipment_id).status


def reship_through_warehouse(
    database, boss: Actor, hands: Actor, shipment_id: int, missing: list[str]
) -> int:
    try:
        if not _holds_stock(database, shipment_id):
            _replacement_arrives(database, boss, shipment_id)
        return int(send_through_warehouse(database, boss, hands, shipment_id) == "shipped")
    except OrderdeskError as error:  # e.g. no stock left for it: it waits, as it would
        log.info("demo reship %s waits: %s", shipment_id, error)
        missing.append("reship shipped")
        return 0


def _holds_stock(database, shipment_id: int) -> bool:
    with database.unit_of_work() as uow:
        return bool(
            uow.session.scalar(
                select(func.count(Reservation.id))
                .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
                .where(ShipmentLine.shipment_id == shipment_id, Reservation.state == "open")
            )
        )


def _replacement_arrives(database, boss: Actor, shipment_id: int) -> None:
    """The reship waits for stock the warehouse has run out of (as it would at the desk):
    the supplier's replacement units are received into a storage bin, and the next
    allocation run gives them to the waiting shipment."""
    with database.unit_of_work() as uow:
        s = uow.session
        shipment = s.get(Shipment, shipment_id)
        wanted = s.execute(
            select(Product.sku, ShipmentLine.quantity)
            .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
            .join(Product, Product.id == OrderLine.product_id)
            .where(ShipmentLine.shipment_id == shipment_id)
        ).all()
        bin_code = s.scalar(
            select(Bin.code)
            .where(Bin.warehouse_id == shipment.warehouse_id, Bin.kind == "storage")
            .order_by(Bin.pick_sequence, Bin.id)
            .limit(1)
        )
        warehouse_id = shipment.warehouse_id
    for sku, quantity in wanted:
        with database.unit_of_work() as uow:
            receive_stock(
                uow, boss, warehouse=warehouse_id, product=sku, quantity=quantity,
                bin_code=bin_code, free_receiving=True, note="Replacement for the reship",
            )  # fmt: skip
    allocate(database, boss)


def return_inspected(
    database, agent: Actor, hands: Actor, exclude: set[int], missing: list[str]
) -> int:
    """A delivered, paid order's goods come back ("changed their mind", with the policy's
    restocking fee): received, inspected — one unit damaged when there are two or more —,
    and the refund requested."""
    from app.returns.rules import max_fee_cents

    with database.unit_of_work() as uow:
        s = uow.session
        order_id = s.scalar(
            select(Order.id)
            .join(Payment, Payment.order_id == Order.id)
            .where(
                Order.status == "delivered",
                Payment.status == "captured",
                Order.id.not_in(exclude or {0}),
                Order.id.not_in(select(Return.order_id)),
            )
            .order_by(Order.id.desc())
            .limit(1)
        )
        query = select(OrderLine.id, OrderLine.quantity, OrderLine.line_total_cents)
        lines = list(s.execute(query.where(OrderLine.order_id == order_id))) if order_id else []
    if not order_id or not lines:
        missing.append("return")
        return 0
    goods = sum(total for _id, _q, total in lines)
    try:
        draft = CaseDraft(subject="Wants to send it back", source=Source.PHONE,
                          category=Category.OTHER, order_id=order_id,
                          body="It does not fit our kitchen.")  # fmt: skip
        case_id = open_case(database, agent, draft)
        return_id = book_return(
            database, agent, order_id, "changed_mind", case_id=case_id,
            fee_cents=max_fee_cents("changed_mind", goods), note="Did not fit the kitchen",
        )  # fmt: skip
        receive_return(database, hands, return_id)
        first, units, _total = lines[0]
        damaged = {first: 1} if units > 1 else {}
        inspect_return(database, hands, return_id, damaged=damaged)
    except OrderdeskError as error:
        log.info("demo return on %s left: %s", order_id, error)
        missing.append("return")
        return 0
    return 1
