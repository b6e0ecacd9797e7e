"""All SQL about population statistics."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.population.models import PopulationStatsRow

_stats = cast(sa.Table, PopulationStatsRow.__table__)


async def get(session: AsyncSession, *, tenant_id: uuid.UUID) -> PopulationStatsRow | None:
    return await session.get(PopulationStatsRow, tenant_id)


async def distribution(
    session: AsyncSession, *, tenant_id: uuid.UUID, fractions: list[float]
) -> tuple[int, int, list[float], list[float]]:
    """Customers, customers with a known value, and the value and audience quantiles.

    The quantiles are computed inside PostgreSQL, so only ~1k numbers per column travel.
    """
    row = (
        await session.execute(
            sa.text(
                """
                SELECT count(*), count(customer_value),
                       percentile_cont(CAST(:f AS float8[]))
                           WITHIN GROUP (ORDER BY customer_value),
                       percentile_cont(CAST(:f AS float8[])) WITHIN GROUP (ORDER BY audience)
                FROM scoring.customer_scores WHERE tenant_id = :tenant_id
                """
            ),
            {"tenant_id": tenant_id, "f": fractions},
        )
    ).one()
    return int(row[0]), int(row[1]), list(row[2] or []), list(row[3] or [])


async def save(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customers: int,
    values: list[float],
    audiences: list[float],
    now: datetime,
) -> None:
    row = {"customers": customers, "values": values, "audiences": audiences, "computed_at": now}
    await session.execute(
        insert(_stats)
        .values(tenant_id=tenant_id, **row)
        .on_conflict_do_update(index_elements=["tenant_id"], set_=row)
    )


async def delete(session: AsyncSession, *, tenant_id: uuid.UUID) -> None:
    await session.execute(sa.delete(_stats).where(_stats.c.tenant_id == tenant_id))
