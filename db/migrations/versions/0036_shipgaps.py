"""shipping gaps (issue 12): products' HS code and country of origin for customs
declarations; an order's gift flag and message for the packing slip; a ship confirmation
per shipment line and parcel (a line whose units went in two parcels confirms each under
its own tracking number)

Revision ID: 0036_shipgaps
Revises: 0013_intake
Create Date: 2026-11-30 00:00:00
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision: str = "0036_shipgaps"
down_revision: str | Sequence[str] | None = "0013_intake"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


@contextmanager
def _customers_reflected_quietly() -> Iterator[None]:
    """Rebuilding a table reflects the tables its foreign keys reach (customers among them),
    whose expression indexes SQLite cannot reflect; customers itself is not rebuilt here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        yield


def upgrade() -> None:
    # Plain ADD COLUMNs: SQLite adds them in place, no table is rebuilt.
    with op.batch_alter_table("products") as batch_op:
        batch_op.add_column(sa.Column("hs_code", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("origin_country", sa.String(length=2), nullable=True))
    with op.batch_alter_table("orders") as batch_op:
        batch_op.add_column(sa.Column("is_gift", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("gift_message", sa.Text(), server_default="", nullable=False))
    with _customers_reflected_quietly(), op.batch_alter_table("ship_confirmations") as batch_op:
        batch_op.drop_constraint("shipment_line", type_="unique")
        batch_op.create_unique_constraint("shipment_line_parcel", ["shipment_line_id", "parcel_id"])


def downgrade() -> None:
    # A line confirmed in two parcels keeps its first row (the old one-row-per-line rule).
    op.execute(
        "DELETE FROM ship_confirmations WHERE id NOT IN "
        "(SELECT MIN(id) FROM ship_confirmations GROUP BY shipment_line_id)"
    )
    with _customers_reflected_quietly(), op.batch_alter_table("ship_confirmations") as batch_op:
        batch_op.drop_constraint("shipment_line_parcel", type_="unique")
        batch_op.create_unique_constraint("shipment_line", ["shipment_line_id"])
    with _customers_reflected_quietly(), op.batch_alter_table("orders") as batch_op:
        batch_op.drop_column("gift_message")
        batch_op.drop_column("is_gift")
    with op.batch_alter_table("products") as batch_op:
        batch_op.drop_column("origin_country")
        batch_op.drop_column("hs_code")
