"""Blocking keys as 64-bit postings, two key kinds retired; identifiers compared bytewise;
no row triggers.

Bulk import writes ~14 blocking keys, ~3 identifiers and one standardised record per customer.
Measured on 100k customers, PostgreSQL's share of an import was dominated by the text btree of
`blocking_keys` (a collation-aware comparison per step, the tenant id repeated in every entry)
and by the per-row foreign-key triggers of `identities` and `match_records`. Now:

- `blocking_postings(key bigint, record_id uuid)`: `key` is `identity.posting_key(tenant, key)`,
  a 64-bit hash of the tenant and the key text (`hashtextextended`, the function PostgreSQL's
  hash partitioning relies on). A collision only adds a candidate for the model to score, and
  candidates are read with `tenant_id = $1`. `match_records.keys` keeps the key texts, so the
  postings can be rebuilt from them at any time.
- identifier kind/value use the "C" collation (they are only ever compared for equality);
- the foreign keys of `identities` and `match_records` to `customers` go: both are written in
  the customer's own transaction, and erasure deletes them explicitly.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import UUID

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "identity"

_DROP_FOREIGN_KEYS = """
DO $$
DECLARE c record;
BEGIN
    FOR c IN
        SELECT conrelid::regclass AS tab, conname FROM pg_constraint
        WHERE contype = 'f' AND confrelid = 'identity.customers'::regclass
          AND conrelid IN ('identity.identities'::regclass, 'identity.match_records'::regclass)
    LOOP
        EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.tab, c.conname);
    END LOOP;
END $$
"""


def upgrade() -> None:
    op.execute(
        """
        CREATE FUNCTION identity.posting_key(tenant uuid, key text) RETURNS bigint
        LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
        AS $$ SELECT hashtextextended(tenant::text || ':' || key, 0) $$
        """
    )
    op.create_table(
        "blocking_postings",
        sa.Column("key", sa.BigInteger, primary_key=True),
        sa.Column("record_id", UUID(as_uuid=True), primary_key=True),
        schema=SCHEMA,
    )
    # Keys of the retired kinds (family code + date of birth, family code + city: no recall of
    # their own on the generated master at 100k or 1M customers, nor on FEBRL) are not carried
    # over.
    op.execute(
        """
        INSERT INTO identity.blocking_postings (key, record_id)
        SELECT DISTINCT identity.posting_key(tenant_id, key), record_id FROM identity.blocking_keys
        WHERE split_part(key, ':', 1) NOT IN ('fd', 'fc')
        """
    )
    op.execute(
        """
        UPDATE identity.match_records
        SET keys = ARRAY(SELECT k FROM unnest(keys) k
                         WHERE split_part(k, ':', 1) NOT IN ('fd', 'fc'))
        """
    )
    op.drop_table("blocking_keys", schema=SCHEMA)
    op.execute(_DROP_FOREIGN_KEYS)
    op.execute(
        """
        ALTER TABLE identity.identities
            ALTER COLUMN kind TYPE varchar(30) COLLATE "C",
            ALTER COLUMN value TYPE varchar(400) COLLATE "C"
        """
    )


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE identity.identities
            ALTER COLUMN kind TYPE varchar(30) COLLATE "default",
            ALTER COLUMN value TYPE varchar(400) COLLATE "default"
        """
    )
    for table in ("identities", "match_records"):
        op.create_foreign_key(
            None,
            table,
            "customers",
            ["customer_id"],
            ["id"],
            source_schema=SCHEMA,
            referent_schema=SCHEMA,
            ondelete="CASCADE",
        )
    op.create_table(
        "blocking_keys",
        sa.Column("tenant_id", UUID(as_uuid=True), primary_key=True),
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("record_id", UUID(as_uuid=True), primary_key=True),
        schema=SCHEMA,
    )
    op.execute(
        """
        INSERT INTO identity.blocking_keys (tenant_id, key, record_id)
        SELECT DISTINCT r.tenant_id, k.key, r.id FROM identity.match_records r, unnest(r.keys) k
        """
    )
    op.drop_table("blocking_postings", schema=SCHEMA)
    op.execute("DROP FUNCTION identity.posting_key(uuid, text)")
