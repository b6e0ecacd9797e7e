"""Customers (master data and unknown prospects), their identities and social profiles."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.identity.db import Base


class Customer(Base):
    __tablename__ = "customers"
    __table_args__ = (
        sa.Index(
            "uq_customers_number",
            "tenant_id",
            "customer_number",
            unique=True,
            postgresql_where=sa.text("customer_number IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    customer_number: Mapped[str | None] = mapped_column(sa.String(100))
    title: Mapped[str | None] = mapped_column(sa.String(100))
    given_name: Mapped[str | None] = mapped_column(sa.String(200))
    family_name: Mapped[str | None] = mapped_column(sa.String(200))
    date_of_birth: Mapped[date | None] = mapped_column(sa.Date)
    street: Mapped[str | None] = mapped_column(sa.String(300))
    postcode: Mapped[str | None] = mapped_column(sa.String(20))
    city: Mapped[str | None] = mapped_column(sa.String(200))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    emails: Mapped[list[str]] = mapped_column(JSONB)
    phones: Mapped[list[str]] = mapped_column(JSONB)
    handles: Mapped[dict[str, str]] = mapped_column(JSONB)
    tier: Mapped[str | None] = mapped_column(sa.String(50))
    value: Mapped[float | None] = mapped_column(sa.Float)
    is_prospect: Mapped[bool] = mapped_column(sa.Boolean)
    display_name: Mapped[str | None] = mapped_column(sa.String(300))
    merged_into: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # The import job that last wrote the row: a second row with the same number in one file is
    # a duplicate, while a re-run (another job) updates it.
    imported_by: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Identity(Base):
    """A verified or observed identifier pointing at one customer (email, phone, handle …)."""

    __tablename__ = "identities"
    # The value before the kind: every lookup gives all three, and the key builds faster so.
    __table_args__ = (
        sa.PrimaryKeyConstraint("tenant_id", "value", "kind", name="identities_pkey"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    # Compared bytewise ("C"): identifiers are only ever looked up for equality.
    kind: Mapped[str] = mapped_column(sa.String(30, collation="C"))
    value: Mapped[str] = mapped_column(sa.String(400, collation="C"))
    # No foreign key: written in the customer's own transaction, deleted explicitly on erasure
    # and when rows are merged away (a trigger per row halves bulk import speed).
    customer_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    verified: Mapped[bool] = mapped_column(sa.Boolean)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class SocialProfile(Base):
    __tablename__ = "social_profiles"

    customer_id: Mapped[uuid.UUID] = mapped_column(
        UUID(as_uuid=True), sa.ForeignKey("customers.id", ondelete="CASCADE"), primary_key=True
    )
    network: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Merge(Base):
    """One merge and what moved, so that it can be undone exactly."""

    __tablename__ = "merges"
    __table_args__ = (sa.Index("ix_merges_survivor", "survivor_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    survivor_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))
    merged_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), index=True)
    moved: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    undone_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
