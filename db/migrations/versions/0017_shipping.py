"""shipping: insurance threshold, parcel signature/insurance, confirmations; carriers seeded

Revision ID: 0017_shipping
Revises: 0012_parcels
Create Date: 2026-11-29 20:50:00.000000
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0017_shipping"
down_revision: str | Sequence[str] | None = "0026_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
_ACTIONS_BEFORE = "'print','reprint','void'"
_ACTIONS_AFTER = "'print','reprint','void','import'"  # a carrier-issued label imported


def upgrade() -> None:
    with _customers_reflected_quietly():
        _upgrade()


def downgrade() -> None:
    with _customers_reflected_quietly():
        _downgrade()


@contextmanager
def _customers_reflected_quietly() -> Iterator[None]:
    """Rebuilding parcels and their labels reflects the tables their foreign keys reach,
    customers among them, whose expression indexes SQLite cannot reflect: SQLAlchemy warns
    and skips them. Customers is not rebuilt, so its indexes stay as they are."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        yield


def _upgrade() -> None:
    with op.batch_alter_table("carrier_services", schema=None) as batch_op:
        batch_op.add_column(sa.Column("insurance_above_cents", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "threshold_currency", sa.String(length=3), server_default="EUR", nullable=False
            )
        )
    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signature_required", sa.Boolean(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("insured", sa.Boolean(), server_default="0", nullable=False))
    with op.batch_alter_table("parcel_labels", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_parcel_labels_action"), type_="check")
        batch_op.create_check_constraint("action", f"action IN ({_ACTIONS_AFTER})")
    op.create_table(
        "ship_confirmation_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("file_format", sa.String(length=16), nullable=False),
        sa.Column("since", TZ, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("row_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ship_confirmation_exports_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_confirmation_exports")),
    )
    op.create_table(
        "ship_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("export_id", sa.Integer(), nullable=False),
        sa.Column("shipment_line_id", sa.Integer(), nullable=False),
        sa.Column("parcel_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("tracking_number", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["export_id"],
            ["ship_confirmation_exports.id"],
            name=op.f("fk_ship_confirmations_export_id_ship_confirmation_exports"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["parcel_id"], ["parcels.id"], name=op.f("fk_ship_confirmations_parcel_id_parcels")
        ),
        sa.ForeignKeyConstraint(
            ["shipment_line_id"],
            ["shipment_lines.id"],
            name=op.f("fk_ship_confirmations_shipment_line_id_shipment_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ship_confirmations")),
        sa.UniqueConstraint("shipment_line_id", name="shipment_line"),
    )
    with op.batch_alter_table("ship_confirmations", schema=None) as batch_op:
        batch_op.create_index("ix_ship_confirmations_export", ["export_id"], unique=False)
    _seed_carriers()


def _seed_carriers() -> None:
    """The carriers and services a new database starts with (a supervisor edits them)."""
    from app.shipping.carriers import CARRIERS, THRESHOLD_CURRENCY, service_rows

    bind = op.get_bind()
    carriers = sa.table(
        "carriers",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("amazon_code", sa.String),
        sa.column("issues_labels", sa.Boolean),
        sa.column("active", sa.Boolean),
    )
    services = sa.table(
        "carrier_services",
        *(
            sa.column(name)
            for name in (
                "carrier_id",
                "code",
                "name",
                "level",
                "ship_method",
                "max_weight_g",
                "signature_above_cents",
                "insurance_above_cents",
                "threshold_currency",
                "transit_days",
                "silent_hours",
                "rank",
                "active",
            )
        ),
        sa.column("countries", sa.JSON),
    )
    existing = set(bind.execute(sa.select(carriers.c.code)).scalars())
    new = [c for c in CARRIERS if c[0] not in existing]
    if not new:
        return
    op.bulk_insert(
        carriers,
        [
            {"code": code, "name": name, "amazon_code": amazon, "issues_labels": issues,
             "active": True}
            for code, name, amazon, issues in new
        ],
    )  # fmt: skip
    ids = dict(bind.execute(sa.select(carriers.c.code, carriers.c.id)).all())
    new_codes = {c[0] for c in new}
    rows = []
    for row in service_rows():
        if row["carrier"] not in new_codes:
            continue
        carrier = row.pop("carrier")
        countries = row.pop("countries")
        rows.append(
            {
                **row,
                "carrier_id": ids[carrier],
                "countries": list(countries) if countries else None,
                "threshold_currency": THRESHOLD_CURRENCY,
                "active": True,
            }
        )
    op.bulk_insert(services, rows)


def _downgrade() -> None:
    with op.batch_alter_table("ship_confirmations", schema=None) as batch_op:
        batch_op.drop_index("ix_ship_confirmations_export")
    op.drop_table("ship_confirmations")
    op.drop_table("ship_confirmation_exports")
    op.execute("DELETE FROM parcel_labels WHERE action = 'import'")
    with op.batch_alter_table("parcel_labels", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_parcel_labels_action"), type_="check")
        batch_op.create_check_constraint("action", f"action IN ({_ACTIONS_BEFORE})")
    with op.batch_alter_table("parcels", schema=None) as batch_op:
        batch_op.drop_column("insured")
        batch_op.drop_column("signature_required")
    with op.batch_alter_table("carrier_services", schema=None) as batch_op:
        batch_op.drop_column("threshold_currency")
        batch_op.drop_column("insurance_above_cents")
    # The seeded carriers stay: 0012_parcels' tables are not ours to empty.
