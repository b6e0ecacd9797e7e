"""Indexes of an erasure's lookups: the person's items, and the tenant's outgoing private
messages by thread, which an erasure clears with the person's own items.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # IF NOT EXISTS: on a large table an operator may have built them first, CONCURRENTLY.
    op.create_index(
        "ix_queue_items_tenant_customer",
        "queue_items",
        ["tenant_id", "customer_id"],
        schema="routing",
        if_not_exists=True,
    )
    op.create_index(
        "ix_queue_items_outbound_private_thread",
        "queue_items",
        ["tenant_id", "channel", sa.text("(facts ->> 'thread_key')")],
        schema="routing",
        if_not_exists=True,
        postgresql_where=sa.text(
            "facts ->> 'direction' = 'outbound' AND facts ->> 'visibility' = 'private' "
            "AND facts ->> 'thread_key' IS NOT NULL"
        ),
    )


def downgrade() -> None:
    op.drop_index("ix_queue_items_outbound_private_thread", "queue_items", schema="routing")
    op.drop_index("ix_queue_items_tenant_customer", "queue_items", schema="routing")
