"""What the score takes from news and blog mentions: the items of the last year, and where."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.engine.inputs import MAX_COUNT, MAX_OUTLETS
from services.scoring.mentions import repository
from services.scoring.mentions.repository import NewsSummary

__all__ = ["WINDOW", "news_expiry", "news_signals"]

# Being in the news is authority while people remember it; older items no longer count.
WINDOW = timedelta(days=365)


def _signals(summary: NewsSummary) -> dict[str, Any]:
    return {
        "news_mentions": min(summary.items, MAX_COUNT),
        "news_outlets": tuple(o[:300] for o in summary.outlets[:MAX_OUTLETS]),
    }


async def news_signals(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID], now: datetime
) -> dict[uuid.UUID, dict[str, Any]]:
    """The `CustomerSignals` fields for each customer (zero for a customer never named)."""
    found = await repository.summaries(
        session, tenant_id=tenant_id, customer_ids=customer_ids, since=now - WINDOW
    )
    return {c: _signals(found.get(c, NewsSummary())) for c in customer_ids}


async def news_expiry(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, now: datetime
) -> datetime | None:
    """When the oldest of the mentions `news_signals` counts at `now` leaves the window: the
    score is stale from then on (None when it counts none)."""
    oldest = await repository.oldest_since(
        session, tenant_id=tenant_id, customer_id=customer_id, since=now - WINDOW
    )
    return None if oldest is None else oldest + WINDOW
