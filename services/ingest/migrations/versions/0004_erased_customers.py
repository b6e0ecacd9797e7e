"""Tombstones of erased customers (ids and time only), so late events link nothing
to anybody erased.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

from shared import ErasedCustomers

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ErasedCustomers.create_table(op, "ingest")


def downgrade() -> None:
    op.drop_table("erased_customers", schema="ingest")
