"""Keeping the news and blog items that name customers, and rescoring the people named."""

from __future__ import annotations

import itertools
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.db import erasures
from services.scoring.mentions import repository
from services.scoring.population import service as population
from services.scoring.scores.service import config_for, rescore, rescore_customer
from shared import Database, get_logger
from shared.contracts import CustomerMentionedV1, Envelope

__all__ = ["record_mention", "sweep_aged_out"]

log = get_logger("scoring.mentions")

SWEEP_BATCH = 200


async def record_mention(session: AsyncSession, event: Envelope[Any]) -> None:
    """Keep the mention and rescore the customer; the same item naming them again counts once,
    and an item naming a customer erased since is not kept."""
    p: CustomerMentionedV1 = event.payload
    now = datetime.now(UTC)
    # The customer's turn, until the transaction ends: an erasure takes it too, and so does
    # every count of the customer's mentions for a score (which would otherwise miss this one).
    if await erasures.erased_among(
        session, tenant_id=event.tenant_id, customer_ids=[p.customer_id]
    ):
        log.info("scoring.customer.erased_skipped", interaction_id=str(p.interaction_id))
        return
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


async def sweep_aged_out(db: Database, *, max_customers: int, now: datetime | None = None) -> int:
    """Rescore the customers whose stored score still counts a mention that has left the last
    year since it was computed; returns how many were rescored.

    Each batch is one short transaction holding its customers' score rows (SKIP LOCKED), so
    replicas sweeping at once share the work. A rescored score no longer qualifies, so a second
    sweep finds nothing; the scan moves on by key, so a score that cannot be rescored (bad
    stored signals) is not found again within the sweep.
    """
    now = now or datetime.now(UTC)
    after = (uuid.UUID(int=0), uuid.UUID(int=0))
    done = 0
    while done < max_customers:
        async with db.session() as session:
            found = await repository.lock_aged_out(
                session,
                now=now,
                after=after,
                limit=min(SWEEP_BATCH, max_customers - done),
            )
            if not found:
                break
            for tenant_id, rows in itertools.groupby(found, key=lambda r: r[0]):
                done += await rescore(
                    session,
                    tenant_id=tenant_id,
                    customer_ids=[customer_id for _, customer_id in rows],
                    config=await config_for(session, tenant_id=tenant_id),
                    population_stats=await population.cached(session, tenant_id=tenant_id),
                )
            after = found[-1]
    return done
