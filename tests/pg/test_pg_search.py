"""Forgiving search on PostgreSQL: the pg_trgm index and the folded keys."""

from __future__ import annotations

from sqlalchemy import text

from app.orders.queries import OrderFilter, open_order_query
from app.permissions import Role
from tests import factories
from tests.conftest import make_actor

ADMIN = make_actor(Role.ADMIN)


def test_folded_substring_and_phone_search_on_postgresql(pg):
    with pg.unit_of_work() as uow:
        s = uow.session
        anna = factories.customer(s, "Anna Müller", email="anna@example.de", phone="+4930123456")
        wang = factories.customer(s, "張偉", email="zhang.wei@example.cn", phone="+8613893427221")
        lamp = factories.product(s, "LAMP-1", name="Desk lamp", price_cents=2500)
        for index, person in enumerate((anna, wang)):
            factories.order(s, person, channel_order_id=f"403-111111{index}-1", lines=[(lamp, 1)])
        uow.commit()
    with pg.unit_of_work() as uow:
        s = uow.session
        indexes = set(s.scalars(text("SELECT indexname FROM pg_indexes")))
        assert "ix_customers_search_text_trgm" in indexes

        def customers(typed: str) -> set[str]:
            rows = open_order_query(s, ADMIN, OrderFilter(text=typed)).page_after(None, 10)
            return {r.customer for r in rows}

        assert customers("muller") == {"Anna Müller"}
        assert customers("张") == {"張偉"}
        assert customers("13893427221") == {"張偉"}
        assert customers("zhang.wei") == {"張偉"}
        assert customers("403-1111110") == {"Anna Müller"}


def test_a_page_in_the_middle_of_a_long_filtered_list_is_found_by_key_on_postgresql(
    pg, monkeypatch
):
    from sqlalchemy import event

    import app.orders.queries as views
    from tests.app.test_order_views import _thousands_of_orders

    # The run shares one database: a channel of this test's own keeps its list apart.
    _thousands_of_orders(pg, channel="partner:deep-page-test")
    monkeypatch.setattr(views, "EXACT_OFFSET_ROWS", 100)
    statements: list[str] = []
    with pg.unit_of_work() as uow:
        flt = OrderFilter(status="approved", channel="partner:deep-page-test")
        query = open_order_query(uow.session, ADMIN, flt)
        total = query.count()
        engine = uow.session.get_bind()
        listener = lambda _c, _cur, statement, *_a: statements.append(statement)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            page = query.page_at(total // 2, 20, total)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert total == 1000 and len(page) == 20
    assert {r.status for r in page} == {"approved"}
    assert any("orders.id <= " in s for s in statements)  # from a key, not counted to
    ids = sorted(r.id for r in page)
    first = min(ids)  # ids are dense: the middle of the approved ones sits mid-range
    assert abs(ids[10] - (first + ids[-1]) // 2) < 60
