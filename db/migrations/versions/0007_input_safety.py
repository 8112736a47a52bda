"""input safety: an import whose process is gone shows as interrupted (issue 8)

Revision ID: 0007_input_safety
Revises: 0006_audit_chain
Create Date: 2026-11-29 18:10:00

``import_batches`` records which process runs an import (``host``, ``pid``) and when it
last committed a batch (``heartbeat_at``), so a batch left ``running`` by a process that
was killed can be told from one that is still at work, and is marked ``interrupted``.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_input_safety"
down_revision: str | Sequence[str] | None = "0006_audit_chain"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BEFORE = "status IN ('running','done','cancelled','failed')"
_AFTER = "status IN ('running','done','cancelled','failed','interrupted')"


def upgrade() -> None:
    with op.batch_alter_table("import_batches") as batch_op:
        batch_op.add_column(sa.Column("host", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("pid", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint(op.f("ck_import_batches_import_status"), type_="check")
        batch_op.create_check_constraint("import_status", _AFTER)


def downgrade() -> None:
    op.execute("UPDATE import_batches SET status = 'failed' WHERE status = 'interrupted'")
    with op.batch_alter_table("import_batches") as batch_op:
        batch_op.drop_constraint(op.f("ck_import_batches_import_status"), type_="check")
        batch_op.create_check_constraint("import_status", _BEFORE)
        batch_op.drop_column("heartbeat_at")
        batch_op.drop_column("pid")
        batch_op.drop_column("host")
