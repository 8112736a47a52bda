"""Forgiving search on PostgreSQL: the pg_trgm index and the folded keys."""

from __future__ import annotations

from sqlalchemy import text

from app.permissions import Role
from app.views.orders import OrderFilter, open_order_query
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
