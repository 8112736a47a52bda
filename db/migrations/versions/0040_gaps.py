"""the channel's word has a time (issue 13): ``orders.channel_updated_at``, when the channel
last updated the order as its file said (Amazon's last-updated-date, the Unshipped report's
reporting-date, SP-API's LastUpdateDate), so an older report imported after a newer one is
recognised and ignored instead of taken as the latest word

Revision ID: 0040_gaps
Revises: 0033_task_texts
Create Date: 2026-11-30 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0040_gaps"
down_revision: str | Sequence[str] | None = "0033_task_texts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite adds it in place; orders imported before have no time
    # (the next file's word is taken, as before).
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(
            sa.Column("channel_updated_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("channel_updated_at")
