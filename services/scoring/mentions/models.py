"""News and blog items that name a customer: the input of the score's `news_mentions`."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.db import Base


class NewsMention(Base):
    """One item naming one customer (as identity named them); merges move `customer_id`."""

    __tablename__ = "news_mentions"
    __table_args__ = (
        sa.Index("ix_news_mentions_customer", "tenant_id", "customer_id", "published_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    interaction_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    named_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # Whom the mention counts for now: `named_id`, or the survivor of the merges since.
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # The customers merged away since, oldest first: what an unmerge gives back.
    merged_path: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default="{}"
    )
    # The article's address, or the interaction when it has none: one article reached through
    # two feeds is one mention.
    item_key: Mapped[str] = mapped_column(sa.String(2000))
    channel: Mapped[str] = mapped_column(sa.String(10))
    outlet: Mapped[str | None] = mapped_column(sa.String(300))
    url: Mapped[str | None] = mapped_column(sa.String(2000))
    published_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    matched_by: Mapped[str] = mapped_column(sa.String(10))
    probability: Mapped[float] = mapped_column(sa.Float)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
