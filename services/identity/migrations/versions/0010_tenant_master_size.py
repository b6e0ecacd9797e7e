"""Each tenant's master size is stored (`tenant_stats`), counted off the online path.

A tenant on the prior model takes its prior odds over its master size. The size was counted
(`count(*)` of the tenant's match records: a scan of the whole table, which has no index by
tenant) by the first resolution after every minute, per tenant and process: that request
waited 165-300 ms for it at a million customers on an idle machine, 460-640 ms during another
tenant's import (measured), and would wait seconds at ten million. Now every tenant is counted
in one scan, by a large import as it finishes and by a background worker at most every few
minutes, and a resolution only reads the stored figure with its settings. The upgrade counts
the tenants there are.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SCHEMA = "identity"


def upgrade() -> None:
    op.create_table(
        "tenant_stats",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("master_size", sa.BigInteger, nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.execute(
        f"""
        INSERT INTO {SCHEMA}.tenant_stats (tenant_id, master_size, counted_at)
        SELECT tenant_id, count(*), now() FROM {SCHEMA}.match_records GROUP BY tenant_id
        """
    )


def downgrade() -> None:
    op.drop_table("tenant_stats", schema=SCHEMA)
