"""Scoring interactions and customers with the engine, keeping history and tenant config."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.db import messaging
from services.scoring.engine import (
    CustomerSignals,
    ScoringConfig,
    assess_risk,
    compute_score,
)
from services.scoring.scores import repository
from services.scoring.scores.schemas import Score, ScorePoint
from shared import NotFound, emit
from shared.contracts import Envelope, InteractionIdentifiedV1, InteractionScoredV1

SOURCE = "resonance/scoring"


async def config_for(session: AsyncSession, *, tenant_id: uuid.UUID) -> ScoringConfig:
    stored = await repository.get_config(session, tenant_id=tenant_id)
    return ScoringConfig.model_validate(stored) if stored else ScoringConfig()


async def put_config(
    session: AsyncSession, *, tenant_id: uuid.UUID, config: ScoringConfig
) -> ScoringConfig:
    await repository.put_config(session, tenant_id=tenant_id, config=config.model_dump(mode="json"))
    return config


async def get_score(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> Score:
    row = await repository.get_score(session, tenant_id=tenant_id, customer_id=customer_id)
    if row is None:
        raise NotFound(f"Customer {customer_id} has no score yet.")
    points = await repository.history(session, tenant_id=tenant_id, customer_id=customer_id)
    return Score(
        customer_id=customer_id,
        social_customer_score=row.social_customer_score,
        value_score=row.value_score,
        influence_score=row.influence_score,
        tier=row.tier,
        components=row.components,  # type: ignore[arg-type]
        computed_at=row.computed_at,
        history=[
            ScorePoint(
                social_customer_score=p.social_customer_score,
                tier=p.tier,
                computed_at=p.computed_at,
            )
            for p in points
        ],
    )


def _author_signals(p: InteractionIdentifiedV1) -> dict[str, Any]:
    """What the channel itself reported about the author's audience."""
    author = p.facts.author
    network = p.facts.channel
    if author.followers is None or network not in {
        "twitter",
        "facebook",
        "instagram",
        "mastodon",
        "linkedin",
        "xing",
    }:
        return {}
    return {
        network: {
            "followers": author.followers,
            "following": author.following or 0,
            "posts": author.posts or 0,
            "verified": bool(author.verified),
        }
    }


async def score_interaction(session: AsyncSession, event: Envelope[Any]) -> None:
    """Score the author and the interaction's risk, keep the customer's score, announce."""
    p: InteractionIdentifiedV1 = event.payload
    config = await config_for(session, tenant_id=event.tenant_id)
    author_profiles = _author_signals(p)
    if p.customer is not None:
        signals = CustomerSignals.from_snapshot(p.customer)
        if author_profiles:
            merged = {**{k: v.model_dump() for k, v in signals.profiles.items()}, **author_profiles}
            signals = signals.model_copy(
                update={"profiles": CustomerSignals(profiles=merged).profiles}
            )
    else:
        signals = CustomerSignals(profiles=author_profiles)
    score = compute_score(signals, config)
    risk = assess_risk(p.facts, influence_score=score.influence_score, config=config)
    now = datetime.now(UTC)
    if p.customer_id is not None:
        previous = await repository.get_score(
            session, tenant_id=event.tenant_id, customer_id=p.customer_id, lock=True
        )
        changed = (
            previous is None
            or abs(previous.social_customer_score - score.social_customer_score) >= 0.5
        )
        await repository.save_score(
            session,
            {
                "tenant_id": event.tenant_id,
                "customer_id": p.customer_id,
                "social_customer_score": score.social_customer_score,
                "value_score": score.value_score,
                "influence_score": score.influence_score,
                "tier": score.tier,
                "components": [c.model_dump() for c in score.components],
                "signals": signals.model_dump(mode="json"),
                "computed_at": now,
            },
            changed=changed,
        )
    payload = InteractionScoredV1(
        interaction_id=p.interaction_id,
        facts=p.facts,
        customer_id=p.customer_id,
        social_customer_score=score.social_customer_score,
        value_score=score.value_score,
        influence_score=score.influence_score,
        components=score.components,
        risk=risk,
    )
    await emit(
        session,
        messaging,
        Envelope.wrap(payload, source=SOURCE, tenant_id=event.tenant_id, causation=event),
    )


async def erase_customer(session: AsyncSession, event: Envelope[Any]) -> None:
    await repository.erase(
        session, tenant_id=event.tenant_id, customer_id=event.payload.customer_id
    )
