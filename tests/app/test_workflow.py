"""The status tables are the only way a status changes, and every change is audited."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from app.errors import ConcurrentUpdate, InvalidTransition, PermissionDenied
from app.permissions import Role
from app.workflow import (
    ORDER_TRANSITIONS,
    SHIPMENT_TRANSITIONS,
    OrderStatus,
    ShipmentStatus,
    allowed_targets,
    change_status,
    may_transition,
)
from db.models import AuditEvent, Order, Shipment
from tests import factories
from tests.conftest import make_actor

ADMIN = make_actor(Role.ADMIN, username="boss")
FORBIDDEN_ORDER_MOVES = [
    (a, b)
    for a, b in itertools.product(OrderStatus, OrderStatus)
    if (a, b) not in ORDER_TRANSITIONS
]
FORBIDDEN_SHIPMENT_MOVES = [
    (a, b)
    for a, b in itertools.product(ShipmentStatus, ShipmentStatus)
    if (a, b) not in SHIPMENT_TRANSITIONS
]


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


@pytest.mark.parametrize(("from_state", "to_state"), FORBIDDEN_ORDER_MOVES)
def test_every_forbidden_order_move_raises_and_changes_nothing(db, from_state, to_state):
    order_id = _order(db, from_state)
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        with pytest.raises(InvalidTransition) as caught:
            change_status(uow.session, ADMIN, order, to_state)
        uow.commit()
    assert caught.value.from_state == from_state
    assert caught.value.ref == f"SO-{order_id:06d}"
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, order_id).status == from_state
    assert _events(db, "order", order_id) == []


@pytest.mark.parametrize(("from_state", "to_state"), FORBIDDEN_SHIPMENT_MOVES)
def test_every_forbidden_shipment_move_raises(db, from_state, to_state):
    shipment_id = _shipment(db, from_state)
    with db.unit_of_work() as uow:
        shipment = uow.session.get(Shipment, shipment_id)
        with pytest.raises(InvalidTransition):
            change_status(uow.session, ADMIN, shipment, to_state)


@pytest.mark.parametrize(("from_state", "to_state"), sorted(ORDER_TRANSITIONS))
def test_every_allowed_order_move_is_audited_with_who_from_to_and_why(db, from_state, to_state):
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


@pytest.mark.parametrize(("from_state", "to_state"), sorted(SHIPMENT_TRANSITIONS))
def test_every_allowed_shipment_move_is_audited(db, from_state, to_state):
    shipment_id = _shipment(db, from_state)
    with db.unit_of_work() as uow:
        change_status(uow.session, ADMIN, uow.session.get(Shipment, shipment_id), to_state)
        uow.commit()
    [event] = _events(db, "shipment", shipment_id)
    assert (event.from_state, event.to_state) == (from_state, to_state)


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
