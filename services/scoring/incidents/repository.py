"""All SQL about incident clusters and their members."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.incidents.models import IncidentAuthor, IncidentCluster, IncidentMember
from services.scoring.locks import xact_lock

_clusters = cast(sa.Table, IncidentCluster.__table__)
_members = cast(sa.Table, IncidentMember.__table__)
_authors = cast(sa.Table, IncidentAuthor.__table__)

# The representative key of a cluster whose sample's author was erased: it is similar to no
# message (`shared.similarity` of an unparsable key is 0, below every threshold), so the cluster
# keeps its numbers as an incident but no new message joins it.
NO_KEY = ""


async def lock_tenant(session: AsyncSession, *, tenant_id: uuid.UUID) -> None:
    """The tenant's turn at its clusters, until the transaction ends. Every path that takes a
    customer's turn (`ErasedCustomers`) takes this one after it, never before."""
    await xact_lock(session, "incidents", tenant_id)


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
    sample_interaction_id: uuid.UUID,
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
            sample_interaction_id=sample_interaction_id,
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


async def note_author(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    interaction_id: uuid.UUID,
    customer_id: uuid.UUID | None,
    now: datetime,
) -> None:
    """Remember who wrote the interaction (None: somebody erased); an erased author stays so."""
    stmt = insert(_authors).values(
        tenant_id=tenant_id, interaction_id=interaction_id, customer_id=customer_id, noted_at=now
    )
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=[_authors.c.tenant_id, _authors.c.interaction_id],
            set_={"customer_id": stmt.excluded.customer_id, "noted_at": stmt.excluded.noted_at},
            where=_authors.c.customer_id.is_not(None),
        )
    )


async def author_of(
    session: AsyncSession, *, tenant_id: uuid.UUID, interaction_id: uuid.UUID
) -> tuple[bool, uuid.UUID | None]:
    """Whether identity's author of the interaction is known, and who (None: erased)."""
    row = (
        await session.execute(
            sa.select(_authors.c.customer_id).where(
                _authors.c.tenant_id == tenant_id, _authors.c.interaction_id == interaction_id
            )
        )
    ).first()
    return (row is not None, row.customer_id if row is not None else None)


async def erase_samples(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    interaction_ids: sa.Select[Any] | list[uuid.UUID],
) -> int:
    """Drop the sample text and the representative key of clusters sampled from these
    interactions; the caller holds the tenant's turn (`lock_tenant`)."""
    result = await session.execute(
        sa.update(_clusters)
        .where(
            _clusters.c.tenant_id == tenant_id,
            _clusters.c.sample_interaction_id.in_(interaction_ids),
        )
        .values(sample_text=None, representative_key=NO_KEY, sample_interaction_id=None)
    )
    return result.rowcount or 0  # type: ignore[attr-defined]


async def erase_author(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> int:
    """The samples taken from the customer's messages go, and their messages are remembered as
    an erased author's; the caller holds the tenant's turn (`lock_tenant`)."""
    theirs = sa.select(_authors.c.interaction_id).where(
        _authors.c.tenant_id == tenant_id, _authors.c.customer_id == customer_id
    )
    erased = await erase_samples(session, tenant_id=tenant_id, interaction_ids=theirs)
    await session.execute(
        sa.update(_authors)
        .where(_authors.c.tenant_id == tenant_id, _authors.c.customer_id == customer_id)
        .values(customer_id=None)
    )
    return erased


async def move_authors(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    from_customer: uuid.UUID,
    to_customer: uuid.UUID,
    interaction_ids: list[uuid.UUID] | None = None,
) -> None:
    """A merge (all of them) or an unmerge (the interactions it gives back) moves authorship."""
    stmt = sa.update(_authors).where(
        _authors.c.tenant_id == tenant_id, _authors.c.customer_id == from_customer
    )
    if interaction_ids is not None:
        if not interaction_ids:
            return
        stmt = stmt.where(_authors.c.interaction_id.in_(interaction_ids))
    await session.execute(stmt.values(customer_id=to_customer))


async def prune_authors(session: AsyncSession, *, before: datetime, batch: int = 1_000) -> int:
    """Forget authors noted before `before` whose message is no cluster's sample, one batch."""
    result = await session.execute(
        sa.text(
            "DELETE FROM scoring.incident_authors WHERE (tenant_id, interaction_id) IN ("
            "SELECT a.tenant_id, a.interaction_id FROM scoring.incident_authors AS a "
            "WHERE a.noted_at < :before AND NOT EXISTS (SELECT 1 FROM scoring.incident_clusters "
            "AS c WHERE c.tenant_id = a.tenant_id AND c.sample_interaction_id = a.interaction_id) "
            "LIMIT :n)"
        ),
        {"before": before, "n": batch},
    )
    return result.rowcount or 0  # type: ignore[attr-defined]
