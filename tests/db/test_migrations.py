"""The migrations build exactly the schema the models describe, and keep evidence immutable."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DatabaseError as SADatabaseError

from app.audit import verify_chain
from app.audit.service import write_chained
from db import schema
from db.engine import make_engine
from tests.support.schema import schema_differences


def test_migrated_sqlite_schema_equals_the_models(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    assert schema_differences(engine) == []


def test_expression_indexes_for_customer_search_exist(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    with engine.connect() as connection:
        names = set(connection.scalars(text("SELECT name FROM sqlite_master WHERE type='index'")))
    assert {"ix_customers_name_lower", "uq_customers_email_lower"} <= names


def test_downgrade_to_base_removes_every_table(tmp_path):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    command.downgrade(schema.alembic_config(engine), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}


def test_audit_events_cannot_be_changed_or_deleted(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    with engine.begin() as connection:
        write_chained(connection, [_event_row()])
    for statement in ("UPDATE audit_events SET reason = 'edited'", "DELETE FROM audit_events"):
        with pytest.raises(SADatabaseError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT reason FROM audit_events")) == ""


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    with engine.connect() as connection:
        assert connection.scalar(text("PRAGMA journal_mode")) == "wal"
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
        assert connection.scalar(text("PRAGMA busy_timeout")) >= 5000


def test_rebuilding_orders_for_leaner_indexes_keeps_every_order_and_what_hangs_on_it(tmp_path):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    command.upgrade(schema.alembic_config(engine), "0003_review")
    with engine.begin() as connection:
        for statement in (
            "INSERT INTO warehouses VALUES (1, 'W1', 'Main', 'DE', '', '')",
            "INSERT INTO orders (id, channel, channel_order_id, status, priority,"
            " requested_service, currency, subtotal_cents, shipping_cents, tax_cents,"
            " discount_cents, total_cents, ship_name, ship_line1, ship_line2, ship_line3,"
            " ship_city, ship_region, ship_postal_code, ship_country, received_at,"
            " status_changed_at, version) VALUES (7, 'shop', 'SHOP-BER-000001', 'received', 0,"
            " 'standard', 'EUR', 100, 0, 0, 0, 100, '', '', '', '', '', '', '', '',"
            " '2026-01-01', '2026-01-01', 1)",
            "INSERT INTO order_lines VALUES (1, 7, 1, NULL, 'X', '', NULL, 1, 100, 100, 0, 0)",
            "INSERT INTO payments (id, order_id, method, status, amount_cents, currency)"
            " VALUES (1, 7, 'cash', 'captured', 100, 'EUR')",
            "INSERT INTO shipments (id, order_id, warehouse_id, status, created_at,"
            " status_changed_at, version) VALUES (1, 7, 1, 'pending', '2026-01-01',"
            " '2026-01-01', 1)",
        ):
            connection.execute(text(statement))

    schema.upgrade(engine)

    with engine.connect() as connection:
        counts = [
            connection.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("orders", "order_lines", "payments", "shipments")
        ]
        assert counts == [1, 1, 1, 1]
        assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        assert connection.scalar(text("PRAGMA foreign_keys")) == 1
    assert schema_differences(engine) == []
    # The rebuilt table still refuses a second order with the same id from the same channel,
    # and still checks its totals.
    copy = (
        "INSERT INTO orders (channel, channel_order_id, currency, status, priority,"
        " requested_service, subtotal_cents, shipping_cents, tax_cents, discount_cents,"
        " total_cents, ship_name, ship_line1, ship_line2, ship_line3, ship_city, ship_region,"
        " ship_postal_code, ship_country, received_at, status_changed_at, version)"
        " SELECT channel, {channel_order_id}, currency, status, priority, requested_service,"
        " subtotal_cents, shipping_cents, tax_cents, discount_cents, {total}, ship_name,"
        " ship_line1, ship_line2, ship_line3, ship_city, ship_region, ship_postal_code,"
        " ship_country, received_at, status_changed_at, version FROM orders"
    )
    for changed, refusal in (
        ({"channel_order_id": "channel_order_id", "total": "total_cents"}, "UNIQUE"),
        ({"channel_order_id": "'SHOP-BER-000002'", "total": "-1"}, "CHECK"),
    ):
        with pytest.raises(SADatabaseError, match=refusal), engine.begin() as connection:
            connection.execute(text(copy.format(**changed)))


def _event_row(**changes) -> dict:
    row = {
        "at": dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC),
        "actor_id": None,
        "actor_name": "x",
        "entity_type": "order",
        "entity_id": 1,
        "action": "status",
        "from_state": "received",
        "to_state": "approved",
        "reason": "",
        "detail": None,
    }
    return row | changes


@pytest.mark.parametrize("table", ["audit_events", "stock_moves"])
def test_insert_or_replace_cannot_rewrite_an_append_only_row_on_sqlite(tmp_path, table):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    schema.upgrade(engine)
    with engine.begin() as connection:
        if table == "audit_events":
            write_chained(connection, [_event_row(reason="kept")])
        else:
            connection.exec_driver_sql(
                "INSERT INTO warehouses VALUES (1, 'W1', 'Main', 'DE', '', '')"
            )
            connection.exec_driver_sql(
                "INSERT INTO products (id, sku, name, spec, model, category, price_cents,"
                " currency, weight_g, fragile, high_value, active)"
                " VALUES (1, 'X', 'X', '', '', 'c', 1, 'EUR', 1, 0, 0, 1)"
            )
            connection.exec_driver_sql(
                "INSERT INTO stock_moves (id, at, product_id, warehouse_id, quantity, kind,"
                " reason) VALUES (1, '2026-01-01 00:00:00.000000', 1, 1, 5, 'receipt', 'kept')"
            )
    columns = {
        "audit_events": "(id, at, actor_name, entity_type, entity_id, action, reason,"
        " prev_hash, hash) VALUES (1, '2026-01-01 00:00:00.000000', 'x', 'order', 1, 'status',"
        " 'forged', '', '')",
        "stock_moves": "(id, at, product_id, warehouse_id, quantity, kind, reason) VALUES"
        " (1, '2026-01-01 00:00:00.000000', 1, 1, 500, 'receipt', 'forged')",
    }[table]
    for verb in ("INSERT OR REPLACE", "REPLACE"):
        with pytest.raises(SADatabaseError, match="may not be replaced"), engine.begin() as c:
            c.exec_driver_sql(f"{verb} INTO {table} {columns}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql(f"SELECT reason FROM {table}").scalar() == "kept"


def test_the_chain_migration_chains_the_events_already_stored_in_id_order(tmp_path):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    command.upgrade(schema.alembic_config(engine), "0004_leaner_indexes")
    with engine.begin() as connection:
        for event_id, detail in ((3, '{"file": "a.txt"}'), (7, None), (8, "null")):
            connection.exec_driver_sql(
                "INSERT INTO audit_events (id, at, actor_name, entity_type, entity_id, action,"
                " reason, detail) VALUES (?, '2026-01-01 10:00:00.000000', 'cli:x', 'order', 1,"
                " 'imported', '', ?)",
                (event_id, detail),
            )
    schema.upgrade(engine)
    with engine.connect() as connection:
        report = verify_chain(connection)
    assert report.intact and report.count == 3 and report.head_id == 8
    with engine.begin() as connection:  # the chain goes on from there
        write_chained(connection, [_event_row()])
    with engine.connect() as connection:
        report = verify_chain(connection)
    assert report.intact and report.count == 4 and report.head_id == 9


def test_languages_migration_splits_chinese_customers_by_address_and_adds_user_language(
    tmp_path,
):
    from alembic import command

    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite'}")
    config = schema.alembic_config(engine)
    command.upgrade(config, "0004_leaner_indexes")
    customers = [  # id, language, address country (None: no address)
        (1, "zh", "TW"),
        (2, "zh", "HK"),
        (3, "zh", "CN"),
        (4, "zh", None),
        (5, "zh-TW", "US"),
        (6, "de", "DE"),
        (7, "ZH", "mo"),
    ]
    with engine.begin() as connection:
        for customer_id, language, country in customers:
            connection.execute(
                text(
                    "INSERT INTO customers (id, name, status, language, created_at, version) "
                    "VALUES (:id, 'c', 'active', :language, '2026-01-01 00:00:00', 1)"
                ),
                {"id": customer_id, "language": language},
            )
            if country:
                connection.execute(
                    text(
                        "INSERT INTO addresses (customer_id, recipient, line1, line2, line3, "
                        "city, region, postal_code, country_code, is_default) "
                        "VALUES (:id, '', '', '', '', '', '', '', :country, 1)"
                    ),
                    {"id": customer_id, "country": country},
                )
    command.upgrade(config, "0010_languages")
    with engine.connect() as connection:
        languages = dict(connection.execute(text("SELECT id, language FROM customers")).all())
        columns = {c["name"] for c in inspect(connection).get_columns("users")}
    assert languages == {
        1: "zh_TW", 2: "zh_TW", 3: "zh_CN", 4: "zh_CN", 5: "zh_TW", 6: "de", 7: "zh_TW"
    }  # fmt: skip
    assert "language" in columns
    command.downgrade(config, "0004_leaner_indexes")
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT language FROM customers WHERE id = 1")) == "zh"
