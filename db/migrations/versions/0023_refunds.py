"""refunds: requested, approved or rejected, paid; order balances keep refunds within
what was paid (issue 13)

Revision ID: 0023_refunds
Revises: 0022_cases
Create Date: 2026-11-29 20:51:54.709770
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023_refunds"
down_revision: str | Sequence[str] | None = "0022_cases"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "order_balances",
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_cents", sa.Integer(), nullable=False),
        sa.Column("refunded_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint("paid_cents >= 0", name=op.f("ck_order_balances_paid_not_negative")),
        sa.CheckConstraint(
            "refunded_cents >= 0 AND refunded_cents <= paid_cents",
            name=op.f("ck_order_balances_refunds_within_paid"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_order_balances_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("order_id", name=op.f("pk_order_balances")),
    )
    op.create_table(
        "refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("requested_by", sa.Integer(), nullable=True),
        sa.Column("requested_at", TZ, nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", TZ, nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("payment_reference", sa.String(length=80), nullable=True),
        sa.Column("paid_at", TZ, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status != 'paid' OR payment_reference IS NOT NULL",
            name=op.f("ck_refunds_paid_has_reference"),
        ),
        sa.CheckConstraint(
            "status IN ('requested','approved','rejected','paid')", name=op.f("ck_refunds_status")
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_refunds_amount_positive")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_refunds_case_id_cases")),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_refunds_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_refunds_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"], ["users.id"], name=op.f("fk_refunds_requested_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refunds")),
    )
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.create_index("ix_refunds_case", ["case_id"], unique=False)
        batch_op.create_index("ix_refunds_order", ["order_id"], unique=False)
        batch_op.create_index("ix_refunds_status_id", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("refunds", schema=None) as batch_op:
        batch_op.drop_index("ix_refunds_status_id")
        batch_op.drop_index("ix_refunds_order")
        batch_op.drop_index("ix_refunds_case")

    op.drop_table("refunds")
    op.drop_table("order_balances")
