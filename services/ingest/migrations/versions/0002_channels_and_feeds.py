"""Channel settings and watched feeds.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.create_table(
        "channel_configs",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("channel", sa.String(20), primary_key=True),
        sa.Column("settings", JSONB, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "feeds",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("brand_terms", JSONB, nullable=False),
        sa.Column("poll_seconds", sa.Integer, nullable=False),
        sa.Column("etag", sa.String(500)),
        sa.Column("last_modified", sa.String(200)),
        sa.Column("next_poll_at", ts, nullable=False),
        sa.Column("last_polled_at", ts),
        sa.Column("last_status", sa.Integer),
        sa.Column("last_error", sa.Text),
        sa.Column("entries_seen", sa.Integer, nullable=False),
        sa.Column("mentions_found", sa.Integer, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.UniqueConstraint("tenant_id", "url", name="uq_feeds_tenant_id_url"),
        schema=SCHEMA,
    )
    op.create_index("ix_feeds_due", "feeds", ["next_poll_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("feeds", schema=SCHEMA)
    op.drop_table("channel_configs", schema=SCHEMA)
