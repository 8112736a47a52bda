"""The customer search every search box shares (Orders, Review, the shop counter).

Folded the way the stored keys are (``app/search/keys.py``): every word is found somewhere
in name or e-mail (a trigram index finds substrings: FTS5 on SQLite, pg_trgm on
PostgreSQL); a phone number in any form is found by its national digits.
"""

from __future__ import annotations

from sqlalchemy import (
    and_,
    literal_column,
    or_,
    select,
    text,
)
from sqlalchemy.orm import Session

from app.search.keys import read_query
from app.search.text import LIKE_ESCAPE, contains_pattern
from db.models import Customer

# A name search that matches more customers than this is too vague to be useful; the
# newest orders of the first matches are shown and the count says so.
MAX_MATCHED_CUSTOMERS = 2000
TRIGRAM = 3  # the trigram index finds words of three characters or more


def matching_customer_ids(session: Session, text: str) -> tuple[list[int], bool]:
    """Customers a clerk may mean by ``text``, and whether there were more than shown."""
    condition = customer_search_condition(session, text)
    if condition is None:
        return [], False
    found = list(
        session.scalars(select(Customer.id).where(condition).limit(MAX_MATCHED_CUSTOMERS + 1))
    )
    return found[:MAX_MATCHED_CUSTOMERS], len(found) > MAX_MATCHED_CUSTOMERS


def customer_search_condition(session: Session, text: str):
    """The SQL condition for customers a clerk may mean by ``text`` (None: nothing to find)."""
    query = read_query(text)
    if query.phone:
        return or_(
            *(
                Customer.search_phone.between(phone, phone + "~")
                for phone in (query.phone, *query.other_phones)
            )
        )
    if query.tokens:
        return and_(*_text_conditions(session, query.tokens))
    return None


def _text_conditions(session: Session, tokens: tuple[str, ...]) -> list:
    conditions = []
    long_words = [t for t in tokens if len(t) >= TRIGRAM]
    if long_words and session.get_bind().dialect.name == "sqlite":
        # FTS5 trigram: each word a quoted phrase, all of them, as substrings.
        match = " AND ".join('"' + t.replace('"', '""') + '"' for t in long_words)
        conditions.append(
            Customer.id.in_(
                select(literal_column("rowid"))
                .select_from(text("customer_search_fts"))
                .where(text("customer_search_fts MATCH :fts_match").bindparams(fts_match=match))
            )
        )
        tokens = tuple(t for t in tokens if len(t) < TRIGRAM)
    conditions += [
        Customer.search_text.like(contains_pattern(t), escape=LIKE_ESCAPE) for t in tokens
    ]
    return conditions
