"""changes: cancellations reported back to the channel, each once (issue 13)

Revision ID: 0024_changes
Revises: 0023_refunds
Create Date: 2026-11-29 21:04:04.135855
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024_changes"
down_revision: str | Sequence[str] | None = "0023_refunds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_cancellations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("channel_order_id", sa.String(length=80), nullable=False),
        sa.Column("channel_line_id", sa.String(length=80), nullable=True),
        sa.Column("reason_code", sa.String(length=40), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("exported_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_channel_cancellations_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_channel_cancellations")),
    )
    with op.batch_alter_table("channel_cancellations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_channel_cancellations_channel_exported", ["channel", "exported_at"], unique=False
        )
        batch_op.create_index("ix_channel_cancellations_order", ["order_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("channel_cancellations", schema=None) as batch_op:
        batch_op.drop_index("ix_channel_cancellations_order")
        batch_op.drop_index("ix_channel_cancellations_channel_exported")

    op.drop_table("channel_cancellations")
