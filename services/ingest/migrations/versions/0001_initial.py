"""Interactions, responses and the messaging tables.

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

SCHEMA = "ingest"


def upgrade() -> None:
    create_messaging_tables(op, SCHEMA)
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "interactions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("external_id", sa.String(500)),
        sa.Column("direction", sa.String(10), nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("occurred_at", ts, nullable=False),
        sa.Column("received_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.Column("author", JSONB, nullable=False),
        sa.Column("subject", sa.Text),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("quoted_text", sa.Text),
        sa.Column("signature", sa.Text),
        sa.Column("thread_key", sa.String(500)),
        sa.Column("in_reply_to", sa.String(500)),
        sa.Column("attachments", JSONB, nullable=False),
        sa.Column("engagement", JSONB, nullable=False),
        sa.Column("metadata", JSONB, nullable=False),
        sa.Column("raw", JSONB),
        sa.Column("extracted", JSONB, nullable=False),
        sa.Column("similarity_key", sa.Text),
        sa.Column("customer_id", UUID(as_uuid=True)),
        sa.Column("match", JSONB),
        sa.Column("score", JSONB),
        sa.Column("risk", JSONB),
        sa.Column("queue_id", UUID(as_uuid=True)),
        sa.Column("priority", sa.Float),
        sa.Column("routing", JSONB),
        sa.Column("sla", JSONB, nullable=False),
        sa.Column("incident_id", UUID(as_uuid=True)),
        sa.Column("first_responded_at", ts),
        sa.Column("resolved_at", ts),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_interactions_external",
        "interactions",
        ["tenant_id", "channel", "external_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("external_id IS NOT NULL"),
    )
    op.create_index(
        "ix_interactions_tenant_received",
        "interactions",
        ["tenant_id", "received_at", "id"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_interactions_tenant_customer",
        "interactions",
        ["tenant_id", "customer_id"],
        schema=SCHEMA,
    )
    op.create_table(
        "responses",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "interaction_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.interactions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("visibility", sa.String(10), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("agent_id", sa.String(100)),
        sa.Column("created_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_responses_interaction", "responses", ["tenant_id", "interaction_id"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("responses", schema=SCHEMA)
    op.drop_table("interactions", schema=SCHEMA)
    for table in ("dead_letters", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
