"""Incoming stock: deliveries on their way (entered, imported, cancelled) whose dates the
review desk promises customers; receiving against them is ``service.receive_stock``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.audit import record_event
from app.errors import (
    IncomingNotOpen,
    InvalidInput,
    NotFound,
)
from app.i18n import _
from app.permissions import Actor
from app.stock import rules
from app.stock.model import (
    ADD_INCOMING,
    CANCEL_INCOMING,
    IncomingRow,
    IncomingStatus,
)
from app.stock.service import _reason, _require, find_product, warehouse_of
from app.uow import UnitOfWork
from db.models import IncomingStock, Product, Warehouse, utcnow

# --------------------------------------------------------------------------- incoming


def add_incoming(
    uow: UnitOfWork,
    actor: Actor,
    *,
    product: str,
    quantity: object,
    expected_date: dt.date | str,
    warehouse: str | int | None = None,
    reference: str = "",
) -> IncomingRow:
    """A delivery on its way: the review desk promises customers its date."""
    _require(actor, ADD_INCOMING)
    session = uow.session
    row = _incoming_values(session, product, quantity, expected_date, warehouse, reference)
    line = _expect(
        session,
        actor,
        row,
        detail={"quantity": row["quantity"], "expected_date": row["expected_date"].isoformat()},
    )
    result = incoming_row(session, line)
    uow.commit()
    return result


def _incoming_values(
    session: Session,
    product: str,
    quantity: object,
    expected_date: dt.date | str,
    warehouse: str | int | None,
    reference: str,
    *,
    today: dt.date | None = None,
) -> dict:
    units = rules.parse_quantity("quantity", quantity)
    item = find_product(session, product)
    day = parse_date("expected date", expected_date)
    if day < (today or utcnow().date()):
        raise InvalidInput("expected date", day.isoformat(), _("today or a later day"))
    warehouse_id = None
    if warehouse not in (None, ""):
        warehouse_id, _code = warehouse_of(session, warehouse)  # type: ignore[arg-type]
    reference = (reference or "").strip()
    if len(reference) > 64:
        raise InvalidInput("reference", reference, _("at most 64 characters"))
    return {
        "product_id": item.id,
        "warehouse_id": warehouse_id,
        "quantity": units,
        "expected_date": day,
        "reference": reference,
    }


def parse_date(field: str, value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InvalidInput(field, value, _("a date as YYYY-MM-DD")) from None


def cancel_incoming(uow: UnitOfWork, actor: Actor, incoming_id: int, reason: str) -> IncomingRow:
    _require(actor, CANCEL_INCOMING)
    why = _reason(reason, CANCEL_INCOMING)
    session = uow.session
    line = session.get(IncomingStock, incoming_id, with_for_update=True)
    if line is None:
        raise NotFound(_("incoming delivery"), f"#{incoming_id}")
    if line.status != IncomingStatus.EXPECTED:
        raise IncomingNotOpen(line.reference or f"#{line.id}", line.status)
    line.status = IncomingStatus.CANCELLED
    record_event(
        session,
        actor,
        entity_type="incoming_stock",
        entity_id=line.id,
        action="cancel",
        from_state=IncomingStatus.EXPECTED,
        to_state=IncomingStatus.CANCELLED,
        reason=why,
    )
    result = incoming_row(session, line)
    uow.commit()
    return result


def incoming_row(session: Session, line: IncomingStock) -> IncomingRow:
    sku, name = session.execute(
        select(Product.sku, Product.name).where(Product.id == line.product_id)
    ).one()
    code = (
        session.scalar(select(Warehouse.code).where(Warehouse.id == line.warehouse_id))
        if line.warehouse_id
        else None
    )
    return IncomingRow(
        id=line.id,
        sku=sku,
        name=name,
        warehouse_code=code,
        quantity=line.quantity,
        expected_date=line.expected_date,
        reference=line.reference,
        status=line.status,
    )


def add_incoming_rows(
    uow: UnitOfWork, actor: Actor, rows: Sequence[dict], *, file_name: str
) -> list[int]:
    """Many incoming lines at once (a CSV import): all or none; rows already validated."""
    _require(actor, ADD_INCOMING)
    session = uow.session
    reason = _("Imported from {file}").format(file=file_name)
    ids = [_expect(session, actor, row, reason=reason).id for row in rows]
    uow.commit()
    return ids


def _expect(session: Session, actor: Actor, row: dict, **audit) -> IncomingStock:
    """One expected line written, with its audit event (``audit``: its reason or detail)."""
    line = IncomingStock(**row, status=IncomingStatus.EXPECTED, created_at=utcnow())
    session.add(line)
    session.flush()
    record_event(
        session,
        actor,
        entity_type="incoming_stock",
        entity_id=line.id,
        action="expect",
        to_state=IncomingStatus.EXPECTED,
        **audit,
    )
    return line
