"""Two workstations on one PostgreSQL database: one wins, the other is told, nothing doubles."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.errors import ConcurrentUpdate
from app.permissions import Role
from app.workflow import change_status
from db.models import AuditEvent, Order
from tests import factories
from tests.conftest import make_actor

SUPERVISOR = make_actor(Role.SUPERVISOR, username="desk")


def _new_order(pg) -> int:
    with pg.unit_of_work() as uow:
        order = factories.order(uow.session, factories.customer(uow.session))
        uow.commit()
        return order.id


def _transitions(pg, order_id: int) -> int:
    with pg.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_type == "order", AuditEvent.entity_id == order_id)
        )


def test_the_second_desk_to_commit_gets_concurrent_update(pg):
    order_id = _new_order(pg)
    desk_a, desk_b = pg.unit_of_work(), pg.unit_of_work()
    with desk_a, desk_b:
        order_a = desk_a.session.get(Order, order_id)
        order_b = desk_b.session.get(Order, order_id)
        change_status(desk_a.session, SUPERVISOR, order_a, "approved")
        desk_a.commit()
        change_status(desk_b.session, SUPERVISOR, order_b, "on_hold")
        with pytest.raises(ConcurrentUpdate):
            desk_b.commit()
    with pg.unit_of_work() as uow:
        assert uow.session.get(Order, order_id).status == "approved"
    assert _transitions(pg, order_id) == 1


def test_many_desks_racing_for_one_order_change_it_exactly_once(pg):
    order_id = _new_order(pg)
    barrier = threading.Barrier(6)
    outcomes: list[str] = []

    def desk() -> None:
        with pg.unit_of_work() as uow:
            order = uow.session.get(Order, order_id)
            barrier.wait()
            try:
                change_status(uow.session, SUPERVISOR, order, "approved")
                uow.commit()
                outcomes.append("won")
            except ConcurrentUpdate:
                outcomes.append("told")

    threads = [threading.Thread(target=desk) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["told"] * 5 + ["won"]
    assert _transitions(pg, order_id) == 1
