"""A small warehouse floor for the picking service tests, and the invariant after each step."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from app.permissions import Role
from app.picking.check import check_stock
from db.models import Bin, Product, StockQuant, Warehouse
from db.models_picking import Tote
from tests.app.review import builders as b
from tests.conftest import make_actor

SUPERVISOR = make_actor(Role.SUPERVISOR, user_id=None, username="sup")
PICKER = make_actor(Role.WAREHOUSE, username="picker")
OTHER_PICKER = make_actor(Role.WAREHOUSE, username="picker2")

_n = itertools.count(1)


def floor_warehouse(session, code: str, bins: int = 4, country: str = "DE") -> Warehouse:
    wh = Warehouse(code=code, name=code, country_code=country, categories="")
    session.add(wh)
    session.flush()
    for i in range(bins):
        # Walk order is the reverse of the codes, so tests see it is the sequence that counts.
        session.add(Bin(warehouse_id=wh.id, code=f"{code}-{i:02d}", pick_sequence=100 - i))
    for i in range(6):
        session.add(Tote(code=f"T{code}{i}", warehouse_id=wh.id, active=True))
    session.flush()
    return wh


def bin_of(session, wh: Warehouse, index: int) -> Bin:
    from sqlalchemy import select

    return session.scalar(
        select(Bin).where(Bin.warehouse_id == wh.id, Bin.code == f"{wh.code}-{index:02d}")
    )


def put(session, product: Product, wh: Warehouse, bin_index: int, units: int, day: int = 1):
    quant = StockQuant(
        product_id=product.id,
        warehouse_id=wh.id,
        bin_id=bin_of(session, wh, bin_index).id,
        on_hand=units,
        reserved=0,
        received_date=dt.date(2026, 1, day),
    )
    session.add(quant)
    session.flush()
    return quant


def item(session, **fields) -> Product:
    n = next(_n)
    return b.product(session, stock=0, sku=fields.pop("sku", f"P-{n:04d}"),
                     barcode=fields.pop("barcode", f"40000000{n:05d}"), **fields)  # fmt: skip


def assert_invariants(db) -> None:
    with db.unit_of_work() as uow:
        assert check_stock(uow.session) == []


@pytest.fixture
def floor(db):
    with db.unit_of_work() as uow:
        s = uow.session
        ber = floor_warehouse(s, "BER")
        par = floor_warehouse(s, "PAR", country="FR")
        kettle = item(s, name="Kettle 烧水壶")
        lamp = item(s, fragile=True)
        put(s, kettle, ber, 0, 3, day=5)
        put(s, kettle, ber, 1, 3, day=2)
        put(s, lamp, par, 2, 4)
        uow.commit()
        return {"ber": ber.id, "par": par.id, "kettle": kettle, "lamp": lamp}
