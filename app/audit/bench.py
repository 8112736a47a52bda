"""``orderdesk bench txn --n N``: the fixed cost of one desk transaction, N of each kind.

Every pick and pack scan is its own unit of work with its audit event, so this floor
bounds how many scans a second the desks can book (issue #12: ~2,000 a second).

Figures, each N transactions in a row, measured in CPU time of this process (the machine's
other load does not count; a PostgreSQL server's own work does not either), with the CPU
microseconds per transaction as ``us_per_txn``:

* ``empty`` -- a unit of work that commits nothing;
* ``one_event`` -- one ``record_event`` and the commit that chains it (target on SQLite
  ≤ 120 µs);
* ``update_and_event`` -- one Core ``UPDATE`` through ``uow.connection`` and one event
  (target on SQLite ≤ 200 µs), what a scan's booking costs at least;
* ``orm_update_and_event`` -- the same update through ``session.execute(update(Model))``
  (the ORM's path), for comparison.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import bindparam, select, update

from app.audit.service import record_event
from app.bench import BenchResult
from app.database import Database, open_database
from app.permissions import Actor, Role
from app.uow import UnitOfWork
from db.models import Warehouse

BENCH_ACTOR = Actor(user_id=None, username="bench", roles=frozenset({Role.ADMIN.value}))
BENCH_WAREHOUSE = "BENCHTXN"
TARGET_US = {"one_event": 120.0, "update_and_event": 200.0}
_WARM_UP = 50

_TABLE = Warehouse.__table__
_CORE_UPDATE = (
    update(_TABLE).where(_TABLE.c.code == bindparam("b_code")).values(name=bindparam("b_name"))
)
_ORM_UPDATE = (
    update(Warehouse).where(Warehouse.code == bindparam("b_code")).values(name=bindparam("b_name"))
)


def _event(uow: UnitOfWork) -> None:
    record_event(
        uow.session, BENCH_ACTOR, entity_type="warehouse", entity_id=0, action="bench",
        detail={"bench": "txn"},
    )  # fmt: skip


def _core_update_and_event(uow: UnitOfWork, i: int) -> None:
    uow.connection.execute(_CORE_UPDATE, {"b_code": BENCH_WAREHOUSE, "b_name": f"Bench {i}"})
    _event(uow)


def _orm_update_and_event(uow: UnitOfWork, i: int) -> None:
    uow.session.execute(_ORM_UPDATE, {"b_code": BENCH_WAREHOUSE, "b_name": f"Bench {i}"})
    _event(uow)


FIGURES: dict[str, Callable[[UnitOfWork, int], None]] = {
    "empty": lambda uow, i: None,
    "one_event": lambda uow, i: _event(uow),
    "update_and_event": _core_update_and_event,
    "orm_update_and_event": _orm_update_and_event,
}


def _cpu_seconds(database: Database, work: Callable[[UnitOfWork, int], None], n: int) -> float:
    start = time.process_time()
    for i in range(n):
        with database.unit_of_work() as uow:
            work(uow, i)
            uow.commit()
    return time.process_time() - start


def _ensure_warehouse(database: Database) -> None:
    with database.unit_of_work() as uow:
        found = uow.session.scalar(select(Warehouse.id).where(Warehouse.code == BENCH_WAREHOUSE))
        if found is None:
            uow.session.add(
                Warehouse(code=BENCH_WAREHOUSE, name="Bench", country_code="DE", categories="")
            )
            uow.commit()


def bench_txn(n: int, url: str) -> list[BenchResult]:
    database = open_database(url)
    try:
        _ensure_warehouse(database)
        results = []
        for figure, work in FIGURES.items():
            _cpu_seconds(database, work, _WARM_UP)
            seconds = _cpu_seconds(database, work, n)
            # The targets are SQLite's (a desk's own file); PostgreSQL adds its round trips.
            target = TARGET_US.get(figure) if database.dialect == "sqlite" else None
            results.append(
                BenchResult(
                    "txn",
                    n,
                    seconds,
                    database.dialect,
                    figure=figure,
                    target_seconds=None if target is None else n * target / 1e6,
                    extra={"us_per_txn": round(seconds / n * 1e6, 1), "clock": "cpu"},
                )
            )
        return results
    finally:
        database.dispose()
