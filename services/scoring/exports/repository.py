"""All SQL of the scoring export: what scoring holds about one person, besides the score."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.graph.models import GraphEdge, GraphNode
from services.scoring.mentions.models import NewsMention


def _plain(row: Any, columns: list[str]) -> dict[str, Any]:
    return {c: getattr(row, c) for c in columns}


async def held(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> dict[str, Any]:
    """The person's accounts in the tenant's interaction graph, the conversations between them
    and others, and the news and blog items that name them."""
    nodes = list(
        (
            await session.execute(
                sa.select(GraphNode).where(
                    GraphNode.tenant_id == tenant_id, GraphNode.customer_id == customer_id
                )
            )
        ).scalars()
    )
    node_columns = [c.key for c in sa.inspect(GraphNode).columns if c.key != "tenant_id"]
    edges: list[GraphEdge] = []
    for network in {n.network for n in nodes}:
        handles = [n.handle for n in nodes if n.network == network]
        edges += (
            await session.execute(
                sa.select(GraphEdge).where(
                    GraphEdge.tenant_id == tenant_id,
                    GraphEdge.network == network,
                    sa.or_(GraphEdge.source.in_(handles), GraphEdge.target.in_(handles)),
                )
            )
        ).scalars()
    edge_columns = [c.key for c in sa.inspect(GraphEdge).columns if c.key != "tenant_id"]
    mentions = (
        await session.execute(
            sa.select(NewsMention)
            .where(NewsMention.tenant_id == tenant_id, NewsMention.customer_id == customer_id)
            .order_by(NewsMention.published_at)
        )
    ).scalars()
    mention_columns = [c.key for c in sa.inspect(NewsMention).columns if c.key != "tenant_id"]
    return {
        "graph_accounts": [_plain(n, node_columns) for n in nodes],
        "graph_conversations": [_plain(e, edge_columns) for e in edges],
        "news_mentions": [_plain(m, mention_columns) for m in mentions],
    }
