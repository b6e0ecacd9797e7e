"""All SQL about the recompute bookkeeping: which tenants changed, when each was recomputed."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.graph.models import GraphEdge
from services.scoring.recompute.models import RecomputeState
from services.scoring.scores.models import CustomerScore

_edges = cast(sa.Table, GraphEdge.__table__)
_state = cast(sa.Table, RecomputeState.__table__)
_scores = cast(sa.Table, CustomerScore.__table__)


async def changed_tenants(
    session: AsyncSession, *, since: datetime
) -> dict[uuid.UUID, tuple[datetime | None, datetime | None]]:
    """Tenants whose edges or scores changed after `since`: (graph changed, scores changed)."""
    out: dict[uuid.UUID, tuple[datetime | None, datetime | None]] = {}
    edges = await session.execute(
        sa.select(_edges.c.tenant_id, sa.func.max(_edges.c.updated_at))
        .where(_edges.c.updated_at > since)
        .group_by(_edges.c.tenant_id)
    )
    for tenant_id, changed in edges.all():
        out[tenant_id] = (changed, None)
    scored = await session.execute(
        sa.select(_scores.c.tenant_id, sa.func.max(_scores.c.computed_at))
        .where(_scores.c.computed_at > since)
        .group_by(_scores.c.tenant_id)
    )
    for tenant_id, changed in scored.all():
        out[tenant_id] = (out.get(tenant_id, (None, None))[0], changed)
    return out


async def recompute_states(
    session: AsyncSession, *, tenant_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, sa.Row[Any]]:
    if not tenant_ids:
        return {}
    rows = await session.execute(sa.select(_state).where(_state.c.tenant_id.in_(list(tenant_ids))))
    return {r.tenant_id: r for r in rows.all()}


async def mark_recomputed(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    graph_at: datetime | None = None,
    population_at: datetime | None = None,
    nodes: int | None = None,
    edges: int | None = None,
) -> None:
    values: dict[str, Any] = {}
    if graph_at is not None:
        values["graph_computed_at"] = graph_at
    if population_at is not None:
        values["population_computed_at"] = population_at
    if nodes is not None:
        values["nodes"] = nodes
    if edges is not None:
        values["edges"] = edges
    stmt = insert(_state).values(tenant_id=tenant_id, **values)
    await session.execute(stmt.on_conflict_do_update(index_elements=["tenant_id"], set_=values))
