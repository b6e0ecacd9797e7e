"""Queues and the work items waiting in them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.routing.db import Base


class Queue(Base):
    __tablename__ = "queues"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "name"),
        sa.Index(
            "uq_queues_default",
            "tenant_id",
            unique=True,
            postgresql_where=sa.text("is_default"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    name: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str | None] = mapped_column(sa.Text)
    is_default: Mapped[bool] = mapped_column(sa.Boolean)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class QueueItem(Base):
    """One interaction's place in routing; filled by events that may arrive in any order."""

    __tablename__ = "queue_items"
    __table_args__ = (
        sa.Index("ix_queue_items_waiting", "queue_id", "state", sa.text("priority DESC"), "due_at"),
        # An erasure's lookups: the person's items, then the tenant's messages in their
        # private threads (migration 0003).
        sa.Index("ix_queue_items_tenant_customer", "tenant_id", "customer_id"),
        sa.Index(
            "ix_queue_items_outbound_private_thread",
            "tenant_id",
            "channel",
            sa.text("(facts ->> 'thread_key')"),
            postgresql_where=sa.text(
                "facts ->> 'direction' = 'outbound' AND facts ->> 'visibility' = 'private' "
                "AND facts ->> 'thread_key' IS NOT NULL"
            ),
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    interaction_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    queue_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    state: Mapped[str] = mapped_column(sa.String(20))  # pending, waiting, responded, done
    priority: Mapped[float | None] = mapped_column(sa.Float)
    reasons: Mapped[list[str]] = mapped_column(JSONB)
    recommendations: Mapped[list[str]] = mapped_column(JSONB)
    channel: Mapped[str | None] = mapped_column(sa.String(20))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    due_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
