"""languages: each user's desk language; customers' Chinese split into Traditional and Simplified

Revision ID: 0010_languages
Revises: 0009_picking
Create Date: 2026-11-29 18:10:00

* ``users.language`` (nullable): the language the desk shows this person (``zh_TW``,
  ``zh_CN``, ``en``); empty means the workstation's system language.
* ``customers.language`` said ``zh`` for every Chinese-speaking customer. Customer messages
  now come in Traditional and Simplified Chinese, so ``zh`` becomes ``zh_TW`` for a
  customer with an address in Taiwan, Hong Kong or Macau and ``zh_CN`` otherwise; the
  spellings ``zh-TW``/``zh-CN``/``zh-Hant``/``zh-Hans`` become the same two codes.
  Downgrading writes ``zh`` back.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_languages"
down_revision: str | Sequence[str] | None = "0009_picking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRADITIONAL_COUNTRIES = ("TW", "HK", "MO")
_TRADITIONAL_SPELLINGS = ("zh-tw", "zh_tw", "zh-hk", "zh_hk", "zh-mo", "zh_mo", "zh-hant")
_SIMPLIFIED_SPELLINGS = ("zh-cn", "zh_cn", "zh-sg", "zh_sg", "zh-hans")


def upgrade() -> None:
    with op.batch_alter_table("users") as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=16), nullable=True))

    customers = sa.table("customers", sa.column("id"), sa.column("language"))
    addresses = sa.table("addresses", sa.column("customer_id"), sa.column("country_code"))
    language = sa.func.lower(customers.c.language)
    in_traditional_area = customers.c.id.in_(
        sa.select(addresses.c.customer_id).where(
            sa.func.upper(addresses.c.country_code).in_(TRADITIONAL_COUNTRIES)
        )
    )
    op.execute(
        customers.update().where(language.in_(_TRADITIONAL_SPELLINGS)).values(language="zh_TW")
    )
    op.execute(
        customers.update().where(language.in_(_SIMPLIFIED_SPELLINGS)).values(language="zh_CN")
    )
    op.execute(
        customers.update().where(language == "zh", in_traditional_area).values(language="zh_TW")
    )
    op.execute(customers.update().where(language == "zh").values(language="zh_CN"))


def downgrade() -> None:
    customers = sa.table("customers", sa.column("language"))
    op.execute(
        customers.update().where(customers.c.language.in_(("zh_TW", "zh_CN"))).values(language="zh")
    )
    with op.batch_alter_table("users") as batch_op:
        batch_op.drop_column("language")
