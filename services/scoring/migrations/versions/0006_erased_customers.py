"""Tombstones of erased customers (ids and time only), so late events score nobody erased.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    uid = UUID(as_uuid=True)
    op.create_table(
        "erased_customers",
        sa.Column("tenant_id", uid, primary_key=True),
        sa.Column("customer_id", uid, primary_key=True),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("erased_customers", schema=SCHEMA)
