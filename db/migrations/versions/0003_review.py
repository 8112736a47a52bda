"""review desk: findings, exceptions, promotions, incoming stock, block list, contact tasks,
customer messages (issue 4)

Revision ID: 0003_review
Revises: 0002_intake
Create Date: 2026-11-27 07:21:15.761186
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_review"
down_revision: str | Sequence[str] | None = "0002_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "promotions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("sku", sa.String(length=64), nullable=True),
        sa.Column("category", sa.String(length=60), nullable=True),
        sa.Column("percent_off", sa.Integer(), nullable=True),
        sa.Column("amount_off_cents", sa.Integer(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "(percent_off IS NULL) <> (amount_off_cents IS NULL)",
            name=op.f("ck_promotions_one_kind_of_cut"),
        ),
        sa.CheckConstraint(
            "amount_off_cents IS NULL OR (amount_off_cents >= 0 AND currency IS NOT NULL)",
            name=op.f("ck_promotions_amount"),
        ),
        sa.CheckConstraint(
            "ends_at IS NULL OR ends_at > starts_at", name=op.f("ck_promotions_ends_after_start")
        ),
        sa.CheckConstraint(
            "percent_off IS NULL OR percent_off BETWEEN 0 AND 100",
            name=op.f("ck_promotions_percent"),
        ),
        sa.CheckConstraint(
            "sku IS NOT NULL OR category IS NOT NULL", name=op.f("ck_promotions_has_target")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promotions")),
    )
    with op.batch_alter_table("promotions", schema=None) as batch_op:
        batch_op.create_index("ix_promotions_category", ["category"], unique=False)
        batch_op.create_index("ix_promotions_sku", ["sku"], unique=False)

    op.create_table(
        "incoming_stock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("expected_date", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('expected','received','cancelled')", name=op.f("ck_incoming_stock_status")
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_incoming_stock_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_incoming_stock_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_incoming_stock_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incoming_stock")),
    )
    with op.batch_alter_table("incoming_stock", schema=None) as batch_op:
        batch_op.create_index(
            "ix_incoming_stock_product", ["product_id", "status", "expected_date"], unique=False
        )

    op.create_table(
        "block_list_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("value_key", sa.String(length=300), nullable=False),
        sa.Column("shown", sa.String(length=300), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_by_name", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('customer','email','phone','address')",
            name=op.f("ck_block_list_entries_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["added_by_id"], ["users.id"], name=op.f("fk_block_list_entries_added_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_block_list_entries_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_block_list_entries_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_block_list_entries")),
        sa.UniqueConstraint("kind", "value_key", name="uq_block_list_entries_kind_value"),
    )
    op.create_table(
        "contact_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("what_needed", sa.Text(), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_by_name", sa.String(length=64), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("wait_until", sa.Date(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_by_name", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('request_info','stock_short','payment_problem','unreachable')",
            name=op.f("ck_contact_tasks_kind"),
        ),
        sa.CheckConstraint(
            "state IN ('open','done','cancelled')", name=op.f("ck_contact_tasks_state")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_contact_tasks_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name=op.f("fk_contact_tasks_customer_id_customers")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_contact_tasks_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_tasks")),
    )
    with op.batch_alter_table("contact_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_contact_tasks_order", ["order_id"], unique=False)
        batch_op.create_index("ix_contact_tasks_state_id", ["state", "id"], unique=False)

    op.create_table(
        "exception_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("how_found", sa.Text(), nullable=False),
        sa.Column("related_order_ids", sa.JSON(), nullable=True),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opened_by_name", sa.String(length=64), nullable=False),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("handled_by_name", sa.String(length=64), nullable=False),
        sa.Column("result", sa.String(length=24), nullable=True),
        sa.Column("result_note", sa.Text(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('duplicate','malicious','unreachable','account','other')",
            name=op.f("ck_exception_records_kind"),
        ),
        sa.CheckConstraint(
            "result IS NULL OR result IN ('kept','cancelled_duplicate','banned','released',"
            "'cancelled','approved')",
            name=op.f("ck_exception_records_result"),
        ),
        sa.CheckConstraint(
            "state IN ('open','held','closed')", name=op.f("ck_exception_records_state")
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_exception_records_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["handled_by_id"], ["users.id"], name=op.f("fk_exception_records_handled_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_exception_records_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exception_records")),
    )
    with op.batch_alter_table("exception_records", schema=None) as batch_op:
        batch_op.create_index("ix_exception_records_customer", ["customer_id"], unique=False)
        batch_op.create_index(
            "ix_exception_records_kind_opened", ["kind", "opened_at"], unique=False
        )
        batch_op.create_index("ix_exception_records_order", ["order_id"], unique=False)
        batch_op.create_index(
            "ix_exception_records_state_order", ["state", "order_id"], unique=False
        )

    op.create_table(
        "review_findings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=48), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("queue", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "queue IN ('needs_info','stock_short','payment_problem','exception')",
            name=op.f("ck_review_findings_queue"),
        ),
        sa.CheckConstraint(
            "severity IN ('block','warn')", name=op.f("ck_review_findings_severity")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["orders.id"],
            name=op.f("fk_review_findings_order_id_orders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_findings")),
    )
    with op.batch_alter_table("review_findings", schema=None) as batch_op:
        batch_op.create_index("ix_review_findings_code_order", ["code", "order_id"], unique=False)
        batch_op.create_index("ix_review_findings_order", ["order_id"], unique=False)

    op.create_table(
        "customer_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("contact_task_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("recipient", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_name", sa.String(length=64), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('draft','sent','discarded')", name=op.f("ck_customer_messages_state")
        ),
        sa.ForeignKeyConstraint(
            ["contact_task_id"],
            ["contact_tasks.id"],
            name=op.f("fk_customer_messages_contact_task_id_contact_tasks"),
        ),
        sa.ForeignKeyConstraint(
            ["customer_id"],
            ["customers.id"],
            name=op.f("fk_customer_messages_customer_id_customers"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_customer_messages_order_id_orders")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_messages")),
    )
    with op.batch_alter_table("customer_messages", schema=None) as batch_op:
        batch_op.create_index("ix_customer_messages_order", ["order_id"], unique=False)
        batch_op.create_index("ix_customer_messages_state_id", ["state", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("customer_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_customer_messages_state_id")
        batch_op.drop_index("ix_customer_messages_order")

    op.drop_table("customer_messages")
    with op.batch_alter_table("review_findings", schema=None) as batch_op:
        batch_op.drop_index("ix_review_findings_order")
        batch_op.drop_index("ix_review_findings_code_order")

    op.drop_table("review_findings")
    with op.batch_alter_table("exception_records", schema=None) as batch_op:
        batch_op.drop_index("ix_exception_records_state_order")
        batch_op.drop_index("ix_exception_records_order")
        batch_op.drop_index("ix_exception_records_kind_opened")
        batch_op.drop_index("ix_exception_records_customer")

    op.drop_table("exception_records")
    with op.batch_alter_table("contact_tasks", schema=None) as batch_op:
        batch_op.drop_index("ix_contact_tasks_state_id")
        batch_op.drop_index("ix_contact_tasks_order")

    op.drop_table("contact_tasks")
    op.drop_table("block_list_entries")
    with op.batch_alter_table("incoming_stock", schema=None) as batch_op:
        batch_op.drop_index("ix_incoming_stock_product")

    op.drop_table("incoming_stock")
    with op.batch_alter_table("promotions", schema=None) as batch_op:
        batch_op.drop_index("ix_promotions_sku")
        batch_op.drop_index("ix_promotions_category")

    op.drop_table("promotions")
