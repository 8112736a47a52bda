"""Two reviewers on one order at once (SQLite): one wins, the other is told, nothing doubles."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.errors import ConcurrentUpdate
from app.permissions import Role
from app.review.service import (
    approve_order,
    request_information,
    review_orders,
)
from db.models import AuditEvent, ContactTask, Order
from tests.app.review import builders as b
from tests.conftest import make_actor

DESK_A = make_actor(Role.SUPERVISOR, username="desk-a")
DESK_B = make_actor(Role.SUPERVISOR, username="desk-b")


def needs_info_order(db) -> tuple[int, int]:
    with db.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s, phone=None), [(b.product(s), 1)])
        uow.commit()
    review_orders(db, DESK_A, [order.id])
    with db.unit_of_work() as uow:
        return order.id, uow.session.get(Order, order.id).version


def count(db, model, *where) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_second_desk_acting_on_what_it_saw_is_told_and_changes_nothing(db):
    order_id, seen = needs_info_order(db)
    request_information(db.unit_of_work(), DESK_A, order_id, expected_version=seen)
    with pytest.raises(ConcurrentUpdate):
        approve_order(
            db.unit_of_work(),
            DESK_B,
            order_id,
            expected_version=seen,
            override_reason="customer collects it in the shop",
        )
    with db.unit_of_work() as uow:
        assert uow.session.get(Order, order_id).status == "needs_info"
    assert count(db, AuditEvent, AuditEvent.action == "review_override") == 0
    assert count(db, ContactTask) == 1


def test_desks_racing_to_approve_one_order_approve_it_once(db):
    order_id, seen = needs_info_order(db)
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def desk(name: str) -> None:
        actor = make_actor(Role.SUPERVISOR, username=name)
        barrier.wait()
        try:
            approve_order(
                db.unit_of_work(),
                actor,
                order_id,
                expected_version=seen,
                override_reason="customer collects it in the shop",
            )
            outcomes.append("won")
        except ConcurrentUpdate:
            outcomes.append("told")

    threads = [threading.Thread(target=desk, args=(f"desk-{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["told"] * 3 + ["won"]
    assert count(db, AuditEvent, AuditEvent.to_state == "approved") == 1
    assert count(db, AuditEvent, AuditEvent.action == "review_override") == 1
