"""An import job remembers the file it was given (SHA-256, format, on_existing), so that a
failed import can be resumed with the same file: the rows it committed are skipped.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCHEMA = "identity"


def upgrade() -> None:
    op.add_column("jobs", sa.Column("source", JSONB), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("jobs", "source", schema=SCHEMA)
