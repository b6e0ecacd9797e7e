"""All SQL about SLA policies and timers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.sla.timers.models import Policy, Timer

OPEN = ("running", "warning", "breached")


async def policies(session: AsyncSession, *, tenant_id: uuid.UUID) -> list[Policy]:
    stmt = (
        sa.select(Policy)
        .where(Policy.tenant_id == tenant_id)
        .order_by(Policy.position, Policy.created_at)
    )
    return list((await session.execute(stmt)).scalars())


async def add_policy(session: AsyncSession, policy: Policy) -> bool:
    values = {c.name: getattr(policy, c.key) for c in Policy.__table__.columns}
    inserted = (
        await session.execute(
            insert(Policy).values(**values).on_conflict_do_nothing().returning(Policy.id)
        )
    ).first()
    return inserted is not None


async def start_timers(session: AsyncSession, rows: list[dict[str, Any]]) -> list[uuid.UUID]:
    """Insert timers; a timer that exists for the same interaction and metric is kept."""
    if not rows:
        return []
    stmt = insert(Timer).values(rows).on_conflict_do_nothing().returning(Timer.id)
    return list((await session.execute(stmt)).scalars())


async def stop_timers(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    interaction_id: uuid.UUID,
    metrics: list[str],
    at: datetime,
) -> list[Timer]:
    """Stop open timers: met when before the deadline, missed when already breached."""
    stmt = (
        sa.update(Timer)
        .where(
            Timer.tenant_id == tenant_id,
            Timer.interaction_id == interaction_id,
            Timer.metric.in_(metrics),
            Timer.state.in_(OPEN),
        )
        .values(
            state=sa.case((Timer.due_at >= at, "met"), else_="missed"),
            stopped_at=at,
        )
        .returning(Timer)
    )
    return list((await session.execute(stmt)).scalars())


async def advance_due(
    session: AsyncSession, *, now: datetime, limit: int = 500
) -> tuple[list[Timer], list[Timer]]:
    """Move timers past their warning or due time forward; returns (warned, breached)."""
    breach_ids = (
        sa.select(Timer.id)
        .where(Timer.state.in_(("running", "warning")), Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    breached = list(
        (
            await session.execute(
                sa.update(Timer)
                .where(Timer.id.in_(breach_ids))
                .values(state="breached", breached_at=now)
                .returning(Timer)
            )
        ).scalars()
    )
    warn_ids = (
        sa.select(Timer.id)
        .where(Timer.state == "running", Timer.warn_at <= now, Timer.due_at > now)
        .order_by(Timer.warn_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    warned = list(
        (
            await session.execute(
                sa.update(Timer)
                .where(Timer.id.in_(warn_ids))
                .values(state="warning")
                .returning(Timer)
            )
        ).scalars()
    )
    return warned, breached


async def list_timers(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    state: str | None,
    interaction_id: uuid.UUID | None,
    after: tuple[str, str] | None,
    limit: int,
) -> list[Timer]:
    stmt = sa.select(Timer).where(Timer.tenant_id == tenant_id)
    if state is not None:
        stmt = stmt.where(Timer.state == state)
    if interaction_id is not None:
        stmt = stmt.where(Timer.interaction_id == interaction_id)
    if after is not None:
        stmt = stmt.where(
            sa.tuple_(Timer.due_at, Timer.id)
            > sa.tuple_(datetime.fromisoformat(after[0]), uuid.UUID(after[1]))
        )
    stmt = stmt.order_by(Timer.due_at, Timer.id).limit(limit)
    return list((await session.execute(stmt)).scalars())
