"""outbox: customer messages queued, sent or failed with the reason and retries; a message
may belong to a case and need not belong to an order (issue 13)

Revision ID: 0026_outbox
Revises: 0025_privacy
Create Date: 2026-11-29 21:20:00
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0026_outbox"
down_revision: str | Sequence[str] | None = "0025_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
OLD_STATES = "state IN ('draft','sent','discarded')"
NEW_STATES = "state IN ('draft','queued','sent','failed','discarded')"


@contextmanager
def _customers_reflected_quietly() -> Iterator[None]:
    """Rebuilding customer_messages reflects customers (a foreign key points there), whose
    expression indexes SQLite cannot reflect; customers itself is not rebuilt here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        yield


def upgrade() -> None:
    with _customers_reflected_quietly(), op.batch_alter_table("customer_messages") as batch_op:
        batch_op.alter_column("order_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("next_attempt_at", TZ, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_customer_messages_case_id_cases"), "cases", ["case_id"], ["id"]
        )
        batch_op.drop_constraint(batch_op.f("ck_customer_messages_state"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_customer_messages_state"), NEW_STATES)


def downgrade() -> None:
    op.execute("UPDATE customer_messages SET state = 'draft' WHERE state IN ('queued','failed')")
    with _customers_reflected_quietly(), op.batch_alter_table("customer_messages") as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_customer_messages_state"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_customer_messages_state"), OLD_STATES)
        batch_op.drop_constraint(
            batch_op.f("fk_customer_messages_case_id_cases"), type_="foreignkey"
        )
        batch_op.drop_column("next_attempt_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("case_id")
        batch_op.alter_column("order_id", existing_type=sa.Integer(), nullable=False)
