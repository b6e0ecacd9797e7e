"""Keeping the news and blog items that name customers, and rescoring the people named."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.engine import CustomerSignals, compute_score
from services.scoring.graph import repository as graph_repository
from services.scoring.mentions import repository
from services.scoring.mentions.signals import lock_customer, news_signals
from services.scoring.population import service as population
from services.scoring.scores.service import config_for, graph_signals, keep_score, rescore
from shared import get_logger
from shared.contracts import (
    CustomerErasedV1,
    CustomerMentionedV1,
    CustomerMergedV1,
    CustomerSnapshot,
    CustomerUnmergedV1,
    Envelope,
)

__all__ = ["erase_mentions", "follow_merge", "follow_unmerge", "record_mention"]

log = get_logger("scoring.mentions")


async def rescore_customer(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    snapshot: CustomerSnapshot | None = None,
    causation: Envelope[Any] | None = None,
) -> None:
    """Rescore with the current mentions: a stored score keeps its other signals; a customer
    scored for the first time starts from identity's snapshot (without one, nothing to score)."""
    await lock_customer(session, tenant_id=tenant_id, customer_id=customer_id)
    config = await config_for(session, tenant_id=tenant_id)
    stats = await population.cached(session, tenant_id=tenant_id)
    if await rescore(
        session,
        tenant_id=tenant_id,
        customer_ids=[customer_id],
        config=config,
        population_stats=stats,
    ):
        return
    if snapshot is None:
        return
    now = datetime.now(UTC)
    graph = await graph_repository.stats_of_customer(
        session, tenant_id=tenant_id, customer_id=customer_id
    )
    news = await news_signals(session, tenant_id=tenant_id, customer_ids=[customer_id], now=now)
    signals = CustomerSignals.from_snapshot(snapshot, **graph_signals(graph), **news[customer_id])
    await keep_score(
        session,
        tenant_id=tenant_id,
        customer_id=customer_id,
        signals=signals,
        score=compute_score(signals, config, population=stats),
        config=config,
        now=now,
        causation=causation,
    )


async def record_mention(session: AsyncSession, event: Envelope[Any]) -> None:
    """Keep the mention and rescore the customer; the same item naming them again counts once."""
    p: CustomerMentionedV1 = event.payload
    now = datetime.now(UTC)
    await lock_customer(session, tenant_id=event.tenant_id, customer_id=p.customer_id)
    added = await repository.add(
        session,
        {
            "tenant_id": event.tenant_id,
            "interaction_id": p.interaction_id,
            "named_id": p.customer_id,
            "customer_id": p.customer_id,
            "merged_path": [],
            "item_key": (p.url or f"interaction:{p.interaction_id}")[:2000],
            "channel": p.channel,
            "outlet": p.outlet[:300] if p.outlet else None,
            "url": p.url[:2000] if p.url else None,
            # A feed's clock may run ahead; an item cannot appear after it arrived.
            "published_at": min(p.published_at, now),
            "matched_by": p.matched_by,
            "probability": p.probability,
            "received_at": now,
        },
    )
    if not added:
        return
    await rescore_customer(
        session,
        tenant_id=event.tenant_id,
        customer_id=p.customer_id,
        snapshot=p.customer,
        causation=event,
    )
    log.info("scoring.mention.recorded", interaction_id=str(p.interaction_id))


async def follow_merge(session: AsyncSession, event: Envelope[Any]) -> None:
    """The merged customer's mentions count for the survivor from now on."""
    p: CustomerMergedV1 = event.payload
    await repository.follow_merge(
        session, tenant_id=event.tenant_id, survivor_id=p.survivor_id, merged_id=p.merged_id
    )
    await rescore_customer(session, tenant_id=event.tenant_id, customer_id=p.survivor_id)


async def follow_unmerge(session: AsyncSession, event: Envelope[Any]) -> None:
    """The restored customer takes back the mentions it brought into the merge."""
    p: CustomerUnmergedV1 = event.payload
    await repository.follow_unmerge(
        session, tenant_id=event.tenant_id, survivor_id=p.survivor_id, restored_id=p.restored_id
    )
    for customer_id in (p.survivor_id, p.restored_id):
        await rescore_customer(session, tenant_id=event.tenant_id, customer_id=customer_id)


async def erase_mentions(session: AsyncSession, event: Envelope[Any]) -> None:
    """GDPR erasure: every mention of the person; whoever they counted for is rescored."""
    p: CustomerErasedV1 = event.payload
    counted_for = await repository.erase(
        session, tenant_id=event.tenant_id, customer_id=p.customer_id
    )
    for customer_id in sorted(counted_for - {p.customer_id}):
        await rescore_customer(session, tenant_id=event.tenant_id, customer_id=customer_id)
