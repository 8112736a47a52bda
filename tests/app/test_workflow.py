"""The status tables are the only way a status changes, and every change is audited.

The tables and the planner are pure: they are tested over plain values, without a
database. The ORM writer and the bulk writer are tested on a fresh SQLite file.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from sqlalchemy import select

from app.errors import ConcurrentUpdate, InvalidTransition, PermissionDenied
from app.permissions import Role
from app.workflow import (
    CONTACT_TASK_TRANSITIONS,
    CUSTOMER_TRANSITIONS,
    EXCEPTION_TRANSITIONS,
    ORDER_TRANSITIONS,
    REVIEW_QUEUES,
    SHIPMENT_TRANSITIONS,
    TRANSITIONS,
    ContactTaskState,
    CustomerStatus,
    ExceptionState,
    OrderStatus,
    RecordState,
    ShipmentStatus,
    allowed_targets,
    apply_plans_in_bulk,
    change_status,
    may_transition,
    plan_review_mark,
    plan_transition,
)
from db.models import AuditEvent, Order
from tests import factories
from tests.conftest import make_actor

ADMIN = make_actor(Role.ADMIN, username="boss")


def _order(db, status: str) -> int:
    with db.unit_of_work() as uow:
        order = factories.order(uow.session, factories.customer(uow.session), status=status)
        uow.commit()
        return order.id


def _shipment(db, status: str) -> int:
    with db.unit_of_work() as uow:
        order = factories.order(uow.session, factories.customer(uow.session), status="allocated")
        shipment = factories.shipment(uow.session, order, factories.warehouse(uow.session), status)
        uow.commit()
        return shipment.id


def _events(db, entity_type: str, entity_id: int) -> list[AuditEvent]:
    with db.unit_of_work() as uow:
        query = select(AuditEvent).where(
            AuditEvent.entity_type == entity_type, AuditEvent.entity_id == entity_id
        )
        return list(uow.session.scalars(query))


def test_the_order_life_of_the_design_is_allowed():
    path = ["received", "approved", "allocated", "shipped", "delivered", "returned", "refunded"]
    for before, after in itertools.pairwise(path):
        assert may_transition("order", before, after)
    for queue in ("needs_info", "stock_short", "payment_problem", "on_hold"):
        assert may_transition("order", "received", queue)
        assert may_transition("order", queue, "received")
        assert may_transition("order", queue, "cancelled")


def test_nothing_leaves_cancelled_or_refunded_and_shipped_orders_cannot_be_cancelled():
    assert allowed_targets("order", "cancelled") == frozenset()
    assert allowed_targets("order", "refunded") == frozenset()
    assert not may_transition("order", "shipped", "cancelled")
    assert not may_transition("order", "delivered", "cancelled")


NOW = dt.datetime(2026, 11, 29, 9, 30, tzinfo=dt.UTC)
STATES = {
    "order": OrderStatus,
    "shipment": ShipmentStatus,
    "customer": CustomerStatus,
    "exception": ExceptionState,
    "contact_task": ContactTaskState,
}
ALL_MOVES = [
    (kind, a, b) for kind, states in STATES.items() for a, b in itertools.product(states, states)
]


def _state(kind: str, status: str, version: int = 3, stamped=()) -> RecordState:
    return RecordState(kind, 42, status, version, frozenset(stamped))


@pytest.mark.parametrize(("kind", "from_state", "to_state"), ALL_MOVES)
def test_every_move_is_planned_exactly_when_its_table_holds_it(kind, from_state, to_state):
    table = TRANSITIONS[kind]
    if (from_state, to_state) not in table:
        with pytest.raises(InvalidTransition) as caught:
            plan_transition(_state(kind, from_state), to_state, ADMIN, now=NOW)
        assert (caught.value.from_state, caught.value.to_state) == (from_state, to_state)
        return
    plan = plan_transition(
        _state(kind, from_state), to_state, ADMIN, now=NOW, reason="because the test says so"
    )
    assert (plan.from_state, plan.to_state, plan.permission) == (
        from_state,
        to_state,
        table[(from_state, to_state)],
    )
    assert plan.changes["status"] == to_state and plan.changes["status_changed_at"] == NOW
    assert plan.seen_version == 3
    event = plan.audit_row()
    assert (event["from_state"], event["to_state"], event["actor_name"]) == (
        from_state,
        to_state,
        "boss",
    )
    assert event["reason"] == "because the test says so" and event["at"] == NOW


def test_a_forbidden_order_move_names_the_order():
    with pytest.raises(InvalidTransition) as caught:
        plan_transition(_state("order", "shipped"), "cancelled", ADMIN, now=NOW)
    assert caught.value.ref == "SO-000042"


def test_every_table_uses_only_its_own_states():
    tables = {
        "order": ORDER_TRANSITIONS,
        "shipment": SHIPMENT_TRANSITIONS,
        "customer": CUSTOMER_TRANSITIONS,
        "exception": EXCEPTION_TRANSITIONS,
        "contact_task": CONTACT_TASK_TRANSITIONS,
    }
    for kind, table in tables.items():
        for pair in table:
            assert all(isinstance(state, STATES[kind]) for state in pair), (kind, pair)
            assert pair[0] != pair[1]


def test_a_queue_moves_straight_to_another_queue_or_on_hold():
    for queue in REVIEW_QUEUES:
        for other in REVIEW_QUEUES:
            if other != queue:
                plan = plan_transition(_state("order", queue), other, ADMIN, now=NOW)
                assert (plan.from_state, plan.to_state) == (queue, other)
    assert may_transition("order", "needs_info", "on_hold")


def test_a_stage_time_is_planned_only_the_first_time_it_is_reached():
    first = plan_transition(_state("order", "received"), "approved", ADMIN, now=NOW)
    assert first.changes["approved_at"] == NOW and first.changes["reviewed_at"] == NOW
    again = plan_transition(
        _state("order", "received", stamped={"approved_at", "reviewed_at"}),
        "approved",
        ADMIN,
        now=NOW,
    )
    assert "approved_at" not in again.changes and "reviewed_at" not in again.changes


def test_a_plan_on_a_stale_version_or_without_the_permission_is_refused():
    with pytest.raises(ConcurrentUpdate):
        plan_transition(_state("order", "received"), "approved", ADMIN, now=NOW, expected_version=2)
    picker = make_actor(Role.WAREHOUSE, username="picker")
    with pytest.raises(PermissionDenied) as caught:
        plan_transition(_state("order", "delivered"), "refunded", picker, now=NOW)
    assert caught.value.permission == "issue_refunds"


def test_a_review_that_leaves_the_order_where_it_is_is_on_record_but_no_move():
    plan = plan_review_mark(_state("order", "received"), ADMIN, now=NOW, reason="to a person")
    assert not plan.moves and plan.action == "review"
    assert plan.changes == {"reviewed_at": NOW}


@pytest.mark.parametrize(("from_state", "to_state"), sorted(ORDER_TRANSITIONS)[:3])
def test_the_orm_writer_audits_who_from_to_and_why(db, from_state, to_state):
    order_id = _order(db, from_state)
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        change_status(uow.session, ADMIN, order, to_state, reason="because the test says so")
        uow.commit()
    [event] = _events(db, "order", order_id)
    assert (event.from_state, event.to_state) == (from_state, to_state)
    assert event.actor_name == "boss"
    assert event.reason == "because the test says so"
    assert event.at.tzinfo is not None


def test_a_forbidden_move_through_the_orm_writer_changes_nothing(db):
    order_id = _order(db, "shipped")
    with db.unit_of_work() as uow:
        with pytest.raises(InvalidTransition):
            change_status(uow.session, ADMIN, uow.session.get(Order, order_id), "cancelled")
        uow.commit()
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, order_id).status == "shipped"
    assert _events(db, "order", order_id) == []


def test_the_bulk_writer_moves_many_orders_and_audits_each_once(db):
    ids = [_order(db, "received") for _ in range(3)]
    with db.unit_of_work() as uow:
        orders = [uow.session.get(Order, i) for i in ids]
        plans = [
            plan_transition(RecordState("order", o.id, o.status, o.version), target, ADMIN, now=NOW)
            for o, target in zip(orders, ("approved", "needs_info", "on_hold"), strict=True)
        ]
        uow.session.expunge_all()
        apply_plans_in_bulk(uow.session, plans)
        uow.commit()
    with db.unit_of_work() as uow:
        moved = [uow.session.get(Order, i) for i in ids]
        assert [o.status for o in moved] == ["approved", "needs_info", "on_hold"]
        assert moved[0].approved_at is not None and moved[1].approved_at is None
        assert all(o.version == plans[0].seen_version + 1 for o in moved)
    assert [len(_events(db, "order", i)) for i in ids] == [1, 1, 1]


def test_the_bulk_writer_refuses_a_row_another_desk_changed_since_the_plan(db):
    order_id = _order(db, "received")
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        plan = plan_transition(
            RecordState("order", order.id, order.status, order.version), "approved", ADMIN, now=NOW
        )
        change_status(uow.session, ADMIN, order, "needs_info")
        uow.commit()
    with db.unit_of_work() as uow, pytest.raises(ConcurrentUpdate):
        apply_plans_in_bulk(uow.session, [plan])
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, order_id).status == "needs_info"


def test_the_bulk_writer_leaves_moves_that_release_stock_to_the_orm_writer():
    plan = plan_transition(_state("order", "approved"), "cancelled", ADMIN, now=NOW)
    with pytest.raises(ValueError, match="releases stock"):
        apply_plans_in_bulk(None, [plan])  # type: ignore[arg-type]


def test_stage_times_are_stamped_once_when_reached(db):
    order_id = _order(db, "received")
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        change_status(uow.session, ADMIN, order, "approved")
        uow.commit()
        first_approval = order.approved_at
    assert first_approval is not None
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        assert order.reviewed_at is not None
        change_status(uow.session, ADMIN, order, "received", reason="address changed")
        change_status(uow.session, ADMIN, order, "approved")
        uow.commit()
        assert order.approved_at == first_approval


def test_a_warehouse_user_cannot_refund_or_approve(db):
    warehouse = make_actor(Role.WAREHOUSE, username="picker")
    delivered = _order(db, "delivered")
    received = _order(db, "received")
    with db.unit_of_work() as uow:
        with pytest.raises(PermissionDenied) as caught:
            change_status(uow.session, warehouse, uow.session.get(Order, delivered), "refunded")
        assert caught.value.permission == "issue_refunds"
        with pytest.raises(PermissionDenied):
            change_status(uow.session, warehouse, uow.session.get(Order, received), "approved")
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, delivered).status == "delivered"
    assert _events(db, "order", delivered) == []


def test_allowed_targets_answer_what_this_person_may_do():
    service = make_actor(Role.CUSTOMER_SERVICE)
    warehouse = make_actor(Role.WAREHOUSE)
    assert "approved" in allowed_targets("order", "received", service)
    assert "approved" not in allowed_targets("order", "received", warehouse)
    assert allowed_targets("order", "approved", warehouse) == {"allocated", "stock_short"}


def test_a_stale_expected_version_is_refused(db):
    order_id = _order(db, "received")
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        seen_version = order.version
        change_status(uow.session, ADMIN, order, "needs_info")
        uow.commit()
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        with pytest.raises(ConcurrentUpdate) as caught:
            change_status(uow.session, ADMIN, order, "received", expected_version=seen_version)
    assert "another desk" in caught.value.message


def test_two_desks_changing_one_order_at_once_one_wins_the_other_is_told(db):
    order_id = _order(db, "received")
    desk_a, desk_b = db.unit_of_work(), db.unit_of_work()
    with desk_a, desk_b:
        order_a = desk_a.session.get(Order, order_id)
        order_b = desk_b.session.get(Order, order_id)
        change_status(desk_a.session, ADMIN, order_a, "approved")
        desk_a.commit()
        change_status(desk_b.session, ADMIN, order_b, "cancelled")
        with pytest.raises(ConcurrentUpdate):
            desk_b.commit()
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, order_id).status == "approved"
    assert [e.to_state for e in _events(db, "order", order_id)] == ["approved"]


@pytest.mark.parametrize(
    ("kind", "status", "to_state", "stamped"),
    [
        ("order", "received", "approved", frozenset()),
        ("order", "shipped", "delivered", frozenset({"delivered_at"})),
        ("shipment", "shipped", "delivered", frozenset()),
        ("shipment", "in_transit", "lost", frozenset()),
    ],
)
def test_a_bulk_move_is_planned_as_plan_transition_plans_it(kind, status, to_state, stamped):
    from app.workflow import plan_move

    now = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    plan = plan_transition(RecordState(kind, 7, status, 3, stamped), to_state, ADMIN, now=now)
    move = plan_move(kind, 7, status, 3, stamped, to_state, ADMIN, now)
    assert (move.entity_id, move.from_state, move.to_state, move.seen_version) == (
        plan.entity_id, plan.from_state, plan.to_state, plan.seen_version,
    )  # fmt: skip
    assert move.changes == plan.changes


def test_a_bulk_move_is_refused_as_plan_transition_refuses_it():
    from app.workflow import plan_move

    now = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    with pytest.raises(InvalidTransition):
        plan_move("shipment", 7, "delivered", 3, frozenset(), "in_transit", ADMIN, now)
    with pytest.raises(PermissionDenied):
        plan_move("order", 7, "received", 3, frozenset(), "approved", make_actor(Role.FINANCE), now)


def test_a_planner_plans_each_record_as_plan_move_plans_it_and_refuses_every_time():
    """The planner decides each (status, target, stamped) once: every record still gets
    the move plan_move gives it, with columns of its own, and a refusal is not remembered
    as an answer."""
    from app.workflow import MovePlanner, may_transition, plan_move

    now = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
    planner = MovePlanner("shipment", ADMIN, now)
    records = [
        (1, "shipped", 3, frozenset(), "delivered"),
        (2, "shipped", 5, frozenset(), "delivered"),
        (3, "shipped", 1, frozenset({"delivered_at"}), "delivered"),
        (4, "in_transit", 2, frozenset(), "lost"),
        (5, "shipped", 9, frozenset(), "delivered"),
    ]
    moves = [planner.move(*record) for record in records]
    for move, (record_id, status, version, stamped, to_state) in zip(moves, records, strict=True):
        assert move == plan_move("shipment", record_id, status, version, stamped, to_state,
                                 ADMIN, now)  # fmt: skip
    for move in moves[:2]:  # the first record's move and a copy made for the second
        move.changes["delivered_at"] = dt.datetime(2026, 11, 19, tzinfo=dt.UTC)
    assert moves[4].changes["delivered_at"] == now  # not theirs
    assert planner.move(6, "shipped", 1, frozenset(), "delivered").changes["delivered_at"] == now
    for _ in range(2):
        with pytest.raises(InvalidTransition):
            planner.move(7, "delivered", 3, frozenset(), "in_transit")
    assert planner.allows("delivered", "in_transit") is False
    assert planner.allows("shipped", "lost") is may_transition("shipment", "shipped", "lost", ADMIN)
    finance = MovePlanner("order", make_actor(Role.FINANCE), now)
    assert finance.allows("received", "approved") is False
    for _ in range(2):
        with pytest.raises(PermissionDenied):
            finance.move(8, "received", 3, frozenset(), "approved")
