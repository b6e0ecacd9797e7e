"""Conversation graph, population statistics, incident clusters; value and audience per score.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "scoring"


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    uid = UUID(as_uuid=True)

    op.add_column("customer_scores", sa.Column("customer_value", sa.Float), schema=SCHEMA)
    op.add_column(
        "customer_scores",
        sa.Column("audience", sa.Float, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_customer_scores_computed_at", "customer_scores", ["computed_at"], schema=SCHEMA
    )

    op.create_table(
        "graph_nodes",
        sa.Column("tenant_id", uid, primary_key=True),
        sa.Column("network", sa.String(30), primary_key=True),
        sa.Column("handle", sa.String(200), primary_key=True),
        sa.Column("customer_id", uid),
        sa.Column("posts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("mentions_received", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replies_received", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reposts_received", sa.Integer, nullable=False, server_default="0"),
        sa.Column("centrality", sa.Float),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_graph_nodes_customer",
        "graph_nodes",
        ["tenant_id", "customer_id"],
        schema=SCHEMA,
        postgresql_where=sa.text("customer_id IS NOT NULL"),
    )
    op.create_table(
        "graph_edges",
        sa.Column("tenant_id", uid, primary_key=True),
        sa.Column("network", sa.String(30), primary_key=True),
        sa.Column("source", sa.String(200), primary_key=True),
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("mentions", sa.Integer, nullable=False, server_default="0"),
        sa.Column("replies", sa.Integer, nullable=False, server_default="0"),
        sa.Column("reposts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_seen", ts, nullable=False),
        sa.Column("last_seen", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_graph_edges_target", "graph_edges", ["tenant_id", "network", "target"], schema=SCHEMA
    )
    op.create_index("ix_graph_edges_updated_at", "graph_edges", ["updated_at"], schema=SCHEMA)
    op.create_table(
        "graph_posts",
        sa.Column("tenant_id", uid, primary_key=True),
        sa.Column("network", sa.String(30), primary_key=True),
        sa.Column("external_id", sa.String(500), primary_key=True),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("received_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_graph_posts_received_at", "graph_posts", ["received_at"], schema=SCHEMA)
    op.create_index(
        "ix_graph_posts_author", "graph_posts", ["tenant_id", "network", "author"], schema=SCHEMA
    )
    op.create_table(
        "recompute_state",
        sa.Column("tenant_id", uid, primary_key=True),
        sa.Column("graph_computed_at", ts),
        sa.Column("population_computed_at", ts),
        sa.Column("nodes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("edges", sa.Integer, nullable=False, server_default="0"),
        schema=SCHEMA,
    )
    op.create_table(
        "population_stats",
        sa.Column("tenant_id", uid, primary_key=True),
        sa.Column("customers", sa.Integer, nullable=False),
        sa.Column("values", ARRAY(sa.Float), nullable=False),
        sa.Column("audiences", ARRAY(sa.Float), nullable=False),
        sa.Column("computed_at", ts, nullable=False),
        schema=SCHEMA,
    )

    op.create_table(
        "incident_clusters",
        sa.Column("id", uid, primary_key=True),
        sa.Column("tenant_id", uid, nullable=False),
        sa.Column("representative_key", sa.Text, nullable=False),
        sa.Column("sample_text", sa.Text),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("first_seen", ts, nullable=False),
        sa.Column("last_seen", ts, nullable=False),
        sa.Column("rate_per_hour", sa.Float, nullable=False),
        sa.Column("acceleration_per_hour2", sa.Float, nullable=False),
        sa.Column("reported_size", sa.Integer, nullable=False),
        sa.Column("detected_at", ts),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_incident_clusters_tenant_last_seen",
        "incident_clusters",
        ["tenant_id", "last_seen"],
        schema=SCHEMA,
    )
    op.create_index(
        "ix_incident_clusters_detected",
        "incident_clusters",
        ["tenant_id", "last_seen", "id"],
        schema=SCHEMA,
        postgresql_where=sa.text("detected_at IS NOT NULL"),
    )
    op.create_table(
        "incident_members",
        sa.Column(
            "cluster_id",
            uid,
            sa.ForeignKey(f"{SCHEMA}.incident_clusters.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("interaction_id", uid, primary_key=True),
        sa.Column("occurred_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_incident_members_cluster_at",
        "incident_members",
        ["cluster_id", "occurred_at"],
        schema=SCHEMA,
    )


def downgrade() -> None:
    for table in (
        "incident_members",
        "incident_clusters",
        "population_stats",
        "recompute_state",
        "graph_posts",
        "graph_edges",
        "graph_nodes",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.drop_index("ix_customer_scores_computed_at", "customer_scores", schema=SCHEMA)
    op.drop_column("customer_scores", "audience", schema=SCHEMA)
    op.drop_column("customer_scores", "customer_value", schema=SCHEMA)
