"""Graph nodes remember the customers merged away since, so an unmerge gives them back.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    op.add_column(
        "graph_nodes",
        sa.Column("merged_path", ARRAY(UUID(as_uuid=True)), nullable=False, server_default="{}"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("graph_nodes", "merged_path", schema=SCHEMA)
