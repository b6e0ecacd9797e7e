"""All SQL about the conversation graph (Core statements: the hot path stays cheap)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring import merge_paths
from services.scoring.graph.models import GraphEdge, GraphNode, GraphPost

_nodes = cast(sa.Table, GraphNode.__table__)
_edges = cast(sa.Table, GraphEdge.__table__)
_posts = cast(sa.Table, GraphPost.__table__)
EDGE_COLUMN = {"mention": "mentions", "reply": "replies", "repost": "reposts"}
REACTIONS = ("likes", "reposts", "quotes", "replies")


@dataclass(frozen=True, slots=True)
class GraphStats:
    """What the graph says about one person: centrality (None outside the graph) and counts."""

    centrality: float | None = None
    mentions: int = 0
    replies: int = 0
    reposts: int = 0


# --- hot path -------------------------------------------------------------------------------

_ins_author = insert(_nodes)
_UPSERT_AUTHOR = _ins_author.on_conflict_do_update(
    index_elements=["tenant_id", "network", "handle"],
    set_={
        "posts": _nodes.c.posts + 1,
        "followers": sa.func.coalesce(_ins_author.excluded.followers, _nodes.c.followers),
        "reacted_posts": _nodes.c.reacted_posts + _ins_author.excluded.reacted_posts,
        "likes": _nodes.c.likes + _ins_author.excluded.likes,
        "reposts": _nodes.c.reposts + _ins_author.excluded.reposts,
        "replies": _nodes.c.replies + _ins_author.excluded.replies,
        "updated_at": _ins_author.excluded.updated_at,
    },
)
# Larger numbers are data errors; this keeps the sums far from overflowing.
_MAX_NUMBER = 10**12


def _number(value: int | None) -> int:
    return min(max(int(value or 0), 0), _MAX_NUMBER)


async def count_post(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    network: str,
    handle: str,
    at: datetime,
    followers: int | None = None,
    engagement: Mapping[str, int] | None = None,
) -> None:
    """One more post seen from this person, with what the platform showed along with it (the
    follower count; likes, reposts or quotes, and replies when the post came with any)."""
    counts = {kind: _number((engagement or {}).get(kind, 0)) for kind in REACTIONS}
    await session.execute(
        _UPSERT_AUTHOR,
        {
            "tenant_id": tenant_id,
            "network": network,
            "handle": handle,
            "posts": 1,
            "followers": None if followers is None else _number(followers),
            "reacted_posts": int(any(kind in (engagement or {}) for kind in REACTIONS)),
            "likes": counts["likes"],
            "reposts": counts["reposts"] + counts["quotes"],
            "replies": counts["replies"],
            "updated_at": at,
        },
    )


_ins_post = insert(_posts)
_INSERT_POST = _ins_post.on_conflict_do_nothing()


async def remember_post(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    network: str,
    external_id: str,
    author: str,
    at: datetime,
) -> None:
    await session.execute(
        _INSERT_POST,
        {
            "tenant_id": tenant_id,
            "network": network,
            "external_id": external_id,
            "author": author,
            "received_at": at,
        },
    )


async def author_of(
    session: AsyncSession, *, tenant_id: uuid.UUID, network: str, external_id: str
) -> str | None:
    return await session.scalar(
        sa.select(_posts.c.author).where(
            _posts.c.tenant_id == tenant_id,
            _posts.c.network == network,
            _posts.c.external_id == external_id,
        )
    )


_ins_edge = insert(_edges)
_UPSERT_EDGE = _ins_edge.on_conflict_do_update(
    index_elements=["tenant_id", "network", "source", "target"],
    set_={
        "mentions": _edges.c.mentions + _ins_edge.excluded.mentions,
        "replies": _edges.c.replies + _ins_edge.excluded.replies,
        "reposts": _edges.c.reposts + _ins_edge.excluded.reposts,
        "first_seen": sa.func.least(_edges.c.first_seen, _ins_edge.excluded.first_seen),
        "last_seen": sa.func.greatest(_edges.c.last_seen, _ins_edge.excluded.last_seen),
        "updated_at": _ins_edge.excluded.updated_at,
    },
)


async def add_edges(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    network: str,
    source: str,
    targets: Sequence[tuple[str, str]],
    seen_at: datetime,
    now: datetime,
) -> None:
    """`source` mentioned/replied to/reposted each target once (kinds: mention, reply, repost)."""
    if not targets:
        return
    rows = []
    # Sorted, so concurrent transactions lock edge rows in the same order (no deadlocks).
    for target, kind in sorted(targets):
        row: dict[str, Any] = {
            "tenant_id": tenant_id,
            "network": network,
            "source": source,
            "target": target,
            "mentions": 0,
            "replies": 0,
            "reposts": 0,
            "first_seen": seen_at,
            "last_seen": seen_at,
            "updated_at": now,
        }
        row[EDGE_COLUMN[kind]] = 1
        rows.append(row)
    await session.execute(_UPSERT_EDGE, rows)


_ins_owner = insert(_nodes)
_UPSERT_OWNER = _ins_owner.on_conflict_do_update(
    index_elements=["tenant_id", "network", "handle"],
    set_={
        "customer_id": _ins_owner.excluded.customer_id,
        # A new owner by identification, not by merge: no merge to undo for this handle.
        "merged_path": sa.text("'{}'"),
        "updated_at": _ins_owner.excluded.updated_at,
    },
    where=_nodes.c.customer_id.is_distinct_from(_ins_owner.excluded.customer_id),
)


async def attach_customer(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    network: str,
    handle: str,
    customer_id: uuid.UUID,
    now: datetime,
) -> None:
    """Identity says this handle belongs to this customer."""
    await session.execute(
        _UPSERT_OWNER,
        {
            "tenant_id": tenant_id,
            "network": network,
            "handle": handle,
            "customer_id": customer_id,
            "updated_at": now,
        },
    )


def _stats_select() -> sa.Select[Any]:
    return sa.select(
        sa.func.max(_nodes.c.centrality),
        sa.func.coalesce(sa.func.sum(_nodes.c.mentions_received), 0),
        sa.func.coalesce(sa.func.sum(_nodes.c.replies_received), 0),
        sa.func.coalesce(sa.func.sum(_nodes.c.reposts_received), 0),
    )


async def stats_of_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> GraphStats:
    """Over all the customer's handles: the highest centrality, the summed counts."""
    row = (
        await session.execute(
            _stats_select().where(
                _nodes.c.tenant_id == tenant_id, _nodes.c.customer_id == customer_id
            )
        )
    ).one()
    return GraphStats(row[0], int(row[1]), int(row[2]), int(row[3]))


async def stats_of_customers(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, GraphStats]:
    """`stats_of_customer` for many customers in one query."""
    if not customer_ids:
        return {}
    stmt = (
        _stats_select()
        .add_columns(_nodes.c.customer_id)
        .where(_nodes.c.tenant_id == tenant_id, _nodes.c.customer_id.in_(list(customer_ids)))
        .group_by(_nodes.c.customer_id)
    )
    return {
        row[4]: GraphStats(row[0], int(row[1]), int(row[2]), int(row[3]))
        for row in (await session.execute(stmt)).all()
    }


async def followers_of_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> dict[str, int]:
    """Per network, the largest follower count the platform last showed with the customer's
    posts (networks where it showed none are left out)."""
    stmt = (
        sa.select(_nodes.c.network, sa.func.max(_nodes.c.followers))
        .where(
            _nodes.c.tenant_id == tenant_id,
            _nodes.c.customer_id == customer_id,
            _nodes.c.followers.is_not(None),
        )
        .group_by(_nodes.c.network)
    )
    return {network: int(count) for network, count in (await session.execute(stmt)).all()}


async def stats_of_handle(
    session: AsyncSession, *, tenant_id: uuid.UUID, network: str, handle: str
) -> GraphStats:
    row = (
        await session.execute(
            _stats_select().where(
                _nodes.c.tenant_id == tenant_id,
                _nodes.c.network == network,
                _nodes.c.handle == handle,
            )
        )
    ).one()
    return GraphStats(row[0], int(row[1]), int(row[2]), int(row[3]))


# --- recompute ------------------------------------------------------------------------------


async def load_edges(
    session: AsyncSession, *, tenant_id: uuid.UUID, limit: int
) -> list[sa.Row[Any]]:
    """The tenant's most recently seen edges, at most `limit`."""
    stmt = (
        sa.select(
            _edges.c.network,
            _edges.c.source,
            _edges.c.target,
            _edges.c.mentions,
            _edges.c.replies,
            _edges.c.reposts,
        )
        .where(_edges.c.tenant_id == tenant_id)
        .order_by(_edges.c.last_seen.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())  # type: ignore[arg-type]


async def platform_numbers(
    session: AsyncSession, *, tenant_id: uuid.UUID
) -> dict[tuple[str, str], sa.Row[Any]]:
    """Per (network, handle) of everyone seen posting: posts seen (how often they could have
    been amplified), the last follower count and the reactions their posts came with."""
    stmt = sa.select(
        _nodes.c.network,
        _nodes.c.handle,
        _nodes.c.posts,
        _nodes.c.followers,
        _nodes.c.reacted_posts,
        _nodes.c.likes,
        _nodes.c.reposts,
        _nodes.c.replies,
    ).where(_nodes.c.tenant_id == tenant_id, _nodes.c.posts > 0)
    return {(r.network, r.handle): r for r in (await session.execute(stmt)).all()}


async def customer_nodes(session: AsyncSession, *, tenant_id: uuid.UUID) -> list[sa.Row[Any]]:
    """Every node attached to a customer, with what was stored at the last recompute."""
    stmt = sa.select(
        _nodes.c.network,
        _nodes.c.handle,
        _nodes.c.customer_id,
        _nodes.c.centrality,
        _nodes.c.mentions_received,
        _nodes.c.replies_received,
        _nodes.c.reposts_received,
    ).where(_nodes.c.tenant_id == tenant_id, _nodes.c.customer_id.is_not(None))
    return list((await session.execute(stmt)).all())  # type: ignore[arg-type]


async def store_centrality(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    networks: list[str],
    handles: list[str],
    centrality: list[float],
    mentions: list[int],
    replies: list[int],
    reposts: list[int],
    now: datetime,
) -> None:
    """Write the recompute's results in one statement; people no longer in the graph drop out."""
    await session.execute(
        sa.text(
            """
            INSERT INTO scoring.graph_nodes AS n (
                tenant_id, network, handle, centrality,
                mentions_received, replies_received, reposts_received, posts, updated_at)
            SELECT :tenant_id, r.network, r.handle, r.centrality, r.mentions, r.replies,
                   r.reposts, 0, :now
            FROM unnest(CAST(:networks AS varchar[]), CAST(:handles AS varchar[]),
                        CAST(:centrality AS float8[]), CAST(:mentions AS int[]),
                        CAST(:replies AS int[]), CAST(:reposts AS int[]))
                 AS r(network, handle, centrality, mentions, replies, reposts)
            ORDER BY r.network, r.handle
            ON CONFLICT (tenant_id, network, handle) DO UPDATE SET
                centrality = excluded.centrality,
                mentions_received = excluded.mentions_received,
                replies_received = excluded.replies_received,
                reposts_received = excluded.reposts_received
            """
        ),
        {
            "tenant_id": tenant_id,
            "networks": networks,
            "handles": handles,
            "centrality": centrality,
            "mentions": mentions,
            "replies": replies,
            "reposts": reposts,
            "now": now,
        },
    )
    await session.execute(
        sa.text(
            """
            UPDATE scoring.graph_nodes AS n
            SET centrality = NULL, mentions_received = 0, replies_received = 0,
                reposts_received = 0
            WHERE n.tenant_id = :tenant_id
              AND (n.centrality IS NOT NULL OR n.mentions_received > 0
                   OR n.replies_received > 0 OR n.reposts_received > 0)
              AND NOT EXISTS (
                SELECT 1 FROM unnest(CAST(:networks AS varchar[]), CAST(:handles AS varchar[]))
                    AS r(network, handle)
                WHERE r.network = n.network AND r.handle = n.handle)
            """
        ),
        {"tenant_id": tenant_id, "networks": networks, "handles": handles},
    )


async def prune(session: AsyncSession, *, before: datetime, batch: int = 10_000) -> int:
    """Forget edges and posts not seen since `before` (one bounded batch of each)."""
    removed = 0
    for table, column in ((_edges, _edges.c.updated_at), (_posts, _posts.c.received_at)):
        # ctid batches keep one run's work bounded however much is stale.
        result = await session.execute(
            sa.text(
                f"DELETE FROM scoring.{table.name} WHERE ctid IN "
                f"(SELECT ctid FROM scoring.{table.name} WHERE {column.name} < :before LIMIT :n)"
            ),
            {"before": before, "n": batch},
        )
        removed += result.rowcount or 0  # type: ignore[attr-defined]
    return removed


async def erase_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> int:
    """Delete the customer's nodes, every edge touching them and their posts."""
    handles = (
        await session.execute(
            sa.delete(_nodes)
            .where(_nodes.c.tenant_id == tenant_id, _nodes.c.customer_id == customer_id)
            .returning(_nodes.c.network, _nodes.c.handle)
        )
    ).all()
    for network, handle in handles:
        await session.execute(
            sa.delete(_edges).where(
                _edges.c.tenant_id == tenant_id,
                _edges.c.network == network,
                sa.or_(_edges.c.source == handle, _edges.c.target == handle),
            )
        )
        await session.execute(
            sa.delete(_posts).where(
                _posts.c.tenant_id == tenant_id,
                _posts.c.network == network,
                _posts.c.author == handle,
            )
        )
    return len(handles)


async def move_customer(
    session: AsyncSession, *, tenant_id: uuid.UUID, from_customer: uuid.UUID, to_customer: uuid.UUID
) -> None:
    """After a merge the survivor owns the merged customer's handles in the graph; the path
    remembers whence they came."""
    await merge_paths.follow_merge(
        session, _nodes, tenant_id=tenant_id, survivor_id=to_customer, merged_id=from_customer
    )


async def restore_customer(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    survivor_id: uuid.UUID,
    restored_id: uuid.UUID,
    now: datetime,
) -> list[tuple[str, str]]:
    """After an unmerge the restored customer (and whoever was merged into it before) owns
    again the handles it brought into the merge; returns them as (network, handle)."""
    rows = await merge_paths.follow_unmerge(
        session,
        _nodes,
        tenant_id=tenant_id,
        survivor_id=survivor_id,
        restored_id=restored_id,
        values={"updated_at": now},
        returning=("network", "handle"),
    )
    return sorted((r.network, r.handle) for r in rows)
