"""The exception queue: duplicates, intake conflicts, bans and the block list, holds."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.errors import InvalidInput, PermissionDenied
from app.permissions import Role
from app.review.exception_desk import (
    ban_customer,
    hold_order,
    keep_stored_version,
    release_hold,
    resolve_duplicates,
    set_exception_plan,
)
from app.review.service import ALL_RECEIVED, request_information, review_orders
from db.models import (
    AuditEvent,
    BlockListEntry,
    ContactTask,
    Customer,
    CustomerMessage,
    ExceptionRecord,
    IntakeConflict,
    Order,
    ReviewFinding,
)
from tests.app.review import builders as b
from tests.conftest import make_actor

REVIEWER = make_actor(Role.CUSTOMER_SERVICE, username="rita")
SUPERVISOR = make_actor(Role.SUPERVISOR, username="sam")


def versions(db, *ids: int) -> dict[int, int]:
    with db.unit_of_work() as uow:
        return {i: uow.session.get(Order, i).version for i in ids}


def status(db, order_id: int) -> str:
    with db.unit_of_work() as uow:
        return uow.session.get(Order, order_id).status


def records(db, order_id: int) -> list[tuple[str, str, str | None]]:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(
            select(ExceptionRecord).where(ExceptionRecord.order_id == order_id)
        )
        return [(r.kind, r.state, r.result) for r in rows]


@pytest.fixture
def twins(db) -> tuple[int, int, int]:
    with db.unit_of_work() as uow:
        s = uow.session
        cust, prod = b.customer(s), b.product(s)
        first = b.order(s, cust, [(prod, 1)], line1="Hauptstraße 1")
        second = b.order(s, cust, [(prod, 1)], line1="Hauptstraße 1")
        third = b.order(s, cust, [(prod, 1)], line1="Hauptstraße 1")
        uow.commit()
    review_orders(db, REVIEWER, ALL_RECEIVED)
    return first.id, second.id, third.id


def test_duplicates_keep_one_and_cancel_the_others_with_a_message(db, twins):
    first, second, third = twins
    assert [status(db, i) for i in twins] == ["on_hold"] * 3
    result = resolve_duplicates(
        db.unit_of_work(),
        REVIEWER,
        keep_order_id=first,
        cancel_order_ids=[second, third],
        expected_versions=versions(db, *twins),
    )
    assert result.kept.status == "approved"
    assert [c.status for c in result.cancelled] == ["cancelled", "cancelled"]
    assert records(db, first) == [("duplicate", "closed", "kept")]
    assert records(db, second) == [("duplicate", "closed", "cancelled_duplicate")]
    with db.unit_of_work() as uow:
        message = uow.session.scalars(
            select(CustomerMessage).where(CustomerMessage.order_id == second)
        ).one()
    assert message.kind == "cancelled_duplicate"
    assert f"SO-{first:06d}" in message.body


def test_duplicates_of_another_customer_are_refused(db, twins):
    first, _second, _ = twins
    with db.unit_of_work() as uow:
        s = uow.session
        stranger = b.order(s, b.customer(s), [(b.product(s), 1)])
        uow.commit()
    with pytest.raises(InvalidInput):
        resolve_duplicates(
            db.unit_of_work(),
            REVIEWER,
            keep_order_id=first,
            cancel_order_ids=[stranger.id],
            expected_versions=versions(db, first, stranger.id),
        )
    assert status(db, stranger.id) == "received"


def test_an_intake_conflict_resolved_by_keeping_ours_lets_the_order_go(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s), [(b.product(s), 1)])
        s.add(IntakeConflict(order_id=order.id, incoming_fingerprint="a" * 32, incoming={}))
        uow.commit()
    review_orders(db, REVIEWER, [order.id])
    assert status(db, order.id) == "on_hold"
    result = keep_stored_version(
        db.unit_of_work(),
        REVIEWER,
        order.id,
        expected_version=versions(db, order.id)[order.id],
        note="same order, carrier field differs",
    )
    assert result.status == "approved"
    with db.unit_of_work() as uow:
        conflict = uow.session.scalars(select(IntakeConflict)).one()
    assert conflict.resolution == "kept_stored" and conflict.resolved_at is not None


def test_only_a_supervisor_bans(db, twins):
    with db.unit_of_work() as uow:
        customer_id = uow.session.get(Order, twins[0]).customer_id
    with pytest.raises(PermissionDenied):
        ban_customer(db.unit_of_work(), REVIEWER, customer_id, reason="card testing burst")


def test_a_ban_cancels_open_orders_and_blocks_the_identifiers_for_next_time(db, twins):
    with db.unit_of_work() as uow:
        s = uow.session
        customer_id = s.get(Order, twins[0]).customer_id
        shipped = b.order(s, s.get(Customer, customer_id), [(b.product(s), 1)], status="shipped")
        uow.commit()
    result = ban_customer(
        db.unit_of_work(),
        SUPERVISOR,
        customer_id,
        reason="stolen cards, confirmed by bank",
        order_id=twins[0],
        expected_version=versions(db, twins[0])[twins[0]],
    )
    assert len(result.cancelled) == 3 and result.block_list_added >= 4
    assert status(db, shipped.id) == "shipped"
    assert records(db, twins[0]) == [("duplicate", "closed", "banned")]
    with db.unit_of_work() as uow:
        kinds = sorted(uow.session.scalars(select(BlockListEntry.kind).distinct()))
        banned = uow.session.get(Customer, customer_id)
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.entity_type == "customer")
        ).one()
        # The same person under a new account, same phone, other address: held.
        s = uow.session
        again = b.order(s, b.customer(s, phone="030 901820"), [(b.product(s), 1)], line1="Neu 9")
        uow.commit()
    assert kinds == ["address", "customer", "email", "phone"]
    assert banned.status == "banned"
    assert (event.action, event.from_state, event.to_state) == ("ban", "active", "banned")
    review_orders(db, REVIEWER, [again.id])
    assert status(db, again.id) == "on_hold"
    with db.unit_of_work() as uow:
        codes = set(
            uow.session.scalars(
                select(ReviewFinding.code).where(ReviewFinding.order_id == again.id)
            )
        )
    assert "malicious.block_listed" in codes
    assert records(db, again.id) == [("malicious", "open", None)]


def test_an_unreachable_customer_is_held_until_the_call_back_then_released(db):
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s, phone=None), [(b.product(s), 1)])
        uow.commit()
    review_orders(db, REVIEWER, [order.id])
    asked = request_information(
        db.unit_of_work(), REVIEWER, order.id, expected_version=versions(db, order.id)[order.id]
    )
    call_back = b.NOW + dt.timedelta(days=2)
    held = hold_order(
        db.unit_of_work(),
        REVIEWER,
        order.id,
        expected_version=asked.version,
        note="no answer on e-mail, no phone",
        callback_at=call_back,
    )
    assert held.status == "on_hold"
    assert records(db, order.id) == [("unreachable", "held", None)]
    with db.unit_of_work() as uow:  # straight from its queue: one move, no hop via received
        moves = uow.session.execute(
            select(AuditEvent.from_state, AuditEvent.to_state)
            .where(AuditEvent.entity_id == order.id, AuditEvent.action == "status")
            .order_by(AuditEvent.id)
        ).all()
    assert [tuple(m) for m in moves] == [("received", "needs_info"), ("needs_info", "on_hold")]
    # Auto review leaves held orders alone.
    assert review_orders(db, REVIEWER, [order.id]).on_hold == 1
    with db.unit_of_work() as uow:
        order_row = uow.session.get(Order, order.id)
        order_row.ship_phone = "+4930901820"
        uow.commit()
        current = order_row.version
    released = release_hold(
        db.unit_of_work(), REVIEWER, order.id, expected_version=current, note="customer called"
    )
    assert released.status == "approved"
    assert records(db, order.id) == [("unreachable", "closed", "released")]
    with db.unit_of_work() as uow:
        tasks = {
            t.kind: (t.state, t.answer)
            for t in uow.session.scalars(
                select(ContactTask).where(ContactTask.order_id == order.id)
            )
        }
    assert tasks["unreachable"] == ("done", "reached")


def test_a_hold_needs_a_note_and_a_zoned_call_back(db):
    with db.unit_of_work() as uow:
        order = b.order(
            uow.session, b.customer(uow.session, phone=None), [(b.product(uow.session), 1)]
        )
        uow.commit()
    seen = versions(db, order.id)[order.id]
    with pytest.raises(InvalidInput):
        hold_order(
            db.unit_of_work(),
            REVIEWER,
            order.id,
            expected_version=seen,
            note="x",
            callback_at=b.NOW,
        )
    with pytest.raises(InvalidInput):
        hold_order(
            db.unit_of_work(),
            REVIEWER,
            order.id,
            expected_version=seen,
            note="no answer at all",
            callback_at=dt.datetime(2030, 1, 1),
        )


def test_an_exception_plan_is_recorded_with_who_wrote_it(db, twins):
    with db.unit_of_work() as uow:
        record = uow.session.scalars(select(ExceptionRecord)).first()
        record_id, seen = record.id, record.version
    set_exception_plan(
        db.unit_of_work(),
        REVIEWER,
        record_id,
        expected_version=seen,
        plan="call the customer, ask which order is meant",
    )
    with db.unit_of_work() as uow:
        record = uow.session.get(ExceptionRecord, record_id)
    assert (record.plan, record.handled_by_name) == (
        "call the customer, ask which order is meant",
        "rita",
    )
