"""Who wrote an incident cluster's sample: the sample's interaction on the cluster, and the
author (customer id only) of each incident-relevant interaction identity named, so that an
erasure can remove the person's text and similarity key from the clusters.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    uid = UUID(as_uuid=True)
    op.add_column("incident_clusters", sa.Column("sample_interaction_id", uid), schema=SCHEMA)
    op.create_index(
        "ix_incident_clusters_sample",
        "incident_clusters",
        ["tenant_id", "sample_interaction_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("sample_interaction_id IS NOT NULL"),
    )
    op.create_table(
        "incident_authors",
        sa.Column("tenant_id", uid, primary_key=True),
        sa.Column("interaction_id", uid, primary_key=True),
        sa.Column("customer_id", uid),
        sa.Column("noted_at", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_incident_authors_customer",
        "incident_authors",
        ["tenant_id", "customer_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("customer_id IS NOT NULL"),
    )
    op.create_index("ix_incident_authors_noted_at", "incident_authors", ["noted_at"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("incident_authors", schema=SCHEMA)
    op.drop_index("ix_incident_clusters_sample", "incident_clusters", schema=SCHEMA)
    op.drop_column("incident_clusters", "sample_interaction_id", schema=SCHEMA)
