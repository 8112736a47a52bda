"""The demo data set: repeatable, realistic, inside the workflow's rules, and safe."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import sqlite3
from collections import Counter, defaultdict

import phonenumbers
import pytest
from sqlalchemy import func, inspect, select, text

from app.auth import verify_password
from app.database import Database, open_database
from app.demo import (
    PROBLEM_KINDS,
    DemoAlreadyPresent,
    DemoResult,
    demo_reference_time,
    ean13_check_digit,
    generate_demo,
    is_valid_ean13,
    plan_orders,
    received_times,
)
from app.permissions import Role
from app.workflow import ORDER_TRANSITIONS, SHIPMENT_TRANSITIONS, OrderStatus, ShipmentStatus
from db.models import Order

REFERENCE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
ORDERS = 400
SEED = 7

_CJK = re.compile(r"[\u4e00-\u9fff]")
_CARD_NUMBER_LIKE = re.compile(r"\d{12,}")


def _demo(database: Database, orders: int = ORDERS, seed: int = SEED) -> DemoResult:
    return generate_demo(database, orders=orders, seed=seed, reference_time=REFERENCE)


def _rows(database: Database, sql: str, **params) -> list:
    with database.engine.connect() as connection:
        return list(connection.execute(text(sql), params))


def _table_names(database: Database) -> list[str]:
    return sorted(
        name
        for name in inspect(database.engine).get_table_names()
        # The search index (FTS5 and its shadow tables) repeats customers' search keys.
        if name != "alembic_version" and not name.startswith("customer_search_fts")
    )


def _dump(database: Database, *, leave_out: dict[str, set[str]] | None = None) -> dict:
    """Every row of every table, ordered, without the named columns."""
    leave_out = leave_out or {}
    dump = {}
    with database.engine.connect() as connection:
        for name in _table_names(database):
            columns = [
                column["name"]
                for column in inspect(database.engine).get_columns(name)
                if column["name"] not in leave_out.get(name, set())
            ]
            quoted = ", ".join(f'"{column}"' for column in columns)
            rows = connection.execute(text(f'SELECT {quoted} FROM "{name}" ORDER BY 1, 2'))
            dump[name] = [tuple(row) for row in rows]
    return dump


@pytest.fixture
def demo(db: Database) -> tuple[Database, DemoResult]:
    return db, _demo(db)


# --------------------------------------------------------------------------- repeatable


def test_the_same_seed_gives_the_same_rows_except_passwords(tmp_path):
    dumps = []
    for run in ("first", "second"):
        database = open_database(f"sqlite:///{tmp_path / run}.sqlite")
        try:
            _demo(database, orders=250)
            dumps.append(_dump(database, leave_out={"users": {"password_hash"}}))
        finally:
            database.dispose()
    assert sum(len(rows) for rows in dumps[0].values()) > 2000
    assert dumps[0] == dumps[1]


def test_the_rows_are_the_same_whether_a_worker_process_makes_them_or_not(tmp_path):
    dumps = []
    for in_worker in (False, True):
        database = open_database(f"sqlite:///{tmp_path / str(in_worker)}.sqlite")
        try:
            generate_demo(
                database, orders=250, seed=SEED, reference_time=REFERENCE, in_worker=in_worker
            )
            dumps.append(_dump(database, leave_out={"users": {"password_hash"}}))
        finally:
            database.dispose()
    assert sum(len(rows) for rows in dumps[0].values()) > 2000
    assert dumps[0] == dumps[1]


def test_another_seed_gives_other_orders(tmp_path):
    channel_order_ids = []
    for seed in (1, 2):
        database = open_database(f"sqlite:///{tmp_path / str(seed)}.sqlite")
        try:
            _demo(database, orders=100, seed=seed)
            rows = _rows(database, "SELECT channel_order_id FROM orders ORDER BY id")
            channel_order_ids.append([row[0] for row in rows])
        finally:
            database.dispose()
    assert channel_order_ids[0] != channel_order_ids[1]


def test_the_reference_time_is_midnight_utc_of_the_day():
    assert demo_reference_time(dt.date(2026, 3, 9)) == dt.datetime(2026, 3, 9, tzinfo=dt.UTC)


def test_orders_fall_in_the_half_year_before_the_reference_time(demo):
    database, _ = demo
    first, last = _rows(database, "SELECT min(received_at), max(received_at) FROM orders")[0]
    assert first >= str(REFERENCE - dt.timedelta(days=183))[:19]
    assert last < str(REFERENCE)[:19]


# --------------------------------------------------------------------------- counts, people


def test_the_result_counts_what_was_written(demo):
    database, result = demo
    assert result.orders == ORDERS
    for table, count in (
        ("orders", result.orders),
        ("customers", result.customers),
        ("products", result.products),
        ("warehouses", result.warehouses),
    ):
        assert _rows(database, f"SELECT count(*) FROM {table}")[0][0] == count
    assert result.customers >= 500
    assert 300 <= result.products <= 500
    assert 3 <= result.warehouses <= 4


def test_there_is_one_demo_user_per_role_with_a_readable_scrypt_hashed_password(demo):
    database, result = demo
    assert sorted(user.role for user in result.users) == sorted(role.value for role in Role)
    stored = {
        username: (password_hash, role)
        for username, password_hash, role in _rows(
            database,
            "SELECT u.username, u.password_hash, r.name FROM users u "
            "JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id",
        )
    }
    for user in result.users:
        password_hash, role = stored[user.username]
        assert role == user.role
        assert len(user.password) >= 12
        assert password_hash.startswith("scrypt$")
        assert verify_password(user.password, password_hash)
        assert user.password not in repr(user)


def test_no_password_is_stored_anywhere(demo):
    database, result = demo
    passwords = [user.password for user in result.users]
    for name, rows in _dump(database).items():
        for row in rows:
            for value in row:
                if isinstance(value, str):
                    assert not any(password in value for password in passwords), name


def test_customers_include_chinese_names_with_chinese_addresses(demo):
    database, _ = demo
    chinese = _rows(
        database,
        "SELECT c.name, c.language, c.phone, a.region, a.city, a.line1, a.postal_code "
        "FROM customers c JOIN addresses a ON a.customer_id = c.id AND a.is_default "
        "WHERE a.country_code = 'CN'",
    )
    assert len(chinese) >= 20
    for name, language, phone, region, city, line1, postal_code in chinese:
        assert _CJK.search(name), name
        assert language == "zh_CN"  # the demo's Chinese customers live in China
        assert phone is None or phone.startswith("+86")
        assert region.endswith(("省", "市")) and city.endswith("市")
        assert line1.endswith("号")
        assert re.fullmatch(r"\d{6}", postal_code)


def test_customers_live_in_several_countries_with_valid_phones_and_postal_codes(demo):
    database, _ = demo
    postal_codes = {
        "DE": r"\d{5}",
        "FR": r"\d{5}",
        "IT": r"\d{5}",
        "ES": r"\d{5}",
        "US": r"\d{5}",
        "GB": r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}",
        "CN": r"\d{6}",
        "JP": r"\d{3}-\d{4}",
    }
    rows = _rows(
        database,
        "SELECT a.country_code, a.postal_code, c.phone, c.email FROM customers c "
        "JOIN addresses a ON a.customer_id = c.id",
    )
    assert {row[0] for row in rows} == set(postal_codes)
    for country, postal_code, phone, email in rows:
        assert re.fullmatch(postal_codes[country], postal_code), (country, postal_code)
        assert "@" in email
        if phone is not None:
            number = phonenumbers.parse(phone)
            assert phone.startswith("+") and phonenumbers.is_valid_number(number), phone
            assert phonenumbers.region_code_for_number(number) == country


def test_some_customers_are_in_arrears_frozen_or_banned(demo):
    database, _ = demo
    statuses = Counter(row[0] for row in _rows(database, "SELECT status FROM customers"))
    assert statuses["active"] > 0.9 * sum(statuses.values())
    for status in ("arrears", "frozen", "banned"):
        assert statuses[status] >= 2


# --------------------------------------------------------------------------- catalogue, stock


def test_ean13_check_digits_follow_gs1():
    assert ean13_check_digit("400638133393") == 1  # 4006381333931, a well-known example
    assert is_valid_ean13("9783161484100")
    assert not is_valid_ean13("9783161484101")


def _gs1_check_digit_is_right(code: str) -> bool:
    """Worked out here, not with the module's helper: weights 1 and 3 from the left."""
    total = sum(int(digit) * (1, 3)[position % 2] for position, digit in enumerate(code))
    return len(code) == 13 and code.isdigit() and total % 10 == 0


def test_every_product_has_a_valid_unique_ean13_barcode(demo):
    database, _ = demo
    barcodes = [row[0] for row in _rows(database, "SELECT barcode FROM products")]
    assert all(_gs1_check_digit_is_right(barcode) for barcode in barcodes)
    assert len(set(barcodes)) == len(barcodes)
    books = _rows(database, "SELECT barcode FROM products WHERE category = 'books'")
    assert books and all(barcode.startswith("978") for (barcode,) in books)


def test_products_span_categories_with_fragile_and_high_value_items(demo):
    database, _ = demo
    rows = _rows(
        database,
        "SELECT category, price_cents, weight_g, fragile, high_value, currency FROM products",
    )
    categories = {row[0] for row in rows}
    assert {"kitchen", "electronics", "toys", "books", "garden", "apparel", "beauty"} <= categories
    assert all(
        price > 0 and weight > 0 and currency == "EUR" for _, price, weight, *_, currency in rows
    )
    assert any(row[3] for row in rows if row[0] == "kitchen")
    assert all(row[4] for row in rows if row[0] == "electronics" and row[1] >= 25_000)
    assert any(row[4] for row in rows)


def test_warehouses_stock_their_own_categories_in_bins_walked_in_order(demo):
    database, _ = demo
    warehouses = _rows(database, "SELECT id, country_code, categories FROM warehouses")
    assert len({row[1] for row in warehouses}) == len(warehouses)
    stocked = {row[0]: set(row[2].split(",")) for row in warehouses}
    for warehouse_id, category in _rows(
        database,
        "SELECT q.warehouse_id, p.category FROM stock_quants q "
        "JOIN products p ON p.id = q.product_id",
    ):
        assert category in stocked[warehouse_id]
    for warehouse_id in stocked:
        codes = [
            code
            for (code,) in _rows(
                database,
                "SELECT code FROM bins WHERE warehouse_id = :w ORDER BY pick_sequence",
                w=warehouse_id,
            )
        ]
        assert all(re.fullmatch(r"[A-Z]-\d{2}-\d{2}", code) for code in codes)
        walk = [(code[0], int(code[2:4]), int(code[5:7])) for code in codes]
        for (zone, aisle, shelf), (next_zone, next_aisle, next_shelf) in itertools.pairwise(walk):
            assert (zone, aisle) <= (next_zone, next_aisle)
            if (zone, aisle) == (next_zone, next_aisle):
                assert abs(shelf - next_shelf) == 1  # along the shelves, no jumping back


def test_stock_is_kept_in_dated_lots_and_some_products_run_low_or_out(demo):
    database, _ = demo
    on_hand = dict(
        _rows(
            database,
            "SELECT p.id, coalesce(sum(q.on_hand - q.reserved), 0) FROM products p "
            "LEFT JOIN stock_quants q ON q.product_id = p.id GROUP BY p.id",
        )
    )
    assert sum(1 for units in on_hand.values() if units == 0) >= 2
    assert sum(1 for units in on_hand.values() if 0 < units < 5) >= 3
    lots = _rows(database, "SELECT count(DISTINCT received_date) FROM stock_quants")[0][0]
    assert lots > 50


def test_allocated_orders_hold_reserved_stock(demo):
    database, _ = demo
    held = _rows(
        database,
        "SELECT coalesce(sum(l.quantity), 0) FROM shipment_lines l "
        "JOIN shipments s ON s.id = l.shipment_id JOIN orders o ON o.id = s.order_id "
        "WHERE o.status = 'allocated'",
    )[0][0]
    reserved = _rows(database, "SELECT sum(reserved) FROM stock_quants")[0][0]
    assert held > 0
    assert reserved == held


# --------------------------------------------------------------------------- orders


# Only an order split into several shipments is partly shipped: the generator's orders have
# one shipment each; the shipping stage (app/demo/shipping.py) ships split orders part-way.
SPLIT_ONLY = {OrderStatus.PARTLY_SHIPPED}


def test_every_order_status_is_present(demo):
    database, _ = demo
    present = {row[0] for row in _rows(database, "SELECT DISTINCT status FROM orders")}
    assert present >= {status.value for status in OrderStatus if status not in SPLIT_ONLY}


def test_the_status_plan_covers_every_status_for_a_few_hundred_orders():
    import random

    rng = random.Random(3)
    now_s = int(REFERENCE.timestamp())
    plan = plan_orders(received_times(300, now_s, rng), now_s, rng)
    assert set(plan.statuses) == set(OrderStatus) - SPLIT_ONLY
    assert set(plan.problems.values()) == set(PROBLEM_KINDS)


def test_orders_come_from_every_channel_with_their_own_order_ids(demo):
    database, _ = demo
    ids = defaultdict(list)
    for channel, channel_order_id in _rows(
        database, "SELECT channel, channel_order_id FROM orders"
    ):
        ids[channel].append(channel_order_id)
    assert "amazon" in ids and "shop" in ids
    assert any(channel.startswith("partner:") for channel in ids)
    assert all(re.fullmatch(r"\d{3}-\d{7}-\d{7}", value) for value in ids["amazon"])
    assert all(re.fullmatch(r"SHOP-[A-Z]{3}-\d{6}", value) for value in ids["shop"])


def test_order_ids_increase_with_the_time_received(demo):
    database, _ = demo
    received = [row[0] for row in _rows(database, "SELECT received_at FROM orders ORDER BY id")]
    assert received == sorted(received)


def test_totals_add_up(demo):
    database, _ = demo
    lines = _rows(
        database, "SELECT order_id, quantity, unit_price_cents, line_total_cents FROM order_lines"
    )
    subtotals: Counter[int] = Counter()
    for order_id, quantity, unit_price, line_total in lines:
        assert line_total == quantity * unit_price
        subtotals[order_id] += line_total
    orders = _rows(
        database,
        "SELECT id, subtotal_cents, shipping_cents, tax_cents, discount_cents, total_cents "
        "FROM orders",
    )
    for order_id, subtotal, shipping, tax, discount, total in orders:
        assert subtotal == subtotals[order_id]
        assert total == subtotal + shipping + tax - discount
    counts = Counter(row[0] for row in lines)
    assert set(counts.values()) <= {1, 2, 3, 4}


def test_stage_times_fit_the_status(demo):
    database, _ = demo
    stages = ("reviewed_at", "approved_at", "allocated_at", "shipped_at", "delivered_at")
    rows = _rows(
        database,
        "SELECT status, purchased_at, received_at, "
        + ", ".join(stages)
        + ", cancelled_at, status_changed_at FROM orders",
    )
    reached = {
        OrderStatus.RECEIVED: 0,
        OrderStatus.APPROVED: 2,
        OrderStatus.ALLOCATED: 3,
        OrderStatus.SHIPPED: 4,
        OrderStatus.DELIVERED: 5,
    }
    for status, purchased, received, *times, cancelled, changed in rows:
        assert purchased < received <= changed
        moments = [moment for moment in times if moment is not None]
        assert moments == sorted(moments) and all(received < moment for moment in moments)
        if status in reached:
            assert [moment is not None for moment in times] == [
                position < reached[status] for position in range(len(stages))
            ], status
        assert (cancelled is not None) == (status == OrderStatus.CANCELLED)


def test_times_read_back_through_the_orm_as_aware_utc_and_filter_like_them(demo):
    database, _ = demo
    cutoff = REFERENCE - dt.timedelta(days=30)
    with database.unit_of_work() as uow:
        orders = list(uow.session.scalars(select(Order)))
        recent = uow.session.scalar(
            select(func.count()).select_from(Order).where(Order.received_at >= cutoff)
        )
    assert all(order.received_at.tzinfo == dt.UTC for order in orders)
    assert all(order.received_at < REFERENCE for order in orders)
    assert recent == sum(1 for order in orders if order.received_at >= cutoff) > 0


def test_amazon_orders_have_a_ship_by_time_after_the_purchase(demo):
    database, _ = demo
    rows = _rows(database, "SELECT channel, purchased_at, ship_by_at FROM orders")
    for channel, purchased, ship_by in rows:
        assert (ship_by is not None) == (channel == "amazon")
        if ship_by is not None:
            assert ship_by > purchased


# --------------------------------------------------------------------------- payments


def test_no_full_card_number_is_stored_in_payments(demo):
    database, _ = demo
    rows = _dump(database)["payments"]
    assert rows
    for row in rows:
        for value in row:
            assert not _CARD_NUMBER_LIKE.search(str(value)), row
    cards = _rows(
        database,
        "SELECT card_brand, card_last4, card_exp_month, card_exp_year, processor_token "
        "FROM payments WHERE method = 'card'",
    )
    assert cards
    for brand, last4, month, year, token in cards:
        assert brand in {"visa", "mastercard", "amex"}
        assert re.fullmatch(r"\d{4}", last4) and 1 <= month <= 12 and year > 2000
        assert token.startswith("tok_")


def test_payments_use_every_method_and_some_fail_or_wait(demo):
    database, _ = demo
    methods = {row[0] for row in _rows(database, "SELECT DISTINCT method FROM payments")}
    assert methods == {"card", "cash", "bank_transfer", "marketplace"}
    statuses = {row[0] for row in _rows(database, "SELECT DISTINCT status FROM payments")}
    assert {"captured", "failed", "pending", "refunded"} <= statuses
    shop_only = _rows(
        database,
        "SELECT count(*) FROM payments p JOIN orders o ON o.id = p.order_id "
        "WHERE p.method IN ('cash', 'bank_transfer') AND o.channel != 'shop'",
    )
    assert shop_only[0][0] == 0


# --------------------------------------------------------------------------- shipments, audit

_SHIPMENT_STATUSES_BY_ORDER = {
    "allocated": {"pending", "picking", "picked", "packed"},
    "shipped": {"shipped", "in_transit", "delayed", "lost", "damaged"},
    "delivered": {"delivered"},
    "returned": {"returned"},
    "refunded": {"delivered", "returned"},
    "cancelled": {"cancelled"},
}


def test_shipments_fit_their_order_and_carry_tracking_once_shipped(demo):
    database, _ = demo
    rows = _rows(
        database,
        "SELECT o.status, s.status, s.carrier, s.tracking_number, s.shipped_at, "
        "(SELECT count(*) FROM shipment_lines l WHERE l.shipment_id = s.id) "
        "FROM shipments s JOIN orders o ON o.id = s.order_id",
    )
    assert rows
    for order_status, status, carrier, tracking, shipped_at, line_count in rows:
        assert status in _SHIPMENT_STATUSES_BY_ORDER[order_status], (order_status, status)
        assert carrier and line_count >= 1
        on_the_road = status not in {"pending", "picking", "picked", "packed", "cancelled"}
        assert (tracking is not None) == on_the_road == (shipped_at is not None)
    without = _rows(
        database,
        "SELECT count(*) FROM orders o WHERE o.status IN "
        "('allocated', 'shipped', 'delivered', 'returned', 'refunded') "
        "AND NOT EXISTS (SELECT 1 FROM shipments s WHERE s.order_id = o.id)",
    )
    assert without[0][0] == 0


def test_shipment_lines_cover_each_shipped_order_line_once(demo):
    database, _ = demo
    rows = _rows(
        database,
        "SELECT l.id, l.quantity, sum(sl.quantity), count(sl.id) FROM order_lines l "
        "JOIN shipment_lines sl ON sl.order_line_id = l.id GROUP BY l.id, l.quantity",
    )
    assert rows and all(quantity == shipped and count == 1 for _, quantity, shipped, count in rows)


def test_every_audited_transition_is_allowed_and_in_time_order(demo):
    database, _ = demo
    allowed = {"order": ORDER_TRANSITIONS, "shipment": SHIPMENT_TRANSITIONS}
    first_state = {"order": OrderStatus.RECEIVED, "shipment": ShipmentStatus.PENDING}
    current = {
        ("order", oid): status for oid, status in _rows(database, "SELECT id, status FROM orders")
    }
    current.update(
        {
            ("shipment", sid): status
            for sid, status in _rows(database, "SELECT id, status FROM shipments")
        }
    )
    events = _rows(
        database,
        "SELECT entity_type, entity_id, from_state, to_state, at, action, actor_id "
        "FROM audit_events ORDER BY id",
    )
    assert len(events) > 3 * ORDERS
    trail: dict[tuple[str, int], list] = defaultdict(list)
    for kind, entity_id, from_state, to_state, at, action, actor_id in events:
        assert action == "status" and actor_id is not None
        assert (from_state, to_state) in allowed[kind], (kind, from_state, to_state)
        trail[(kind, entity_id)].append((from_state, to_state, at))
    for key, steps in trail.items():
        assert steps[0][0] == first_state[key[0]]
        assert all(before[1] == after[0] for before, after in itertools.pairwise(steps))
        assert [at for *_, at in steps] == sorted(at for *_, at in steps)
        assert steps[-1][1] == current[key]
    never_moved = {key for key, status in current.items() if status == first_state[key[0]]}
    assert set(current) - set(trail) <= never_moved


def test_the_stage_times_are_those_of_the_audit_trail(demo):
    database, _ = demo
    rows = _rows(
        database,
        "SELECT o.id, o.approved_at, o.delivered_at, "
        "(SELECT min(at) FROM audit_events e WHERE e.entity_type = 'order' "
        " AND e.entity_id = o.id AND e.to_state = 'approved'), "
        "(SELECT min(at) FROM audit_events e WHERE e.entity_type = 'order' "
        " AND e.entity_id = o.id AND e.to_state = 'delivered') FROM orders o",
    )
    for _, approved_at, delivered_at, approved_event, delivered_event in rows:
        assert approved_at == approved_event
        assert delivered_at == delivered_event


# --------------------------------------------------------------------------- problems


def _received_problems(database: Database) -> dict[str, set[int]]:
    """Which received orders show each problem, found from the data alone."""
    found: dict[str, set[int]] = {}

    def ids(sql: str) -> set[int]:
        return {row[0] for row in _rows(database, sql)}

    received = "o.status = 'received'"
    found["missing_phone"] = ids(
        f"SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id "
        f"WHERE {received} AND o.ship_phone IS NULL AND c.phone IS NULL"
    )
    for status in ("arrears", "frozen", "banned"):
        found[f"customer_{status}"] = ids(
            f"SELECT o.id FROM orders o JOIN customers c ON c.id = o.customer_id "
            f"WHERE {received} AND c.status = '{status}'"
        )
    found["price_off_list"] = ids(
        f"SELECT o.id FROM orders o JOIN order_lines l ON l.order_id = o.id "
        f"JOIN products p ON p.id = l.product_id "
        f"WHERE {received} AND l.unit_price_cents != p.price_cents"
    )
    found["card_expired"] = ids(
        f"SELECT o.id FROM orders o JOIN payments p ON p.order_id = o.id "
        f"WHERE {received} AND p.method = 'card' AND p.card_exp_year * 12 + p.card_exp_month "
        "< CAST(strftime('%Y', o.purchased_at) AS INTEGER) * 12 "
        "+ CAST(strftime('%m', o.purchased_at) AS INTEGER)"
    )
    found["unknown_sku"] = ids(
        f"SELECT o.id FROM orders o JOIN order_lines l ON l.order_id = o.id "
        f"WHERE {received} AND l.product_id IS NULL"
    )
    found["incomplete_address"] = ids(
        f"SELECT o.id FROM orders o WHERE {received} "
        "AND (o.ship_line1 = '' OR o.ship_city = '' OR o.ship_postal_code = '')"
    )
    found["duplicate"] = ids(
        f"SELECT o.id FROM orders o JOIN orders t ON t.id = o.id - 1 "
        f"WHERE {received} AND t.customer_id = o.customer_id AND t.channel = o.channel "
        "AND t.ship_line1 = o.ship_line1 AND t.ship_postal_code = o.ship_postal_code "
        "AND t.channel_order_id != o.channel_order_id "
        "AND (SELECT group_concat(sku || 'x' || quantity) FROM "
        "     (SELECT sku, quantity FROM order_lines WHERE order_id = o.id ORDER BY line_no)) "
        "  = (SELECT group_concat(sku || 'x' || quantity) FROM "
        "     (SELECT sku, quantity FROM order_lines WHERE order_id = t.id ORDER BY line_no)) "
        "AND julianday(o.received_at) - julianday(t.received_at) < 1.0 / 24"
    )
    return found


def test_about_one_order_in_eleven_waits_in_received_with_a_planted_problem(demo):
    database, _ = demo
    found = _received_problems(database)
    assert set(found) == set(PROBLEM_KINDS)
    for kind, order_ids in found.items():
        assert order_ids, f"no {kind} order"
    with_a_problem = set().union(*found.values())
    assert 0.06 * ORDERS <= len(with_a_problem) <= 0.12 * ORDERS
    # Each problem order has exactly one problem; the twin of a duplicate is clean.
    assert sum(len(order_ids) for order_ids in found.values()) == len(with_a_problem)
    for kind, order_ids in found.items():
        customers = _rows(
            database,
            "SELECT count(DISTINCT customer_id) FROM orders WHERE id IN "
            f"({', '.join(map(str, order_ids))})",
        )[0][0]
        assert customers >= min(2, len(order_ids)), f"all {kind} orders from one customer"


def test_only_planted_duplicates_look_like_duplicates_to_the_review_desk(demo):
    """Same customer, items and ship-to within a day: the review desk's duplicate rule."""
    database, _ = demo
    items: dict[int, list] = defaultdict(list)
    for order_id, sku, quantity in _rows(
        database, "SELECT order_id, sku, quantity FROM order_lines ORDER BY order_id, line_no"
    ):
        items[order_id].append((sku, quantity))
    orders = _rows(
        database,
        "SELECT id, customer_id, ship_line1, ship_postal_code, purchased_at, status "
        "FROM orders ORDER BY id",
    )
    planted = _received_problems(database)["duplicate"]
    seen: dict[tuple, list] = defaultdict(list)
    for order_id, customer_id, line1, postal_code, purchased_at, status in orders:
        key = (customer_id, line1, postal_code, tuple(items[order_id]))
        placed = dt.datetime.fromisoformat(purchased_at)
        for other_id, other_placed, other_status in seen[key]:
            if placed - other_placed <= dt.timedelta(hours=24) and "received" in (
                status,
                other_status,
            ):
                assert order_id in planted and other_id == order_id - 1, (order_id, other_id)
        seen[key].append((order_id, placed, status))


def test_orders_other_than_the_planted_problems_look_clean(demo):
    database, _ = demo
    problems = set().union(*_received_problems(database).values())
    rows = _rows(
        database,
        "SELECT o.id, o.status, c.status, coalesce(o.ship_phone, c.phone), o.ship_line1, "
        "o.ship_city, o.ship_postal_code FROM orders o JOIN customers c ON c.id = o.customer_id",
    )
    for order_id, status, customer_status, phone, line1, city, postal_code in rows:
        if order_id in problems:
            assert status == OrderStatus.RECEIVED
            continue
        assert customer_status == "active" and phone and line1 and city and postal_code


# --------------------------------------------------------------------------- empty databases only


def test_a_second_run_refuses_and_changes_nothing(demo):
    database, _ = demo
    before = _dump(database)
    with pytest.raises(DemoAlreadyPresent) as refused:
        _demo(database, seed=SEED + 1)
    assert "orders" in str(refused.value)
    assert _dump(database) == before


def _sqlite_settings(database: Database) -> dict[str, object]:
    with database.engine.connect() as connection:
        return {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "synchronous")
        }


_DESK_SETTINGS = {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 1}


def test_after_the_demo_every_reference_holds_and_the_desk_settings_are_back(demo):
    database, _ = demo
    assert _rows(database, "PRAGMA foreign_key_check") == []
    assert _sqlite_settings(database) == _DESK_SETTINGS


def test_the_demo_loads_while_another_connection_has_the_database_open(tmp_path):
    """Another reader keeps SQLite from leaving WAL: the load stays in WAL, only slower."""
    path = tmp_path / "shared.sqlite"
    database = open_database(f"sqlite:///{path}")
    other = sqlite3.connect(path)
    try:
        other.execute("SELECT count(*) FROM orders").fetchone()
        result = _demo(database, orders=60)
        assert other.execute("SELECT count(*) FROM orders").fetchone()[0] == result.orders
        assert _sqlite_settings(database) == _DESK_SETTINGS
    finally:
        other.close()
        database.dispose()


def test_a_failing_worker_writes_nothing_and_puts_the_settings_back(db, monkeypatch):
    def fail(self, orders):
        raise ValueError("made to fail")

    monkeypatch.setattr(
        "app.demo.builder._DemoBuilder.build", fail
    )  # the forked worker inherits it
    with pytest.raises(ValueError, match="made to fail"):  # the worker's error, as itself
        generate_demo(db, orders=50, seed=SEED, reference_time=REFERENCE, in_worker=True)
    assert _rows(db, "SELECT count(*) FROM users")[0][0] == 0
    assert _sqlite_settings(db) == _DESK_SETTINGS


def test_the_orm_hands_out_fresh_ids_after_the_demo(demo):
    database, _ = demo
    with database.unit_of_work() as uow:
        highest = uow.session.scalar(select(func.max(Order.id)))
        order = Order(
            channel="shop", channel_order_id="SHOP-TST-000001", currency="EUR", ship_country="DE"
        )
        uow.session.add(order)
        uow.flush()
        uow.commit()
    assert order.id == highest + 1


def test_an_empty_demo_still_makes_the_catalogue_and_the_users(db):
    result = _demo(db, orders=0)
    assert result.orders == 0 and result.products > 0 and len(result.users) == len(Role)


@pytest.mark.skipif(
    not os.environ.get("ORDERDESK_TEST_PG_URL"), reason="needs ORDERDESK_TEST_PG_URL"
)
def test_on_postgresql_the_sequences_continue_after_the_demo():
    from app.database import upgrade_database
    from tests.pg.conftest import create_throwaway_database, drop_throwaway_database

    server = os.environ["ORDERDESK_TEST_PG_URL"]
    url = create_throwaway_database(server)
    try:
        database = open_database(url, check_schema=False)
        upgrade_database(database)
        try:
            _demo(database, orders=120)
            with database.unit_of_work() as uow:
                highest = uow.session.scalar(select(func.max(Order.id)))
                order = Order(channel="shop", channel_order_id="SHOP-TST-000001", currency="EUR")
                uow.session.add(order)
                uow.flush()
                uow.commit()
            assert order.id == highest + 1
            events = _rows(database, "SELECT count(*) FROM audit_events")[0][0]
            assert events > 3 * 120
        finally:
            database.dispose()
    finally:
        drop_throwaway_database(server, url)


def test_the_load_puts_the_append_only_guards_back_and_they_still_refuse(demo):
    database, _ = demo
    with database.engine.connect() as connection:
        guards = set(
            connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            ).scalars()
        )
        event_id = connection.execute(text("SELECT min(id) FROM audit_events")).scalar()
    assert {"audit_events_no_replace", "stock_moves_no_replace"} <= guards
    with pytest.raises(Exception, match="may not be replaced"), database.engine.begin() as c:
        c.exec_driver_sql(
            "INSERT OR REPLACE INTO audit_events (id, at, actor_name, entity_type, entity_id,"
            " action, reason, prev_hash, hash) VALUES (?, '2026-01-01 00:00:00.000000', 'x',"
            " 'order', 1, 'status', 'forged', '', '')",
            (event_id,),
        )
