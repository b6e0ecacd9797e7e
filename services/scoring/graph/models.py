"""The tenant's conversation graph: people (by handle), who amplified whom, and recent posts."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from services.scoring.db import Base


class GraphNode(Base):
    """One handle on one network; `customer_id` once identity attached it to a customer.

    The received counts and the centrality are written by the recompute worker only, so the
    event hot path never updates a popular person's row.
    """

    __tablename__ = "graph_nodes"
    __table_args__ = (
        sa.Index(
            "ix_graph_nodes_customer",
            "tenant_id",
            "customer_id",
            postgresql_where=sa.text("customer_id IS NOT NULL"),
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    network: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    handle: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    customer_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # The customers merged away since identity attached the handle, oldest first: whose it
    # becomes again when a merge is undone.
    merged_path: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default="{}"
    )
    posts: Mapped[int] = mapped_column(sa.Integer, default=0)
    # What the platform showed with the person's posts: the last follower count, and the
    # reactions of the `reacted_posts` posts that came with any (the spread estimate's input).
    followers: Mapped[int | None] = mapped_column(sa.BigInteger)
    reacted_posts: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    likes: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    reposts: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    replies: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    mentions_received: Mapped[int] = mapped_column(sa.Integer, default=0)
    replies_received: Mapped[int] = mapped_column(sa.Integer, default=0)
    reposts_received: Mapped[int] = mapped_column(sa.Integer, default=0)
    centrality: Mapped[float | None] = mapped_column(sa.Float)
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class GraphEdge(Base):
    """`source` mentioned, replied to or reposted `target` this many times."""

    __tablename__ = "graph_edges"
    __table_args__ = (
        sa.Index("ix_graph_edges_target", "tenant_id", "network", "target"),
        sa.Index("ix_graph_edges_updated_at", "updated_at"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    network: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    target: Mapped[str] = mapped_column(sa.String(200), primary_key=True)
    mentions: Mapped[int] = mapped_column(sa.Integer, default=0)
    replies: Mapped[int] = mapped_column(sa.Integer, default=0)
    reposts: Mapped[int] = mapped_column(sa.Integer, default=0)
    first_seen: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    # Wall-clock time of the last change: how the worker finds tenants whose graph moved.
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class GraphPost(Base):
    """Who wrote a post, so a later reply in its thread becomes an edge to its author."""

    __tablename__ = "graph_posts"
    __table_args__ = (
        sa.Index("ix_graph_posts_received_at", "received_at"),
        sa.Index("ix_graph_posts_author", "tenant_id", "network", "author"),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    network: Mapped[str] = mapped_column(sa.String(30), primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(500), primary_key=True)
    author: Mapped[str] = mapped_column(sa.String(200))
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
