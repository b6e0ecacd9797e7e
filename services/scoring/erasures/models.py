"""Tombstones of erased customers: what keeps a late event from scoring them again."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.db import Base


class ErasedCustomer(Base):
    """A customer erased under GDPR: only the ids and when, no personal data.

    Events about the customer published before the erasure may still arrive after it (an
    interaction, a mention, an unmerge); scoring stores nothing and scores nobody they name.
    """

    __tablename__ = "erased_customers"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
