"""Live changes on PostgreSQL: a desk hears another desk's committed change at once."""

from __future__ import annotations

from app.permissions import Role
from app.review.service import request_information, review_orders
from db.models import Order
from tests.app.review import builders as b
from tests.conftest import make_actor

SUPERVISOR = make_actor(Role.SUPERVISOR, username="desk")


def test_a_listening_desk_hears_a_committed_change_and_not_a_rolled_back_one(qtbot, pg):
    from ui.live import LiveChanges

    with pg.unit_of_work() as uow:
        s = uow.session
        order = b.order(s, b.customer(s, phone=None), [(b.product(s), 1)])
        uow.commit()
    live = LiveChanges(pg)
    heard: list[str] = []
    live.changed.connect(heard.append)
    try:
        qtbot.wait(800)  # the listener connects
        with pg.unit_of_work() as uow:
            from app.live import notify

            notify(uow.session)
            uow.rollback()
        qtbot.wait(800)
        assert heard == []
        review_orders(pg, SUPERVISOR, [order.id])
        with pg.unit_of_work() as uow:
            version = uow.session.get(Order, order.id).version
        request_information(pg.unit_of_work(), SUPERVISOR, order.id, expected_version=version)
        qtbot.waitUntil(lambda: "orders" in heard, timeout=3000)
    finally:
        live.stop()
