"""How a tenant wants its messages read: its customer-number formats and default language."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.ingest.db import Base


class TenantSettings(Base):
    __tablename__ = "tenant_settings"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_number_patterns: Mapped[list[dict[str, Any]]] = mapped_column(JSONB)
    default_language: Mapped[str | None] = mapped_column(sa.String(5))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
