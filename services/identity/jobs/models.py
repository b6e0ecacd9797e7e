"""Background jobs (imports, model retraining) and their progress."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.identity.db import Base


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (sa.Index("ix_jobs_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    kind: Mapped[str] = mapped_column(sa.String(30))
    state: Mapped[str] = mapped_column(sa.String(20))
    rows_read: Mapped[int] = mapped_column(sa.BigInteger)
    rows_imported: Mapped[int] = mapped_column(sa.BigInteger)
    rows_rejected: Mapped[int] = mapped_column(sa.BigInteger)
    bytes_total: Mapped[int | None] = mapped_column(sa.BigInteger)
    bytes_done: Mapped[int] = mapped_column(sa.BigInteger)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    result: Mapped[dict[str, Any]] = mapped_column(JSONB)
    detail: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # Refreshed while a process works on the job (receiving or running); see `fail_stale`.
    heartbeat_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # An import's file: sha256, kind, on_existing (to resume it with the same file).
    source: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # An initial load's rows whose blocking postings are still to be built (see imports).
    postings_pending: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    # An initial load's identifiers and repeating rows still to be written (see imports).
    identities_pending: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
