"""Live changes on PostgreSQL: a desk hears another desk's committed change at once."""

from __future__ import annotations

from app.permissions import Role
from app.review.model import ReviewSettings
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


def test_picking_services_tell_listening_desks_on_the_picking_topic(qtbot, pg):
    from app.live import PICKING
    from app.picking import lists as pl
    from app.picking.service import allocate
    from tests.app.picking.conftest import PICKER, floor_warehouse, item, put
    from ui.live import LiveChanges

    with pg.unit_of_work() as uow:
        s = uow.session
        wh = floor_warehouse(s, "BER")
        kettle = item(s)
        put(s, kettle, wh, 0, 5)
        order = b.order(s, b.customer(s), [(kettle, 2)])
        uow.commit()
        wid = wh.id
    # Approved only: the allocation below is the picking desk's, and what is heard.
    review_orders(pg, SUPERVISOR, [order.id], settings=ReviewSettings(allocate_approved=False))
    live = LiveChanges(pg)
    heard: list[str] = []
    live.changed.connect(heard.append)
    try:
        qtbot.wait(800)  # the listener connects
        assert allocate(pg, SUPERVISOR).shipments == 1
        qtbot.waitUntil(lambda: PICKING in heard, timeout=3000)
        heard.clear()
        [list_id] = pl.create_pick_lists(pg.unit_of_work(), SUPERVISOR, wid)
        qtbot.waitUntil(lambda: PICKING in heard, timeout=3000)
        heard.clear()
        pl.claim_list(pg, PICKER, list_id)
        qtbot.waitUntil(lambda: PICKING in heard, timeout=3000)
        heard.clear()
        pl.release_list(pg, PICKER, list_id)
        qtbot.waitUntil(lambda: PICKING in heard, timeout=3000)
    finally:
        live.stop()


def test_the_last_parcel_of_a_hand_over_tells_desks_on_both_topics_in_one_statement(qtbot, pg):
    from app.numbers import entity_number
    from app.shipping.service import hand_over
    from tests.app.shipping.builders import shipper, split_order
    from ui.live import LiveChanges

    with pg.unit_of_work() as uow:
        built = split_order(uow.session, parcels=(1, 1))
        actor = shipper(uow.session, "live-shipper")
        uow.commit()
    live = LiveChanges(pg)
    heard: list[str] = []
    live.changed.connect(heard.append)
    try:
        qtbot.wait(800)  # the listener connects
        hand_over(pg.unit_of_work(), actor, entity_number("shipment", built.shipment_ids[0]))
        qtbot.waitUntil(lambda: {"orders", "shipments"} <= set(heard), timeout=3000)
    finally:
        live.stop()
