"""One filter builder for every list view (orders, review queues, exceptions, stock, refunds).

A list declares its filter fields once, next to its query (``ORDER_FILTERS`` in
``app/orders/queries.py``: a status among the order statuses, a channel, a time range, a
search text) and calls ``where(flt)`` or ``conditions(flt)``. The builder reads the
same-named attributes of the filter (a frozen dataclass, or a mapping), skips the empty
ones, refuses a bad value with a sentence (``InvalidInput``: a status that does not exist,
search text past ``MAX_SEARCH_CHARS``) before any query runs, and returns the SQL
conditions in the order the fields are declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, or_

from app.errors import InvalidInput
from app.numbers import parse_number
from app.search.text import LIKE_ESCAPE, contains_pattern, prefix_pattern, search_text


def _empty(value: Any) -> bool:
    return value is None or value == "" or value is False


@dataclass(frozen=True)
class Equals:
    """The column equals the value."""

    name: str
    column: Any

    def condition(self, value: Any):
        return self.column == value


@dataclass(frozen=True)
class Choice(Equals):
    """The column equals one of a fixed set of codes (an enum's members or strings)."""

    choices: tuple = ()

    def condition(self, value: Any):
        if value not in self.choices:
            raise InvalidInput(self.name, value, " / ".join(str(c) for c in self.choices))
        return self.column == value


@dataclass(frozen=True)
class From(Equals):
    """The column is at or after the value (a time range's start, included)."""

    def condition(self, value: Any):
        return self.column >= value


@dataclass(frozen=True)
class Before(Equals):
    """The column is before the value (a time range's end, excluded)."""

    def condition(self, value: Any):
        return self.column < value


@dataclass(frozen=True)
class Text:
    """Free text: trimmed and refused when too long; a record number typed (SO-000123)
    finds that record through ``number = (kind, id column)``; otherwise the text is found
    in any of the columns: ``equals`` as typed, ``prefix`` and ``contains`` lower-cased,
    its wildcards taken literally. A field with no columns leaves the text to the caller
    (``Where.text``), for searches of their own (the customer search of the order lists).
    """

    name: str
    number: tuple[str, Any] | None = None
    equals: tuple = ()
    prefix: tuple = ()
    contains: tuple = ()

    def typed(self, value: Any) -> str:
        # Refused as "search": the one search box every list has, whatever the field's name.
        return search_text(value)

    def number_condition(self, text: str):
        found = parse_number(text) if self.number else None
        if found and found[0] == self.number[0]:
            return self.number[1] == found[1]
        return None

    def searches(self) -> bool:
        return bool(self.equals or self.prefix or self.contains)

    def condition(self, text: str):
        either = [column == text for column in self.equals]
        if self.prefix:
            pattern = prefix_pattern(text)
            either += [func.lower(c).like(pattern, escape=LIKE_ESCAPE) for c in self.prefix]
        if self.contains:
            pattern = contains_pattern(text)
            either += [func.lower(c).like(pattern, escape=LIKE_ESCAPE) for c in self.contains]
        return or_(*either)


@dataclass(frozen=True)
class Where:
    conditions: list
    text: str = ""  # search text no declared column takes: the caller searches it its own way


class Filters:
    """The declared fields of one list's filter."""

    def __init__(self, *fields: Equals | Text) -> None:
        self.fields = fields

    def where(self, flt: Any) -> Where:
        """``flt``: a filter dataclass, or a mapping of the same names (keyword filters)."""
        conditions: list = []
        left = ""
        for field in self.fields:
            value = flt.get(field.name) if isinstance(flt, dict) else getattr(flt, field.name)
            if isinstance(field, Text):
                text = field.typed(value)
                if not text:
                    continue
                by_number = field.number_condition(text)
                if by_number is not None:
                    conditions.append(by_number)
                elif field.searches():
                    conditions.append(field.condition(text))
                else:
                    left = text
            elif not _empty(value):
                conditions.append(field.condition(value))
        return Where(conditions, left)

    def conditions(self, flt: Any) -> list:
        """The conditions of a filter whose text every declared field searches."""
        return self.where(flt).conditions
