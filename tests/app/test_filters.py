"""The one filter builder of the list views: declared fields become conditions, empty
fields do not filter, bad values are refused with a sentence before any query runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, select
from sqlalchemy.dialects import sqlite

from app.errors import InvalidInput
from app.search.filters import Before, Choice, Equals, Filters, From, Text

ROWS = Table(
    "rows",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("order_id", Integer),
    Column("state", String),
    Column("channel", String),
    Column("code", String),
    Column("name", String),
    Column("note", String),
    Column("at", DateTime),
)
C = ROWS.c


@dataclass(frozen=True)
class RowFilter:
    state: str | None = None
    channel: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None
    text: str = ""


FILTERS = Filters(
    Choice("state", C.state, ("open", "closed")),
    Equals("channel", C.channel),
    From("since", C.at),
    Before("until", C.at),
    Text(
        "text", number=("order", C.order_id), equals=(C.code,), prefix=(C.name,), contains=(C.note,)
    ),
)


def sql(conditions: list) -> str:
    query = select(C.id).where(*conditions)
    return str(query.compile(dialect=sqlite.dialect(), compile_kwargs={"literal_binds": True}))


def test_an_empty_filter_has_no_conditions():
    assert FILTERS.conditions(RowFilter()) == []
    assert FILTERS.conditions(RowFilter(text="   ")) == []


def test_each_field_filled_in_adds_its_condition_in_declared_order():
    flt = RowFilter(
        state="open",
        channel="amazon",
        since=dt.datetime(2026, 1, 1),
        until=dt.datetime(2026, 2, 1),
    )
    text = sql(FILTERS.conditions(flt))
    assert "rows.state = 'open'" in text
    assert "rows.channel = 'amazon'" in text
    assert "rows.at >= '2026-01-01 00:00:00.000000'" in text
    assert "rows.at < '2026-02-01 00:00:00.000000'" in text
    assert text.index("rows.state") < text.index("rows.channel") < text.index("rows.at >=")


def test_a_value_outside_the_choices_is_refused_naming_the_field_and_the_choices():
    with pytest.raises(InvalidInput) as refused:
        FILTERS.conditions(RowFilter(state="lost"))
    assert refused.value.field == "state"
    assert "'lost'" in str(refused.value) and "open / closed" in str(refused.value)


def test_text_is_found_as_typed_at_the_start_or_anywhere_with_wildcards_taken_literally():
    text = sql(FILTERS.conditions(RowFilter(text="  Ab%_c ")))
    assert "rows.code = 'Ab%_c'" in text
    assert "lower(rows.name) LIKE 'ab\\%\\_c%' ESCAPE '\\'" in text
    assert "lower(rows.note) LIKE '%ab\\%\\_c%' ESCAPE '\\'" in text


def test_a_typed_order_number_finds_that_order_and_nothing_else():
    text = sql(FILTERS.conditions(RowFilter(text="so-000123")))
    assert "rows.order_id = 123" in text
    assert "LIKE" not in text


def test_text_no_column_takes_is_left_to_the_caller():
    own_search = Filters(Equals("channel", C.channel), Text("text", number=("order", C.order_id)))
    where = own_search.where(RowFilter(channel="web", text=" Müller "))
    assert where.text == "Müller"
    assert sql(where.conditions).endswith("WHERE rows.channel = 'web'")
    assert own_search.where(RowFilter(text="SO-000007")).text == ""


def test_search_text_past_the_limit_is_refused_as_the_search_box():
    with pytest.raises(InvalidInput) as refused:
        FILTERS.conditions(RowFilter(text="x" * 201))
    assert refused.value.field == "search"


def test_an_enum_declares_its_choices():
    from app.workflow import OrderStatus

    statuses = Filters(Choice("state", C.state, tuple(OrderStatus)))
    assert "rows.state = 'approved'" in sql(statuses.conditions(RowFilter(state="approved")))
    with pytest.raises(InvalidInput):
        statuses.conditions(RowFilter(state="open"))


def test_keyword_filters_are_read_from_a_mapping():
    assert "rows.channel = 'web'" in sql(FILTERS.conditions({"channel": "web", "state": None}))
