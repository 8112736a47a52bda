"""The per-process copy of the carrier tables: read once, read again when old or forgotten,
never shared between two databases."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from app.database import open_database
from app.shipping import carrier_table as ct
from app.shipping.queries import carrier_of_service, service_options
from db.models_shipping import CarrierService


@pytest.fixture(autouse=True)
def _fresh():
    ct.forget_carrier_tables()
    yield
    ct.forget_carrier_tables()


def _retire_own_fleet_local(db) -> int:
    with db.unit_of_work() as uow:
        service_id = next(
            o.service_id
            for o in service_options(uow.session)
            if (o.carrier_code, o.service_code) == ("own_fleet", "local")
        )
        uow.session.execute(
            update(CarrierService).where(CarrierService.id == service_id).values(active=False)
        )
        uow.commit()
    return service_id


def _offered(db) -> set[int]:
    with db.unit_of_work() as uow:
        return {option.service_id for option in service_options(uow.session)}


def test_an_edit_is_seen_once_the_copy_is_forgotten(db):
    retired = _retire_own_fleet_local(db)
    assert retired in _offered(db)  # the copy read before the edit, within its minute
    ct.forget_carrier_tables()
    assert retired not in _offered(db)
    with db.unit_of_work() as uow:  # a parcel that has it still names it
        carrier, service = carrier_of_service(uow.session, retired)
    assert (carrier.code, service.code, service.active) == ("own_fleet", "local", False)


def test_a_copy_older_than_its_limit_is_read_again(db, monkeypatch):
    retired = _retire_own_fleet_local(db)
    now = ct.time.monotonic()
    monkeypatch.setattr(ct.time, "monotonic", lambda: now + ct.MAX_AGE_S + 1)
    assert retired not in _offered(db)


def test_two_databases_keep_their_own_copies(db, tmp_path):
    retired = _retire_own_fleet_local(db)
    ct.forget_carrier_tables()
    other = open_database(f"sqlite:///{tmp_path / 'other.sqlite'}")
    try:
        assert retired not in _offered(db)
        with other.unit_of_work() as uow:
            services = {(o.carrier_code, o.service_code) for o in service_options(uow.session)}
        assert ("own_fleet", "local") in services
    finally:
        other.dispose()


def test_no_service_chosen_is_no_carrier(db):
    with db.unit_of_work() as uow:
        assert carrier_of_service(uow.session, None) == (None, None)
        assert carrier_of_service(uow.session, 999_999) == (None, None)
