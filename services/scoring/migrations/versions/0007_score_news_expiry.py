"""Each score keeps when its oldest counted news mention leaves the last year, indexed, so the
mention sweep reads only the scores due instead of every score and every old mention.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCHEMA = "scoring"
# The score's window (services/scoring/mentions/signals.py WINDOW) as it was at this revision.
WINDOW = "interval '365 days'"


def upgrade() -> None:
    op.add_column(
        "customer_scores",
        sa.Column("news_expires_at", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    # Existing scores: the oldest mention inside the window when each score was computed.
    op.execute(
        f"""
        UPDATE {SCHEMA}.customer_scores AS s
        SET news_expires_at = o.oldest + {WINDOW}
        FROM (
            SELECT s2.tenant_id, s2.customer_id, min(m.published_at) AS oldest
            FROM {SCHEMA}.customer_scores AS s2
            JOIN {SCHEMA}.news_mentions AS m
              ON m.tenant_id = s2.tenant_id AND m.customer_id = s2.customer_id
             AND m.published_at >= s2.computed_at - {WINDOW}
            GROUP BY s2.tenant_id, s2.customer_id
        ) AS o
        WHERE s.tenant_id = o.tenant_id AND s.customer_id = o.customer_id
        """
    )
    op.create_index(
        "ix_customer_scores_news_expires_at",
        "customer_scores",
        ["news_expires_at"],
        schema=SCHEMA,
        postgresql_where=sa.text("news_expires_at IS NOT NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_customer_scores_news_expires_at", "customer_scores", schema=SCHEMA)
    op.drop_column("customer_scores", "news_expires_at", schema=SCHEMA)
