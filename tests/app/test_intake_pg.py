"""Intake on PostgreSQL: the COPY/staging path, and two desks importing at once.

Runs when ORDERDESK_TEST_PG_URL names a server where databases may be created (``.ci/run``
sets it); each test gets its own throwaway database.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.database import Database, open_database, upgrade_database
from app.intake import ImportSummary, import_file
from db.models import IntakeConflict, Order, OrderLine
from tests.pg.conftest import PG_URL_ENV, create_throwaway_database, drop_throwaway_database

FIXTURES = Path(__file__).parent / "formats" / "fixtures"
REPORT = FIXTURES / "amazon_orders_report.txt"


@pytest.fixture
def pg_db() -> Iterator[Database]:
    server = os.environ.get(PG_URL_ENV)
    if not server:
        pytest.skip(f"{PG_URL_ENV} is not set: PostgreSQL tests need a server")
    url = create_throwaway_database(server)
    database = open_database(url, check_schema=False)
    upgrade_database(database)
    yield database
    database.dispose()
    drop_throwaway_database(server, url)


def count(db: Database, model) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def test_import_reimport_and_conflict_on_postgresql(pg_db, admin, tmp_path):
    first = import_file(pg_db, admin, REPORT)
    assert (first.new_orders, count(pg_db, OrderLine)) == (3, 4)
    assert import_file(pg_db, admin, REPORT).already_present == 3
    # The channel's later word: a new postcode is applied (rows locked, updated in bulk) …
    changed = tmp_path / "changed.txt"
    changed.write_text(REPORT.read_text(encoding="utf-8").replace("E1 6AN", "E2 7AA"))
    summary = import_file(pg_db, admin, changed)
    assert (summary.channel_updates, summary.conflicts) == (1, 0)
    with pg_db.unit_of_work() as uow:
        postcodes = set(uow.session.scalars(select(Order.ship_postal_code)))
    assert "E2 7AA" in postcodes and "E1 6AN" not in postcodes
    assert import_file(pg_db, admin, changed).already_present == 3
    # … other items are not: a conflict for review.
    text = changed.read_text(encoding="utf-8").splitlines()
    row = text[3].split("\t")
    row[9] = "5"  # quantity-purchased of the one-row order
    changed.write_text("\n".join([*text[:3], "\t".join(row), *text[4:]]) + "\n")
    assert import_file(pg_db, admin, changed).conflicts == 1
    assert count(pg_db, IntakeConflict) == 1 and count(pg_db, Order) == 3


def test_two_desks_importing_the_same_file_at_once_make_each_order_once(pg_db, admin):
    start = threading.Barrier(2)
    results: list[ImportSummary] = []
    errors: list[BaseException] = []

    def desk() -> None:
        database = open_database(str(pg_db.url.render_as_string(hide_password=False)))
        try:
            start.wait()
            results.append(import_file(database, admin, REPORT, batch_orders=1))
        except BaseException as error:  # reported below, on the test's thread
            errors.append(error)
        finally:
            database.dispose()

    threads = [threading.Thread(target=desk) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(r.new_orders for r in results) == 3
    assert sum(r.already_present for r in results) == 3
    assert count(pg_db, Order) == 3 and count(pg_db, OrderLine) == 4


def test_a_file_read_in_a_worker_process_imports_once_on_postgresql(
    pg_db, admin, tmp_path, monkeypatch
):
    import app.intake.readers as intake
    from app.intake.bench import write_report

    monkeypatch.setattr(intake, "WORKER_FROM_UNITS", 0)  # the worker even for a small file
    path = tmp_path / "orders.txt"
    write_report(path, 400)
    first = import_file(pg_db, admin, path, batch_orders=25)
    assert first.new_orders == count(pg_db, Order) > 150
    assert count(pg_db, OrderLine) == 400
    again = import_file(pg_db, admin, path, batch_orders=25)
    assert (again.new_orders, again.already_present) == (0, first.new_orders)
