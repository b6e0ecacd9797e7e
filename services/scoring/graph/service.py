"""The tenant's conversation graph: edges from each message, centrality from a scheduled recompute.

The hot path only appends (one author row, one row per person referenced); the recompute worker
reads the edges, runs `InfluenceGraph` and writes every person's centrality and received counts.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.engine import (
    GRAPH_NETWORKS,
    InfluenceGraph,
    normalise_handle,
    references,
)
from services.scoring.graph import repository
from services.scoring.graph.repository import GraphStats
from shared import get_logger
from shared.contracts import Envelope, InteractionReceivedV1

__all__ = [
    "GraphRecompute",
    "GraphStats",
    "erase_customer",
    "graph_handle",
    "recompute_centrality",
    "record_conversation",
]

log = get_logger("scoring.graph")

# Smaller moves of a customer's centrality are not worth rescoring them.
CENTRALITY_EPSILON = 0.005


def graph_handle(channel: str, handle: str | None) -> tuple[str, str] | None:
    """(network, canonical handle) when the channel has a conversation graph, else None."""
    if channel not in GRAPH_NETWORKS:
        return None
    canonical = normalise_handle(handle)
    return (channel, canonical) if canonical else None


async def record_conversation(session: AsyncSession, event: Envelope[Any]) -> None:
    """Add the edges one received message makes: its author mentioned, replied to or reposted."""
    p: InteractionReceivedV1 = event.payload
    facts = p.facts
    if facts.direction != "inbound":
        return  # the tenant's own posts say nothing about who is influential
    node = graph_handle(facts.channel, facts.author.handle)
    if node is None:
        return
    network, author = node
    now = datetime.now(UTC)
    await repository.count_post(
        session,
        tenant_id=event.tenant_id,
        network=network,
        handle=author,
        at=now,
        followers=facts.author.followers,
        engagement=facts.engagement,
    )
    replied_to = None
    if facts.thread_key and facts.thread_key != p.external_id:
        # A reply: the thread names the post replied to (or its root); its author gains.
        replied_to = await repository.author_of(
            session, tenant_id=event.tenant_id, network=network, external_id=facts.thread_key
        )
    if p.external_id:
        await repository.remember_post(
            session,
            tenant_id=event.tenant_id,
            network=network,
            external_id=p.external_id,
            author=author,
            at=now,
        )
    targets = references(p.text, author=author, replied_to=replied_to)
    await repository.add_edges(
        session,
        tenant_id=event.tenant_id,
        network=network,
        source=author,
        targets=targets,
        seen_at=facts.occurred_at,
        now=now,
    )


@dataclass
class GraphRecompute:
    """What one recompute did; `changed` maps the customers to rescore to how far their
    centrality moved (0 when only their received counts changed)."""

    nodes: int = 0
    edges: int = 0
    changed: dict[uuid.UUID, float] = field(default_factory=dict)


def _by_customer(
    rows: list[tuple[uuid.UUID, float | None, int, int, int]],
) -> dict[uuid.UUID, GraphStats]:
    out: dict[uuid.UUID, GraphStats] = {}
    for customer_id, centrality, mentions, replies, reposts in rows:
        prev = out.get(customer_id, GraphStats())
        best = prev.centrality
        if centrality is not None:
            best = centrality if best is None else max(best, centrality)
        out[customer_id] = GraphStats(
            best, prev.mentions + mentions, prev.replies + replies, prev.reposts + reposts
        )
    return out


def moved(before: GraphStats, after: GraphStats) -> bool:
    """Whether a customer's graph stats changed enough to rescore them."""
    if (before.centrality is None) != (after.centrality is None):
        return True
    if before.centrality is not None and after.centrality is not None:
        if abs(before.centrality - after.centrality) >= CENTRALITY_EPSILON:
            return True
    return (before.mentions, before.replies, before.reposts) != (
        after.mentions,
        after.replies,
        after.reposts,
    )


async def recompute_centrality(
    session: AsyncSession, *, tenant_id: uuid.UUID, max_edges: int, now: datetime
) -> GraphRecompute:
    """Recompute every person's centrality and received counts from the stored edges."""
    rows = await repository.load_edges(session, tenant_id=tenant_id, limit=max_edges)
    graph = InfluenceGraph(method="spread")
    received: dict[tuple[str, str], list[int]] = {}
    sources: list[Hashable] = []
    targets: list[Hashable] = []
    weights: list[float] = []
    for r in rows:
        source, target = (r.network, r.source), (r.network, r.target)
        sources.append(source)
        targets.append(target)
        weights.append(float(r.mentions + r.replies + r.reposts))
        counts = received.setdefault(target, [0, 0, 0])
        counts[0] += r.mentions
        counts[1] += r.replies
        counts[2] += r.reposts
        received.setdefault(source, [0, 0, 0])
    if rows:
        graph.add_interactions(sources, targets, weights)
        shown = await repository.platform_numbers(session, tenant_id=tenant_id)
        for key, numbers in shown.items():
            if key in received:
                graph.set_platform_metrics(
                    key,
                    followers=None if numbers.followers is None else float(numbers.followers),
                    posts=float(numbers.posts),
                    sampled_posts=float(numbers.reacted_posts),
                    likes=float(numbers.likes),
                    reposts=float(numbers.reposts),
                    replies=float(numbers.replies),
                )
        graph.recompute()
    keys = sorted(received)
    centrality = [graph.centrality(k) or 0.0 for k in keys]
    centrality = [c if math.isfinite(c) else 0.0 for c in centrality]
    new_by_key = {k: (c, *received[k]) for k, c in zip(keys, centrality, strict=True)}

    owned = await repository.customer_nodes(session, tenant_id=tenant_id)
    before = _by_customer(
        [
            (
                o.customer_id,
                o.centrality,
                o.mentions_received,
                o.replies_received,
                o.reposts_received,
            )
            for o in owned
        ]
    )
    after = _by_customer(
        [(o.customer_id, *new_by_key.get((o.network, o.handle), (None, 0, 0, 0))) for o in owned]
    )
    await repository.store_centrality(
        session,
        tenant_id=tenant_id,
        networks=[k[0] for k in keys],
        handles=[k[1] for k in keys],
        centrality=centrality,
        mentions=[received[k][0] for k in keys],
        replies=[received[k][1] for k in keys],
        reposts=[received[k][2] for k in keys],
        now=now,
    )
    changed = {
        c: abs((s.centrality or 0.0) - (before.get(c, GraphStats()).centrality or 0.0))
        for c, s in after.items()
        if moved(before.get(c, GraphStats()), s)
    }
    log.info(
        "scoring.graph.recomputed",
        tenant_id=str(tenant_id),
        nodes=len(keys),
        edges=len(rows),
        customers_changed=len(changed),
    )
    return GraphRecompute(nodes=len(keys), edges=len(rows), changed=changed)


async def erase_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> None:
    """Forget the customer's handles, every edge touching them and their posts."""
    await repository.erase_customer(session, tenant_id=tenant_id, customer_id=customer_id)
