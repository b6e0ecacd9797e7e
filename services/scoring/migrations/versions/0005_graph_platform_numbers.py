"""Graph nodes keep what the platform showed of each author: followers and reactions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "scoring"
COUNTS = ("reacted_posts", "likes", "reposts", "replies")


def upgrade() -> None:
    op.add_column("graph_nodes", sa.Column("followers", sa.BigInteger), schema=SCHEMA)
    for name in COUNTS:
        op.add_column(
            "graph_nodes",
            sa.Column(name, sa.BigInteger, nullable=False, server_default="0"),
            schema=SCHEMA,
        )


def downgrade() -> None:
    for name in ("followers", *COUNTS):
        op.drop_column("graph_nodes", name, schema=SCHEMA)
