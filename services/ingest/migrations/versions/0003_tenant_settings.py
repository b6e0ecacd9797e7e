"""Tenant extraction settings.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tenant_settings",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_number_patterns", JSONB, nullable=False),
        sa.Column("default_language", sa.String(5)),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        schema="ingest",
    )


def downgrade() -> None:
    op.drop_table("tenant_settings", schema="ingest")
