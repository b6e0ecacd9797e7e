"""All SQL about jobs."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.jobs.models import Job


async def create(
    session: AsyncSession, *, tenant_id: uuid.UUID, kind: str, state: str = "queued"
) -> Job:
    now = datetime.now(UTC)
    job = Job(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        kind=kind,
        state=state,
        rows_read=0,
        rows_imported=0,
        rows_rejected=0,
        bytes_done=0,
        errors=[],
        result={},
        postings_pending=False,
        identities_pending=False,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    await session.flush()
    return job


async def get(
    session: AsyncSession, *, tenant_id: uuid.UUID, job_id: uuid.UUID, lock: bool = False
) -> Job | None:
    stmt = sa.select(Job).where(Job.tenant_id == tenant_id, Job.id == job_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.execute(stmt)).scalar_one_or_none()


async def update(session: AsyncSession, *, job_id: uuid.UUID, **values: Any) -> None:
    values["updated_at"] = datetime.now(UTC)
    if values.get("state") in ("succeeded", "failed"):
        values["finished_at"] = values["updated_at"]
    await session.execute(sa.update(Job).where(Job.id == job_id).values(**values))


async def beat(session: AsyncSession, *, job_id: uuid.UUID) -> None:
    """The job is alive: some process is working on it right now."""
    await session.execute(
        sa.update(Job).where(Job.id == job_id).values(heartbeat_at=datetime.now(UTC))
    )


async def fail_stale(session: AsyncSession, *, older_than: timedelta) -> int:
    """Jobs nobody works on any more (no heartbeat and no progress for a while) are marked
    failed; a job another live replica runs keeps beating and is left alone."""
    cutoff = datetime.now(UTC) - older_than
    result = await session.execute(
        sa.update(Job)
        .where(
            Job.state.in_(("receiving", "queued", "running")),
            Job.updated_at < cutoff,
            sa.or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < cutoff),
        )
        .values(
            state="failed",
            detail="Interrupted (the service stopped). Resume it: POST the same file to "
            "/v1/customers/import?resume=<this job's id>; it goes on after the rows it committed.",
            finished_at=datetime.now(UTC),
        )
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def active_among(session: AsyncSession, job_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Those of `job_ids` that are still being received, queued or running."""
    if not job_ids:
        return set()
    rows = await session.execute(
        sa.select(Job.id).where(
            Job.id.in_(job_ids), Job.state.in_(("receiving", "queued", "running"))
        )
    )
    return set(rows.scalars())


async def unfinished_loads(session: AsyncSession) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(tenant, job) of failed initial loads whose rows still wait for their identifiers or
    blocking postings."""
    rows = await session.execute(
        sa.select(Job.tenant_id, Job.id).where(
            Job.state == "failed", Job.postings_pending | Job.identities_pending
        )
    )
    return [(tenant_id, job_id) for tenant_id, job_id in rows.all()]


async def loading(session: AsyncSession, *, job_id: uuid.UUID | None) -> bool:
    """Whether `job_id` is an initial load still writing its customers' identifiers; if so, the
    job's row is share-locked until the transaction ends (its build waits, and is waited for).
    A load's flag only ever goes from set to cleared, and its customers exist only once it is
    set: a cleared flag read without the lock is final (no lock on every later change)."""
    if job_id is None:
        return False
    stmt = sa.select(Job.identities_pending).where(Job.id == job_id)
    if not (await session.execute(stmt)).scalar_one_or_none():
        return False
    return bool((await session.execute(stmt.with_for_update(read=True))).scalar_one_or_none())
