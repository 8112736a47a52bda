"""Search inputs have limits: a 50,000-character search is a clear message, not a traceback."""

from __future__ import annotations

import pytest

from app.counter.queries import find_customers, find_products
from app.errors import InvalidInput
from app.orders.queries import OrderFilter, list_orders
from app.permissions import Role
from app.review.queries import ExceptionFilter, search_exceptions
from app.search.text import MAX_SEARCH_CHARS
from app.stock.queries import StockFilter, stock_page
from tests.conftest import make_actor

CLERK = make_actor(Role.SUPERVISOR, username="clerk")
HUGE = "a%_" * 20_000  # 60,000 characters: past SQLite's LIKE pattern limit


@pytest.mark.parametrize(
    "search",
    [
        lambda s: list_orders(s, CLERK, OrderFilter(text=HUGE), 50),
        lambda s: search_exceptions(s, CLERK, ExceptionFilter(text=HUGE)),
        lambda s: find_customers(s, CLERK, HUGE),
        lambda s: find_products(s, CLERK, HUGE),
        lambda s: stock_page(s, StockFilter(search=HUGE), None, 50),
    ],
    ids=["orders list", "exception search", "counter customers", "counter products", "stock"],
)
def test_a_search_longer_than_the_limit_is_refused_with_a_clear_message(db, search):
    with db.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        search(uow.session)
    assert refused.value.field == "search"
    assert f"at most {MAX_SEARCH_CHARS}" in str(refused.value)
    assert "60,000 characters" in str(refused.value) and HUGE not in str(refused.value)


def test_a_search_at_the_limit_still_runs(db):
    with db.unit_of_work() as uow:
        assert list_orders(uow.session, CLERK, OrderFilter(text="x" * MAX_SEARCH_CHARS), 50) == []


def test_the_orders_command_says_the_limit_in_one_line(db_url, capsys, staff_login):
    from app.cli import main

    assert main(["orders", "list", "--search", HUGE, "--db", db_url]) != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "at most" in err and "Traceback" not in err


def test_orders_list_says_when_its_list_was_cut_at_the_customer_limit(
    db, db_url, capsys, staff_login
):
    from sqlalchemy import insert

    from app.cli import main
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
    assert main(["orders", "list", "--search", "schulz", "--db", db_url]) == 0
    err = capsys.readouterr().err
    assert "first 2,000 matching customers" in err
    assert main(["orders", "list", "--search", "Schulz 2004", "--db", db_url]) == 0
    assert "matching customers" not in capsys.readouterr().err
