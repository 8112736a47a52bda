"""picking: reservations, routing rules, totes, pick lists and their tasks and scans;
bins.needs_count (issue 11)

Revision ID: 0009_picking
Revises: 0008_stock
Create Date: 2026-11-29 18:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_picking"
down_revision: str | Sequence[str] | None = "0008_stock"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("bins", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("needs_count", sa.Boolean(), server_default="0", nullable=False)
        )

    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quant_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("shipment_line_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=False),
        sa.Column("released", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=8), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("closed_at", TZ, nullable=True),
        sa.CheckConstraint(
            "quantity >= 0 AND picked >= 0 AND released >= 0",
            name=op.f("ck_reservations_quantities"),
        ),
        sa.CheckConstraint(
            "state IN ('open','picked','released')", name=op.f("ck_reservations_state")
        ),
        sa.CheckConstraint(
            "state = 'open' OR quantity = 0", name=op.f("ck_reservations_closed_holds_nothing")
        ),
        sa.ForeignKeyConstraint(
            ["quant_id"], ["stock_quants.id"], name=op.f("fk_reservations_quant_id_stock_quants")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_reservations_product_id_products")
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_reservations_warehouse_id_warehouses"),
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_reservations_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"],
            ["order_lines.id"],
            name=op.f("fk_reservations_order_line_id_order_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["shipment_line_id"],
            ["shipment_lines.id"],
            name=op.f("fk_reservations_shipment_line_id_shipment_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index("ix_reservations_quant_state", ["quant_id", "state"])
        batch_op.create_index("ix_reservations_order_state", ["order_id", "state"])
        batch_op.create_index("ix_reservations_shipment_line", ["shipment_line_id"])

    op.create_table(
        "routing_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=60), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint("kind IN ('category','country')", name=op.f("ck_routing_rules_kind")),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_routing_rules_warehouse_id_warehouses"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_routing_rules")),
        sa.UniqueConstraint("kind", "key", "warehouse_id", name="uq_routing_rules_kind_key_wh"),
    )

    op.create_table(
        "totes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["warehouse_id"], ["warehouses.id"], name=op.f("fk_totes_warehouse_id_warehouses")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_totes")),
        sa.UniqueConstraint("code", name=op.f("uq_totes_code")),
    )

    op.create_table(
        "pick_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("carrier", sa.String(length=40), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("picker_id", sa.Integer(), nullable=True),
        sa.Column("picker_name", sa.String(length=64), nullable=False),
        sa.Column("claimed_at", TZ, nullable=True),
        sa.Column("finished_at", TZ, nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("current_bin_id", sa.Integer(), nullable=True),
        sa.Column("confirmed_stop", sa.Integer(), nullable=True),
        sa.Column("wrong_scans", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("kind IN ('single','batch')", name=op.f("ck_pick_lists_kind")),
        sa.CheckConstraint(
            "status IN ('open','claimed','finished','cancelled')",
            name=op.f("ck_pick_lists_status"),
        ),
        sa.ForeignKeyConstraint(
            ["warehouse_id"],
            ["warehouses.id"],
            name=op.f("fk_pick_lists_warehouse_id_warehouses"),
        ),
        sa.ForeignKeyConstraint(
            ["picker_id"], ["users.id"], name=op.f("fk_pick_lists_picker_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["current_bin_id"], ["bins.id"], name=op.f("fk_pick_lists_current_bin_id_bins")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_lists")),
    )
    with op.batch_alter_table("pick_lists", schema=None) as batch_op:
        batch_op.create_index("ix_pick_lists_warehouse_status", ["warehouse_id", "status", "id"])

    op.create_table(
        "pick_list_shipments",
        sa.Column("pick_list_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("tote_id", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=12), nullable=False),
        sa.ForeignKeyConstraint(
            ["pick_list_id"],
            ["pick_lists.id"],
            name=op.f("fk_pick_list_shipments_pick_list_id_pick_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_pick_list_shipments_shipment_id_shipments"),
        ),
        sa.ForeignKeyConstraint(
            ["tote_id"], ["totes.id"], name=op.f("fk_pick_list_shipments_tote_id_totes")
        ),
        sa.PrimaryKeyConstraint("pick_list_id", "shipment_id", name=op.f("pk_pick_list_shipments")),
    )
    with op.batch_alter_table("pick_list_shipments", schema=None) as batch_op:
        batch_op.create_index("ix_pick_list_shipments_shipment", ["shipment_id"])

    op.create_table(
        "pick_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pick_list_id", sa.Integer(), nullable=False),
        sa.Column("stop", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("shipment_line_id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=False),
        sa.Column("quant_id", sa.Integer(), nullable=False),
        sa.Column("bin_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("picked", sa.Integer(), nullable=False),
        sa.Column("short", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "quantity > 0 AND picked >= 0 AND short >= 0", name=op.f("ck_pick_tasks_quantities")
        ),
        sa.CheckConstraint(
            "picked + short <= quantity", name=op.f("ck_pick_tasks_within_quantity")
        ),
        sa.ForeignKeyConstraint(
            ["pick_list_id"],
            ["pick_lists.id"],
            name=op.f("fk_pick_tasks_pick_list_id_pick_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"], ["shipments.id"], name=op.f("fk_pick_tasks_shipment_id_shipments")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_line_id"],
            ["shipment_lines.id"],
            name=op.f("fk_pick_tasks_shipment_line_id_shipment_lines"),
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_pick_tasks_reservation_id_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["quant_id"], ["stock_quants.id"], name=op.f("fk_pick_tasks_quant_id_stock_quants")
        ),
        sa.ForeignKeyConstraint(["bin_id"], ["bins.id"], name=op.f("fk_pick_tasks_bin_id_bins")),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_pick_tasks_product_id_products")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_tasks")),
    )
    with op.batch_alter_table("pick_tasks", schema=None) as batch_op:
        batch_op.create_index("ix_pick_tasks_list_stop", ["pick_list_id", "stop"])
        batch_op.create_index("ix_pick_tasks_reservation", ["reservation_id"])

    op.create_table(
        "pick_scans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pick_list_id", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("stop", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("effect", sa.JSON(), nullable=True),
        sa.Column("refused", sa.Boolean(), nullable=False),
        sa.Column("undone", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["pick_list_id"],
            ["pick_lists.id"],
            name=op.f("fk_pick_scans_pick_list_id_pick_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_pick_scans_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pick_scans")),
    )
    with op.batch_alter_table("pick_scans", schema=None) as batch_op:
        batch_op.create_index("ix_pick_scans_list", ["pick_list_id", "id"])
        batch_op.create_index("ix_pick_scans_actor_refused", ["actor_name", "refused"])


def downgrade() -> None:
    for table in (
        "pick_scans",
        "pick_tasks",
        "pick_list_shipments",
        "pick_lists",
        "totes",
        "routing_rules",
        "reservations",
    ):
        op.drop_table(table)
    with op.batch_alter_table("bins", schema=None) as batch_op:
        batch_op.drop_column("needs_count")
