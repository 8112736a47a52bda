"""Eight desks (processes) review, allocate and claim against the same small stock on
PostgreSQL at once: no unit promised twice, nothing negative, every order fully reserved
or back in stock short, no list claimed twice, no lock error reaching a person."""

from __future__ import annotations

import multiprocessing
import traceback

import pytest
from sqlalchemy import func, select

from app.database import open_database, upgrade_database
from app.permissions import Role
from app.picking.check import check_stock
from db.models import AuditEvent, Order, OrderLine, StockQuant
from db.models_picking import PickList, Reservation
from tests.app.picking.conftest import floor_warehouse, item, put
from tests.app.review import builders as b
from tests.conftest import make_actor

DESKS = 8
ORDERS = 160
ROUNDS = 3


def _desk(url: str, desk: int, errors) -> None:
    from app.database import open_database
    from app.picking.lists import claim_next, create_pick_lists
    from app.picking.service import allocate
    from app.review.service import ALL_RECEIVED, review_orders

    actor = make_actor(Role.SUPERVISOR, username=f"desk{desk}")
    database = open_database(url)
    try:
        with database.unit_of_work() as uow:
            warehouses = [w for (w,) in uow.session.execute(select(PickList.warehouse_id).limit(0))]
        from db.models import Warehouse

        with database.unit_of_work() as uow:
            warehouses = list(uow.session.scalars(select(Warehouse.id).order_by(Warehouse.id)))
        for _round in range(ROUNDS):
            review_orders(database, actor, ALL_RECEIVED, batch_size=20)
            allocate(database, actor, batch_size=20)
            for wid in warehouses:
                create_pick_lists(database.unit_of_work(), actor, wid, batch_size=3)
                claim_next(database, actor, wid)
    except Exception:
        errors.put(f"desk {desk}: {traceback.format_exc()}")
    finally:
        database.dispose()


def _floor(pg) -> dict[int, int]:
    """Two warehouses, three products, few units; many orders wanting them."""
    with pg.unit_of_work() as uow:
        s = uow.session
        ber, par = floor_warehouse(s, "MB1"), floor_warehouse(s, "MP1", country="FR")
        products = [item(s) for _ in range(3)]
        put(s, products[0], ber, 0, 12, day=3)
        put(s, products[0], ber, 1, 6, day=1)
        put(s, products[0], par, 0, 10)
        put(s, products[1], par, 1, 15)
        put(s, products[2], ber, 2, 8)
        put(s, products[2], par, 2, 8)
        for n in range(ORDERS):
            lines = [(products[n % 3], 1 + n % 2)]
            if n % 4 == 0:
                lines.append((products[(n + 1) % 3], 1))
            b.order(s, b.customer(s), lines)
        uow.commit()
        return {q.id: q.on_hand for q in s.scalars(select(StockQuant))}


@pytest.fixture
def own_pg(empty_pg_url):
    """A database of this test's own: its checks read every order and quant there."""
    database = open_database(empty_pg_url, check_schema=False)
    upgrade_database(database)
    yield database
    database.dispose()


def test_eight_desks_at_once_never_promise_a_unit_twice(own_pg):
    pg = own_pg
    on_hand_before = _floor(pg)
    context = multiprocessing.get_context("spawn")
    errors = context.Queue()
    url = pg.url.render_as_string(hide_password=False)
    desks = [context.Process(target=_desk, args=(url, i, errors)) for i in range(DESKS)]
    for desk in desks:
        desk.start()
    for desk in desks:
        desk.join(timeout=120)
    reported = []
    while not errors.empty():
        reported.append(errors.get())
    assert reported == []
    assert all(desk.exitcode == 0 for desk in desks)

    with pg.unit_of_work() as uow:
        s = uow.session
        assert check_stock(s) == []
        # No unit promised twice: what all reservations ever held of a quant fits in it.
        promised = dict(
            s.execute(
                select(
                    Reservation.quant_id, func.sum(Reservation.quantity + Reservation.picked)
                ).group_by(Reservation.quant_id)
            ).all()
        )
        assert all(promised[q] <= on_hand_before[q] for q in promised)
        # Every order fully reserved (approved / allocated) or stock short holding nothing.
        held = dict(
            s.execute(
                select(Reservation.order_id, func.sum(Reservation.quantity))
                .where(Reservation.state == "open")
                .group_by(Reservation.order_id)
            ).all()
        )
        wanted = dict(
            s.execute(
                select(OrderLine.order_id, func.sum(OrderLine.quantity)).group_by(
                    OrderLine.order_id
                )
            ).all()
        )
        statuses = dict(s.execute(select(Order.id, Order.status)).all())
        assert set(statuses.values()) <= {"allocated", "stock_short"}
        for order_id, status in statuses.items():
            if status == "allocated":
                assert held.get(order_id) == wanted[order_id]
            else:
                assert order_id not in held
        assert "stock_short" in statuses.values() and "allocated" in statuses.values()
        # Each order reviewed once: one move out of received.
        reviewed = s.execute(
            select(AuditEvent.entity_id, func.count())
            .where(AuditEvent.entity_type == "order", AuditEvent.from_state == "received")
            .group_by(AuditEvent.entity_id)
        ).all()
        twice = [oid for oid, n in reviewed if n != 1]
        trail = s.execute(
            select(AuditEvent.entity_id, AuditEvent.actor_name, AuditEvent.from_state,
                   AuditEvent.to_state, AuditEvent.reason)
            .where(AuditEvent.entity_type == "order", AuditEvent.entity_id.in_(twice))
            .order_by(AuditEvent.entity_id, AuditEvent.id)
        ).all()  # fmt: skip
        shown = [f"{t[0]}:{t[1]}:{t[2]}>{t[3]}" for t in trail][:12]
        assert len(reviewed) == ORDERS and not twice, shown  # never received → queue → again
        # No list claimed twice.
        claims = s.execute(
            select(AuditEvent.entity_id, func.count())
            .where(AuditEvent.entity_type == "pick_list", AuditEvent.action == "claim")
            .group_by(AuditEvent.entity_id)
        ).all()
        assert claims and all(n == 1 for _, n in claims)
