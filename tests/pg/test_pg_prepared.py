"""The scan paths' prepared statements on PostgreSQL: a NUMERIC column is read (psycopg
gives a Decimal; SQLAlchemy's own reader would need the column's type code first)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Float, Numeric, bindparam, cast, select

from app.prepared import Prepared

AMOUNT = Prepared(
    select(
        cast(bindparam("amount", type_=Numeric(10, 2)), Numeric(10, 2)),
        cast(bindparam("amount", type_=Numeric(10, 2)), Numeric(10, 2, asdecimal=False)),
        cast(bindparam("amount", type_=Numeric(10, 2)), Float),
    )
)


def test_a_numeric_column_is_read_as_its_type_says(pg):
    with pg.unit_of_work() as uow:
        exact, approximate, floating = AMOUNT.first(uow.session, {"amount": Decimal("12.50")})
    assert exact == Decimal("12.50") and isinstance(exact, Decimal)
    assert approximate == 12.5 and isinstance(approximate, float)
    assert floating == 12.5
