"""Each tenant's distribution of customer value and audience (quantiles), for percentiles."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.db import Base


class PopulationStatsRow(Base):
    __tablename__ = "population_stats"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customers: Mapped[int] = mapped_column(sa.Integer)
    # Sorted quantiles (at most ~1k points each): 0.1% resolution is plenty for "top 1%".
    values: Mapped[list[float]] = mapped_column(ARRAY(sa.Float))
    audiences: Mapped[list[float]] = mapped_column(ARRAY(sa.Float))
    computed_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
