"""privacy: which orders had their buyer data removed, and when (issue 13)

Revision ID: 0025_privacy
Revises: 0024_changes
Create Date: 2026-11-29 21:17:40.996139
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025_privacy"
down_revision: str | Sequence[str] | None = "0024_changes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "personal_data_removals",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("removed_at", TZ, nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_personal_data_removals_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_personal_data_removals")),
    )


def downgrade() -> None:
    op.drop_table("personal_data_removals")
