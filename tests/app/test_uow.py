"""A unit of work: committed together or not at all, Core statements included."""

from __future__ import annotations

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from app.audit.service import record_event
from app.demo.generate import within_transaction
from app.permissions import Actor, Role
from app.prepared import Prepared
from db.models import AuditEvent, Warehouse

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


# ------------------------------------------------------------ the unit's session (UnitSession)

_RENAME = Prepared(
    update(_TABLE).where(_TABLE.c.code == bindparam("b_code")).values(name=bindparam("b_name"))
)
_ACTOR = Actor(user_id=None, username="tester", roles=frozenset({Role.ADMIN.value}))


def _events(db, action: str) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
        )


def _rename_and_record(uow, name: str, action: str) -> None:
    _RENAME.rowcount(uow.session, {"b_code": "W1", "b_name": name})
    record_event(uow.session, _ACTOR, entity_type="warehouse", entity_id=1, action=action)


def test_prepared_statements_and_events_commit_without_an_orm_session(db):
    _warehouse(db)
    with db.unit_of_work() as uow:
        _rename_and_record(uow, "Lean", "lean")
        uow.commit()
        assert uow.session._orm is None  # the ORM's bookkeeping was never paid for
    assert _name(db) == "Lean"
    assert _events(db, "lean") == 1


def test_an_uncommitted_unit_keeps_neither_its_statements_nor_its_events(db):
    _warehouse(db)
    with db.unit_of_work() as uow:
        _rename_and_record(uow, "Dropped", "dropped")
    assert _name(db) == "Old"
    assert _events(db, "dropped") == 0
    with db.unit_of_work() as uow:
        _rename_and_record(uow, "Rolled back", "rolled_back")
        uow.rollback()
        uow.commit()  # nothing is left to commit
    assert _name(db) == "Old"
    assert _events(db, "rolled_back") == 0


def test_orm_work_joins_the_same_transaction_and_events_recorded_before_it(db):
    _warehouse(db)
    with db.unit_of_work() as uow:
        _rename_and_record(uow, "Both", "before_orm")
        uow.session.add(Warehouse(code="W2", name="Second", country_code="DE", categories=""))
        record_event(uow.session, _ACTOR, entity_type="warehouse", entity_id=2, action="after_orm")
        # the ORM reads what the prepared statement wrote: one transaction
        assert uow.session.scalar(select(Warehouse.name).where(Warehouse.code == "W1")) == "Both"
        uow.commit()
    assert _name(db) == "Both"
    assert (_events(db, "before_orm"), _events(db, "after_orm")) == (1, 1)
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Warehouse)) == 2
    with db.unit_of_work() as uow:
        _rename_and_record(uow, "Gone", "gone")
        uow.session.add(Warehouse(code="W3", name="Third", country_code="DE", categories=""))
        uow.flush()
    assert _name(db) == "Both"
    assert _events(db, "gone") == 0


def test_session_commit_commits_the_whole_unit(db):
    # Callers that commit the session rather than the unit lose nothing.
    _warehouse(db)
    with db.unit_of_work() as uow:
        uow.session.get(Warehouse, 1)
        _rename_and_record(uow, "Committed", "session_commit")
        uow.session.commit()
    assert _name(db) == "Committed"
    assert _events(db, "session_commit") == 1


def test_the_unit_reads_on_after_its_commit_and_gives_its_connection_back(db):
    _warehouse(db)
    with db.unit_of_work() as uow:
        _rename_and_record(uow, "First", "first")
        uow.commit()
        assert uow.session.scalar(select(Warehouse.name)) == "First"
        _rename_and_record(uow, "Second", "second")
        uow.commit()
    assert _name(db) == "Second"
    assert (_events(db, "first"), _events(db, "second")) == (1, 1)
    assert db.engine.pool.checkedout() == 0


def test_asking_whether_it_is_a_unit_of_work_makes_no_orm_session(db):
    with db.unit_of_work() as uow:
        assert getattr(uow.session, "session", None) is None
        assert uow.session.get_bind() is db.engine  # per-database caches key on it
        assert uow.session._orm is None


def test_a_factory_bound_to_a_connection_hands_out_its_own_sessions(db):
    # The demo's load: every unit a savepoint of one outer transaction.
    with db.engine.connect() as connection, connection.begin():
        inner = within_transaction(db, connection)
        with inner.unit_of_work() as uow:
            assert isinstance(uow.session, Session)
