"""0033_task_texts on PostgreSQL: stored task texts get their code and values (JSON)."""

from __future__ import annotations

from app.database import open_database, upgrade_database
from tests.app.review.test_task_text import check_migrated, old_rows_migrated


def test_the_task_text_migration_recognises_old_rows_on_postgresql(empty_pg_url):
    database = open_database(empty_pg_url, check_schema=False)
    try:
        upgrade_database(database)
        check_migrated(old_rows_migrated(database))
    finally:
        database.dispose()
