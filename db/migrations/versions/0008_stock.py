"""stock: bin kinds, reorder rules, pick-face rules (issue 11, stock part)

Revision ID: 0008_stock
Revises: 0007_input_safety
Create Date: 2026-11-29 18:05:00

* bins gain ``kind`` (receiving, storage, pick_face, overflow); every existing bin is a
  storage bin, which is what they were used as.
* ``reorder_rules``: the low-stock threshold per product and warehouse.
* ``pick_face_rules``: how full a pick-face bin keeps a product (replenishment).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_stock"
down_revision: str | Sequence[str] | None = "0007_input_safety"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("bins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("kind", sa.String(length=12), server_default="storage", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_bins_bin_kind"), "kind IN ('receiving','storage','pick_face','overflow')"
        )

    op.create_table(
        "reorder_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("pack_size", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("min_quantity >= 0", name=op.f("ck_reorder_rules_min_not_negative")),
        sa.CheckConstraint("pack_size >= 1", name=op.f("ck_reorder_rules_pack_size_positive")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_reorder_rules_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_reorder_rules_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reorder_rules")),
        sa.UniqueConstraint(
            "product_id", "warehouse_id", name="uq_reorder_rules_product_warehouse"
        ),
    )
    with op.batch_alter_table("reorder_rules", schema=None) as batch_op:
        batch_op.create_index("ix_reorder_rules_warehouse", ["warehouse_id"], unique=False)

    op.create_table(
        "pick_face_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bin_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("min_quantity", sa.Integer(), nullable=False),
        sa.Column("max_quantity", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "max_quantity >= min_quantity", name=op.f("ck_pick_face_rules_max_not_below_min")
        ),
        sa.CheckConstraint("min_quantity >= 0", name=op.f("ck_pick_face_rules_min_not_negative")),
        sa.ForeignKeyConstraint(
            ["bin_id"], ["bins.id"], name=op.f("fk_pick_face_rules_bin_id_bins")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_pick_face_rules_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_face_rules")),
        sa.UniqueConstraint("bin_id", "product_id", name="uq_pick_face_rules_bin_product"),
    )
    with op.batch_alter_table("pick_face_rules", schema=None) as batch_op:
        batch_op.create_index("ix_pick_face_rules_product", ["product_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pick_face_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_pick_face_rules_product")
    op.drop_table("pick_face_rules")
    with op.batch_alter_table("reorder_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_reorder_rules_warehouse")
    op.drop_table("reorder_rules")
    with op.batch_alter_table("bins", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_bins_bin_kind"), type_="check")
        batch_op.drop_column("kind")
