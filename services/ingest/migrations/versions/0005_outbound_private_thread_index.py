"""An index of the tenant's outgoing private messages by thread, which an erasure clears with
the person's own messages.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: on a large table an operator may have built it first, CONCURRENTLY.
    op.create_index(
        "ix_interactions_outbound_private_thread",
        "interactions",
        ["tenant_id", "channel", "thread_key"],
        schema="ingest",
        if_not_exists=True,
        postgresql_where=sa.text(
            "direction = 'outbound' AND visibility = 'private' AND thread_key IS NOT NULL"
        ),
    )


def downgrade() -> None:
    op.drop_index("ix_interactions_outbound_private_thread", "interactions", schema="ingest")
