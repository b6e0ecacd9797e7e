"""All SQL about scores and configuration."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.scores.models import CustomerScore, ScoreHistory, TenantConfig


async def get_config(session: AsyncSession, *, tenant_id: uuid.UUID) -> dict[str, Any] | None:
    row = await session.get(TenantConfig, tenant_id)
    return row.config if row else None


async def put_config(
    session: AsyncSession, *, tenant_id: uuid.UUID, config: dict[str, Any]
) -> None:
    now = datetime.now(UTC)
    stmt = insert(TenantConfig).values(tenant_id=tenant_id, config=config, updated_at=now)
    await session.execute(
        stmt.on_conflict_do_update(
            index_elements=["tenant_id"], set_={"config": config, "updated_at": now}
        )
    )


async def get_score(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, lock: bool = False
) -> CustomerScore | None:
    stmt = sa.select(CustomerScore).where(
        CustomerScore.tenant_id == tenant_id, CustomerScore.customer_id == customer_id
    )
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_scores(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    customer_ids: Sequence[uuid.UUID],
    lock: bool = False,
) -> list[CustomerScore]:
    """Many customers' scores, locked in key order when asked (no deadlocks between batches)."""
    if not customer_ids:
        return []
    stmt = (
        sa.select(CustomerScore)
        .where(
            CustomerScore.tenant_id == tenant_id,
            CustomerScore.customer_id.in_(list(customer_ids)),
        )
        .order_by(CustomerScore.customer_id)
    )
    if lock:
        stmt = stmt.with_for_update()
    return list((await session.execute(stmt)).scalars())


async def history(
    session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID, limit: int = 100
) -> list[ScoreHistory]:
    stmt = (
        sa.select(ScoreHistory)
        .where(ScoreHistory.tenant_id == tenant_id, ScoreHistory.customer_id == customer_id)
        .order_by(ScoreHistory.computed_at.desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


_scores = CustomerScore.__table__
_UPSERT_SCORE = insert(_scores)
_UPSERT_SCORE = _UPSERT_SCORE.on_conflict_do_update(
    index_elements=["tenant_id", "customer_id"],
    set_={
        c.name: _UPSERT_SCORE.excluded[c.name]
        for c in _scores.columns
        if c.name not in ("tenant_id", "customer_id")
    },
)


async def save_score(session: AsyncSession, values: dict[str, Any], *, changed: bool) -> None:
    """Keep the current score; a move of the score is also appended to the history."""
    await session.execute(_UPSERT_SCORE, values)
    if changed:
        await session.execute(
            sa.insert(ScoreHistory.__table__),
            {
                k: values[k]
                for k in (
                    "tenant_id",
                    "customer_id",
                    "social_customer_score",
                    "tier",
                    "computed_at",
                )
            },
        )


async def erase(session: AsyncSession, *, tenant_id: uuid.UUID, customer_id: uuid.UUID) -> None:
    for model in (CustomerScore, ScoreHistory):
        await session.execute(
            sa.delete(model).where(model.tenant_id == tenant_id, model.customer_id == customer_id)
        )
