"""Recording tracking events: each once, on its parcel; shipments and orders follow."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.errors import PermissionDenied
from app.permissions import Role
from app.tracking.model import TrackingEvent, TrackingStatus
from app.tracking.service import import_tracking_file, record_events
from db.models import AuditEvent, Order, Shipment
from db.models_shipping import Parcel
from db.models_tracking import TrackingEvent as EventRow
from tests import factories as f
from tests.conftest import make_actor

TS = TrackingStatus
HEADER = b"tracking_number,carrier,time,status,location,description\n"


@pytest.fixture
def shipped(db):
    """An order shipped in one shipment of two parcels, 1ZA and 1ZB."""
    with db.unit_of_work() as uow:
        s = uow.session
        wh = f.warehouse(s)
        order = f.order(s, f.customer(s), status="shipped", lines=[(f.product(s), 1)])
        shipment = f.shipment(s, order, wh, status="shipped")
        s.add_all(
            [
                Parcel(
                    shipment_id=shipment.id, sequence=1, tracking_number="1ZA", status="handed_over"
                ),
                Parcel(
                    shipment_id=shipment.id, sequence=2, tracking_number="1ZB", status="handed_over"
                ),
            ]
        )
        uow.commit()
        return order.id, shipment.id


def _event(number: str, hour: int, status: TS) -> TrackingEvent:
    return TrackingEvent(number, "ups", dt.datetime(2026, 11, 20, hour, tzinfo=dt.UTC), status)


def _record(db, events):
    actor = make_actor(Role.SUPERVISOR)
    with db.unit_of_work() as uow:
        summary = record_events(uow.session, actor, events, source="test")
        uow.commit()
    return summary


def _status(db, shipment_id):
    with db.unit_of_work() as uow:
        shipment = uow.session.get(Shipment, shipment_id)
        order = uow.session.get(Order, shipment.order_id)
        return shipment.status, order.status, shipment.delivered_at


def test_the_same_event_imported_twice_is_stored_once(db, shipped):
    events = [_event("1ZA", 9, TS.IN_TRANSIT), _event("1ZA", 9, TS.IN_TRANSIT)]
    first = _record(db, events)
    again = _record(db, events)
    assert (first.imported, first.duplicates) == (1, 1)
    assert (again.imported, again.duplicates) == (0, 2)
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count(EventRow.id))) == 1


def test_unknown_tracking_numbers_are_reported_and_not_stored(db, shipped):
    summary = _record(db, [_event("NOPE", 9, TS.IN_TRANSIT)])
    assert summary.unknown == ["NOPE"]
    assert summary.imported == 0


def test_a_shipment_is_delivered_only_when_every_parcel_is_and_the_order_follows(db, shipped):
    _, shipment_id = shipped
    _record(db, [_event("1ZA", 9, TS.IN_TRANSIT), _event("1ZA", 15, TS.DELIVERED)])
    assert _status(db, shipment_id)[:2] == ("in_transit", "shipped")
    _record(db, [_event("1ZB", 16, TS.DELIVERED)])
    shipment_status, order_status, delivered_at = _status(db, shipment_id)
    assert (shipment_status, order_status) == ("delivered", "delivered")
    assert delivered_at == dt.datetime(2026, 11, 20, 16, tzinfo=dt.UTC)  # the carrier's time


def test_an_event_that_arrives_late_does_not_move_a_shipment_back(db, shipped):
    _, shipment_id = shipped
    _record(db, [_event("1ZA", 15, TS.OUT_FOR_DELIVERY), _event("1ZB", 15, TS.OUT_FOR_DELIVERY)])
    _record(db, [_event("1ZA", 8, TS.IN_TRANSIT)])  # older, imported later
    assert _status(db, shipment_id)[0] == "out_for_delivery"


def test_a_lost_parcel_makes_the_shipment_lost_and_the_change_is_audited(db, shipped):
    _, shipment_id = shipped
    _record(db, [_event("1ZB", 12, TS.LOST)])
    assert _status(db, shipment_id)[0] == "lost"
    with db.unit_of_work() as uow:
        moves = uow.session.scalars(
            select(AuditEvent.to_state).where(
                AuditEvent.entity_type == "shipment", AuditEvent.entity_id == shipment_id
            )
        ).all()
    assert "lost" in moves


def test_a_shipment_not_yet_handed_over_is_left_alone(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = f.order(s, f.customer(s), status="allocated", lines=[(f.product(s), 1)])
        shipment = f.shipment(s, order, f.warehouse(s), status="packed")
        s.add(Parcel(shipment_id=shipment.id, sequence=1, tracking_number="1ZC", status="labelled"))
        uow.commit()
        shipment_id = shipment.id
    summary = _record(db, [_event("1ZC", 9, TS.IN_TRANSIT)])
    assert summary.imported == 1 and summary.status_changes == 0
    assert _status(db, shipment_id)[0] == "packed"


def test_a_file_import_reports_rejected_rows_and_keeps_the_good_ones(db, shipped):
    data = (
        HEADER
        + b"1ZA,ups,2026-11-20T09:00:00Z,in_transit,,\n1ZB,ups,2026-11-20T09:00:00,in_transit,,\n"
    )
    summary = import_tracking_file(db, make_actor(Role.SUPERVISOR), "t.csv", data)
    assert summary.imported == 1
    assert [r.where for r in summary.rejected] == ["row 3"]


def test_someone_who_may_not_ship_cannot_import_tracking(db, shipped):
    with pytest.raises(PermissionDenied):
        import_tracking_file(db, make_actor(Role.FINANCE), "t.csv", HEADER)


def test_event_times_are_written_as_the_column_type_would_write_them(db):
    from app.tracking.service import _stored_time

    column = EventRow.__table__.c.occurred_at
    with db.engine.connect() as connection:
        dialect = connection.dialect
    write = _stored_time(dialect)
    convert = column.type.dialect_impl(dialect).bind_processor(dialect)
    for at in (
        dt.datetime(2026, 11, 20, 14, 5, tzinfo=dt.timezone(dt.timedelta(hours=8))),
        dt.datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=dt.UTC),
        dt.datetime(999, 12, 31, 23, 59, 59, 999999, tzinfo=dt.UTC),
    ):
        assert write(at) == (convert(at) if convert else at)


def test_an_import_leaves_the_connections_cache_as_it_found_it(db, shipped):
    from app.tracking.formats import TrackingFileError
    from app.tracking.service import IMPORT_CACHE_KIB

    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite page cache")
    actor = make_actor(Role.SUPERVISOR)
    import_tracking_file(db, actor, "t.csv", HEADER + b"1ZA,ups,2026-11-20T09:00:00Z,lost,,\n")
    with pytest.raises(TrackingFileError):
        import_tracking_file(db, actor, "t.csv", b"no,header\n")
    with db.engine.connect() as connection:
        cache = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    assert cache != -IMPORT_CACHE_KIB


def test_events_that_share_a_time_are_each_stored_with_their_own_key_and_time(db, shipped):
    """An import spells each distinct time once and the reader parses it once: every
    event still gets the key and stored time of its own fields, whichever event or offset
    spelled the instant first."""
    from app.tracking.model import event_key
    from app.tracking.service import _stored_time

    rows = [
        b"1ZA,ups,2026-11-20T09:00:00Z,info_received,Hub,Scan",
        b"1ZB,ups,2026-11-20T09:00:00Z,info_received,Hub,Scan",  # the same time text
        b"1ZA,ups,2026-11-20T10:00:00+01:00,in_transit,Hub,Scan",  # the same instant
        b"1ZB,ups,2026-11-20T09:00:00.250000+00:00,in_transit,Hub,Scan",
        b"1ZA,ups,2026-11-20T09:00:00Z,delivered,Door,Left at door",
        b"1ZB,ups,2026-11-20T18:30:00+08:00,delivered,Door,Left at door",
    ]
    summary = import_tracking_file(
        db, make_actor(Role.SUPERVISOR), "t.csv", HEADER + b"\n".join(rows) + b"\n"
    )
    assert summary.imported == 6 and summary.duplicates == 0
    with db.unit_of_work() as uow:
        connection = uow.session.connection()
        write = _stored_time(connection.dialect)
        stored = connection.execute(
            select(EventRow.tracking_number, EventRow.occurred_at, EventRow.status,
                   EventRow.event_key, func.cast(EventRow.occurred_at, EventRow.event_key.type))
            .order_by(EventRow.id)
        ).all()  # fmt: skip
    from app.tracking.formats import parse_time, read_csv

    events = read_csv(HEADER + b"\n".join(rows) + b"\n").events
    assert [event.occurred_at for event in events] == [
        parse_time(row.split(b",")[2].decode()) for row in rows
    ]
    assert [row.tracking_number for row in stored] == [e.tracking_number for e in events]
    for row, event in zip(stored, events, strict=True):
        assert row.occurred_at == event.occurred_at
        assert row.status == event.status
        assert row.event_key == event_key(*event)
        if connection.dialect.name == "sqlite":
            assert row[4] == write(event.occurred_at)


def test_a_parcel_added_in_the_same_unit_of_work_receives_its_events(db, shipped):
    """The import reads parcels on the connection, past the ORM: what the session holds
    unwritten is written first."""
    _order_id, shipment_id = shipped
    with db.unit_of_work() as uow:
        uow.session.add(
            Parcel(shipment_id=shipment_id, sequence=3, tracking_number="1ZC", status="handed_over")
        )
        summary = record_events(
            uow.session, make_actor(Role.SUPERVISOR), [_event("1ZC", 9, TS.IN_TRANSIT)],
            source="test",
        )  # fmt: skip
        uow.commit()
    assert (summary.imported, summary.unknown) == (1, [])
