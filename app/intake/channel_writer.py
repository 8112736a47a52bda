"""Applies the channel's later word (``channel_updates``) in the import's transaction.

Only orders whose content differs from what was stored come here: the stored orders of a
batch are read in a few ``IN`` queries (locked on PostgreSQL, so no desk changes them
between the decision and the write), decided one by one (pure), and written in bulk: one
``UPDATE`` executemany per shape of change, payments in one insert, audit events in one
batch. Cancellations and the return to review go through the workflow one by one (they
stop the warehouse and release stock).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from app.address import order_address
from app.audit import add_events
from app.bulk.insert import bulk_insert
from app.formats.common import IncomingOrder
from app.intake.channel_updates import (
    BUYER_REQUESTED,
    NOTHING,
    STALE,
    Decision,
    StoredLine,
    StoredOrder,
    Unsafe,
    decide,
)
from app.intake.model import ImportSummary, StaleWord
from app.permissions import Actor, Permission
from db.models import Order, OrderImport, OrderLine, Payment, Shipment

CHUNK = 500  # ids per IN query


@dataclass(frozen=True)
class Judged:
    order: IncomingOrder
    order_id: int
    fingerprint: str | None
    decision: Decision


def apply_channel_word(
    session: Session,
    actor: Actor,
    dialect: str,
    items: Sequence[tuple[IncomingOrder, int, str | None]],
    known: Collection[str] | None,
    digests: dict,
    context: dict,
    summary: ImportSummary,
    now: dt.datetime,
) -> list[tuple[IncomingOrder, int, str | None, tuple[Unsafe, ...]]]:
    """Decide and apply; returns what stays a conflict: (order, id, stored fingerprint,
    reasons). ``items``: (incoming order, stored order id, stored fingerprint);
    ``context``: what every audit event names (file, import batch)."""
    if not items:
        return []
    stored = load_stored(session, dialect, [order_id for _o, order_id, _f in items])
    may_cancel = actor.may(Permission.CANCEL_ORDERS)
    judged = [
        Judged(order, order_id, fingerprint, decide(stored[order_id], order, known,
                                                    may_cancel=may_cancel))
        for order, order_id, fingerprint in items
        if order_id in stored
    ]  # fmt: skip
    _write_columns(session, judged)
    _write_said_at(session, judged)
    _write_payments(session, judged, now)
    events = []
    stale = []
    for item in judged:
        decision = item.decision
        status = stored[item.order_id].status
        if decision.outcome == STALE:
            stale.append(item)
        elif decision.changes:
            events.append(_event(item, status, context))
    if events:
        add_events(session, events, same=_event_constants(actor, now))
    if stale:
        add_events(
            session,
            [_stale_event(j, stored[j.order_id].status, context) for j in stale],
            same=_event_constants(actor, now) | {"action": "channel_stale"},
        )
    summary.stale_words.extend(
        StaleWord(j.order_id, j.order.channel_order_id, j.order.channel_updated_at,
                  j.decision.stale_since)
        for j in stale
    )  # fmt: skip
    _move_in_workflow(session, actor, judged, stored)
    _remember_content(session, judged, digests)
    updated = [j for j in judged if j.decision.changes]
    # Another layout of the same order: nothing new to apply.
    summary.already_present += sum(1 for j in judged if j.decision.outcome == NOTHING)
    summary.channel_updates += sum(1 for j in updated if not j.decision.cancel)
    summary.channel_cancellations += sum(1 for j in updated if j.decision.cancel)
    return [
        (j.order, j.order_id, j.fingerprint, j.decision.unsafe) for j in judged if j.decision.unsafe
    ]


# --------------------------------------------------------------------------- reading


def load_stored(session: Session, dialect: str, order_ids: list[int]) -> dict[int, StoredOrder]:
    orders: dict[int, dict] = {}
    lines: dict[int, list[StoredLine]] = defaultdict(list)
    paid: set[int] = set()
    shipments: dict[int, list[str]] = defaultdict(list)
    o = Order.__table__.c
    for ids in _chunks(sorted(set(order_ids))):
        query = select(
            o.id, o.status, o.amounts_source, o.currency, o.subtotal_cents, o.shipping_cents,
            o.tax_cents, o.discount_cents, o.total_cents, o.ship_name, o.ship_line1,
            o.ship_line2, o.ship_line3, o.ship_city, o.ship_region, o.ship_postal_code,
            o.ship_country, o.ship_phone, o.purchased_at, o.ship_by_at, o.requested_service,
            o.is_business_order, o.purchase_order_number, o.buyer_requested_cancellation,
            o.priority, o.channel_updated_at,
        ).where(o.id.in_(ids)).order_by(o.id)  # fmt: skip
        if dialect == "postgresql":
            query = query.with_for_update()  # decided and written before another desk
        for row in session.execute(query).mappings():
            orders[row["id"]] = dict(row)
        line = OrderLine.__table__.c
        for row in session.execute(
            select(
                line.order_id, line.id, line.sku, line.quantity, line.line_total_cents,
                line.tax_cents, line.discount_cents, line.channel_line_id,
            ).where(line.order_id.in_(ids)).order_by(line.order_id, line.line_no)
        ):  # fmt: skip
            lines[row[0]].append(StoredLine(*row[1:]))
        payment = Payment.__table__.c
        paid.update(
            session.scalars(
                select(payment.order_id).where(
                    payment.order_id.in_(ids), payment.status == "captured"
                )
            )
        )
        shipment = Shipment.__table__.c
        for order_id, status in session.execute(
            select(shipment.order_id, shipment.status).where(shipment.order_id.in_(ids))
        ):
            shipments[order_id].append(status)
    return {
        order_id: StoredOrder(
            order_id=order_id,
            status=row["status"],
            amounts_source=row["amounts_source"],
            currency=row["currency"],
            subtotal=row["subtotal_cents"],
            shipping=row["shipping_cents"],
            tax=row["tax_cents"],
            discount=row["discount_cents"],
            total=row["total_cents"],
            is_paid=order_id in paid,
            ship_to=order_address(row),
            lines=tuple(lines[order_id]),
            shipment_statuses=tuple(shipments[order_id]),
            purchased_at=row["purchased_at"],
            ship_by_at=row["ship_by_at"],
            requested_service=row["requested_service"],
            is_business_order=bool(row["is_business_order"]),
            purchase_order_number=row["purchase_order_number"],
            buyer_requested_cancellation=bool(row["buyer_requested_cancellation"]),
            priority=row["priority"],
            channel_updated_at=_utc(row["channel_updated_at"]),
        )
        for order_id, row in orders.items()
    }


def _chunks(values: list[int]):
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


# --------------------------------------------------------------------------- writing


def _write_columns(session: Session, judged: list[Judged]) -> None:
    """Order and line columns, one executemany per shape; every order changed gets a new
    version, so a desk holding the old one is told it changed."""
    orders = Order.__table__
    shapes: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    line_shapes: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for item in judged:
        columns = item.decision.order_columns
        if columns:
            shapes[tuple(sorted(columns))].append({"record_id": item.order_id, **columns})
        for line_id, values in item.decision.line_columns:
            line_shapes[tuple(sorted(values))].append({"record_id": line_id, **values})
    if shapes:
        from app.live import notify

        notify(session, "orders")  # open screens show the new values
    for columns, rows in shapes.items():
        session.execute(
            update(orders)
            .where(orders.c.id == bindparam("record_id"))
            .values(version=orders.c.version + 1, **{c: bindparam(c) for c in columns}),
            rows,
        )
    lines = OrderLine.__table__
    for columns, rows in line_shapes.items():
        session.execute(
            update(lines)
            .where(lines.c.id == bindparam("record_id"))
            .values(**{c: bindparam(c) for c in columns}),
            rows,
        )


def _write_said_at(session: Session, judged: list[Judged]) -> None:
    """When the word now held was said: not a change of the order (no new version)."""
    rows = [
        {"record_id": item.order_id, "said_at": item.decision.said_at}
        for item in judged
        if item.decision.said_at is not None
    ]
    if rows:
        orders = Order.__table__
        session.execute(
            update(orders)
            .where(orders.c.id == bindparam("record_id"))
            .values(channel_updated_at=bindparam("said_at")),
            rows,
        )


def note_said_again(session: Session, said: list[tuple[int, dt.datetime]]) -> None:
    """The channel said again what we hold, later: the word held is that recent, so a
    file older than this one is stale too. (order id, when said); only ever moves forward."""
    if not said:
        return
    orders = Order.__table__
    session.execute(
        update(orders)
        .where(
            orders.c.id == bindparam("record_id"),
            (orders.c.channel_updated_at.is_(None))
            | (orders.c.channel_updated_at < bindparam("said_at")),
        )
        .values(channel_updated_at=bindparam("said_at")),
        [{"record_id": order_id, "said_at": at} for order_id, at in said],
    )


def _write_payments(session: Session, judged: list[Judged], now: dt.datetime) -> None:
    from app.intake.writer import PAYMENT_CONSTANTS

    new = [
        {
            "order_id": item.order_id,
            "amount_cents": item.decision.new_payment.amount,
            "currency": item.decision.new_payment.currency,
            "paid_at": item.decision.new_payment.paid_at or now,
        }
        for item in judged
        if item.decision.new_payment is not None
    ]
    if new:
        bulk_insert(session, Payment.__table__, new, same=PAYMENT_CONSTANTS)
    real = [
        {"record_id": item.order_id, "amount": amount, "money": currency}
        for item in judged
        if item.decision.payment_amount is not None
        for amount, currency in (item.decision.payment_amount,)
    ]
    if real:
        payments = Payment.__table__
        session.execute(
            update(payments)
            .where(
                payments.c.order_id == bindparam("record_id"),
                payments.c.method == "marketplace",
            )
            .values(amount_cents=bindparam("amount"), currency=bindparam("money")),
            real,
        )


def _move_in_workflow(
    session: Session, actor: Actor, judged: list[Judged], stored: dict[int, StoredOrder]
) -> None:
    """Cancellations (the warehouse stopped, as the desk's cancel does) and the return to
    review of an order whose address, amounts or payment changed."""
    from app.changes.reasons import AMAZON_CANCEL_REASONS
    from app.changes.service import stop_and_cancel
    from app.workflow import OrderStatus, change_status

    moving = [j for j in judged if j.decision.cancel or j.decision.recheck]
    for item in sorted(moving, key=lambda j: j.order_id):  # locks in one order
        order = session.get(Order, item.order_id)
        assert order is not None
        if item.decision.cancel:
            buyer_asked = item.decision.cancel == BUYER_REQUESTED
            stop_and_cancel(
                session,
                actor,
                order,
                reason=item.decision.cancel,
                report_code=AMAZON_CANCEL_REASONS["customer_request"] if buyer_asked else None,
                detail={"by": "channel", "channel": order.channel},
            )
        else:
            change_status(session, actor, order, OrderStatus.RECEIVED, reason="channel_update")
    if moving:
        session.flush()


def _remember_content(session: Session, judged: list[Judged], digests: dict) -> None:
    """What was applied is what we now have: the same content again is already present.
    (A conflict keeps the stored fingerprint, so the file read again is judged again.)"""
    rows = [
        {
            "record_id": item.order_id,
            "fingerprint": item.order.fingerprint,
            "digest": digests.get((item.order.channel, item.order.channel_order_id)),
        }
        for item in judged
        if not item.decision.unsafe and item.decision.outcome != STALE
    ]
    if rows:
        table = OrderImport.__table__
        session.execute(
            update(table)
            .where(table.c.order_id == bindparam("record_id"))
            .values(fingerprint=bindparam("fingerprint"), source_digest=bindparam("digest")),
            rows,
        )


def _event_constants(actor: Actor, now: dt.datetime) -> dict:
    return {
        "at": now,
        "actor_id": actor.user_id,
        "actor_name": actor.username,
        "entity_type": "order",
        "action": "channel_update",
        "reason": "",
    }


def _event(item: Judged, status: str, context: dict) -> dict:
    decision = item.decision
    return {
        "entity_id": item.order_id,
        "from_state": status,
        "to_state": "cancelled" if decision.cancel else status,
        "detail": {
            **context,
            "rows": list(item.order.rows),
            "changes": [
                {"field": c.field, "old": plain(c.old), "new": plain(c.new)}
                for c in decision.changes
            ],
            **({"cancel": decision.cancel} if decision.cancel else {}),
        },
    }


def _stale_event(item: Judged, status: str, context: dict) -> dict:
    """An older file's word, ignored: said in the order's history, nothing changed."""
    return {
        "entity_id": item.order_id,
        "from_state": status,
        "to_state": status,
        "detail": {
            **context,
            "rows": list(item.order.rows),
            "file_says": plain(item.order.channel_updated_at),
            "held_since": plain(item.decision.stale_since),
        },
    }


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """Read through a Core select, a SQLite time may come back without its zone (UTC)."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def plain(value: object) -> object:
    """A value as JSON can hold it (times as ISO text)."""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: plain(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value
