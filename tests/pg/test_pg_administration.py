"""Administration at several desks at once on PostgreSQL: serialised by an advisory lock."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.database import administration_lock, open_database, upgrade_database
from app.errors import AnotherDeskIsUpgrading
from db import schema
from db.models import Customer, User
from tests.app.test_administration import orderdesk, run_at_once


def test_three_db_upgrades_of_an_empty_database_at_once_all_succeed(empty_pg_url):
    results = run_at_once(*[orderdesk("db", "upgrade", "--db", empty_pg_url) for _ in range(3)])
    assert [(r.returncode, r.stderr) for r in results] == [(0, "")] * 3
    assert sum("upgraded from empty" in r.stdout for r in results) == 1
    database = open_database(empty_pg_url)
    try:
        with database.engine.connect() as connection:
            assert schema.database_revision(connection) == schema.head_revision()
    finally:
        database.dispose()


def test_two_demos_if_empty_at_once_load_one_demo(empty_pg_url):
    database = open_database(empty_pg_url, check_schema=False)
    upgrade_database(database)
    demo = orderdesk("demo", "--if-empty", "--orders", "20", "--db", empty_pg_url)
    results = run_at_once(demo, demo)
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-600:] for r in results]
    assert all("Traceback" not in r.stderr for r in results)
    assert sorted("already holds data" in r.stdout for r in results) == [False, True]
    try:
        with database.unit_of_work() as uow:
            assert uow.session.scalar(select(func.count()).select_from(User)) == 5
            assert uow.session.scalar(select(func.count()).select_from(Customer)) >= 2000
    finally:
        database.dispose()


def test_the_lock_is_held_by_one_desk_at_a_time_and_a_late_one_is_told(pg):
    other = open_database(str(pg.url.render_as_string(hide_password=False)))
    entered = threading.Event()
    release = threading.Event()

    def holder() -> None:
        with administration_lock(pg):
            entered.set()
            release.wait(10)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert entered.wait(10)
        try:
            with administration_lock(other, wait_s=0.3):
                raise AssertionError("two desks held the administration lock at once")
        except AnotherDeskIsUpgrading as error:
            assert "Another desk is upgrading" in error.message
    finally:
        release.set()
        thread.join()
    with administration_lock(other, wait_s=5):
        pass  # free again once the first desk is done
    other.dispose()
