"""The review desk on PostgreSQL: two desks on one order, two auto-reviews over one queue."""

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

SUPERVISOR = make_actor(Role.SUPERVISOR, username="desk")


def _needs_info_order(pg) -> tuple[int, int]:
    with pg.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s, phone=None), [(b.product(s), 1)])
        uow.commit()
    review_orders(pg, SUPERVISOR, [order.id])
    with pg.unit_of_work() as uow:
        return order.id, uow.session.get(Order, order.id).version


def _count(pg, model, *where) -> int:
    with pg.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def _threads(count: int, target) -> None:
    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_the_second_desk_is_told_and_nothing_of_its_action_is_applied(pg):
    order_id, seen = _needs_info_order(pg)
    desk_a, desk_b = pg.unit_of_work(), pg.unit_of_work()
    request_information(desk_a, SUPERVISOR, order_id, expected_version=seen)
    with pytest.raises(ConcurrentUpdate):
        approve_order(
            desk_b,
            SUPERVISOR,
            order_id,
            expected_version=seen,
            override_reason="customer collects it in the shop",
        )
    with pg.unit_of_work() as uow:
        assert uow.session.get(Order, order_id).status == "needs_info"
    assert _count(pg, ContactTask, ContactTask.order_id == order_id) == 1
    assert (
        _count(
            pg, AuditEvent, AuditEvent.entity_id == order_id, AuditEvent.action == "review_override"
        )
        == 0
    )


def test_desks_racing_on_one_order_act_exactly_once(pg):
    order_id, seen = _needs_info_order(pg)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def desk(index: int) -> None:
        barrier.wait()
        try:
            if index % 2:
                approve_order(
                    pg.unit_of_work(),
                    SUPERVISOR,
                    order_id,
                    expected_version=seen,
                    override_reason="customer collects it in the shop",
                )
            else:
                request_information(pg.unit_of_work(), SUPERVISOR, order_id, expected_version=seen)
            outcomes.append("won")
        except ConcurrentUpdate:
            outcomes.append("told")

    _threads(6, desk)
    assert sorted(outcomes) == ["told"] * 5 + ["won"]
    approvals = _count(
        pg, AuditEvent, AuditEvent.entity_id == order_id, AuditEvent.to_state == "approved"
    )
    requests = _count(pg, ContactTask, ContactTask.order_id == order_id)
    assert approvals + requests == 1


def test_two_auto_reviews_over_one_queue_review_each_order_once(pg):
    with pg.unit_of_work() as uow:
        s = uow.session
        prod = b.product(s, stock=1000)
        ids = [b.order(s, b.customer(s), [(prod, 1)]).id for _ in range(60)]
        uow.commit()
    summaries = []

    def run(_: int) -> None:
        summaries.append(review_orders(pg, SUPERVISOR, ids, batch_size=7))

    _threads(2, run)
    assert sum(s.reviewed for s in summaries) == 60
    reviews = _count(
        pg,
        AuditEvent,
        AuditEvent.entity_id.in_(ids),
        AuditEvent.entity_type == "order",
        AuditEvent.to_state == "approved",
    )
    allocations = _count(
        pg,
        AuditEvent,
        AuditEvent.entity_id.in_(ids),
        AuditEvent.entity_type == "order",
        AuditEvent.to_state == "allocated",
    )
    assert (reviews, allocations) == (60, 60)  # each approved once, then allocated once
    assert sum(s.allocation.allocated for s in summaries) == 60
    with pg.unit_of_work() as uow:
        statuses = set(uow.session.scalars(select(Order.status).where(Order.id.in_(ids))))
    assert statuses == {"allocated"}
