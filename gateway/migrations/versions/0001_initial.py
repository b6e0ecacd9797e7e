"""Tenants, API keys, users, idempotency keys and the messaging tables.

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

SCHEMA = "gateway"


def upgrade() -> None:
    create_messaging_tables(op, SCHEMA)
    ts = sa.DateTime(timezone=True)

    def tenant_fk() -> sa.ForeignKey:
        return sa.ForeignKey(f"{SCHEMA}.tenants.id", ondelete="CASCADE")

    op.create_table(
        "tenants",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "api_keys",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), tenant_fk(), nullable=False, index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", JSONB, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("revoked_at", ts),
        schema=SCHEMA,
    )
    op.create_table(
        "users",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), tenant_fk(), nullable=False, index=True),
        sa.Column("username", sa.String(200), nullable=False, unique=True),
        sa.Column("display_name", sa.String(200)),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("content_type", sa.String(200)),
        sa.Column("body", sa.LargeBinary),
        sa.Column("created_at", ts, nullable=False, index=True),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "idempotency_keys",
        "users",
        "api_keys",
        "tenants",
        "dead_letters",
        "inbox",
        "outbox",
    ):
        op.drop_table(table, schema=SCHEMA)
