"""SLA policies and the timers they start."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.sla.db import Base


class Policy(Base):
    __tablename__ = "policies"
    __table_args__ = (sa.UniqueConstraint("tenant_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(sa.Integer)
    conditions: Mapped[dict[str, Any]] = mapped_column(JSONB)
    targets: Mapped[dict[str, int]] = mapped_column(JSONB)
    warn_ratio: Mapped[float] = mapped_column(sa.Float)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Timer(Base):
    __tablename__ = "timers"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "interaction_id", "metric"),
        sa.Index(
            "ix_timers_open_due",
            "due_at",
            postgresql_where=sa.text("state IN ('running', 'warning')"),
        ),
        sa.Index("ix_timers_open_warn", "warn_at", postgresql_where=sa.text("state = 'running'")),
        sa.Index("ix_timers_tenant_state", "tenant_id", "state", "due_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    interaction_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    metric: Mapped[str] = mapped_column(sa.String(30))
    policy: Mapped[str] = mapped_column(sa.String(200))
    channel: Mapped[str] = mapped_column(sa.String(20))
    state: Mapped[str] = mapped_column(sa.String(20))  # running, warning, breached, met, missed
    started_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    warn_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    breached_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    stopped_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
