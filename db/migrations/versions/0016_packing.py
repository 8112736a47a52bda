"""packing: package types and rules, products' packing facts, station scans (issue 12)

Revision ID: 0016_packing
Revises: 0012_parcels
Create Date: 2026-11-29 20:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_packing"
down_revision: str | Sequence[str] | None = "0017_shipping"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "package_types",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("inner_volume_cm3", sa.Integer(), nullable=False),
        sa.Column("max_weight_g", sa.Integer(), nullable=False),
        sa.Column("tare_g", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('carton','foam_carton','poly_bag','envelope')",
            name=op.f("ck_package_types_kind"),
        ),
        sa.CheckConstraint(
            "inner_volume_cm3 > 0 AND max_weight_g > 0 AND tare_g >= 0",
            name=op.f("ck_package_types_sizes"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_types")),
        sa.UniqueConstraint("code", name=op.f("uq_package_types_code")),
    )
    op.create_table(
        "package_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("fragile", sa.Boolean(), nullable=True),
        sa.Column("soft", sa.Boolean(), nullable=True),
        sa.Column("max_volume_cm3", sa.Integer(), nullable=True),
        sa.Column("max_weight_g", sa.Integer(), nullable=True),
        sa.Column("package_type_id", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_type_id"],
            ["package_types.id"],
            name=op.f("fk_package_rules_package_type_id_package_types"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_package_rules")),
    )
    with op.batch_alter_table("package_rules", schema=None) as batch_op:
        batch_op.create_index("ix_package_rules_rank", ["rank", "id"], unique=False)

    op.create_table(
        "product_packing",
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("length_mm", sa.Integer(), nullable=False),
        sa.Column("width_mm", sa.Integer(), nullable=False),
        sa.Column("height_mm", sa.Integer(), nullable=False),
        sa.Column("soft", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "length_mm > 0 AND width_mm > 0 AND height_mm > 0",
            name=op.f("ck_product_packing_dimensions"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["products.id"],
            name=op.f("fk_product_packing_product_id_products"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("product_id", name=op.f("pk_product_packing")),
    )
    op.create_table(
        "pack_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=True),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.CheckConstraint("kind IN ('item','refused')", name=op.f("ck_pack_scans_kind")),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_pack_scans_actor_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["parcel_id"],
            ["parcels.id"],
            name=op.f("fk_pack_scans_parcel_id_parcels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_pack_scans_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_pack_scans_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pack_scans")),
    )
    with op.batch_alter_table("pack_scans", schema=None) as batch_op:
        batch_op.create_index("ix_pack_scans_parcel", ["parcel_id"], unique=False)
        batch_op.create_index("ix_pack_scans_shipment", ["shipment_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pack_scans", schema=None) as batch_op:
        batch_op.drop_index("ix_pack_scans_shipment")
        batch_op.drop_index("ix_pack_scans_parcel")
    op.drop_table("pack_scans")
    op.drop_table("product_packing")
    with op.batch_alter_table("package_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_package_rules_rank")
    op.drop_table("package_rules")
    op.drop_table("package_types")
