"""All SQL about incident clusters and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.incidents.models import IncidentCluster, IncidentMember

_clusters = cast(sa.Table, IncidentCluster.__table__)
_members = cast(sa.Table, IncidentMember.__table__)


async def latest_seen(session: AsyncSession, *, tenant_id: uuid.UUID) -> datetime | None:
    """The newest message time of the tenant's clusters: the clock the window runs on."""
    latest: datetime | None = await session.scalar(
        sa.select(sa.func.max(_clusters.c.last_seen)).where(_clusters.c.tenant_id == tenant_id)
    )
    return latest


async def open_clusters(
    session: AsyncSession, *, tenant_id: uuid.UUID, since: datetime, limit: int
) -> list[sa.Row[Any]]:
    """Clusters with a message inside the window, the most recently active first."""
    stmt = (
        sa.select(_clusters.c.id, _clusters.c.representative_key)
        .where(_clusters.c.tenant_id == tenant_id, _clusters.c.last_seen >= since)
        .order_by(_clusters.c.last_seen.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).all())  # type: ignore[arg-type]


async def create(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    key: str,
    sample_text: str | None,
    at: datetime,
    now: datetime,
) -> uuid.UUID:
    cluster_id = uuid.uuid4()
    await session.execute(
        sa.insert(_clusters).values(
            id=cluster_id,
            tenant_id=tenant_id,
            representative_key=key,
            sample_text=sample_text,
            size=0,
            total=0,
            first_seen=at,
            last_seen=at,
            rate_per_hour=0.0,
            acceleration_per_hour2=0.0,
            reported_size=0,
            updated_at=now,
        )
    )
    return cluster_id


async def get_for_update(session: AsyncSession, *, cluster_id: uuid.UUID) -> sa.Row[Any]:
    return (
        await session.execute(
            sa.select(_clusters).where(_clusters.c.id == cluster_id).with_for_update()
        )
    ).one()


async def add_member(
    session: AsyncSession, *, cluster_id: uuid.UUID, interaction_id: uuid.UUID, at: datetime
) -> bool:
    """Whether the message was new to the cluster."""
    added = await session.execute(
        insert(_members)
        .values(cluster_id=cluster_id, interaction_id=interaction_id, occurred_at=at)
        .on_conflict_do_nothing()
        .returning(_members.c.interaction_id)
    )
    return added.first() is not None


async def window(
    session: AsyncSession, *, cluster_id: uuid.UUID, since: datetime, middle: datetime
) -> tuple[int, int, datetime | None, datetime | None]:
    """Members since `since`: how many, how many since `middle`, the first and last time."""
    row = (
        await session.execute(
            sa.select(
                sa.func.count(),
                sa.func.count().filter(_members.c.occurred_at >= middle),
                sa.func.min(_members.c.occurred_at),
                sa.func.max(_members.c.occurred_at),
            ).where(_members.c.cluster_id == cluster_id, _members.c.occurred_at >= since)
        )
    ).one()
    return int(row[0]), int(row[1]), row[2], row[3]


async def recent_members(
    session: AsyncSession, *, cluster_id: uuid.UUID, since: datetime | None, limit: int
) -> list[uuid.UUID]:
    """The newest member interaction ids (oldest of them first)."""
    stmt = sa.select(_members.c.interaction_id, _members.c.occurred_at).where(
        _members.c.cluster_id == cluster_id
    )
    if since is not None:
        stmt = stmt.where(_members.c.occurred_at >= since)
    stmt = stmt.order_by(_members.c.occurred_at.desc()).limit(limit)
    rows = (await session.execute(stmt)).all()
    return [r.interaction_id for r in reversed(rows)]


async def update(session: AsyncSession, *, cluster_id: uuid.UUID, **values: Any) -> None:
    await session.execute(sa.update(_clusters).where(_clusters.c.id == cluster_id).values(**values))


async def detected(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[IncidentCluster]:
    """Clusters that became incidents, the most recently active first (keyset pagination)."""
    stmt = sa.select(IncidentCluster).where(
        IncidentCluster.tenant_id == tenant_id, IncidentCluster.detected_at.is_not(None)
    )
    if after is not None:
        stmt = stmt.where(
            sa.tuple_(IncidentCluster.last_seen, IncidentCluster.id) < sa.tuple_(*after)
        )
    stmt = stmt.order_by(IncidentCluster.last_seen.desc(), IncidentCluster.id.desc()).limit(limit)
    return list((await session.execute(stmt)).scalars())


async def get(
    session: AsyncSession, *, tenant_id: uuid.UUID, cluster_id: uuid.UUID
) -> IncidentCluster | None:
    return (
        await session.execute(
            sa.select(IncidentCluster).where(
                IncidentCluster.tenant_id == tenant_id,
                IncidentCluster.id == cluster_id,
                IncidentCluster.detected_at.is_not(None),
            )
        )
    ).scalar_one_or_none()


async def prune(session: AsyncSession, *, before: datetime, batch: int = 1_000) -> int:
    """Delete clusters quiet since `before` (their members go with them), one bounded batch."""
    result = await session.execute(
        sa.text(
            "DELETE FROM scoring.incident_clusters WHERE id IN (SELECT id FROM "
            "scoring.incident_clusters WHERE last_seen < :before LIMIT :n)"
        ),
        {"before": before, "n": batch},
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
