"""Tombstones of erased customers (ids and time only), so late events route nobody erased.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from shared import ErasedCustomers

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    ErasedCustomers.create_table(op, "routing")


def downgrade() -> None:
    op.drop_table("erased_customers", schema="routing")
