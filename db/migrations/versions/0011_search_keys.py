"""search keys: folded text and phone keys on customers, with substring indexes

Revision ID: 0011_search_keys
Revises: 0010_languages
Create Date: 2026-11-29 18:30:00

A clerk types what they heard: "muller" for Müller, 張 for 张, a phone number in any
national or international form, part of an e-mail, "Surname, Given". Customers get two
stored keys, computed by one pure function (``app.search.keys``) that every writer
calls in the statement that writes the customer:

* ``search_text``: name and e-mail, folded (case, accents, Traditional → Simplified);
* ``search_phone``: the national significant number of the phone (digits).

Substring search over ``search_text`` needs an index made for it: an FTS5 table with the
trigram tokenizer on SQLite (kept in step by triggers, whoever writes), a ``pg_trgm`` GIN
index on PostgreSQL. ``search_phone`` is searched by prefix through a plain index.
Existing customers are backfilled here, in batches.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_search_keys"
down_revision: str | Sequence[str] | None = "0010_languages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5000

FTS_TABLE = "customer_search_fts"
_SQLITE_FTS = (
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5("
    "search_text, content='customers', content_rowid='id', tokenize='trigram')",
    f"CREATE TRIGGER customers_search_ai AFTER INSERT ON customers BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER customers_search_ad AFTER DELETE ON customers BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER customers_search_au AFTER UPDATE OF search_text ON customers BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
)


def upgrade() -> None:
    # Plain ALTER TABLE (no batch rebuild): SQLite keeps the customers' expression indexes.
    op.add_column(
        "customers", sa.Column("search_text", sa.String(500), nullable=False, server_default="")
    )
    op.add_column(
        "customers", sa.Column("search_phone", sa.String(20), nullable=False, server_default="")
    )
    op.create_index("ix_customers_search_phone", "customers", ["search_phone"], unique=False)
    _backfill()
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_FTS:
            op.execute(statement)
        op.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")
    elif dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute(
            "CREATE INDEX ix_customers_search_text_trgm ON customers "
            "USING gin (search_text gin_trgm_ops)"
        )


def _backfill() -> None:
    from app.search.keys import customer_search_keys

    connection = op.get_bind()
    customers = sa.table(
        "customers",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("email", sa.String),
        sa.column("phone", sa.String),
        sa.column("search_text", sa.String),
        sa.column("search_phone", sa.String),
    )
    update = (
        customers.update()
        .where(customers.c.id == sa.bindparam("customer_id"))
        .values(search_text=sa.bindparam("text_key"), search_phone=sa.bindparam("phone_key"))
    )
    after = 0
    while True:
        rows = connection.execute(
            sa.select(customers.c.id, customers.c.name, customers.c.email, customers.c.phone)
            .where(customers.c.id > after)
            .order_by(customers.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        values = []
        for customer_id, name, email, phone in rows:
            keys = customer_search_keys(name, email, phone)
            values.append(
                {
                    "customer_id": customer_id,
                    "text_key": keys.search_text,
                    "phone_key": keys.search_phone,
                }
            )
        connection.execute(update, values)
        after = rows[-1][0]


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for trigger in ("customers_search_ai", "customers_search_ad", "customers_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute(f"DROP TABLE IF EXISTS {FTS_TABLE}")
    elif dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_customers_search_text_trgm")
    op.drop_index("ix_customers_search_phone", table_name="customers")
    op.drop_column("customers", "search_phone")  # SQLite 3.35+: ALTER TABLE … DROP COLUMN
    op.drop_column("customers", "search_text")
