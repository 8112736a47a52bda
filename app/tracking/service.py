"""Tracking verbs: record carriers' events against our parcels and let shipments follow.

One import is one transaction: the events it read are stored (each once), the shipments
they concern change status through the workflow table (each change audited), and an
order whose every shipment was delivered is delivered too.
"""

from __future__ import annotations

import datetime as dt
import gc
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import ARRAY, String, any_, bindparam, func, select
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from app.bulk.among import one_of
from app.bulk.insert import insert_rows
from app.cases.watch import watch
from app.permissions import Actor, Permission, require
from app.prepared import Prepared
from app.tracking.formats import read_file
from app.tracking.model import ImportSummary, TrackingEvent, TrackingStatus, key_of, utc_text
from app.tracking.rules import shipment_status
from app.workflow import Move, MovePlanner, OrderStatus, ShipmentStatus, apply_moves_in_bulk
from db.models import Order, Shipment
from db.models_shipping import Carrier, Parcel
from db.models_tracking import TrackingEvent as EventRow


def known_carriers(session: Session) -> set[str]:
    return set(session.scalars(select(Carrier.code)))


def import_tracking_file(database, actor: Actor, name: str, data: bytes) -> ImportSummary:
    """``orderdesk tracking import``: read a CSV or JSON tracking file and record it."""
    require(actor, Permission.SHIP_ORDERS)
    with _fewer_gc_pauses(), database.unit_of_work() as uow, _roomy_cache(uow.session):
        result = read_file(name, data, known_carriers(uow.session))
        summary = record_events(uow.session, actor, result.events, source="file")
        summary.read = len(result.events) + len(result.rejected)
        summary.rejected = result.rejected
        # The logistics watch follows every import: what the events revealed (a lost
        # parcel, a delay) is in the service desk's queue when the import is done.
        summary.cases_opened = len(watch(uow.session, actor, dt.datetime.now(dt.UTC)).opened)
        uow.commit()
    return summary


@contextmanager
def _fewer_gc_pauses() -> Iterator[None]:
    """An import makes a few objects per event (hundreds of thousands, all alive until its
    end, none in cycles); the cycle collector would walk them again and again, a cost that
    grows faster than the file. Any cycle left is collected once it is back on."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# A ceiling, not an allocation: SQLite takes pages as it needs them. 200,000 events with
# their audit events and moves write some 150 MB of pages in one transaction.
IMPORT_CACHE_KIB = 262_144


@contextmanager
def _roomy_cache(session: Session) -> Iterator[None]:
    """SQLite: a page cache big enough for the pages one import writes. An import adds a
    row to the unique index of event keys at a random place per event; with the default
    2 MB cache those pages are spilled to the log and read back again and again. The
    connection's own setting is back when the transaction ends (at commit, or here)."""
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    before = driver.execute("PRAGMA cache_size").fetchone()[0]  # type: ignore[union-attr]
    restored = False

    def restore(*_args) -> None:
        nonlocal restored
        if not restored:
            restored = True
            driver.execute(f"PRAGMA cache_size={int(before)}")  # type: ignore[union-attr]

    driver.execute(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")  # type: ignore[union-attr]
    # An ORM session gives its connection back to the pool at commit: set it back while
    # it is ours. A unit of work's session keeps its connection until the unit ends.
    listening = isinstance(session, Session)
    if listening:
        sa_event.listen(session, "after_commit", restore)
    try:
        yield
    finally:
        if listening:
            sa_event.remove(session, "after_commit", restore)
        restore()


def record_events(
    session: Session, actor: Actor, events: Iterable[TrackingEvent], *, source: str
) -> ImportSummary:
    """Store each new event once, attached to its parcel; then move the shipments."""
    require(actor, Permission.SHIP_ORDERS)
    events = list(events)
    # The reads below go to the connection, past the ORM: what the session holds unwritten
    # (a parcel added in this unit of work) is written first.
    session.flush()
    stored_time = _time_writer(session.connection().dialect)
    # The same event twice keeps its first place, as a file lists it. Each time is spelled
    # once, for its key and for its stored text, however many events share it (carriers
    # report times to the minute): ``utc_text`` depends on the instant alone.
    spelled: dict[dt.datetime, tuple[str, object]] = {}
    unique: dict[str, tuple[TrackingEvent, object]] = {}
    for event in events:
        number, _carrier, at, status, carrier_status, location, description = event
        texts = spelled.get(at)
        if texts is None:
            utc = utc_text(at)
            texts = spelled[at] = (utc, stored_time(at, utc))
        key = key_of(number, texts[0], status, carrier_status, location, description)
        unique[key] = (event, texts[1])
    summary = ImportSummary(read=len(events), duplicates=len(events) - len(unique))
    numbers = {event.tracking_number for event, _stored_at in unique.values()}
    owners = _owners(session, sorted(numbers))
    summary.unknown = sorted(numbers - owners.keys())
    latest = _stored_latest(session, sorted({shipment_id for shipment_id, _ in owners.values()}))
    # Only a shipment with events on record can hold one of these already.
    with_history = {shipment_id for shipment_id, _ in latest}
    stored = _stored_keys(
        session,
        [key for key, (event, _stored_at) in unique.items()
         if owners.get(event.tracking_number, (None,))[0] in with_history],
    )  # fmt: skip
    connection = session.connection()
    rows: list[tuple] = []
    append, owner_of, latest_of, plain_of = rows.append, owners.get, latest.get, _PLAIN.get
    for key, (event, stored_at) in unique.items():
        number, carrier, at, status, carrier_status, location, description = event
        owner = owner_of(number)
        if owner is None:
            continue
        if key in stored:
            summary.duplicates += 1
            continue
        append((*owner, number, carrier, stored_at, plain_of(status) or str(status),
                carrier_status, location, description, key))  # fmt: skip
        # Each parcel's latest event once these are stored: a later row wins a tie, as
        # when the events are read back in id order.
        seen = latest_of(owner)
        if seen is None or at >= seen[0]:
            latest[owner] = (at, status)
    now = dt.datetime.now(dt.UTC)
    constants = {"source": source, "imported_at": stored_time(now, utc_text(now))}
    insert_rows(connection, EventRow.__table__, _EVENT_COLUMNS, rows, constants=constants)
    summary.imported = len(rows)
    touched = {row[0] for row in rows}
    changed, delivered = follow_events(
        session, actor, {key: seen for key, seen in latest.items() if key[0] in touched}
    )
    summary.status_changes, summary.delivered = changed, delivered
    return summary


_EVENT_COLUMNS = (
    "shipment_id",
    "parcel_id",
    "tracking_number",
    "carrier",
    "occurred_at",
    "status",
    "carrier_status",
    "location",
    "description",
    "event_key",
)


def _stored_time(dialect) -> Callable[[dt.datetime], object]:
    """An aware time as the driver takes it for a ``UTCDateTime`` column."""
    write = _time_writer(dialect)
    return lambda at: write(at, utc_text(at))


def _time_writer(dialect) -> Callable[[dt.datetime, str], object]:
    """(an aware time, its ``utc_text``) → the time as the driver takes it for a
    ``UTCDateTime`` column: the column type's own conversion, written out for SQLite (its
    text, as SQLAlchemy writes it: a test holds the two equal) as a cut of the UTC text
    the event key spelled already, because it is most of the cost of a bulk insert."""
    if dialect.name == "sqlite":

        def text(_at: dt.datetime, utc: str) -> str:
            # "2026-11-20T14:05:00[.123456]+00:00" → "2026-11-20 14:05:00.123456"
            if len(utc) > 25:
                return f"{utc[:10]} {utc[11:26]}"
            return f"{utc[:10]} {utc[11:19]}.000000"

        return text
    step = EventRow.__table__.c.occurred_at.type.dialect_impl(dialect).bind_processor(dialect)
    if step is None:
        return lambda at, _utc: at
    return lambda at, _utc: step(at)


_PLAIN = {status: str(status) for status in TrackingStatus}  # what a driver takes


def _owners(session: Session, numbers: list[str]) -> dict[str, tuple[int, int | None]]:
    """Tracking number → (shipment id, parcel id): parcels first; a shipment that records
    its tracking number without parcels (older data) is found by the number too."""
    owners: dict[str, tuple[int, int | None]] = {}
    if not numbers:
        return owners
    connection = session.connection()  # plain rows, without the ORM's handling of each
    for number, parcel_id, shipment_id in connection.execute(
        select(Parcel.tracking_number, Parcel.id, Parcel.shipment_id).where(
            one_of(session, Parcel.tracking_number, numbers), Parcel.status != "voided"
        )
    ):
        owners[number] = (shipment_id, parcel_id)
    rest = [number for number in numbers if number not in owners]
    if rest:
        for number, shipment_id in connection.execute(
            select(Shipment.tracking_number, Shipment.id).where(
                one_of(session, Shipment.tracking_number, rest)
            )
        ):
            owners.setdefault(number, (shipment_id, None))
    return owners


def _stored_keys(session: Session, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    return set(
        session.scalars(select(EventRow.event_key).where(one_of(session, EventRow.event_key, keys)))
    )


Latest = dict[tuple[int, int | None], tuple[dt.datetime, TrackingStatus]]


def _stored_latest(session: Session, shipment_ids: Sequence[int]) -> Latest:
    """Each parcel's latest stored event (read per parcel, not every event again)."""
    latest: Latest = {}
    if not shipment_ids:
        return latest
    rank = (
        func.row_number()
        .over(
            partition_by=(EventRow.shipment_id, EventRow.parcel_id),
            order_by=(EventRow.occurred_at.desc(), EventRow.id.desc()),
        )
        .label("rank")
    )
    ranked = (
        select(EventRow.shipment_id, EventRow.parcel_id, EventRow.occurred_at,
               EventRow.status, rank)
        .where(one_of(session, EventRow.shipment_id, shipment_ids))
        .subquery()
    )  # fmt: skip
    for shipment_id, parcel_id, occurred_at, status, _rank in session.execute(
        select(ranked).where(ranked.c.rank == 1)
    ):
        latest[(shipment_id, parcel_id)] = (occurred_at, TrackingStatus(status))
    return latest


def follow_events(session: Session, actor: Actor, latest: Latest) -> tuple[int, int]:
    """Move each shipment to the status its parcels' latest events give; returns (status
    changes, shipments delivered). A move the workflow does not allow (a shipment not yet
    handed over, a delivered one reported in transit by a late event) is left alone.

    Tens of thousands of shipments move in one import, so the moves are planned as plain
    values (each distinct move decided once) and written by the workflow's bulk writer
    (the road states hold no stock)."""
    now = dt.datetime.now(dt.UTC)
    planner = MovePlanner("shipment", actor, now)
    moves: list[Move] = []
    order_of: dict[int, int] = {}
    get = latest.get
    for shipment_id, status, version, stamped, order_id, parcels in _shipments(
        session, sorted({shipment_id for shipment_id, _ in latest})
    ):
        events = [get((shipment_id, parcel_id)) for parcel_id in parcels]
        target = _target(tuple([event[1] if event else None for event in events]))
        if target is None or target == status or not planner.allows(status, target):
            continue
        move = planner.move(shipment_id, status, version, _stamped(stamped), target)
        if "delivered_at" in move.changes:
            # The carrier's time of delivery (its last parcel's), not the import's.
            move.changes["delivered_at"] = max(event[0] for event in events if event)
        moves.append(move)
        order_of[shipment_id] = order_id
    apply_moves_in_bulk(session, "shipment", moves, actor=actor, at=now, reason="tracking")
    delivered = [m.entity_id for m in moves if m.to_state == ShipmentStatus.DELIVERED]
    _deliver_complete_orders(session, actor, sorted({order_of[s] for s in delivered}), now)
    return len(moves), len(delivered)


# A shipment has one parcel or a few: their statuses repeat over an import's shipments.
_target = lru_cache(maxsize=4096)(shipment_status)


def _listed(column, name: str, dialect_name: str):
    """``one_of`` for a prepared statement: ``column IN`` the list given as ``name`` (the
    JSON text of the list on SQLite, the list on PostgreSQL)."""
    if dialect_name == "postgresql":
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    listed = func.json_each(bindparam(name, type_=String())).table_valued("value")
    return column.in_(select(listed.c.value))


def _list_value(dialect_name: str, values: Sequence) -> object:
    return list(values) if dialect_name == "postgresql" else json.dumps(list(values))


@lru_cache(maxsize=4)
def _shipments_statement(dialect_name: str) -> Prepared:
    """Shipments with their parcels (none but voided ones: one row, no parcel)."""
    return Prepared(
        select(
            Shipment.id, Shipment.status, Shipment.version, Shipment.delivered_at.is_not(None),
            Shipment.order_id, Parcel.id,
        )
        .outerjoin(Parcel, (Parcel.shipment_id == Shipment.id) & (Parcel.status != "voided"))
        .where(_listed(Shipment.id, "shipment_ids", dialect_name))
        .order_by(Shipment.id)
    )  # fmt: skip


def _shipments(session: Session, shipment_ids: Sequence[int]) -> list[tuple]:
    """(id, status, version, delivered (a stamp), order id, its parcels' ids) per shipment,
    in one query: its parcels joined (none but voided ones: [None], events on the
    shipment). Prepared, on the driver's connection: plain rows, without SQLAlchemy's
    handling of each (the statements before these flushed the session already)."""
    if not shipment_ids:
        return []
    dialect_name = session.connection().dialect.name
    rows = _shipments_statement(dialect_name).all(
        session, {"shipment_ids": _list_value(dialect_name, shipment_ids)}
    )
    shipments: list[tuple] = []
    current = None
    parcels: list = []
    for shipment_id, status, version, stamped, order_id, parcel_id in rows:
        if shipment_id != current:
            current, parcels = shipment_id, [parcel_id]
            shipments.append((shipment_id, status, version, stamped, order_id, parcels))
        else:
            parcels.append(parcel_id)
    return shipments


def _stamped(delivered: bool) -> frozenset[str]:
    return _DELIVERED_STAMPED if delivered else _NOTHING_STAMPED


_DELIVERED_STAMPED = frozenset({"delivered_at"})
_NOTHING_STAMPED: frozenset[str] = frozenset()


_DONE = (ShipmentStatus.DELIVERED, ShipmentStatus.CANCELLED)


@lru_cache(maxsize=4)
def _complete_orders_statement(dialect_name: str) -> Prepared:
    """Of the listed orders, those whose every shipment is delivered (or cancelled)."""
    still_open = (
        select(Shipment.id)
        .where(Shipment.order_id == Order.id, *(Shipment.status != done for done in _DONE))
        .exists()
    )  # (not NOT IN: a prepared statement takes no expanding list)
    return Prepared(
        select(Order.id, Order.status, Order.version, Order.delivered_at.is_not(None)).where(
            _listed(Order.id, "order_ids", dialect_name), ~still_open
        )
    )


def _deliver_complete_orders(
    session: Session, actor: Actor, order_ids: Sequence[int], now: dt.datetime
) -> None:
    """Orders whose every shipment is delivered (or cancelled) are delivered too."""
    if not order_ids:
        return
    dialect_name = session.connection().dialect.name
    rows = _complete_orders_statement(dialect_name).all(
        session, {"order_ids": _list_value(dialect_name, order_ids)}
    )
    planner = MovePlanner("order", actor, now)
    moves = [
        planner.move(order_id, status, version, _stamped(stamped), OrderStatus.DELIVERED)
        for order_id, status, version, stamped in rows
        if planner.allows(status, OrderStatus.DELIVERED)
    ]
    apply_moves_in_bulk(session, "order", moves, actor=actor, at=now, reason="tracking")
