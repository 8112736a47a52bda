"""intake: price lists per marketplace, channel accounts' marketplaces, and the order
columns Amazon's Unshipped Orders report fills (amounts source, business order, purchase
order number, buyer-requested cancellation)

Revision ID: 0013_intake
Revises: 0012_parcels
Create Date: 2026-11-29 20:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013_intake"
down_revision: str | Sequence[str] | None = "0014_search"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "price_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("marketplace", sa.String(length=8), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_price_lists")),
        sa.UniqueConstraint("marketplace", name=op.f("uq_price_lists_marketplace")),
    )
    op.create_table(
        "price_list_prices",
        sa.Column("price_list_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("unit_price_cents", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "unit_price_cents >= 0", name=op.f("ck_price_list_prices_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["price_list_id"],
            ["price_lists.id"],
            name=op.f("fk_price_list_prices_price_list_id_price_lists"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["product_id"], ["products.id"], name=op.f("fk_price_list_prices_product_id_products")
        ),
        sa.PrimaryKeyConstraint("price_list_id", "product_id", name=op.f("pk_price_list_prices")),
    )
    op.create_table(
        "channel_marketplaces",
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("marketplace", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_marketplaces")),
    )
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(
            sa.Column(
                "amounts_source", sa.String(length=12), nullable=False, server_default="channel"
            )
        )
        batch_op.add_column(
            sa.Column("is_business_order", sa.Boolean(), nullable=False, server_default="0")
        )
        batch_op.add_column(sa.Column("purchase_order_number", sa.String(length=80), nullable=True))
        batch_op.add_column(
            sa.Column(
                "buyer_requested_cancellation",
                sa.Boolean(),
                nullable=False,
                server_default="0",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("buyer_requested_cancellation")
        batch_op.drop_column("purchase_order_number")
        batch_op.drop_column("is_business_order")
        batch_op.drop_column("amounts_source")
    op.drop_table("channel_marketplaces")
    op.drop_table("price_list_prices")
    op.drop_table("price_lists")
