"""Registering feeds and polling them for brand mentions."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.channels import fetch_feed, parse_feed
from services.ingest.feeds import repository
from services.ingest.feeds.models import Feed
from services.ingest.feeds.schemas import FeedCreate
from services.ingest.interactions import service as interactions
from shared import Conflict, NotFound, ServiceRuntime, get_logger

log = get_logger("ingest.feeds")


async def register(session: AsyncSession, *, tenant_id: uuid.UUID, data: FeedCreate) -> Feed:
    now = datetime.now(UTC)
    feed = Feed(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        url=str(data.url),
        channel=data.channel,
        brand_terms=[t.strip() for t in data.brand_terms if t.strip()],
        poll_seconds=data.poll_seconds,
        next_poll_at=now,
        entries_seen=0,
        mentions_found=0,
        created_at=now,
    )
    if not await repository.add(session, feed):
        raise Conflict(f"The feed {feed.url} is registered already.")
    return feed


async def get(session: AsyncSession, *, tenant_id: uuid.UUID, feed_id: uuid.UUID) -> Feed:
    feed = await repository.get(session, tenant_id=tenant_id, feed_id=feed_id)
    if feed is None:
        raise NotFound(f"Feed {feed_id} does not exist.")
    return feed


async def poll(
    session: AsyncSession, http: aiohttp.ClientSession, feed: Feed, *, now: datetime
) -> int:
    """Fetch one feed (conditional GET) and store its new brand mentions; failures are recorded."""
    fetched = await fetch_feed(http, feed.url, etag=feed.etag, last_modified=feed.last_modified)
    feed.last_polled_at = now
    feed.last_status = fetched.status
    feed.next_poll_at = now + timedelta(seconds=feed.poll_seconds)
    if not fetched.ok:
        feed.last_error = fetched.error
        return 0
    feed.etag, feed.last_modified = fetched.etag, fetched.last_modified
    if fetched.not_modified or fetched.content is None:
        feed.last_error = None
        return 0
    result = parse_feed(fetched.content, brand_terms=feed.brand_terms, channel=feed.channel)  # type: ignore[arg-type]
    feed.last_error = result.error
    feed.entries_seen += result.entries_seen
    stored = await interactions.receive_many(
        session, tenant_id=feed.tenant_id, items=result.items, correlation_id=f"feed:{feed.id}"
    )
    new = sum(not s.duplicate for s in stored)
    feed.mentions_found += new
    return new


async def poll_due(runtime: ServiceRuntime, http: aiohttp.ClientSession, *, limit: int = 20) -> int:
    now = datetime.now(UTC)
    async with runtime.db.session() as session:
        feeds = await repository.claim_due(session, now=now, limit=limit)
        for feed in feeds:
            try:
                async with session.begin_nested():
                    await poll(session, http, feed, now=now)
            except Exception as exc:  # a broken feed must not stop the others
                log.warning("ingest.feed.poll_failed", feed_id=str(feed.id), error=str(exc))
                feed.last_error = f"internal: {type(exc).__name__}"
                feed.next_poll_at = now + timedelta(seconds=feed.poll_seconds)
    return len(feeds)


async def feed_poller(runtime: ServiceRuntime) -> None:
    """Background worker: polls due feeds; feed state lives in PostgreSQL."""
    interval = float(getattr(runtime.settings, "feed_poll_seconds", 30.0))
    async with aiohttp.ClientSession(headers={"User-Agent": "Resonance feed reader"}) as http:
        while True:
            try:
                polled = await poll_due(runtime, http)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("ingest.feed.scan_failed", error=str(exc))
                polled = 0
            if not polled:
                await asyncio.sleep(interval)
