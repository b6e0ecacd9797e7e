"""Policies, timers and the messaging tables.

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

SCHEMA = "sla"


def upgrade() -> None:
    create_messaging_tables(op, SCHEMA)
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "policies",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("conditions", JSONB, nullable=False),
        sa.Column("targets", JSONB, nullable=False),
        sa.Column("warn_ratio", sa.Float, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.UniqueConstraint("tenant_id", "name", name="uq_policies_tenant_id_name"),
        schema=SCHEMA,
    )
    op.create_index("ix_policies_tenant_id", "policies", ["tenant_id"], schema=SCHEMA)
    op.create_table(
        "timers",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("interaction_id", UUID(as_uuid=True), nullable=False),
        sa.Column("metric", sa.String(30), nullable=False),
        sa.Column("policy", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("started_at", ts, nullable=False),
        sa.Column("warn_at", ts, nullable=False),
        sa.Column("due_at", ts, nullable=False),
        sa.Column("breached_at", ts),
        sa.Column("stopped_at", ts),
        sa.UniqueConstraint(
            "tenant_id",
            "interaction_id",
            "metric",
            name="uq_timers_tenant_id_interaction_id_metric",
        ),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_timers_open_due",
        "timers",
        ["due_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("state IN ('running', 'warning')"),
    )
    op.create_index(
        "ix_timers_open_warn",
        "timers",
        ["warn_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("state = 'running'"),
    )
    op.create_index(
        "ix_timers_tenant_state", "timers", ["tenant_id", "state", "due_at"], schema=SCHEMA
    )


def downgrade() -> None:
    for table in ("timers", "policies", "dead_letters", "inbox", "outbox"):
        op.drop_table(table, schema=SCHEMA)
