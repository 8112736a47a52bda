"""A unit of work: committed together or not at all, Core statements included."""

from __future__ import annotations

from sqlalchemy import select, update

from db.models import Warehouse

_TABLE = Warehouse.__table__


def _name(db) -> str:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(Warehouse.name).where(Warehouse.code == "W1"))


def _warehouse(db) -> None:
    with db.unit_of_work() as uow:
        uow.session.add(Warehouse(code="W1", name="Old", country_code="DE", categories=""))
        uow.commit()


def test_a_core_statement_on_the_units_connection_is_kept_only_when_it_commits(db):
    _warehouse(db)
    rename = update(_TABLE).where(_TABLE.c.code == "W1")
    with db.unit_of_work() as uow:
        uow.connection.execute(rename.values(name="Dropped"))
        assert uow.session.scalar(select(Warehouse.name)) == "Dropped"  # same transaction
    assert _name(db) == "Old"
    with db.unit_of_work() as uow:
        uow.connection.execute(rename.values(name="New"))
        uow.commit()
    assert _name(db) == "New"


def test_the_units_connection_is_the_sessions_own(db):
    with db.unit_of_work() as uow:
        assert uow.connection is uow.session.connection()
