"""Reads of reships and returns for the case screen and the CLI: plain rows."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.numbers import entity_number
from app.returns.model import ReshipRow, ReturnLineRow, ReturnRow
from db.models import OrderLine, Shipment
from db.models_returns import Reship, Return, ReturnLine

PAGE = 200


def list_returns(
    session: Session,
    *,
    case_id: int | None = None,
    order_id: int | None = None,
    status: str | None = None,
    limit: int = PAGE,
    before_id: int | None = None,
) -> list[ReturnRow]:
    """Returns, newest first (keyset over the id), with their lines."""
    query = select(Return).order_by(Return.id.desc()).limit(limit)
    if case_id is not None:
        query = query.where(Return.case_id == case_id)
    if order_id is not None:
        query = query.where(Return.order_id == order_id)
    if status:
        query = query.where(Return.status == status)
    if before_id is not None:
        query = query.where(Return.id < before_id)
    heads = list(session.scalars(query))
    lines: dict[int, list[ReturnLineRow]] = defaultdict(list)
    if heads:
        for return_id, line_id, sku, quantity, good, bad in session.execute(
            select(
                ReturnLine.return_id, ReturnLine.order_line_id, OrderLine.sku,
                ReturnLine.quantity, ReturnLine.resellable, ReturnLine.written_off,
            )
            .join(OrderLine, OrderLine.id == ReturnLine.order_line_id)
            .where(ReturnLine.return_id.in_([r.id for r in heads]))
            .order_by(ReturnLine.id)
        ):  # fmt: skip
            lines[return_id].append(ReturnLineRow(line_id, sku, quantity, good, bad))
    return [
        ReturnRow(
            id=r.id,
            number=entity_number("return", r.id),
            order=entity_number("order", r.order_id),
            case=entity_number("case", r.case_id) if r.case_id else None,
            status=r.status,
            reason=r.reason,
            currency=r.currency,
            goods_cents=r.goods_cents,
            fee_cents=r.fee_cents,
            refund=f"RF-{r.refund_id:06d}" if r.refund_id else None,
            booked_at=r.booked_at,
            lines=tuple(lines[r.id]),
        )
        for r in heads
    ]


def reships_of_case(session: Session, case_id: int) -> list[ReshipRow]:
    return [
        ReshipRow(
            entity_number("shipment", shipment_id),
            status,
            entity_number("shipment", replaces) if replaces else None,
        )
        for shipment_id, status, replaces in session.execute(
            select(Reship.shipment_id, Shipment.status, Reship.replaces_shipment_id)
            .join(Shipment, Shipment.id == Reship.shipment_id)
            .where(Reship.case_id == case_id)
            .order_by(Reship.id)
        )
    ]
