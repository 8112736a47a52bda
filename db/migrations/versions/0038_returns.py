"""returns: reships (a case's new shipment at no charge) and returns (RMA) with their lines,
inspected back to stock or written off (issue 13)

Revision ID: 0038_returns
Revises: 0013_intake
Create Date: 2026-11-29 23:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0038_returns"
down_revision: str | Sequence[str] | None = "0036_shipgaps"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def _fk(table: str, column: str, target: str, **kw) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), **kw
    )


def upgrade() -> None:
    op.create_table(
        "reships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("replaces_shipment_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        _fk("reships", "case_id", "cases"),
        _fk("reships", "order_id", "orders"),
        _fk("reships", "shipment_id", "shipments"),
        _fk("reships", "replaces_shipment_id", "shipments"),
        _fk("reships", "created_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reships")),
        sa.UniqueConstraint("shipment_id", name=op.f("uq_reships_shipment_id")),
    )
    op.create_index("ix_reships_case", "reships", ["case_id"])
    op.create_index("ix_reships_order", "reships", ["order_id"])
    op.create_table(
        "returns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("goods_cents", sa.Integer(), nullable=False),
        sa.Column("fee_cents", sa.Integer(), nullable=False),
        sa.Column("warehouse_id", sa.Integer(), nullable=False),
        sa.Column("refund_id", sa.Integer(), nullable=True),
        sa.Column("booked_by", sa.Integer(), nullable=True),
        sa.Column("booked_at", TZ, nullable=False),
        sa.Column("received_at", TZ, nullable=True),
        sa.Column("inspected_at", TZ, nullable=True),
        sa.Column("inspected_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('booked','received','inspected','cancelled')",
            name=op.f("ck_returns_status"),
        ),
        sa.CheckConstraint(
            "fee_cents >= 0 AND fee_cents <= goods_cents", name=op.f("ck_returns_fee_within_goods")
        ),
        _fk("returns", "order_id", "orders"),
        _fk("returns", "case_id", "cases"),
        _fk("returns", "warehouse_id", "warehouses"),
        _fk("returns", "refund_id", "refunds"),
        _fk("returns", "booked_by", "users"),
        _fk("returns", "inspected_by", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_returns")),
    )
    op.create_index("ix_returns_order", "returns", ["order_id"])
    op.create_index("ix_returns_case", "returns", ["case_id"])
    op.create_index("ix_returns_status_id", "returns", ["status", "id"])
    op.create_table(
        "return_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("return_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("resellable", sa.Integer(), nullable=False),
        sa.Column("written_off", sa.Integer(), nullable=False),
        sa.Column("bin_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_return_lines_quantity_positive")),
        sa.CheckConstraint(
            "resellable >= 0 AND written_off >= 0 AND resellable + written_off <= quantity",
            name=op.f("ck_return_lines_inspected_within_quantity"),
        ),
        _fk("return_lines", "return_id", "returns", ondelete="CASCADE"),
        _fk("return_lines", "order_line_id", "order_lines"),
        _fk("return_lines", "product_id", "products"),
        _fk("return_lines", "bin_id", "bins"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_return_lines")),
    )
    op.create_index("ix_return_lines_return", "return_lines", ["return_id"])


def downgrade() -> None:
    op.drop_index("ix_return_lines_return", table_name="return_lines")
    op.drop_table("return_lines")
    for name in ("ix_returns_status_id", "ix_returns_case", "ix_returns_order"):
        op.drop_index(name, table_name="returns")
    op.drop_table("returns")
    op.drop_index("ix_reships_order", table_name="reships")
    op.drop_index("ix_reships_case", table_name="reships")
    op.drop_table("reships")
