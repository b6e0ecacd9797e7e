"""Incident clusters: similar negative public messages, kept in PostgreSQL for every replica."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.db import Base


class IncidentCluster(Base):
    """One cluster; `size`, `rate_per_hour` and `acceleration_per_hour2` describe its window."""

    __tablename__ = "incident_clusters"
    __table_args__ = (
        sa.Index("ix_incident_clusters_tenant_last_seen", "tenant_id", "last_seen"),
        sa.Index(
            "ix_incident_clusters_detected",
            "tenant_id",
            "last_seen",
            "id",
            postgresql_where=sa.text("detected_at IS NOT NULL"),
        ),
        sa.Index(
            "ix_incident_clusters_sample",
            "tenant_id",
            "sample_interaction_id",
            postgresql_where=sa.text("sample_interaction_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    representative_key: Mapped[str] = mapped_column(sa.Text)
    sample_text: Mapped[str | None] = mapped_column(sa.Text)
    # The interaction `sample_text` and `representative_key` come from: an erasure of its author
    # (found through `IncidentAuthor`) clears both.
    sample_interaction_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    size: Mapped[int] = mapped_column(sa.Integer)  # members inside the window
    total: Mapped[int] = mapped_column(sa.Integer)  # members ever (stored up to the cap)
    first_seen: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    rate_per_hour: Mapped[float] = mapped_column(sa.Float)
    acceleration_per_hour2: Mapped[float] = mapped_column(sa.Float)
    reported_size: Mapped[int] = mapped_column(sa.Integer)  # size at the last announcement
    detected_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class IncidentMember(Base):
    __tablename__ = "incident_members"
    __table_args__ = (sa.Index("ix_incident_members_cluster_at", "cluster_id", "occurred_at"),)

    cluster_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True),
        sa.ForeignKey("scoring.incident_clusters.id", ondelete="CASCADE"),
        primary_key=True,
    )
    interaction_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class IncidentAuthor(Base):
    """Who identity said wrote an interaction that may join a cluster (ids only), so that an
    erasure finds the samples taken from the person's messages whichever of the
    identification and the cluster assignment came first. `customer_id` NULL: the author was
    erased, and nothing of the message may become a sample.
    """

    __tablename__ = "incident_authors"
    __table_args__ = (
        sa.Index(
            "ix_incident_authors_customer",
            "tenant_id",
            "customer_id",
            postgresql_where=sa.text("customer_id IS NOT NULL"),
        ),
        sa.Index("ix_incident_authors_noted_at", "noted_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    interaction_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    noted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
