"""The customers' (tenant, family name) index goes: no query uses it.

Candidates come from the blocking postings and the customer search matches substrings
(`ILIKE '%…%'`, which a btree cannot serve), so the index was only written: an index insert per
imported customer (the bulk import's cost, measured with `bench/identity_online.py`).

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCHEMA = "identity"


def upgrade() -> None:
    op.drop_index("ix_customers_tenant_family", table_name="customers", schema=SCHEMA)


def downgrade() -> None:
    op.create_index(
        "ix_customers_tenant_family", "customers", ["tenant_id", "family_name"], schema=SCHEMA
    )
