"""Scores, score history, tenant configuration and the messaging tables.

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

SCHEMA = "scoring"


def upgrade() -> None:
    create_messaging_tables(op, SCHEMA)
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "customer_scores",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("customer_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("social_customer_score", sa.Float, nullable=False),
        sa.Column("value_score", sa.Float, nullable=False),
        sa.Column("influence_score", sa.Float, nullable=False),
        sa.Column("tier", sa.String(30), nullable=False),
        sa.Column("components", JSONB, nullable=False),
        sa.Column("signals", JSONB, nullable=False),
        sa.Column("computed_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "score_history",
        sa.Column("id", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("customer_id", UUID(as_uuid=True), nullable=False),
        sa.Column("social_customer_score", sa.Float, nullable=False),
        sa.Column("tier", sa.String(30), nullable=False),
        sa.Column("computed_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_score_history_customer",
        "score_history",
        ["tenant_id", "customer_id", "computed_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "configs",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("config", JSONB, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("configs", "score_history", "customer_scores", "dead_letters", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
