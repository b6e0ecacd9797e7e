"""News and blog mentions of customers, counted into the score's authority.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    uid = UUID(as_uuid=True)
    op.create_table(
        "news_mentions",
        sa.Column("tenant_id", uid, primary_key=True),
        sa.Column("interaction_id", uid, primary_key=True),
        sa.Column("named_id", uid, primary_key=True),
        sa.Column("customer_id", uid, nullable=False),
        sa.Column("merged_path", ARRAY(uid), nullable=False, server_default="{}"),
        sa.Column("item_key", sa.String(2000), nullable=False),
        sa.Column("channel", sa.String(10), nullable=False),
        sa.Column("outlet", sa.String(300)),
        sa.Column("url", sa.String(2000)),
        sa.Column("published_at", ts, nullable=False),
        sa.Column("matched_by", sa.String(10), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("received_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_news_mentions_customer",
        "news_mentions",
        ["tenant_id", "customer_id", "published_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("news_mentions", schema=SCHEMA)
