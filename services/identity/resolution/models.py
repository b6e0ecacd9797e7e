"""Tables of probabilistic resolution: standardised master, blocking keys, models, decisions."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSON, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.identity.db import Base


class MatchRecord(Base):
    """The standardised form of one master row; `customer_id` moves with merges, `id` does not."""

    __tablename__ = "match_records"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # No foreign key: written in the customer's own transaction, deleted explicitly on erasure
    # (a trigger per row halves bulk import speed).
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    # Its text as written (`json`): read whole, never queried inside (migration 0009).
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Exactly the keys written for this record, so that they are deleted exactly (erasure).
    keys: Mapped[list[str]] = mapped_column(ARRAY(sa.Text))


class BlockingPosting(Base):
    """`identity.posting_key(tenant, key)` -> match record: a 64-bit hash of tenant and key text
    (compact, compared as an integer). No foreign key: bulk COPY speed; deleted by key."""

    __tablename__ = "blocking_postings"

    key: Mapped[int] = mapped_column(sa.BigInteger, primary_key=True)
    record_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)


class TenantConfig(Base):
    __tablename__ = "tenant_config"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    match_threshold: Mapped[float] = mapped_column(sa.Float)
    review_threshold: Mapped[float] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class TenantStats(Base):
    """A tenant's master size (its match records), counted off the online path (migration
    0010), every tenant's in one scan: by a large import as it finishes, and periodically
    (`service.count_master_sizes`)."""

    __tablename__ = "tenant_stats"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    master_size: Mapped[int] = mapped_column(sa.BigInteger)
    counted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class StoredModel(Base):
    """A fitted model per tenant; the newest one is in use."""

    __tablename__ = "match_models"
    __table_args__ = (sa.Index("ix_match_models_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    version: Mapped[str] = mapped_column(sa.String(100))
    model: Mapped[dict[str, Any]] = mapped_column(JSONB)
    job_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Decision(Base):
    """Who wrote an interaction, why, and with which model version."""

    __tablename__ = "decisions"
    __table_args__ = (sa.Index("ix_decisions_tenant_interaction", "tenant_id", "interaction_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    interaction_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    customer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    candidate_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    decision: Mapped[str] = mapped_column(sa.String(20))
    probability: Mapped[float] = mapped_column(sa.Float)
    rule: Mapped[str | None] = mapped_column(sa.String(100))
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    model_version: Mapped[str] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Review(Base):
    """A borderline identification waiting for a person: accept links, reject keeps apart."""

    __tablename__ = "reviews"
    __table_args__ = (sa.Index("ix_reviews_tenant_state", "tenant_id", "state", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    interaction_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    candidate_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("customers.id", ondelete="CASCADE"), index=True
    )
    prospect_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True), index=True)
    probability: Mapped[float] = mapped_column(sa.Float)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    model_version: Mapped[str] = mapped_column(sa.String(100))
    identifiers: Mapped[list[list[str]]] = mapped_column(JSONB)
    facts: Mapped[dict[str, Any]] = mapped_column(JSONB)
    state: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
