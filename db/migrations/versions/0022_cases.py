"""cases: complaints and feedback, their notes, deadline targets per channel (issue 13)

Revision ID: 0022_cases
Revises: 0021_tracking
Create Date: 2026-11-29 20:39:17.071616
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022_cases"
down_revision: str | Sequence[str] | None = "0021_tracking"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "case_deadline_targets",
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("first_reply_hours", sa.Integer(), nullable=False),
        sa.Column("resolution_hours", sa.Integer(), nullable=False),
        sa.Column("business_hours", sa.Boolean(), nullable=False),
        sa.Column("pause_allowed", sa.Boolean(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("timezone", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            "first_reply_hours > 0 AND resolution_hours >= first_reply_hours",
            name=op.f("ck_case_deadline_targets_hours"),
        ),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_case_deadline_targets")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("priority", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("subject_values", sa.JSON(), nullable=True),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("shipment_id", sa.Integer(), nullable=True),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("claim_kind", sa.String(length=16), nullable=True),
        sa.Column("claim_reference", sa.String(length=64), nullable=True),
        sa.Column("claim_due_at", TZ, nullable=True),
        sa.Column("opened_at", TZ, nullable=False),
        sa.Column("first_reply_due_at", TZ, nullable=False),
        sa.Column("first_replied_at", TZ, nullable=True),
        sa.Column("resolution_due_at", TZ, nullable=False),
        sa.Column("waiting_since", TZ, nullable=True),
        sa.Column("resolution", sa.String(length=16), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("resolved_at", TZ, nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("follow_up_outcome", sa.Text(), nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("closed_at", TZ, nullable=True),
        sa.Column("watch_key", sa.Integer(), nullable=True),
        sa.Column("watch_reason", sa.String(length=16), nullable=True),
        sa.Column("status_changed_at", TZ, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "category IN ('delay','lost','damaged','wrong_item','quality','service','other')",
            name=op.f("ck_cases_category"),
        ),
        sa.CheckConstraint(
            "priority IN ('low','normal','high','urgent')", name=op.f("ck_cases_priority")
        ),
        sa.CheckConstraint(
            "status != 'closed' OR resolution IS NOT NULL",
            name=op.f("ck_cases_closed_has_resolution"),
        ),
        sa.CheckConstraint(
            "status IN ('open','waiting','resolved','closed')", name=op.f("ck_cases_status")
        ),
        sa.CheckConstraint(
            "satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5",
            name=op.f("ck_cases_satisfaction_1_to_5"),
        ),
        sa.ForeignKeyConstraint(
            ["assignee_id"], ["users.id"], name=op.f("fk_cases_assignee_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_cases_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_cases_order_id_orders")),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_cases_shipment_id_shipments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("watch_key", name=op.f("uq_cases_watch_key")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_customer", ["customer_id"], unique=False)
        batch_op.create_index("ix_cases_order", ["order_id"], unique=False)
        batch_op.create_index("ix_cases_reply_due", ["first_reply_due_at", "id"], unique=False)
        batch_op.create_index("ix_cases_shipment", ["shipment_id"], unique=False)
        batch_op.create_index(
            "ix_cases_status_reply_due", ["status", "first_reply_due_at", "id"], unique=False
        )

    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("message_id", sa.String(length=250), nullable=True),
        sa.CheckConstraint(
            "kind IN ('note','call','reply','customer','system')", name=op.f("ck_case_notes_kind")
        ),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_case_notes_author_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_notes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.UniqueConstraint("message_id", name=op.f("uq_case_notes_message_id")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_notes")),
    )
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.create_index("ix_case_notes_case", ["case_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("case_notes", schema=None) as batch_op:
        batch_op.drop_index("ix_case_notes_case")

    op.drop_table("case_notes")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_status_reply_due")
        batch_op.drop_index("ix_cases_shipment")
        batch_op.drop_index("ix_cases_reply_due")
        batch_op.drop_index("ix_cases_order")
        batch_op.drop_index("ix_cases_customer")

    op.drop_table("cases")
    op.drop_table("case_deadline_targets")
