"""RSS/Atom feeds a tenant watches for mentions of its brand."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.ingest.db import Base


class Feed(Base):
    __tablename__ = "feeds"
    __table_args__ = (
        sa.UniqueConstraint("tenant_id", "url"),
        sa.Index("ix_feeds_due", "next_poll_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    url: Mapped[str] = mapped_column(sa.String(2000))
    channel: Mapped[str] = mapped_column(sa.String(10))  # blog or news
    brand_terms: Mapped[list[str]] = mapped_column(JSONB)
    poll_seconds: Mapped[int] = mapped_column(sa.Integer)
    etag: Mapped[str | None] = mapped_column(sa.String(500))
    last_modified: Mapped[str | None] = mapped_column(sa.String(200))
    next_poll_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_polled_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    last_status: Mapped[int | None] = mapped_column(sa.Integer)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    entries_seen: Mapped[int] = mapped_column(sa.Integer)
    mentions_found: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
