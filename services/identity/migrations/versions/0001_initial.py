"""Customers, identities, social profiles and the messaging tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

from shared import create_messaging_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "identity"


def upgrade() -> None:
    create_messaging_tables(op, SCHEMA)
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "customers",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("customer_number", sa.String(100)),
        sa.Column("title", sa.String(100)),
        sa.Column("given_name", sa.String(200)),
        sa.Column("family_name", sa.String(200)),
        sa.Column("date_of_birth", sa.Date),
        sa.Column("street", sa.String(300)),
        sa.Column("postcode", sa.String(20)),
        sa.Column("city", sa.String(200)),
        sa.Column("country", sa.String(2)),
        sa.Column("emails", JSONB, nullable=False),
        sa.Column("phones", JSONB, nullable=False),
        sa.Column("handles", JSONB, nullable=False),
        sa.Column("tier", sa.String(50)),
        sa.Column("value", sa.Float),
        sa.Column("is_prospect", sa.Boolean, nullable=False),
        sa.Column("display_name", sa.String(300)),
        sa.Column("merged_into", UUID(as_uuid=True)),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_customers_number",
        "customers",
        ["tenant_id", "customer_number"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("customer_number IS NOT NULL"),
    )
    op.create_index(
        "ix_customers_tenant_family", "customers", ["tenant_id", "family_name"], schema=SCHEMA
    )
    op.create_table(
        "identities",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("kind", sa.String(30), primary_key=True),
        sa.Column("value", sa.String(400), primary_key=True),
        sa.Column(
            "customer_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("verified", sa.Boolean, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_identities_customer_id", "identities", ["customer_id"], schema=SCHEMA)
    op.create_table(
        "social_profiles",
        sa.Column(
            "customer_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.customers.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("network", sa.String(30), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("data", JSONB, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("social_profiles", "identities", "customers", "dead_letters", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
