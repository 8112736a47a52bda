"""Reship and return verbs, one transaction each (the reship runs inside the case's Resolve).

A reship is a new shipment of the case's goods at no charge: an ordinary pending shipment in
the warehouse that sent them, whose lines reserve stock like any waiting shipment
(``reserve_waiting_shipments``) and then go through pick lists, packing and hand-over. A
return is booked after shipment with the fee the policy allows; the warehouse receives the
parcel and inspects it — resellable units back into a bin with a ``return`` stock move,
damaged ones written off with a ``write_off`` move — and the refund is requested for finance.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import ConcurrentUpdate, InvalidInput, NotFound
from app.i18n import N_
from app.live import CASES, PICKING, notify
from app.money import display_money
from app.numbers import entity_number
from app.permissions import Actor, require
from app.returns import rules
from app.returns.errors import (
    InspectionMismatch,
    NothingToReship,
    NotShippedYet,
    ReturnFeeTooHigh,
    ReturnTooMany,
    ReturnVerbNotAllowed,
)
from app.returns.model import (
    BOOK_PERMISSION,
    REASON_WORDS,
    RETURN_VERBS,
    STATUS_WORDS,
    ReturnReason,
    ReturnStatus,
)
from app.workflow import OrderStatus, change_status, may_transition
from db.models import Bin, Order, OrderLine, Shipment, ShipmentLine, StockMove
from db.models_returns import Reship, Return, ReturnLine

# A shipment in one of these has left the warehouse (its goods can come back).
LEFT = ("shipped", "in_transit", "out_for_delivery", "delivered", "delayed", "lost", "damaged",
        "returned")  # fmt: skip


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# --------------------------------------------------------------------------- reship


def reship_for_case(session: Session, actor: Actor, case) -> int:
    """A new shipment of the case's goods at no charge, in the caller's transaction; returns
    its id. The goods are those of the case's shipment, else of the order's last shipment
    that left; stock is reserved now if it is there, else when the next allocation runs."""
    ref = entity_number("case", case.id)
    if case.order_id is None:
        raise NothingToReship(ref)
    original = original_shipment(session, case)
    if original is None:
        raise NothingToReship(ref)
    goods = session.execute(
        select(ShipmentLine.order_line_id, ShipmentLine.quantity)
        .join(OrderLine, OrderLine.id == ShipmentLine.order_line_id)
        .where(ShipmentLine.shipment_id == original.id, OrderLine.product_id.is_not(None))
        .order_by(ShipmentLine.id)
    ).all()
    if not goods:
        raise NothingToReship(ref)
    shipment = open_reship(session, actor, case, original, goods)
    record_event(
        session,
        actor,
        entity_type="shipment",
        entity_id=shipment.id,
        action="reship",
        to_state="pending",
        reason=ref,
        detail={"case": ref, "replaces": entity_number("shipment", original.id)},
    )
    notify(session, PICKING)
    return shipment.id


# --------------------------------------------------------------------------- returns


def original_shipment(session: Session, case) -> Shipment | None:
    """The shipment a reship or replacement stands in for: the case's own, else the order's
    last one that left."""
    original = session.get(Shipment, case.shipment_id) if case.shipment_id else None
    if original is None:
        original = session.scalar(
            select(Shipment)
            .where(Shipment.order_id == case.order_id, Shipment.status.in_(LEFT))
            .order_by(Shipment.id.desc())
            .limit(1)
        )
    return original


def open_reship(
    session: Session, actor: Actor, case, original: Shipment, goods: Sequence[tuple[int, int]]
) -> Shipment:
    """A new pending shipment of ``goods`` ((order line, quantity) pairs) from the warehouse
    that sent ``original``, recorded as the case's reship; stock reserved now if it is
    there, else when the next allocation runs."""
    from app.picking.reserve import reserve_waiting_shipments

    now = _now()
    shipment = Shipment(
        order_id=case.order_id,
        warehouse_id=original.warehouse_id,
        status="pending",
        created_at=now,
        status_changed_at=now,
    )
    session.add(shipment)
    session.flush()
    for order_line_id, quantity in goods:
        session.add(
            ShipmentLine(shipment_id=shipment.id, order_line_id=order_line_id, quantity=quantity)
        )
    session.add(
        Reship(
            case_id=case.id,
            order_id=case.order_id,
            shipment_id=shipment.id,
            replaces_shipment_id=original.id,
            created_at=now,
            created_by=actor.user_id,
        )
    )
    session.flush()
    reserve_waiting_shipments(session, actor, [shipment.id])
    return shipment


def _shipped_units(session: Session, order_id: int) -> dict[int, int]:
    """Units of each order line that left the warehouse (reships count too)."""
    return {
        line_id: int(units)
        for line_id, units in session.execute(
            select(ShipmentLine.order_line_id, func.sum(ShipmentLine.quantity))
            .join(Shipment, Shipment.id == ShipmentLine.shipment_id)
            .where(Shipment.order_id == order_id, Shipment.status.in_(LEFT))
            .group_by(ShipmentLine.order_line_id)
        )
    }


def _returned_units(session: Session, order_id: int) -> dict[int, int]:
    return {
        line_id: int(units)
        for line_id, units in session.execute(
            select(ReturnLine.order_line_id, func.sum(ReturnLine.quantity))
            .join(Return, Return.id == ReturnLine.return_id)
            .where(Return.order_id == order_id, Return.status != ReturnStatus.CANCELLED)
            .group_by(ReturnLine.order_line_id)
        )
    }


def book_return(
    database,
    actor: Actor,
    order_id: int,
    reason: str,
    *,
    lines: Mapping[int, int] | None = None,
    fee_cents: int = 0,
    case_id: int | None = None,
    note: str = "",
) -> int:
    """An RMA for goods that left the warehouse: ``lines`` is {order line id: units}
    (everything shipped and not yet returned when None). Returns the return's id."""
    require(actor, BOOK_PERMISSION)
    ref = entity_number("order", order_id)
    if reason not in ReturnReason._value2member_map_:
        raise InvalidInput(N_("reason"), reason, N_("one of the return reasons"))
    if not isinstance(fee_cents, int) or fee_cents < 0:
        raise InvalidInput(N_("fee"), fee_cents, N_("an amount of zero or more"))
    with database.unit_of_work() as uow:
        session = uow.session
        order = session.get(Order, order_id)
        if order is None:
            raise NotFound(N_("order"), ref)
        shipped = _shipped_units(session, order_id)
        if not shipped:
            raise NotShippedYet(ref)
        returned = _returned_units(session, order_id)
        left = {ol: rules.returnable(n, returned.get(ol, 0)) for ol, n in shipped.items()}
        wanted = dict(lines) if lines is not None else {ol: n for ol, n in left.items() if n}
        order_lines = {
            line.id: line
            for line in session.scalars(select(OrderLine).where(OrderLine.order_id == order_id))
        }
        goods = 0
        for order_line_id, units in wanted.items():
            line = order_lines.get(order_line_id)
            if line is None or units <= 0 or units > left.get(order_line_id, 0):
                raise ReturnTooMany(
                    ref, line.sku if line else str(order_line_id), units,
                    left.get(order_line_id, 0),
                )  # fmt: skip
            goods += rules.goods_value_cents(line.line_total_cents, line.quantity, units)
        if not wanted:
            raise ReturnTooMany(ref, "-", 0, 0)
        allowed = rules.max_fee_cents(reason, goods)
        if fee_cents > allowed:
            raise ReturnFeeTooHigh(
                ref,
                display_money(fee_cents, order.currency),
                display_money(allowed, order.currency),
            )
        warehouse_id = session.scalar(
            select(Shipment.warehouse_id)
            .where(Shipment.order_id == order_id, Shipment.status.in_(LEFT))
            .order_by(Shipment.id)
            .limit(1)
        )
        rma = Return(
            order_id=order_id, case_id=case_id, status=ReturnStatus.BOOKED, reason=reason,
            note=" ".join(note.split())[:2000], currency=order.currency, goods_cents=goods,
            fee_cents=fee_cents, warehouse_id=warehouse_id, booked_by=actor.user_id,
            booked_at=_now(),
        )  # fmt: skip
        session.add(rma)
        session.flush()
        for order_line_id, units in sorted(wanted.items()):
            session.add(
                ReturnLine(
                    return_id=rma.id,
                    order_line_id=order_line_id,
                    product_id=order_lines[order_line_id].product_id,
                    quantity=units,
                )
            )
        record_event(
            session, actor, entity_type="return", entity_id=rma.id, action="book",
            to_state=ReturnStatus.BOOKED, reason=reason,
            detail={"order": ref, "goods_cents": goods, "fee_cents": fee_cents,
                    "case": entity_number("case", case_id) if case_id else None},
        )  # fmt: skip
        notify(session, CASES)
        uow.commit()
        return rma.id


def _load(session: Session, actor: Actor, return_id: int, verb_name: str, expected_version):
    verb = RETURN_VERBS[verb_name]
    ref = entity_number("return", return_id)
    rma = session.get(Return, return_id)
    if rma is None:
        raise NotFound(N_("return"), ref)
    if expected_version is not None and rma.version != expected_version:
        raise ConcurrentUpdate(ref)
    if rma.status not in verb.from_states:
        raise ReturnVerbNotAllowed(ref, verb.label, STATUS_WORDS[ReturnStatus(rma.status)])
    require(actor, verb.permission)
    return verb, ref, rma


def _move(rma: Return, verb, session: Session, actor: Actor, detail: dict | None = None):
    before = rma.status
    rma.status = verb.to_state
    record_event(
        session, actor, entity_type="return", entity_id=rma.id, action=verb.name,
        from_state=before, to_state=rma.status, detail=detail,
    )  # fmt: skip
    notify(session, CASES)


def receive_return(database, actor: Actor, return_id: int, *, expected_version=None) -> int:
    """The parcel is back at the warehouse; when the whole order has come back the order
    is returned. Returns the new version."""
    with database.unit_of_work() as uow:
        session = uow.session
        verb, _ref, rma = _load(session, actor, return_id, "receive", expected_version)
        rma.received_at = _now()
        _move(rma, verb, session, actor)
        order = session.get(Order, rma.order_id)
        shipped = _shipped_units(session, order.id)
        returned = _returned_units(session, order.id)
        everything_back = all(returned.get(ol, 0) >= n for ol, n in shipped.items())
        if everything_back and may_transition("order", order.status, OrderStatus.RETURNED, actor):
            change_status(session, actor, order, OrderStatus.RETURNED, reason=_ref)
        session.flush()
        uow.commit()
        return rma.version


def inspect_return(
    database,
    actor: Actor,
    return_id: int,
    *,
    damaged: Mapping[int, int] | None = None,
    bin_code: str | None = None,
    expected_version=None,
) -> int | None:
    """Every unit that came back is either resellable (back into ``bin_code``, or the
    warehouse's receiving bin, with a ``return`` move) or damaged (``damaged`` = {order line
    id: units}, written off with a ``write_off`` move). Then the refund is requested: the
    goods less the agreed fee, within what is left of the payment. Returns the refund's id."""
    from app.refunds.service import add_refund_request, left_to_refund_cents
    from app.stock.service import _add_to_bin, find_bin, lock_product

    damaged = dict(damaged or {})
    with database.unit_of_work() as uow:
        session = uow.session
        verb, ref, rma = _load(session, actor, return_id, "inspect", expected_version)
        lines = list(
            session.scalars(
                select(ReturnLine).where(ReturnLine.return_id == rma.id).order_by(ReturnLine.id)
            )
        )
        skus = dict(
            session.execute(
                select(OrderLine.id, OrderLine.sku).where(OrderLine.order_id == rma.order_id)
            ).all()
        )
        for line in lines:
            bad = damaged.get(line.order_line_id, 0)
            if bad < 0 or bad > line.quantity:
                raise InspectionMismatch(ref, skus.get(line.order_line_id, "?"), bad, line.quantity)
        unknown = set(damaged) - {line.order_line_id for line in lines}
        if unknown:
            raise InspectionMismatch(ref, skus.get(min(unknown), "?"), damaged[min(unknown)], 0)
        bin_id = _return_bin(session, rma.warehouse_id, bin_code, find_bin)
        today = _now().date()
        kept: dict[str, int] = defaultdict(int)
        for line in sorted(lines, key=lambda ln: (ln.product_id or 0, ln.id)):
            bad = damaged.get(line.order_line_id, 0)
            good = line.quantity - bad
            line.resellable, line.written_off = good, bad
            if line.product_id is None:
                continue
            lock_product(session, line.product_id)
            if good:
                _add_to_bin(session, product_id=line.product_id, warehouse_id=rma.warehouse_id,
                            bin_id=bin_id, units=good, received_date=today)  # fmt: skip
                line.bin_id = bin_id
                session.add(_stock_move(rma, line, "return", good, actor, to_bin_id=bin_id))
                kept["resellable"] += good
            if bad:
                session.add(_stock_move(rma, line, "write_off", bad, actor))
                kept["written_off"] += bad
        rma.inspected_at = _now()
        rma.inspected_by = actor.user_id
        order = session.get(Order, rma.order_id)
        amount = rules.refund_cents(
            rma.goods_cents, rma.fee_cents, left_to_refund_cents(session, order)
        )
        if amount > 0:
            # Stored in English like every reason; the words, not the code, for finance.
            reason = f"{ref}: {REASON_WORDS.get(rma.reason, rma.reason)}"
            if rma.fee_cents:
                reason += f" (fee {display_money(rma.fee_cents, rma.currency)})"
            rma.refund_id = add_refund_request(session, actor, order, amount, reason, rma.case_id)
        _move(rma, verb, session, actor, {**kept, "refund_cents": amount})
        session.flush()
        uow.commit()
        return rma.refund_id


def _return_bin(session: Session, warehouse_id: int, bin_code: str | None, find_bin) -> int:
    if bin_code:
        return find_bin(session, warehouse_id, bin_code).id
    bins = session.execute(
        select(Bin.id, Bin.kind).where(Bin.warehouse_id == warehouse_id).order_by(Bin.id)
    ).all()
    if not bins:
        raise InvalidInput(N_("bin"), "", N_("a bin of the warehouse the goods come back to"))
    receiving = [bid for bid, kind in bins if kind == "receiving"]
    return (receiving or [bins[0][0]])[0]


def _stock_move(rma: Return, line: ReturnLine, kind: str, units: int, actor: Actor, **bins):
    return StockMove(
        at=_now(), product_id=line.product_id, warehouse_id=rma.warehouse_id, quantity=units,
        kind=kind, order_id=rma.order_id, actor_id=actor.user_id,
        reason=entity_number("return", rma.id), **bins,
    )  # fmt: skip


def cancel_return(database, actor: Actor, return_id: int, *, expected_version=None) -> int:
    with database.unit_of_work() as uow:
        verb, _ref, rma = _load(uow.session, actor, return_id, "cancel", expected_version)
        _move(rma, verb, uow.session, actor)
        uow.session.flush()
        uow.commit()
        return rma.version


def order_line_ids_by_sku(session: Session, order_id: int) -> dict[str, int]:
    return {
        sku.upper(): line_id
        for line_id, sku in session.execute(
            select(OrderLine.id, OrderLine.sku).where(OrderLine.order_id == order_id)
        )
    }
