"""When the worker last recomputed each tenant."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.db import Base


class RecomputeState(Base):
    """When the worker last recomputed a tenant's centrality and population statistics."""

    __tablename__ = "recompute_state"

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    graph_computed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    population_computed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    nodes: Mapped[int] = mapped_column(sa.Integer, default=0)
    edges: Mapped[int] = mapped_column(sa.Integer, default=0)
