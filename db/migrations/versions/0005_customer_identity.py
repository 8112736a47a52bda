"""customer identity: one customer per channel buyer id and per e-mail; login throttles

Revision ID: 0005_customer_identity
Revises: 0004_leaner_indexes
Create Date: 2026-11-29 18:00:00

Nothing stopped a second customer with the same channel buyer id or e-mail, and two desks
importing the same buyers at once made one each. From here the database refuses it:

* e-mail addresses are stored normalised (trimmed, lower case; blank becomes NULL), as
  intake, the shop counter and the demo write them;
* duplicates an existing database already has are merged first: customers sharing a
  buyer id or an e-mail (directly or through each other) become the oldest of them. Their
  orders, addresses and everything else pointing at a customer move to that survivor; it
  takes the strictest status of the group (banned > frozen > arrears > active, so a
  banned duplicate never comes back active) and the buyer id, e-mail and phone it lacked;
  one ``customers_merged`` audit event per survivor names the merged ids and statuses;
* ``uq_customers_channel_buyer_id`` (channel buyer ids carry their channel as a prefix,
  ``amazon:…``, ``partner:acme:…``, so this is one key per channel) and
  ``uq_customers_email_lower`` (``lower(email)``, also the case-insensitive prefix search
  index it replaces) replace the two plain indexes.

A phone number is not a key: households and offices share phones.

Also ``login_throttles``: failed attempts at user names nobody has, counted and paused
like a user's own, so trying names cannot tell which exist.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_customer_identity"
down_revision: str | Sequence[str] | None = "0004_leaner_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STRICTNESS = {"active": 0, "arrears": 1, "frozen": 2, "banned": 3}
MIGRATION_ACTOR = "(migration 0005_customer_identity)"

_audit = sa.table(
    "audit_events",
    sa.column("at", sa.DateTime(timezone=True)),
    sa.column("actor_id", sa.Integer),
    sa.column("actor_name", sa.String),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("from_state", sa.String),
    sa.column("to_state", sa.String),
    sa.column("reason", sa.Text),
    sa.column("detail", sa.JSON),
)


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_login_throttles")),
    )
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE customers SET email = NULL WHERE trim(email) = ''"))
    bind.execute(
        sa.text("UPDATE customers SET email = lower(trim(email)) WHERE email <> lower(trim(email))")
    )
    bind.execute(
        sa.text("UPDATE customers SET channel_buyer_id = NULL WHERE trim(channel_buyer_id) = ''")
    )
    merge_duplicate_customers(bind)
    op.drop_index("ix_customers_channel_buyer_id", table_name="customers")
    op.drop_index("ix_customers_email_lower", table_name="customers")
    op.create_index("uq_customers_channel_buyer_id", "customers", ["channel_buyer_id"], unique=True)
    op.create_index("uq_customers_email_lower", "customers", [sa.text("lower(email)")], unique=True)


def downgrade() -> None:
    op.drop_index("uq_customers_email_lower", table_name="customers")
    op.drop_index("uq_customers_channel_buyer_id", table_name="customers")
    op.create_index("ix_customers_email_lower", "customers", [sa.text("lower(email)")])
    op.create_index("ix_customers_channel_buyer_id", "customers", ["channel_buyer_id"])
    op.drop_table("login_throttles")


# --------------------------------------------------------------------------- merging


def merge_duplicate_customers(bind: sa.Connection) -> int:
    """Merge every group of customers sharing a buyer id or an e-mail; returns merges."""
    members = _customers_sharing_a_key(bind)
    if not members:
        return 0
    groups = _groups(members)
    referring = _columns_referring_to_customers(bind)
    now = dt.datetime.now(dt.UTC)
    at = now.replace(tzinfo=None) if bind.dialect.name == "sqlite" else now
    for group in groups:
        _merge(bind, [members[customer_id] for customer_id in sorted(group)], referring, at)
    return len(groups)


def _customers_sharing_a_key(bind: sa.Connection) -> dict[int, sa.Row]:
    rows = bind.execute(
        sa.text(
            "SELECT id, channel_buyer_id, email, phone, status FROM customers "
            "WHERE channel_buyer_id IN (SELECT channel_buyer_id FROM customers "
            "  WHERE channel_buyer_id IS NOT NULL GROUP BY channel_buyer_id HAVING count(*) > 1) "
            "OR email IN (SELECT email FROM customers "
            "  WHERE email IS NOT NULL GROUP BY email HAVING count(*) > 1)"
        )
    )
    return {row.id: row for row in rows}


def _groups(members: dict[int, sa.Row]) -> list[set[int]]:
    """Connected groups: two customers belong together when they share either key."""
    parent = {customer_id: customer_id for customer_id in members}

    def root(customer_id: int) -> int:
        while parent[customer_id] != customer_id:
            parent[customer_id] = parent[parent[customer_id]]
            customer_id = parent[customer_id]
        return customer_id

    first_with: dict[tuple[str, str], int] = {}
    for customer_id in sorted(members):
        row = members[customer_id]
        for key in (("buyer", row.channel_buyer_id), ("email", row.email)):
            if key[1] is None:
                continue
            other = first_with.setdefault(key, customer_id)
            parent[root(customer_id)] = root(other)
    groups: dict[int, set[int]] = {}
    for customer_id in members:
        groups.setdefault(root(customer_id), set()).add(customer_id)
    return [group for group in groups.values() if len(group) > 1]


def _columns_referring_to_customers(bind: sa.Connection) -> list[tuple[str, str]]:
    """(table, column) of every foreign key to customers.id, whoever added the table."""
    inspector = sa.inspect(bind)
    found = []
    for table in inspector.get_table_names():
        for foreign_key in inspector.get_foreign_keys(table):
            if foreign_key["referred_table"] == "customers":
                found.extend((table, column) for column in foreign_key["constrained_columns"])
    return sorted(found)


def _merge(
    bind: sa.Connection, rows: list[sa.Row], referring: list[tuple[str, str]], at: dt.datetime
) -> None:
    survivor, duplicates = rows[0], rows[1:]
    duplicate_ids = [row.id for row in duplicates]
    status = max((row.status for row in rows), key=lambda s: STRICTNESS.get(s, 0))
    has_default_address = bind.scalar(
        sa.text("SELECT count(*) FROM addresses WHERE customer_id = :id AND is_default"),
        {"id": survivor.id},
    )
    if has_default_address:
        bind.execute(
            sa.text("UPDATE addresses SET is_default = :no WHERE customer_id IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"no": False, "ids": duplicate_ids},
        )
    moved: dict[str, int] = {}
    for table, column in referring:
        result = bind.execute(
            sa.text(f"UPDATE {table} SET {column} = :survivor WHERE {column} IN :ids").bindparams(
                sa.bindparam("ids", expanding=True)
            ),
            {"survivor": survivor.id, "ids": duplicate_ids},
        )
        if result.rowcount:
            moved[table] = result.rowcount
    bind.execute(
        sa.text("DELETE FROM customers WHERE id IN :ids").bindparams(
            sa.bindparam("ids", expanding=True)
        ),
        {"ids": duplicate_ids},
    )

    def first(attribute: str):
        return next((getattr(r, attribute) for r in rows if getattr(r, attribute)), None)

    bind.execute(
        sa.text(
            "UPDATE customers SET status = :status, channel_buyer_id = :buyer, email = :email, "
            "phone = :phone, version = version + 1 WHERE id = :id"
        ),
        {
            "id": survivor.id,
            "status": status,
            "buyer": first("channel_buyer_id"),
            "email": first("email"),
            "phone": first("phone"),
        },
    )
    bind.execute(
        sa.insert(_audit).values(
            at=at,
            actor_id=None,
            actor_name=MIGRATION_ACTOR,
            entity_type="customer",
            entity_id=survivor.id,
            action="customers_merged",
            from_state=survivor.status,
            to_state=status,
            reason="the same buyer id or e-mail: one customer",
            detail={
                "merged_ids": duplicate_ids,
                "statuses": {str(row.id): row.status for row in rows},
                "moved": moved,
            },
        )
    )
