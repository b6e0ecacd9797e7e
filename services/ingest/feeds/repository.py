"""All SQL about feeds."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.feeds.models import Feed


async def add(session: AsyncSession, feed: Feed) -> bool:
    values = {c.name: getattr(feed, c.key) for c in Feed.__table__.columns}
    stmt = insert(Feed).values(**values).on_conflict_do_nothing().returning(Feed.id)
    return (await session.execute(stmt)).first() is not None


async def list_for(session: AsyncSession, *, tenant_id: uuid.UUID) -> list[Feed]:
    stmt = sa.select(Feed).where(Feed.tenant_id == tenant_id).order_by(Feed.created_at)
    return list((await session.execute(stmt)).scalars())


async def get(session: AsyncSession, *, tenant_id: uuid.UUID, feed_id: uuid.UUID) -> Feed | None:
    stmt = sa.select(Feed).where(Feed.tenant_id == tenant_id, Feed.id == feed_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def delete(session: AsyncSession, *, tenant_id: uuid.UUID, feed_id: uuid.UUID) -> bool:
    stmt = sa.delete(Feed).where(Feed.tenant_id == tenant_id, Feed.id == feed_id).returning(Feed.id)
    return (await session.execute(stmt)).first() is not None


async def claim_due(session: AsyncSession, *, now: datetime, limit: int) -> list[Feed]:
    """Due feeds, locked so that several ingest instances never poll the same feed at once."""
    stmt = (
        sa.select(Feed)
        .where(Feed.next_poll_at <= now)
        .order_by(Feed.next_poll_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(stmt)).scalars())
