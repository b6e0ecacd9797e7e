"""Scoring interactions and customers with the engine, keeping history and tenant config."""

from __future__ import annotations

import math
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.db import erasures, messaging
from services.scoring.engine import (
    KNOWN_NETWORKS,
    CustomerScore,
    CustomerSignals,
    PopulationStats,
    ScoringConfig,
    SocialProfile,
    assess_risk,
    audience_of,
    compute_score,
    velocity_per_hour,
)
from services.scoring.engine.inputs import MAX_COUNT
from services.scoring.graph import repository as graph_repository
from services.scoring.graph.repository import GraphStats
from services.scoring.graph.service import erase_customer as erase_from_graph
from services.scoring.graph.service import graph_handle
from services.scoring.incidents import authors as incident_authors
from services.scoring.incidents import repository as incidents_repository
from services.scoring.mentions import repository as mentions_repository
from services.scoring.mentions.signals import news_expiry, news_signals
from services.scoring.population import service as population
from services.scoring.scores import repository
from services.scoring.scores.models import CustomerScore as StoredScore
from services.scoring.scores.schemas import Score, ScorePoint
from shared import NotFound, emit, get_logger
from shared.contracts import (
    AuthorClaims,
    CustomerMergedV1,
    CustomerScoreChangedV1,
    CustomerSnapshot,
    CustomerUnmergedV1,
    Envelope,
    InteractionIdentifiedV1,
    InteractionScoredV1,
)

SOURCE = "resonance/scoring"
# A smaller move of the score is not worth a history point.
HISTORY_STEP = 0.5

log = get_logger("scoring.scores")


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


def _count(value: int | None) -> int:
    return min(max(value or 0, 0), MAX_COUNT)


def _author_signals(p: InteractionIdentifiedV1) -> dict[str, Any]:
    """What the channel itself reported about the author's audience (absurd counts bounded)."""
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
            "followers": _count(author.followers),
            "following": _count(author.following),
            "posts": _count(author.posts),
            "verified": bool(author.verified),
        }
    }


def graph_signals(stats: GraphStats) -> dict[str, Any]:
    """The `CustomerSignals` fields the conversation graph provides."""
    centrality = stats.centrality
    if centrality is not None:
        centrality = min(1.0, max(0.0, centrality)) if math.isfinite(centrality) else None
    return {
        "centrality": centrality,
        "observed_mentions": _count(stats.mentions),
        "observed_replies": _count(stats.replies),
        "observed_reposts": _count(stats.reposts),
    }


def signals_for(
    p: InteractionIdentifiedV1,
    stats: GraphStats,
    *,
    customer: CustomerSnapshot | None,
    stored: CustomerSignals | None = None,
) -> CustomerSignals:
    """The author's signals: the customer's master data (identity's snapshot, else the stored
    score's), the channel's numbers and the graph.

    Raises `ValidationError` when the snapshot is outside the score's bounds.
    """
    author_profiles = _author_signals(p)
    graph = graph_signals(stats)
    if customer is not None:
        signals = CustomerSignals.from_snapshot(customer, **graph)
    elif stored is not None:
        signals = stored.model_copy(update=graph)
    else:
        return CustomerSignals(profiles=author_profiles, **graph)
    if author_profiles:
        merged = {**{k: v.model_dump() for k, v in signals.profiles.items()}, **author_profiles}
        signals = signals.model_copy(update={"profiles": CustomerSignals(profiles=merged).profiles})
    return signals


async def _stored_signals(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> CustomerSignals | None:
    row = await repository.get_score(session, tenant_id=tenant_id, customer_id=customer_id)
    if row is None:
        return None
    try:
        return CustomerSignals.model_validate(row.signals)
    except ValidationError:
        return None


async def score_interaction(session: AsyncSession, event: Envelope[Any]) -> None:
    """Score the author and the interaction's risk, keep the customer's score, announce.

    An erased customer's late interaction is scored as an unknown author's: nothing about
    them is kept, and the scored event names no customer and carries none of their claims,
    nor the thread or the similarity key.
    """
    p: InteractionIdentifiedV1 = event.payload
    tenant_id = event.tenant_id
    now = datetime.now(UTC)
    customer_id, snapshot, facts = p.customer_id, p.customer, p.facts
    # First, before any row: the customer's turn, which an erasure takes too, so either it
    # deletes what this stores or this sees its tombstone.
    if await erasures.erased_among(session, tenant_id=tenant_id, customer_ids=[customer_id]):
        log.info("scoring.customer.erased_skipped", interaction_id=str(p.interaction_id))
        customer_id, snapshot = None, None
        # Downstream stores what it is sent, and an event naming no customer is out of
        # every later erasure's reach: the author's claims, the thread (a private message's
        # is the person's id on the network) and the hash of the text's meaning go no
        # further than this scoring. Routing routes by the channel, visibility, mood,
        # urgency and the risk.
        facts = facts.model_copy(
            update={"author": AuthorClaims(), "thread_key": None, "similarity_key": None}
        )
    if p.customer_id is not None and incident_authors.could_join(p.facts):
        # Under the customer's turn: an erasure finds this note, or this saw the tombstone and
        # notes the message as an erased author's (any cluster sampled from it loses the sample).
        await incident_authors.note_author(
            session,
            tenant_id=tenant_id,
            interaction_id=p.interaction_id,
            customer_id=customer_id,
            now=now,
        )
    config = await config_for(session, tenant_id=tenant_id)
    stats_population = await population.cached(session, tenant_id=tenant_id)
    node = graph_handle(p.facts.channel, p.facts.author.handle)
    if customer_id is not None:
        if node is not None and p.decision != "review":
            await graph_repository.attach_customer(
                session,
                tenant_id=tenant_id,
                network=node[0],
                handle=node[1],
                customer_id=customer_id,
                now=now,
            )
        stats = await graph_repository.stats_of_customer(
            session, tenant_id=tenant_id, customer_id=customer_id
        )
    elif node is not None:
        stats = await graph_repository.stats_of_handle(
            session, tenant_id=tenant_id, network=node[0], handle=node[1]
        )
    else:
        stats = GraphStats()
    try:
        signals = signals_for(p, stats, customer=snapshot)
    except ValidationError:
        # Master data out of the score's bounds (a value of 1e400 arrives as infinity) is not
        # scored from: the stored score's master data stands in, as for such an unmerge.
        log.warning("scoring.snapshot.invalid", interaction_id=str(p.interaction_id))
        stored = None
        if customer_id is not None:
            stored = await _stored_signals(session, tenant_id=tenant_id, customer_id=customer_id)
        signals = signals_for(p, stats, customer=None, stored=stored)
    if customer_id is not None:
        news = await news_signals(session, tenant_id=tenant_id, customer_ids=[customer_id], now=now)
        signals = signals.model_copy(update=news[customer_id])
    score = compute_score(signals, config, population=stats_population)
    velocity = velocity_per_hour(p.facts.engagement, occurred_at=p.facts.occurred_at, now=now)
    risk = assess_risk(
        p.facts,
        influence_score=score.influence_score,
        config=config,
        velocity_per_hour=velocity,
    )
    if customer_id is not None:
        await keep_score(
            session,
            tenant_id=tenant_id,
            customer_id=customer_id,
            signals=signals,
            score=score,
            config=config,
            now=now,
            causation=event,
        )
    payload = InteractionScoredV1(
        interaction_id=p.interaction_id,
        facts=facts,
        customer_id=customer_id,
        social_customer_score=score.social_customer_score,
        value_score=score.value_score,
        influence_score=score.influence_score,
        components=score.components,
        risk=risk,
    )
    await emit(
        session,
        messaging,
        Envelope.wrap(payload, source=SOURCE, tenant_id=tenant_id, causation=event),
    )


async def keep_score(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    signals: CustomerSignals,
    score: CustomerScore,
    config: ScoringConfig,
    now: datetime,
    causation: Envelope[Any] | None,
    previous: StoredScore | None = None,
    locked: bool = False,
) -> bool:
    """Store the customer's score; a tier change is announced in the same transaction.

    `locked` means the caller already holds `previous` with FOR UPDATE (a batch rescore). A
    caller that may create a score holds the customer's turn and has checked the tombstones
    (an erasure deletes stored scores, so a batch rescore of stored ones needs neither).
    """
    if not locked:
        previous = await repository.get_score(
            session, tenant_id=tenant_id, customer_id=customer_id, lock=True
        )
    moved = (
        previous is None
        or abs(previous.social_customer_score - score.social_customer_score) >= HISTORY_STEP
    )
    tier_changed = previous is None or previous.tier != score.tier
    expires = None
    if signals.news_mentions:
        expires = await news_expiry(session, tenant_id=tenant_id, customer_id=customer_id, now=now)
    await repository.save_score(
        session,
        {
            "tenant_id": tenant_id,
            "customer_id": customer_id,
            "social_customer_score": score.social_customer_score,
            "value_score": score.value_score,
            "influence_score": score.influence_score,
            "tier": score.tier,
            "components": [c.model_dump() for c in score.components],
            "signals": signals.model_dump(mode="json"),
            "computed_at": now,
            "customer_value": signals.value,
            "audience": audience_of(signals, config),
            "news_expires_at": expires,
        },
        changed=moved or tier_changed,
    )
    if tier_changed:
        changed = CustomerScoreChangedV1(
            customer_id=customer_id,
            previous_tier=previous.tier if previous is not None else None,
            tier=score.tier,
            previous_score=previous.social_customer_score if previous is not None else None,
            social_customer_score=score.social_customer_score,
        )
        await emit(
            session,
            messaging,
            Envelope.wrap(changed, source=SOURCE, tenant_id=tenant_id, causation=causation),
        )
    return tier_changed


async def rescore(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_ids: Sequence[uuid.UUID],
    config: ScoringConfig,
    population_stats: PopulationStats | None,
    causation: Envelope[Any] | None = None,
) -> int:
    """Rescore stored customers with their current graph stats and news mentions."""
    rows = await repository.get_scores(
        session, tenant_id=tenant_id, customer_ids=customer_ids, lock=True
    )
    stats = await graph_repository.stats_of_customers(
        session, tenant_id=tenant_id, customer_ids=[r.customer_id for r in rows]
    )
    now = datetime.now(UTC)
    news = await news_signals(
        session, tenant_id=tenant_id, customer_ids=[r.customer_id for r in rows], now=now
    )
    done = 0
    for row in rows:
        try:
            stored = CustomerSignals.model_validate(row.signals)
        except ValidationError:
            log.warning("scoring.rescore.bad_signals", customer_id=str(row.customer_id))
            continue
        signals = stored.model_copy(
            update={
                **graph_signals(stats.get(row.customer_id, GraphStats())),
                **news[row.customer_id],
            }
        )
        score = compute_score(signals, config, population=population_stats)
        await keep_score(
            session,
            tenant_id=tenant_id,
            customer_id=row.customer_id,
            signals=signals,
            score=score,
            config=config,
            now=now,
            causation=causation,
            previous=row,
            locked=True,
        )
        done += 1
    return done


async def erase_customer(session: AsyncSession, event: Envelope[Any]) -> None:
    """GDPR erasure: everything scoring holds about the person, in one transaction."""
    await forget_customer(
        session, tenant_id=event.tenant_id, customer_id=event.payload.customer_id, causation=event
    )


async def forget_customer(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    causation: Envelope[Any] | None = None,
) -> None:
    """The score and its history, the customer's place in the graph, every news mention of
    them (whoever those mentions counted for is rescored without them) and the samples of
    incident clusters taken from their messages.

    A tombstone (ids and time, no personal data) keeps the events published before the erasure
    and delivered after it (an interaction, a mention, a merge or unmerge) from scoring the
    person again; it is written under the customer's turn, which every scoring path takes first.
    Every customer turn the erasure needs is taken before any row is touched, in one order.
    """
    await take_turns_for_erasure(session, tenant_id=tenant_id, customer_id=customer_id)
    await erasures.record(session, tenant_id=tenant_id, customer_id=customer_id)
    await repository.erase(session, tenant_id=tenant_id, customer_id=customer_id)
    await erase_from_graph(session, tenant_id=tenant_id, customer_id=customer_id)
    counted_for = await mentions_repository.erase(
        session, tenant_id=tenant_id, customer_id=customer_id
    )
    for other in sorted(counted_for - {customer_id}):
        await rescore_customer(session, tenant_id=tenant_id, customer_id=other, causation=causation)
    # Last: the tenant's turn at its clusters comes after every customer's turn.
    await incident_authors.forget_customer(session, tenant_id=tenant_id, customer_id=customer_id)
    log.info("scoring.customer.erased", tenant_id=str(tenant_id))


async def take_turns_for_erasure(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    """The turns of the person and of everyone their news mentions count for (whom the erasure
    rescores), in the one order every handler of several customers takes them, before any row.

    Holding the person's turn while waiting for another's, as the erasure once did, deadlocks
    with a handler holding that other's turn and waiting for the person's (a late unmerge), or
    for a row the erasure has deleted (the other's own erasure).
    """
    # Whom to rescore is read before any turn is held, then all turns are taken at once
    # (sorted). Only a merge or unmerge moves a mention away from whom it counts for, and it
    # takes that customer's turn: once the turns are held, a read naming nobody new is final.
    # A merge committed between the read and the turns names somebody new, whose turn comes
    # late and maybe out of order: rare, and PostgreSQL breaks such a deadlock, after which the
    # consumer retries the erasure. (A merge or unmerge that finds somebody erased calls the
    # erasure holding both customers' turns; their mentions count for one of the two.)
    locked: set[uuid.UUID] = set()
    wanted = {customer_id} | await mentions_repository.counted_for(
        session, tenant_id=tenant_id, customer_id=customer_id
    )
    while wanted - locked:
        await erasures.erased_among(session, tenant_id=tenant_id, customer_ids=wanted - locked)
        locked |= wanted
        wanted = locked | await mentions_repository.counted_for(
            session, tenant_id=tenant_id, customer_id=customer_id
        )


async def follow_merge(session: AsyncSession, event: Envelope[Any]) -> None:
    """The survivor takes over the merged customer's graph handles and news mentions (until an
    unmerge gives them back), the merged customer's own score is dropped, and the survivor is
    scored once with all of it and its master data as the merge left it (v2), a survivor
    without a stored score too (a tier change is announced as usual).

    One transaction does all of it, so no score is ever computed from half a merge.
    """
    p: CustomerMergedV1 = event.payload
    tenant_id = event.tenant_id
    # Both customers' turns, in one order, before any row is touched: a handler of two
    # customers never waits for one while holding a row the other's needs.
    erased = await erasures.erased_among(
        session, tenant_id=tenant_id, customer_ids=[p.survivor_id, p.merged_id]
    )
    if p.survivor_id in erased:
        # Merged into somebody erased since: the merged customer is that person too (identity
        # erases them with the survivor), so what scoring holds about them goes as well.
        await forget_customer(session, tenant_id=tenant_id, customer_id=p.merged_id)
        return
    await graph_repository.move_customer(
        session, tenant_id=tenant_id, from_customer=p.merged_id, to_customer=p.survivor_id
    )
    await mentions_repository.follow_merge(
        session, tenant_id=tenant_id, survivor_id=p.survivor_id, merged_id=p.merged_id
    )
    await incidents_repository.move_authors(
        session, tenant_id=tenant_id, from_customer=p.merged_id, to_customer=p.survivor_id
    )
    await repository.erase(session, tenant_id=tenant_id, customer_id=p.merged_id)
    # A v1 event (a producer not yet upgraded) carries no master data: the stored score is
    # rescored as it is, and a survivor without one waits for its next interaction.
    await rescore_customer(
        session,
        tenant_id=tenant_id,
        customer_id=p.survivor_id,
        snapshot=getattr(p, "survivor", None),
        master_data_changed=True,
        causation=event,
    )
    log.info("scoring.customer.merged", tenant_id=str(tenant_id), merged_id=str(p.merged_id))


async def follow_unmerge(session: AsyncSession, event: Envelope[Any]) -> None:
    """The restored customer takes back the handles and the news mentions it brought into the
    merge, and both customers are scored from their own master data as the event carries it
    (v2) and what scoring holds for each now: the survivor without the restored customer's
    parts, the restored customer at once rather than at its next interaction.

    One transaction does all of it, so no score is ever computed from half an unmerge.
    """
    p: CustomerUnmergedV1 = event.payload
    tenant_id = event.tenant_id
    # Both customers' turns first, as in a merge.
    erased = await erasures.erased_among(
        session, tenant_id=tenant_id, customer_ids=[p.survivor_id, p.restored_id]
    )
    handles = await graph_repository.restore_customer(
        session,
        tenant_id=tenant_id,
        survivor_id=p.survivor_id,
        restored_id=p.restored_id,
        now=datetime.now(UTC),
    )
    await mentions_repository.follow_unmerge(
        session, tenant_id=tenant_id, survivor_id=p.survivor_id, restored_id=p.restored_id
    )
    await incidents_repository.move_authors(
        session,
        tenant_id=tenant_id,
        from_customer=p.survivor_id,
        to_customer=p.restored_id,
        interaction_ids=list(p.interaction_ids),
    )
    # A v1 event (a producer not yet upgraded) carries no master data: the stored score is
    # rescored as it is, and a restored customer without one waits for its next interaction.
    for customer_id, snapshot in (
        (p.survivor_id, getattr(p, "survivor", None)),
        (p.restored_id, getattr(p, "restored", None)),
    ):
        if customer_id in erased:
            # Erased before this unmerge arrived: what it gives back to them goes too.
            await forget_customer(session, tenant_id=tenant_id, customer_id=customer_id)
            continue
        await rescore_customer(
            session,
            tenant_id=tenant_id,
            customer_id=customer_id,
            snapshot=snapshot,
            master_data_changed=True,
            causation=event,
        )
    log.info(
        "scoring.customer.unmerged",
        tenant_id=str(tenant_id),
        restored_id=str(p.restored_id),
        handles=len(handles),
    )


async def rescore_customer(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    snapshot: CustomerSnapshot | None = None,
    master_data_changed: bool = False,
    causation: Envelope[Any] | None = None,
) -> None:
    """Rescore one customer with what scoring holds for it now (graph, platform numbers, news).

    Its master data comes from identity's `snapshot` when the stored score has none or
    `master_data_changed` says the stored one is stale; otherwise the stored score keeps its
    own. With neither a stored score nor a snapshot there is nothing to score, and an erased
    customer is never scored again.
    """
    if await erasures.erased_among(session, tenant_id=tenant_id, customer_ids=[customer_id]):
        log.info("scoring.customer.erased_skipped", customer_id=str(customer_id))
        return
    config = await config_for(session, tenant_id=tenant_id)
    stats = await population.cached(session, tenant_id=tenant_id)
    if snapshot is not None and snapshot.customer_id != customer_id:
        log.warning("scoring.snapshot.mismatched", customer_id=str(customer_id))
        snapshot = None

    async def keep_stored() -> bool:
        return bool(
            await rescore(
                session,
                tenant_id=tenant_id,
                customer_ids=[customer_id],
                config=config,
                population_stats=stats,
                causation=causation,
            )
        )

    if (snapshot is None or not master_data_changed) and await keep_stored():
        return
    if snapshot is None:
        return
    now = datetime.now(UTC)
    try:
        signals = await held_signals(
            session, tenant_id=tenant_id, customer_id=customer_id, snapshot=snapshot, now=now
        )
    except ValidationError:
        # Master data out of the score's bounds must not lose the score it has.
        log.warning("scoring.snapshot.invalid", customer_id=str(customer_id))
        if master_data_changed:
            await keep_stored()
        return
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


async def held_signals(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_id: uuid.UUID,
    snapshot: CustomerSnapshot,
    now: datetime,
) -> CustomerSignals:
    """Signals from identity's master data and what scoring holds for the customer: its graph
    stats, the follower counts the platforms last showed with its posts (over the master
    data's, as an interaction's author numbers are) and its news mentions.

    Raises `ValidationError` when the master data is outside the score's bounds.
    """
    graph = await graph_repository.stats_of_customer(
        session, tenant_id=tenant_id, customer_id=customer_id
    )
    followers = await graph_repository.followers_of_customer(
        session, tenant_id=tenant_id, customer_id=customer_id
    )
    news = await news_signals(session, tenant_id=tenant_id, customer_ids=[customer_id], now=now)
    signals = CustomerSignals.from_snapshot(snapshot, **graph_signals(graph), **news[customer_id])
    profiles = dict(signals.profiles)
    for network, count in followers.items():
        if network in KNOWN_NETWORKS:
            profile = profiles.get(network) or SocialProfile()
            profiles[network] = profile.model_copy(update={"followers": _count(count)})
    return signals.model_copy(update={"profiles": profiles})
