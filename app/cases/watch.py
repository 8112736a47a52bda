"""The logistics watch: shipments that need a person become cases in the desk's queue.

It runs after every tracking import and as ``orderdesk tracking watch`` for scheduled runs.
A shipment gets one case per reason (lost, damaged, returned, delayed, silent, late), never
two: the reasons already raised are read first, and the unique ``watch_key`` of an open
watch case stops a second desk's watch running at the same instant.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import add_events
from app.cases.clock import DueTimes, due_times, targets_for
from app.cases.model import CaseStatus, Source
from app.cases.rules import ShipmentFacts, watch_finding
from app.cases.service import configured_targets
from app.live import CASES, notify
from app.numbers import entity_number
from app.permissions import Actor, Permission, require
from db.models import Order, Shipment
from db.models_cases import Case
from db.models_shipping import CarrierService, Parcel
from db.models_tracking import TrackingEvent

WATCHED = ("shipped", "in_transit", "out_for_delivery", "delayed", "lost", "damaged", "returned")
CHUNK = 500
INSERT_CHUNK = 200  # rows per INSERT: 17 values each stays under SQLite's variable limit


@dataclass
class WatchSummary:
    checked: int = 0
    opened: list[int] = field(default_factory=list)  # case ids
    by_reason: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict:
        return {"checked": self.checked, "opened": len(self.opened), "by_reason": self.by_reason}


def run_watch(database, actor: Actor, *, now: dt.datetime | None = None) -> WatchSummary:
    require(actor, Permission.HANDLE_CASES)
    now = now or dt.datetime.now(dt.UTC)
    with database.unit_of_work() as uow:
        summary = watch(uow.session, actor, now)
        uow.commit()
    return summary


def watch(session: Session, actor: Actor, now: dt.datetime) -> WatchSummary:
    summary = WatchSummary()
    facts = _facts(session)
    summary.checked = len(facts)
    raised = _raised(session, [fact.shipment_id for fact in facts])
    targets = configured_targets(session)
    due_by_channel: dict[str | None, DueTimes] = {}  # every case opened now: same per channel
    rows = []
    for fact in facts:
        finding = watch_finding(fact, now)
        if finding is None or (fact.shipment_id, finding.reason) in raised:
            continue
        if fact.shipment_id in raised.open_shipments:
            continue  # a person is on it already
        due = due_by_channel.get(fact.channel)
        if due is None:
            due = due_by_channel[fact.channel] = due_times(now, targets_for(fact.channel, targets))
        rows.append(_case_row(fact, finding, now, due))
    for start in range(0, len(rows), INSERT_CHUNK):
        for case_id, reason in _insert_cases(session, rows[start : start + INSERT_CHUNK]):
            summary.opened.append(case_id)
            summary.by_reason[reason] = summary.by_reason.get(reason, 0) + 1
    if summary.opened:
        add_events(
            session,
            [{"entity_id": case_id} for case_id in summary.opened],
            same={
                "at": now,
                "actor_id": actor.user_id,
                "actor_name": actor.username,
                "entity_type": "case",
                "action": "open",
                "from_state": None,
                "to_state": CaseStatus.OPEN,
                "reason": Source.LOGISTICS_WATCH,
                "detail": None,
            },
        )
        notify(session, CASES)
    return summary


def _case_row(fact: ShipmentFacts, finding, now: dt.datetime, due: DueTimes) -> dict:
    return {
        "status": CaseStatus.OPEN,
        "category": finding.category,
        "priority": finding.priority,
        "source": Source.LOGISTICS_WATCH,
        "channel": fact.channel,
        "subject": finding.subject,
        "subject_values": {"shipment": entity_number("shipment", fact.shipment_id)},
        "customer_id": fact.customer_id,
        "order_id": fact.order_id,
        "shipment_id": fact.shipment_id,
        "opened_at": now,
        "first_reply_due_at": due.first_reply_due_at,
        "resolution_due_at": due.resolution_due_at,
        "status_changed_at": now,
        "watch_key": fact.shipment_id,
        "watch_reason": finding.reason,
        "version": 1,
    }


def _insert_cases(session: Session, rows: list[dict]) -> list[tuple[int, str]]:
    """Insert, skipping a shipment another desk's watch opened a case for a moment ago
    (the unique ``watch_key``); returns (case id, reason) of the cases made here."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        return _insert_cases_sqlite(session, rows)
    table = Case.__table__
    statement = (
        insert(table)
        .on_conflict_do_nothing(index_elements=["watch_key"])
        .returning(table.c.id, table.c.watch_reason)
    )
    # executemany: SQLAlchemy batches the rows into multi-row INSERTs itself, without
    # compiling a statement of thousands of values each time.
    return [(case_id, reason) for case_id, reason in session.connection().execute(statement, rows)]


def _insert_cases_sqlite(session: Session, rows: list[dict]) -> list[tuple[int, str]]:
    """``_insert_cases`` on SQLite: one multi-row INSERT … RETURNING through the driver,
    each value converted by its column's type once per distinct value (the cases of one
    run share their times and words), where SQLAlchemy converts every value of every row."""
    if not rows:
        return []
    connection = session.connection()
    dialect = connection.dialect
    table = Case.__table__
    columns = list(rows[0])
    steps = [_remembering(table.c[column].type, dialect) for column in columns]
    values = [
        step(row[column]) for row in rows for column, step in zip(columns, steps, strict=True)
    ]
    quote = dialect.identifier_preparer.quote
    marks = "(" + ", ".join("?" * len(columns)) + ")"
    sql = (
        f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
        f"VALUES {', '.join([marks] * len(rows))} "
        "ON CONFLICT (watch_key) DO NOTHING RETURNING id, watch_reason"
    )
    return sorted(connection.exec_driver_sql(sql, tuple(values)).all())


def _remembering(column_type, dialect):
    step = column_type.dialect_impl(dialect).bind_processor(dialect)
    if step is None:
        return lambda value: value
    seen: dict = {}

    def convert(value):
        try:
            return seen[value]
        except KeyError:
            seen[value] = result = step(value)
            return result
        except TypeError:  # unhashable (a JSON value): convert each time
            return step(value)

    return convert


def _facts(session: Session) -> list[ShipmentFacts]:
    """The facts of every watched shipment. Each fact is looked up per watched shipment
    (a seek in its index), not grouped over every event and parcel on record first: after
    an import most shipments are delivered and no longer watched."""

    def per_shipment(statement):
        return statement.correlate(Shipment).scalar_subquery()

    last_event_at = per_shipment(
        select(func.max(TrackingEvent.occurred_at)).where(TrackingEvent.shipment_id == Shipment.id)
    )
    last_status = per_shipment(
        select(TrackingEvent.status)
        .where(TrackingEvent.shipment_id == Shipment.id)
        .order_by(TrackingEvent.occurred_at.desc(), TrackingEvent.id.desc())
        .limit(1)
    )

    def service(value):
        return per_shipment(
            select(value)
            .select_from(Parcel)
            .join(CarrierService, Parcel.carrier_service_id == CarrierService.id)
            .where(Parcel.shipment_id == Shipment.id)
        )

    rows = session.execute(
        select(
            Shipment.id,
            Shipment.status,
            Shipment.shipped_at,
            last_event_at,
            service(func.min(CarrierService.silent_hours)),
            service(func.max(CarrierService.transit_days)),
            Shipment.order_id,
            Order.customer_id,
            Order.channel,
            last_status,
        )
        .join(Order, Order.id == Shipment.order_id)
        .where(Shipment.status.in_(WATCHED))
    )
    return [ShipmentFacts(*row) for row in rows]


class _Raised(set):
    open_shipments: set[int]


def _raised(session: Session, shipment_ids: list[int]) -> _Raised:
    """(shipment, reason) pairs the watch raised before, and shipments with an open one."""
    raised = _Raised()
    raised.open_shipments = set()
    for start in range(0, len(shipment_ids), CHUNK):
        chunk = shipment_ids[start : start + CHUNK]
        for shipment_id, reason, key in session.execute(
            select(Case.shipment_id, Case.watch_reason, Case.watch_key).where(
                Case.shipment_id.in_(chunk), Case.watch_reason.is_not(None)
            )
        ):
            raised.add((shipment_id, reason))
            if key is not None:
                raised.open_shipments.add(shipment_id)
    return raised
