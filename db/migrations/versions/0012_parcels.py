"""shipping: carriers and their services, parcels and their label history (issue 12)

Revision ID: 0012_parcels
Revises: 0011_search_keys
Create Date: 2026-11-29 20:31:17.890550
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_parcels"
down_revision: str | Sequence[str] | None = "0011_search_keys"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "carriers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("amazon_code", sa.String(length=40), nullable=True),
        sa.Column("issues_labels", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carriers")),
        sa.UniqueConstraint("code", name=op.f("uq_carriers_code")),
    )
    op.create_table(
        "carrier_services",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("ship_method", sa.String(length=80), nullable=True),
        sa.Column("max_weight_g", sa.Integer(), nullable=True),
        sa.Column("countries", sa.JSON(), nullable=True),
        sa.Column("signature_above_cents", sa.Integer(), nullable=True),
        sa.Column("transit_days", sa.Integer(), nullable=True),
        sa.Column("silent_hours", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "level IN ('standard','expedited','next_day')", name=op.f("ck_carrier_services_level")
        ),
        sa.ForeignKeyConstraint(
            ["carrier_id"], ["carriers.id"], name=op.f("fk_carrier_services_carrier_id_carriers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_carrier_services")),
        sa.UniqueConstraint("carrier_id", "code", name="carrier_code"),
    )
    op.create_table(
        "parcels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("shipment_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("package_type", sa.String(length=32), nullable=True),
        sa.Column("weight_g", sa.Integer(), nullable=True),
        sa.Column("carrier_service_id", sa.Integer(), nullable=True),
        sa.Column("tracking_number", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("labelled_at", TZ, nullable=True),
        sa.Column("handed_over_at", TZ, nullable=True),
        sa.Column("handed_over_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "status IN ('open','labelled','handed_over','voided')", name=op.f("ck_parcels_status")
        ),
        sa.CheckConstraint(
            "weight_g IS NULL OR weight_g > 0", name=op.f("ck_parcels_weight_positive")
        ),
        sa.ForeignKeyConstraint(
            ["carrier_service_id"],
            ["carrier_services.id"],
            name=op.f("fk_parcels_carrier_service_id_carrier_services"),
        ),
        sa.ForeignKeyConstraint(
            ["handed_over_by"], ["users.id"], name=op.f("fk_parcels_handed_over_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_id"],
            ["shipments.id"],
            name=op.f("fk_parcels_shipment_id_shipments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcels")),
        sa.UniqueConstraint("shipment_id", "sequence", name="shipment_sequence"),
    )
    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.create_index(
            "ix_parcels_status_handed_over_at", ["status", "handed_over_at"], unique=False
        )
        batch_op.create_index("ix_parcels_tracking_number", ["tracking_number"], unique=False)

    op.create_table(
        "parcel_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("label_format", sa.String(length=8), nullable=False),
        sa.Column("printer", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=8), nullable=False),
        sa.Column("failure", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.CheckConstraint(
            "action IN ('print','reprint','void')", name=op.f("ck_parcel_labels_action")
        ),
        sa.CheckConstraint(
            "label_format IN ('pdf','zpl')", name=op.f("ck_parcel_labels_label_format")
        ),
        sa.CheckConstraint(
            "outcome IN ('printed','failed')", name=op.f("ck_parcel_labels_outcome")
        ),
        sa.CheckConstraint("source IN ('drawn','carrier')", name=op.f("ck_parcel_labels_source")),
        sa.ForeignKeyConstraint(
            ["parcel_id"],
            ["parcels.id"],
            name=op.f("fk_parcel_labels_parcel_id_parcels"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_parcel_labels_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_labels")),
    )
    with op.batch_alter_table("parcel_labels", schema=None) as batch_op:
        batch_op.create_index("ix_parcel_labels_parcel", ["parcel_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("parcel_labels", schema=None) as batch_op:
        batch_op.drop_index("ix_parcel_labels_parcel")

    op.drop_table("parcel_labels")
    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.drop_index("ix_parcels_tracking_number")
        batch_op.drop_index("ix_parcels_status_handed_over_at")

    op.drop_table("parcels")
    op.drop_table("carrier_services")
    op.drop_table("carriers")
