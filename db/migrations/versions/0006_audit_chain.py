"""audit chain: each audit event carries its predecessor's hash and its own; login tokens

Revision ID: 0006_audit_chain
Revises: 0005_customer_identity
Create Date: 2026-11-29 18:00:00

* ``audit_events.prev_hash`` and ``audit_events.hash`` (see app/audit/rules.py), filled in
  for the events already there, in id order, then made NOT NULL.
* SQLite: ``INSERT OR REPLACE`` could rewrite an audit event or a stock move (REPLACE deletes
  the old row without firing delete triggers unless ``recursive_triggers`` is on). A
  BEFORE INSERT trigger now refuses an insert whose id exists, whatever its conflict clause.
* ``auth_tokens``: hashed login tokens for ``orderdesk login`` (db/models_auth_tokens.py).

The append-only triggers refuse the back-fill's UPDATE: the owner sets them aside for it
(PostgreSQL: DISABLE TRIGGER inside this transaction; SQLite: dropped and made again, as
the SQLite table is rebuilt to make the columns NOT NULL anyway).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_audit_chain"
down_revision: str | Sequence[str] | None = "0005_customer_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPEND_ONLY_MESSAGE = "append-only table: rows may not be changed or deleted"
REPLACE_MESSAGE = "append-only table: an existing row may not be replaced"
_BATCH = 5000


def upgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    op.add_column("audit_events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_events", sa.Column("hash", sa.String(length=64), nullable=True))
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS audit_events_no_update")
    else:
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    _chain_existing_events()
    if sqlite:
        with op.batch_alter_table("audit_events", recreate="always") as batch_op:
            batch_op.alter_column("prev_hash", existing_type=sa.String(64), nullable=False)
            batch_op.alter_column("hash", existing_type=sa.String(64), nullable=False)
        _sqlite_append_only("audit_events")  # the rebuilt table has no triggers yet
        _sqlite_refuse_replace("audit_events")
        _sqlite_refuse_replace("stock_moves")
    else:
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
        op.alter_column("audit_events", "prev_hash", nullable=False)
        op.alter_column("audit_events", "hash", nullable=False)

    op.create_table(
        "auth_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_auth_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_auth_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_auth_tokens_token_hash")),
    )
    op.create_index("ix_auth_tokens_user", "auth_tokens", ["user_id"], unique=False)


def downgrade() -> None:
    sqlite = op.get_context().dialect.name == "sqlite"
    op.drop_index("ix_auth_tokens_user", table_name="auth_tokens")
    op.drop_table("auth_tokens")
    if sqlite:
        for table in ("audit_events", "stock_moves"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_replace")
        with op.batch_alter_table("audit_events", recreate="always") as batch_op:
            batch_op.drop_column("hash")
            batch_op.drop_column("prev_hash")
        _sqlite_append_only("audit_events")
    else:
        op.drop_column("audit_events", "hash")
        op.drop_column("audit_events", "prev_hash")


def _chain_existing_events() -> None:
    """Chain the events already stored, oldest first, a few thousand at a time."""
    connection = op.get_bind()
    events = sa.table(
        "audit_events",
        *(
            sa.column(name)
            for name in (
                "id",
                "actor_id",
                "actor_name",
                "entity_type",
                "entity_id",
                "action",
                "from_state",
                "to_state",
                "reason",
            )
        ),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("detail", sa.Text()),
    )
    c = events.c
    statement = (
        sa.select(
            c.id,
            c.at,
            c.actor_id,
            c.actor_name,
            c.entity_type,
            c.entity_id,
            c.action,
            c.from_state,
            c.to_state,
            c.reason,
            sa.cast(c.detail, sa.Text),
        )
        .where(c.id > sa.bindparam("after"))
        .order_by(c.id)
        .limit(_BATCH)
    )
    # Imported here, not at the top: Alembic reads every revision file to name the head
    # revision at each start, and app.audit loads the ORM models.
    from app.audit.rules import GENESIS, canonical_time, link

    update = sa.text("UPDATE audit_events SET prev_hash = :prev, hash = :hash WHERE id = :id")
    prev, after = GENESIS, 0
    while rows := connection.execute(statement, {"after": after}).all():
        changes = []
        for row in rows:
            at = row[1] if row[1].tzinfo else row[1].replace(tzinfo=dt.UTC)
            current = link(prev, (row[0], canonical_time(at), *row[2:]))
            changes.append({"prev": prev, "hash": current, "id": row[0]})
            prev = current
        connection.execute(update, changes)
        after = rows[-1][0]


def _sqlite_append_only(table: str) -> None:
    for verb in ("UPDATE", "DELETE"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb.lower()}")
        op.execute(
            f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
            f"BEGIN SELECT RAISE(ABORT, '{table}: {APPEND_ONLY_MESSAGE}'); END"
        )


def _sqlite_refuse_replace(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER {table}_no_replace BEFORE INSERT ON {table} "
        f"WHEN EXISTS (SELECT 1 FROM {table} WHERE id = NEW.id) "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {REPLACE_MESSAGE}'); END"
    )
