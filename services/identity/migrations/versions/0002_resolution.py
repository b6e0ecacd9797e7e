"""Probabilistic resolution: standardised master, blocking keys, models, decisions, reviews,
merges and jobs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "identity"


def upgrade() -> None:
    ts = sa.DateTime(timezone=True)
    op.add_column("customers", sa.Column("imported_by", UUID(as_uuid=True)), schema=SCHEMA)
    op.create_table(
        "match_records",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "customer_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("record", JSONB, nullable=False),
        sa.Column("keys", ARRAY(sa.Text), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("ix_match_records_customer_id", "match_records", ["customer_id"], schema=SCHEMA)
    # The primary key's btree serves `tenant_id = $1 AND key = ANY($2)`.
    op.create_table(
        "blocking_keys",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("record_id", UUID(as_uuid=True), primary_key=True),
        schema=SCHEMA,
    )
    op.create_table(
        "tenant_config",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("match_threshold", sa.Float, nullable=False),
        sa.Column("review_threshold", sa.Float, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_table(
        "match_models",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("version", sa.String(100), nullable=False),
        sa.Column("model", JSONB, nullable=False),
        sa.Column("job_id", UUID(as_uuid=True)),
        sa.Column("created_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_match_models_tenant_created",
        "match_models",
        ["tenant_id", "created_at"],
        schema=SCHEMA,
    )
    op.create_table(
        "decisions",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("interaction_id", UUID(as_uuid=True)),
        sa.Column("customer_id", UUID(as_uuid=True)),
        sa.Column("candidate_id", UUID(as_uuid=True)),
        sa.Column("decision", sa.String(20), nullable=False),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("rule", sa.String(100)),
        sa.Column("explanation", JSONB, nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_decisions_tenant_interaction",
        "decisions",
        ["tenant_id", "interaction_id"],
        schema=SCHEMA,
    )
    op.create_index("ix_decisions_customer_id", "decisions", ["customer_id"], schema=SCHEMA)
    op.create_index("ix_decisions_candidate_id", "decisions", ["candidate_id"], schema=SCHEMA)
    op.create_table(
        "reviews",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("interaction_id", UUID(as_uuid=True), nullable=False),
        sa.Column(
            "candidate_id",
            UUID(as_uuid=True),
            sa.ForeignKey(f"{SCHEMA}.customers.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("prospect_id", UUID(as_uuid=True)),
        sa.Column("probability", sa.Float, nullable=False),
        sa.Column("explanation", JSONB, nullable=False),
        sa.Column("model_version", sa.String(100), nullable=False),
        sa.Column("identifiers", JSONB, nullable=False),
        sa.Column("facts", JSONB, nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("decided_at", ts),
        schema=SCHEMA,
    )
    op.create_index(
        "ix_reviews_tenant_state", "reviews", ["tenant_id", "state", "id"], schema=SCHEMA
    )
    op.create_index("ix_reviews_candidate_id", "reviews", ["candidate_id"], schema=SCHEMA)
    op.create_index("ix_reviews_prospect_id", "reviews", ["prospect_id"], schema=SCHEMA)
    op.create_table(
        "merges",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("survivor_id", UUID(as_uuid=True), nullable=False),
        sa.Column("merged_id", UUID(as_uuid=True), nullable=False),
        sa.Column("moved", JSONB, nullable=False),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("undone_at", ts),
        schema=SCHEMA,
    )
    op.create_index("ix_merges_survivor", "merges", ["survivor_id", "created_at"], schema=SCHEMA)
    op.create_index("ix_merges_merged_id", "merges", ["merged_id"], schema=SCHEMA)
    op.create_table(
        "jobs",
        sa.Column("id", UUID(as_uuid=True), primary_key=True),
        sa.Column("tenant_id", UUID(as_uuid=True), nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("rows_read", sa.BigInteger, nullable=False),
        sa.Column("rows_imported", sa.BigInteger, nullable=False),
        sa.Column("rows_rejected", sa.BigInteger, nullable=False),
        sa.Column("bytes_total", sa.BigInteger),
        sa.Column("bytes_done", sa.BigInteger, nullable=False),
        sa.Column("errors", JSONB, nullable=False),
        sa.Column("result", JSONB, nullable=False),
        sa.Column("detail", sa.Text),
        sa.Column("created_at", ts, nullable=False),
        sa.Column("updated_at", ts, nullable=False),
        sa.Column("finished_at", ts),
        schema=SCHEMA,
    )
    op.create_index("ix_jobs_tenant_created", "jobs", ["tenant_id", "created_at"], schema=SCHEMA)


def downgrade() -> None:
    for table in (
        "jobs",
        "merges",
        "reviews",
        "decisions",
        "match_models",
        "tenant_config",
        "blocking_keys",
        "match_records",
    ):
        op.drop_table(table, schema=SCHEMA)
    op.drop_column("customers", "imported_by", schema=SCHEMA)
