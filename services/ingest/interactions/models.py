"""The interaction as ingest stores it, plus the projection of what later stages decided."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.ingest.db import Base

STATUSES = ("received", "identified", "scored", "routed", "responded", "resolved")


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = (
        sa.Index(
            "uq_interactions_external",
            "tenant_id",
            "channel",
            "external_id",
            unique=True,
            postgresql_where=sa.text("external_id IS NOT NULL"),
        ),
        sa.Index("ix_interactions_tenant_received", "tenant_id", "received_at", "id"),
        sa.Index("ix_interactions_tenant_customer", "tenant_id", "customer_id"),
        # What the tenant sent in a private thread, found by the thread on an erasure.
        sa.Index(
            "ix_interactions_outbound_private_thread",
            "tenant_id",
            "channel",
            "thread_key",
            postgresql_where=sa.text(
                "direction = 'outbound' AND visibility = 'private' AND thread_key IS NOT NULL"
            ),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    channel: Mapped[str] = mapped_column(sa.String(20))
    external_id: Mapped[str | None] = mapped_column(sa.String(500))
    direction: Mapped[str] = mapped_column(sa.String(10))
    visibility: Mapped[str] = mapped_column(sa.String(10))
    status: Mapped[str] = mapped_column(sa.String(20))
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    author: Mapped[dict[str, Any]] = mapped_column(JSONB)
    subject: Mapped[str | None] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    quoted_text: Mapped[str | None] = mapped_column(sa.Text)
    signature: Mapped[str | None] = mapped_column(sa.Text)
    thread_key: Mapped[str | None] = mapped_column(sa.String(500))
    in_reply_to: Mapped[str | None] = mapped_column(sa.String(500))
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    engagement: Mapped[dict[str, int]] = mapped_column(JSONB)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB)
    raw: Mapped[Any] = mapped_column(JSONB, nullable=True)
    extracted: Mapped[dict[str, Any]] = mapped_column(JSONB)
    similarity_key: Mapped[str | None] = mapped_column(sa.Text)
    # When an erasure emptied it (its metadata then reads {"erased": true}, which anybody can
    # send: this column is what tells).
    erased_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Projection of later stages, kept up to date by this service's consumers.
    customer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    match: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    score: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    risk: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    queue_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    priority: Mapped[float | None] = mapped_column(sa.Float)
    routing: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    sla: Mapped[dict[str, Any]] = mapped_column(JSONB)
    incident_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    first_responded_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class Response(Base):
    __tablename__ = "responses"
    __table_args__ = (sa.Index("ix_responses_interaction", "tenant_id", "interaction_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    interaction_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("interactions.id", ondelete="CASCADE")
    )
    text: Mapped[str] = mapped_column(sa.Text)
    visibility: Mapped[str] = mapped_column(sa.String(10))
    channel: Mapped[str] = mapped_column(sa.String(20))
    agent_id: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
