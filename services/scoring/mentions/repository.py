"""All SQL about news and blog mentions."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring import merge_paths
from services.scoring.mentions.models import NewsMention

_mentions = cast(sa.Table, NewsMention.__table__)


@dataclass(frozen=True, slots=True)
class NewsSummary:
    """Distinct items naming a customer, and their outlets, most items first."""

    items: int = 0
    outlets: tuple[str, ...] = ()


async def add(session: AsyncSession, values: dict[str, Any]) -> bool:
    """Keep a mention; False when this item already named this customer."""
    stmt = (
        insert(NewsMention)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["tenant_id", "interaction_id", "named_id"])
        .returning(NewsMention.interaction_id)
    )
    return (await session.execute(stmt)).first() is not None


_SUMMARIES = sa.text(
    """
    SELECT customer_id, outlet, GROUPING(outlet) AS total,
           count(DISTINCT item_key) AS items, max(published_at) AS latest
    FROM scoring.news_mentions
    WHERE tenant_id = :tenant_id AND customer_id = ANY(:customer_ids) AND published_at >= :since
    GROUP BY GROUPING SETS ((customer_id), (customer_id, outlet))
    """
).bindparams(sa.bindparam("customer_ids", type_=sa.ARRAY(sa.Uuid())))


async def summaries(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_ids: Sequence[uuid.UUID],
    since: datetime,
) -> dict[uuid.UUID, NewsSummary]:
    """Per customer: items published since `since` (each counted once) and their outlets."""
    if not customer_ids:
        return {}
    rows = (
        await session.execute(
            _SUMMARIES,
            {"tenant_id": tenant_id, "customer_ids": list(customer_ids), "since": since},
        )
    ).all()
    totals: dict[uuid.UUID, int] = {}
    outlets: dict[uuid.UUID, list[tuple[int, datetime, str]]] = {}
    for row in rows:
        if row.total:
            totals[row.customer_id] = row.items
        elif row.outlet is not None:
            outlets.setdefault(row.customer_id, []).append((row.items, row.latest, row.outlet))
    return {
        customer_id: NewsSummary(
            items=items,
            outlets=tuple(
                o for _, _, o in sorted(outlets.get(customer_id, []), key=lambda x: (-x[0], x[1]))
            ),
        )
        for customer_id, items in totals.items()
    }


async def oldest_since(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, since: datetime
) -> datetime | None:
    """When the oldest item naming the customer published since `since` appeared."""
    return await session.scalar(
        sa.select(sa.func.min(NewsMention.published_at)).where(
            NewsMention.tenant_id == tenant_id,
            NewsMention.customer_id == customer_id,
            NewsMention.published_at >= since,
        )
    )


# Scores counting a mention that has left the window since: the partial index on
# `news_expires_at` finds them without reading the mentions. SKIP LOCKED: a replica sweeping
# at the same time, or a customer being scored right now, is left alone.
_AGED_OUT = sa.text(
    """
    SELECT s.tenant_id, s.customer_id
    FROM scoring.customer_scores AS s
    WHERE s.news_expires_at IS NOT NULL AND s.news_expires_at < :now
      AND (s.tenant_id, s.customer_id) > (:after_tenant, :after_customer)
    ORDER BY s.tenant_id, s.customer_id
    LIMIT :limit
    FOR UPDATE OF s SKIP LOCKED
    """
).bindparams(
    sa.bindparam("after_tenant", type_=sa.Uuid()),
    sa.bindparam("after_customer", type_=sa.Uuid()),
)


async def lock_aged_out(
    session: AsyncSession,
    *,
    now: datetime,
    after: tuple[uuid.UUID, uuid.UUID],
    limit: int,
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, customer) after `after`, in key order, whose stored score counts a mention
    that has left the last year by `now`; their score rows stay locked until the transaction
    ends."""
    rows = await session.execute(
        _AGED_OUT,
        {"after_tenant": after[0], "after_customer": after[1], "now": now, "limit": limit},
    )
    return [(r.tenant_id, r.customer_id) for r in rows.all()]


async def follow_merge(
    session: AsyncSession, *, tenant_id: uuid.UUID, survivor_id: uuid.UUID, merged_id: uuid.UUID
) -> None:
    """The merged customer's mentions count for the survivor; the path remembers whence."""
    await merge_paths.follow_merge(
        session, _mentions, tenant_id=tenant_id, survivor_id=survivor_id, merged_id=merged_id
    )


async def follow_unmerge(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    survivor_id: uuid.UUID,
    restored_id: uuid.UUID,
) -> None:
    """What the restored customer (and whoever was merged into it before) brought comes back."""
    await merge_paths.follow_unmerge(
        session, _mentions, tenant_id=tenant_id, survivor_id=survivor_id, restored_id=restored_id
    )


def _about(tenant_id: uuid.UUID, customer_id: uuid.UUID) -> sa.ColumnElement[bool]:
    """Every mention about the person, also those now counted for somebody they merged into."""
    return sa.and_(
        NewsMention.tenant_id == tenant_id,
        sa.or_(
            NewsMention.customer_id == customer_id,
            NewsMention.named_id == customer_id,
            NewsMention.merged_path.any(customer_id),
        ),
    )


async def counted_for(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> set[uuid.UUID]:
    """Whom the mentions about the person count for now (what `erase` would return)."""
    result = await session.scalars(
        sa.select(NewsMention.customer_id).distinct().where(_about(tenant_id, customer_id))
    )
    return set(result)


async def erase(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID
) -> set[uuid.UUID]:
    """Every mention about the person, also those now counted for somebody they merged into;
    returns whom the deleted mentions counted for."""
    result = await session.execute(
        sa.delete(NewsMention)
        .where(_about(tenant_id, customer_id))
        .returning(NewsMention.customer_id)
    )
    return set(result.scalars())
