"""The Orders read side: search, filters, paging from either end, and the detail view."""

from __future__ import annotations

import datetime as dt

import pytest

from app.errors import NotFound, PermissionDenied
from app.orders.detail import describe_card, find_order_id, order_detail
from app.orders.queries import OrderFilter, list_channels, open_order_query
from app.permissions import Actor
from app.workflow import change_status
from db.models import Order
from tests import factories


@pytest.fixture
def shop(db):
    """Thirty orders from three customers over thirty days, newest last."""
    start = dt.datetime(2026, 10, 1, 9, tzinfo=dt.UTC)
    with db.unit_of_work() as uow:
        s = uow.session
        people = [
            factories.customer(s, "Anna Müller", email="anna@example.de", phone="+4930123456"),
            factories.customer(s, "王伟", email="wang.wei@example.cn", phone="+8613800138000"),
            factories.customer(s, "Bob Stone", email="bob@example.com", phone="+12025550143"),
        ]
        lamp = factories.product(s, "LAMP-1", name="Desk lamp", price_cents=2500)
        ids = []
        for day in range(30):
            order = factories.order(
                s,
                people[day % 3],
                channel=("amazon", "shop", "partner:ebay")[day % 3],
                channel_order_id=f"CH-{day:04d}",
                status="received" if day % 2 else "approved",
                lines=[(lamp, 1 + day % 2)],
                received_at=start + dt.timedelta(days=day),
            )
            ids.append(order.id)
        uow.commit()
    return ids


def _query(db, actor, **filters):
    uow = db.unit_of_work().__enter__()
    return open_order_query(uow.session, actor, OrderFilter(**filters))


def test_newest_orders_come_first_and_pages_continue_by_keyset(db, admin, shop):
    query = _query(db, admin)
    first = query.page_after(None, 10)
    second = query.page_after(first[-1].id, 10)
    assert [r.id for r in first] == sorted(shop, reverse=True)[:10]
    assert [r.id for r in second] == sorted(shop, reverse=True)[10:20]
    assert first[0].number == f"SO-{first[0].id:06d}"


def test_a_page_deep_in_the_list_is_the_same_from_either_end(db, admin, shop):
    query = _query(db, admin)
    total = query.count()
    everything = query.page_after(None, total)
    for offset in (0, 7, 15, 22, 25):
        assert query.page_at(offset, 5, total) == everything[offset : offset + 5]
    assert query.page_at(28, 5, total) == everything[28:]
    assert query.page_at(40, 5, total) == []


@pytest.mark.parametrize(
    ("text", "expected_customer"),
    [
        ("anna", "Anna Müller"),
        ("ANNA MÜ", "Anna Müller"),
        ("王", "王伟"),
        ("bob@example", "Bob Stone"),
        ("+8613800", "王伟"),
        ("4930123", "Anna Müller"),
    ],
)
def test_search_by_customer_name_email_or_phone(db, admin, shop, text, expected_customer):
    rows = _query(db, admin, text=text).page_after(None, 100)
    assert rows and {r.customer for r in rows} == {expected_customer}
    assert len(rows) == 10


def test_search_by_order_number_and_channel_order_id(db, admin, shop):
    target = shop[4]
    by_number = _query(db, admin, text=f"so-{target:06d}").page_after(None, 5)
    assert [r.id for r in by_number] == [target]
    by_channel_id = _query(db, admin, text="CH-0004").page_after(None, 5)
    assert [r.id for r in by_channel_id] == [target]


def test_filters_combine_and_counts_match_the_rows(db, admin, shop):
    query = _query(db, admin, status="received", channel="amazon")
    rows = query.page_after(None, 100)
    assert query.count() == len(rows) == 5
    assert {(r.status, r.channel) for r in rows} == {("received", "amazon")}
    window = _query(
        db,
        admin,
        received_from=dt.datetime(2026, 10, 5, tzinfo=dt.UTC),
        received_before=dt.datetime(2026, 10, 8, tzinfo=dt.UTC),
    )
    assert window.count() == 3


def test_a_search_that_matches_nothing_is_an_empty_list(db, admin, shop):
    query = _query(db, admin, text="nobody-by-this-name")
    assert query.count() == 0
    assert query.page_after(None, 10) == []


def test_search_text_with_like_wildcards_is_taken_literally(db, admin, shop):
    assert _query(db, admin, text="%").count() == 0
    assert _query(db, admin, text="_").count() == 0


def test_channels_are_listed_once_each(db, shop):
    with db.unit_of_work() as uow:
        assert list_channels(uow.session) == ["amazon", "partner:ebay", "shop"]


def test_the_detail_shows_lines_payment_shipments_and_audit(db, admin, shop):
    order_id = shop[0]
    with db.unit_of_work() as uow:
        order = uow.session.get(Order, order_id)
        factories.card_payment(uow.session, order)
        change_status(uow.session, admin, order, "allocated", reason="stock in Berlin")
        shipment = factories.shipment(uow.session, order, factories.warehouse(uow.session, "BER"))
        uow.commit()
    with db.unit_of_work() as uow:
        detail = order_detail(uow.session, admin, order_id)
    assert detail.customer_name == "Anna Müller"
    assert [(line.sku, line.quantity) for line in detail.lines] == [("LAMP-1", 1)]
    assert detail.payments[0].card == "VISA ····4242 exp 03/28"
    assert detail.shipments[0].number == f"SH-{shipment.id:06d}"
    assert detail.shipments[0].warehouse == "BER"
    assert detail.shipments[0].units == 1
    assert [(a.from_state, a.to_state, a.reason) for a in detail.audit] == [
        ("approved", "allocated", "stock in Berlin")
    ]
    assert "Berlin" in " ".join(detail.ship_to)


def test_find_order_by_number_or_channel_id_and_unknown_is_not_found(db, admin, shop):
    with db.unit_of_work() as uow:
        assert find_order_id(uow.session, admin, f"SO-{shop[3]:06d}") == shop[3]
        assert find_order_id(uow.session, admin, "CH-0003") == shop[3]
        with pytest.raises(NotFound):
            find_order_id(uow.session, admin, "SO-999999")


def test_someone_without_a_role_cannot_read_orders(db, shop):
    nobody = Actor(user_id=None, username="guest", roles=frozenset())
    with db.unit_of_work() as uow, pytest.raises(PermissionDenied):
        open_order_query(uow.session, nobody, OrderFilter())


def test_cards_are_described_by_brand_last_four_and_expiry_only():
    assert describe_card("mastercard", "0004", 12, 2027) == "MASTERCARD ····0004 exp 12/27"
    assert describe_card(None, None, None, None) == ""


@pytest.mark.parametrize(
    ("text", "expected_customer"),
    [
        ("muller", "Anna Müller"),  # accents and case folded
        ("MULLER anna", "Anna Müller"),
        ("Müller, Anna", "Anna Müller"),  # "Surname, Given"
        ("王偉", "王伟"),  # Traditional finds Simplified
        ("wang.wei", "王伟"),  # part of an e-mail, no "@"
        ("example.cn", "王伟"),
        ("13800138000", "王伟"),  # national form
        ("0086 138 0013 8000", "王伟"),  # international with 00
        ("+86 138-0013-8000", "王伟"),
        ("030 123456", "Anna Müller"),  # national with the trunk 0
        ("0049 30 123456", "Anna Müller"),
        ("(202) 555-0143", "Bob Stone"),
    ],
)
def test_search_forgives_how_it_was_typed(db, admin, shop, text, expected_customer):
    rows = _query(db, admin, text=text).page_after(None, 100)
    assert rows and {r.customer for r in rows} == {expected_customer}


def test_a_bare_number_and_the_first_part_of_a_channel_order_id_find_the_order(db, admin, shop):
    target = shop[4]
    by_bare_number = _query(db, admin, text=str(target)).page_after(None, 5)
    assert target in [r.id for r in by_bare_number]
    with db.unit_of_work() as uow:
        uow.session.get(Order, target).channel_order_id = "403-1111111-2222222"
        uow.commit()
    by_prefix = _query(db, admin, text="403-1111111").page_after(None, 5)
    assert [r.id for r in by_prefix] == [target]


def test_a_search_matching_more_customers_than_a_list_holds_says_it_was_cut(db, admin):
    from sqlalchemy import insert

    from app.search.customers import MAX_MATCHED_CUSTOMERS
    from app.search.keys import customer_search_keys
    from db.models import Customer

    rows = []
    for i in range(MAX_MATCHED_CUSTOMERS + 5):
        name = f"Katharina Schulz {i}"
        rows.append({"name": name, **customer_search_keys(name, None, None).as_row()})
    with db.unit_of_work() as uow:
        uow.session.execute(insert(Customer), rows)
        uow.commit()
    assert _query(db, admin, text="schulz").customers_cut
    assert not _query(db, admin, text="Schulz 2004").customers_cut


def test_a_page_deep_in_the_unfiltered_list_is_found_by_an_estimated_key(db, admin):
    import app.orders.queries as views

    _thousands_of_orders(db)
    query = _query(db, admin)
    total = query.count()
    exact = query.page_at(1500, 20, total)
    from sqlalchemy import event

    statements: list[str] = []
    engine = query.session.get_bind()

    def seen(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    original = views.EXACT_OFFSET_ROWS
    views.EXACT_OFFSET_ROWS = 100
    event.listen(engine, "before_cursor_execute", seen)
    try:
        estimated = query.page_at(1500, 20, total)
    finally:
        views.EXACT_OFFSET_ROWS = original
        event.remove(engine, "before_cursor_execute", seen)
    assert [r.id for r in estimated] == [r.id for r in exact]  # dense ids: the same rows
    assert any("orders.id <= ?" in s for s in statements)  # read from a key, not counted to


# --------------------------------------------------------------------------- history in words


def _event(action: str, before: str | None, after: str | None, reason: str = ""):
    from app.orders.detail import AuditView

    at = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    return AuditView(at, "ada", "SO-000001", action, before, after, reason)


def test_a_history_line_names_the_verb_and_its_reason_not_the_unchanged_state():
    from app.orders.history import history_text

    line = history_text(_event("request_info", "needs_info", "needs_info", "ask for a mobile"))
    assert line == "Information requested from the customer: ask for a mobile"
    assert "needs_info" not in line and "request_info" not in line


def test_a_status_change_in_history_names_both_states_in_words():
    from app.orders.history import history_text

    assert history_text(_event("status", "received", "needs_info")) == (
        "Received → Needs information"
    )
    assert history_text(_event("status", "approved", "cancelled", "customer asked")) == (
        "Approved → Cancelled: customer asked"
    )


def test_a_verb_that_moved_the_order_says_where_to_and_an_unknown_one_reads_as_words():
    from app.orders.history import history_text

    assert history_text(_event("imported", None, "received")) == "Imported"
    assert history_text(_event("hold", "received", "on_hold", "call back")) == (
        "Put on hold (Received → On hold): call back"
    )
    assert history_text(_event("label_voided", "packed", "packed")) == "Label voided"


def test_history_lines_are_in_the_persons_language():
    from app.i18n import set_language
    from app.orders.history import history_text

    set_language("zh_TW")
    try:
        line = history_text(_event("status", "received", "needs_info"))
    finally:
        set_language("en")
    assert "Needs information" not in line and "needs_info" not in line


# --------------------------------------------------------------------------- cost at scale


def _thousands_of_orders(db, count: int = 3000, channel: str = "amazon") -> None:
    from sqlalchemy import insert

    now = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    rows = [
        {
            "channel": channel,
            "channel_order_id": f"AMZ-{i:05d}",
            "status": ("received", "approved", "shipped")[i % 3],
            "ship_country": "DE",
            "total_cents": 100,
            "currency": "EUR",
            "received_at": now,
            "version": 1,
        }
        for i in range(count)
    ]
    with db.unit_of_work() as uow:
        uow.session.execute(insert(Order), rows)
        uow.commit()


def _plans_while(query, read) -> list[str]:
    """Every statement ``read()`` runs, each followed by its query plan (SQLite)."""
    from sqlalchemy import event

    session = query.session
    statements: list[tuple[str, tuple]] = []

    def seen(_conn, _cursor, statement, parameters, *_args) -> None:
        statements.append((statement, parameters))

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        read()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    connection = session.connection().connection.driver_connection
    plans = []
    for statement, parameters in statements:
        rows = connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
        plans.append(statement + " → " + " / ".join(row[-1] for row in rows))
    return plans


@pytest.mark.parametrize("status", [None, "received"])
def test_a_page_dragged_to_the_middle_of_a_long_list_reads_no_whole_table(
    db, admin, monkeypatch, status
):
    import app.orders.queries as views

    _thousands_of_orders(db)
    monkeypatch.setattr(views, "EXACT_OFFSET_ROWS", 100)
    query = _query(db, admin, status=status)
    total = query.count()
    rows: list = []
    plans = _plans_while(query, lambda: rows.extend(query.page_at(total // 2, 20, total)))
    assert len(rows) == 20
    assert all(status is None or r.status == status for r in rows)
    # An estimated key and index probes; no statement reads every order (SQLite reads
    # every row for ``SELECT min(id), max(id)``: 0.4 s at a million orders).
    assert plans and not [p for p in plans if "SCAN orders" in p], plans
    assert any("orders.id <= ?" in p for p in plans), plans  # from a key, not counted to
    middle = sorted(r.id for r in rows)[10]
    assert abs(middle - 1500) < 60  # the rows that belong there, give or take


def test_a_search_of_one_chinese_character_reads_the_folded_keys_index_not_the_rows(db, admin):
    from app.search.customers import matching_customer_ids

    with db.unit_of_work() as uow:
        factories.customer(uow.session, "張偉", email="zw@example.cn", phone="+8613800000001")
        uow.commit()
    with db.unit_of_work() as uow:
        query = open_order_query(uow.session, admin, OrderFilter())
        found: list = []
        plans = _plans_while(
            query, lambda: found.extend(matching_customer_ids(uow.session, "张")[0])
        )
    assert len(found) == 1
    assert any("COVERING INDEX ix_customers_search_text" in p for p in plans), plans


def test_a_common_names_customers_reach_the_database_as_one_value_not_thousands(db, admin):
    from sqlalchemy import event, insert

    from app.search.keys import customer_search_keys
    from db.models import Customer

    rows = []
    for i in range(300):
        name = f"Katharina Schulz {i}"
        rows.append({"name": name, **customer_search_keys(name, None, None).as_row()})
    with db.unit_of_work() as uow:
        uow.session.execute(insert(Customer), rows)
        uow.commit()
    query = _query(db, admin, text="schulz")
    seen: list = []
    engine = query.session.get_bind()
    listener = lambda _c, _cur, _statement, parameters, *_a: seen.append(parameters)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert query.count() == 0 and query.page_after(None, 50) == []
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    # Two thousand "?" cost more to render, bind and parse than the search itself.
    assert seen and all(len(parameters) < 10 for parameters in seen), [len(p) for p in seen]
