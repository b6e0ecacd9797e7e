"""An import into a tenant with no match records yet (an initial load) builds the blocking
postings of its rows once, in key order, after its last batch; `jobs.postings_pending` says
that a job's rows still wait for theirs (a crash before the end leaves them to a resume or to
the reaper).

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMA = "identity"


def upgrade() -> None:
    op.add_column(
        "jobs",
        sa.Column("postings_pending", sa.Boolean, nullable=False, server_default=sa.false()),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("jobs", "postings_pending", schema=SCHEMA)
