"""Current scores, their history and each tenant's scoring configuration."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.db import Base


class CustomerScore(Base):
    __tablename__ = "customer_scores"
    __table_args__ = (
        # Finds the tenants whose scores moved since the last population recompute.
        sa.Index("ix_customer_scores_computed_at", "computed_at"),
        # Finds the scores a news mention has left the last year of since (the worker's sweep).
        sa.Index(
            "ix_customer_scores_news_expires_at",
            "news_expires_at",
            postgresql_where=sa.text("news_expires_at IS NOT NULL"),
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    social_customer_score: Mapped[float] = mapped_column(sa.Float)
    value_score: Mapped[float] = mapped_column(sa.Float)
    influence_score: Mapped[float] = mapped_column(sa.Float)
    tier: Mapped[str] = mapped_column(sa.String(30))
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    signals: Mapped[dict[str, Any]] = mapped_column(JSONB)
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # The population statistics are computed from these two, without parsing `signals`.
    customer_value: Mapped[float | None] = mapped_column(sa.Float)
    audience: Mapped[float] = mapped_column(sa.Float, server_default="0")
    # When the oldest news mention the score counts leaves the last year (None: it counts none).
    news_expires_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ScoreHistory(Base):
    __tablename__ = "score_history"
    __table_args__ = (
        sa.Index("ix_score_history_customer", "tenant_id", "customer_id", "computed_at"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    social_customer_score: Mapped[float] = mapped_column(sa.Float)
    tier: Mapped[str] = mapped_column(sa.String(30))
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class TenantConfig(Base):
    __tablename__ = "configs"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
