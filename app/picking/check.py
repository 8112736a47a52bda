"""``orderdesk stock check``: the stock invariants over the whole database.

1. Every quant's ``reserved`` equals the sum of its open reservations.
2. Nothing negative; reserved never above on hand.
3. Every open reservation belongs to an order that still holds stock (approved or
   allocated; any order for a case's reship) and, once allocated, to a shipment line of a
   shipment not yet dispatched or cancelled.
4. Units picked for an order left stock: picked reservations equal the order's pick
   moves less its unpick and put-back moves.
"""

from __future__ import annotations

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from app.i18n import N_
from app.numbers import entity_number, order_number
from app.picking.model import CheckViolation
from db.models import Order, Shipment, ShipmentLine, StockMove, StockQuant
from db.models_picking import Reservation
from db.models_returns import Reship

HOLDING_ORDER = ("approved", "allocated", "partly_shipped")
# Not yet dispatched nor cancelled: a packed parcel still holds its units until it ships.
HOLDING_SHIPMENT = ("pending", "picking", "picked", "packed")


def check_stock(session: Session) -> list[CheckViolation]:
    violations: list[CheckViolation] = []
    held = (
        select(Reservation.quant_id, func.sum(Reservation.quantity).label("units"))
        .where(Reservation.state == "open")
        .group_by(Reservation.quant_id)
        .subquery()
    )
    for qid, reserved, units in session.execute(
        select(StockQuant.id, StockQuant.reserved, func.coalesce(held.c.units, 0))
        .outerjoin(held, held.c.quant_id == StockQuant.id)
        .where(StockQuant.reserved != func.coalesce(held.c.units, 0))
    ):
        violations.append(
            CheckViolation(
                "reserved_equals_reservations",
                "quant",
                qid,
                N_("reserved {reserved}, open reservations hold {units}"),
                {"reserved": reserved, "units": int(units)},
            )
        )
    for qid, on_hand, reserved in session.execute(
        select(StockQuant.id, StockQuant.on_hand, StockQuant.reserved).where(
            (StockQuant.on_hand < 0)
            | (StockQuant.reserved < 0)
            | (StockQuant.reserved > StockQuant.on_hand)
        )
    ):
        violations.append(
            CheckViolation(
                "nothing_negative",
                "quant",
                qid,
                N_("on hand {on_hand}, reserved {reserved}"),
                {"on_hand": on_hand, "reserved": reserved},
            )
        )
    # A reship (a case's new shipment at no charge) holds stock for an order that has
    # already shipped: its shipment, checked below, is what must still hold it.
    reship_lines = select(ShipmentLine.id).join(
        Reship, Reship.shipment_id == ShipmentLine.shipment_id
    )
    for rid, oid, status in session.execute(
        select(Reservation.id, Reservation.order_id, Order.status)
        .join(Order, Order.id == Reservation.order_id)
        .where(
            Reservation.state == "open",
            Order.status.not_in(HOLDING_ORDER),
            Reservation.shipment_line_id.is_(None)
            | Reservation.shipment_line_id.not_in(reship_lines),
        )
    ):
        violations.append(
            CheckViolation(
                "reservation_of_open_order",
                "reservation",
                rid,
                N_("{order} is {status}"),
                {"order": order_number(oid), "status": status},
            )
        )
    for rid, sid, status in session.execute(
        select(Reservation.id, Shipment.id, Shipment.status)
        .join(ShipmentLine, ShipmentLine.id == Reservation.shipment_line_id)
        .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
        .where(Reservation.state == "open", Shipment.status.not_in(HOLDING_SHIPMENT))
    ):
        violations.append(
            CheckViolation(
                "reservation_of_open_shipment",
                "reservation",
                rid,
                N_("{shipment} is {status}"),
                {"shipment": entity_number("shipment", sid), "status": status},
            )
        )
    for rid, oid in session.execute(
        select(Reservation.id, Reservation.order_id)
        .join(Order, Order.id == Reservation.order_id)
        .where(
            Reservation.state == "open",
            Order.status == "allocated",
            Reservation.shipment_line_id.is_(None),
        )
    ):
        violations.append(
            CheckViolation(
                "reservation_of_open_shipment",
                "reservation",
                rid,
                N_("{order} is allocated but the reservation has no shipment line"),
                {"order": order_number(oid)},
            )
        )
    picked = dict(
        session.execute(
            select(Reservation.order_id, func.sum(Reservation.picked))
            .where(Reservation.picked > 0)
            .group_by(Reservation.order_id)
        ).all()
    )
    signed = case(
        (StockMove.kind == "pick", StockMove.quantity),
        # A cancelled order's picked units put back to a bin (app/packing/put_back.py).
        (StockMove.kind.in_(("unpick", "put_back")), -StockMove.quantity),
        else_=0,
    )
    moved = dict(
        session.execute(
            select(StockMove.order_id, func.sum(signed))
            .where(
                StockMove.kind.in_(("pick", "unpick", "put_back")),
                StockMove.order_id.is_not(None),
            )
            .group_by(StockMove.order_id)
        ).all()
    )
    for oid in sorted(set(picked) | set(moved)):
        if int(picked.get(oid) or 0) != int(moved.get(oid) or 0):
            violations.append(
                CheckViolation(
                    "picked_left_stock",
                    "order",
                    order_number(oid),
                    N_("picked {picked}, pick moves {moved}"),
                    {"picked": int(picked.get(oid) or 0), "moved": int(moved.get(oid) or 0)},
                )
            )
    return violations


def check_database(database) -> list[CheckViolation]:
    """``check_stock`` in a unit of work of its own (the stock desk runs it off the GUI
    thread)."""
    with database.unit_of_work() as uow:
        return check_stock(uow.session)
