"""Queues, queue items and the messaging tables.

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

SCHEMA = "routing"


def upgrade() -> None:
    create_messaging_tables(op, SCHEMA)
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "queues",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("is_default", sa.Boolean, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_queues_tenant_id_name"),
        schema=SCHEMA,
    )
    op.create_index(
        "uq_queues_default",
        "queues",
        ["tenant_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("is_default"),
    )
    op.create_table(
        "queue_items",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("interaction_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("queue_id", UUID(as_uuid=True)),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("priority", sa.Float),
        sa.Column("reasons", JSONB, nullable=False),
        sa.Column("recommendations", JSONB, nullable=False),
        sa.Column("channel", sa.String(20)),
        sa.Column("customer_id", UUID(as_uuid=True)),
        sa.Column("facts", JSONB),
        sa.Column("due_at", ts),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_queue_items_waiting",
        "queue_items",
        ["queue_id", "state", sa.text("priority DESC"), "due_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in ("queue_items", "queues", "dead_letters", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
