"""Interactions record when an erasure emptied them (`erased_at`).

Erased interactions were recognised by their metadata being exactly `{"erased": true}`, which
an integrator can also send: a reply to such an interaction would have lost its text. Existing
erased interactions (that metadata, no raw payload, no author) get the time of their last update.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "interactions", sa.Column("erased_at", sa.DateTime(timezone=True)), schema="ingest"
    )
    op.execute(
        """
        UPDATE ingest.interactions SET erased_at = updated_at
        WHERE metadata = '{"erased": true}'::jsonb AND author = '{}'::jsonb AND text = ''
          AND (raw IS NULL OR raw = 'null'::jsonb)
        """
    )


def downgrade() -> None:
    op.drop_column("interactions", "erased_at", schema="ingest")
