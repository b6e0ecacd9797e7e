"""Background jobs: run outside the request, tracked in `jobs`, cancelled on shutdown."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.jobs import repository
from services.identity.jobs.models import Job
from services.identity.jobs.schemas import Job as JobOut
from shared import Database, NotFound, ServiceRuntime, get_logger

log = get_logger("identity.jobs")

_TASKS = "identity.jobs"
MAX_ERRORS = 1000


def to_out(job: Job) -> JobOut:
    if job.state == "succeeded":
        progress = 1.0
    elif job.bytes_total:
        progress = min(job.bytes_done / job.bytes_total, 1.0)
    else:
        progress = 0.0
    return JobOut(
        id=job.id,
        kind=job.kind,  # type: ignore[arg-type]
        state=job.state,  # type: ignore[arg-type]
        rows_read=job.rows_read,
        rows_imported=job.rows_imported,
        rows_rejected=job.rows_rejected,
        bytes_total=job.bytes_total,
        bytes_done=job.bytes_done,
        progress=round(progress, 4),
        errors=job.errors,  # type: ignore[arg-type]
        errors_truncated=job.rows_rejected > len(job.errors),
        result=job.result,
        detail=job.detail,
        created_at=job.created_at,
        updated_at=job.updated_at,
        finished_at=job.finished_at,
    )


async def get(session: AsyncSession, *, tenant_id: uuid.UUID, job_id: uuid.UUID) -> JobOut:
    job = await repository.get(session, tenant_id=tenant_id, job_id=job_id)
    if job is None:
        raise NotFound(f"Job {job_id} does not exist.")
    return to_out(job)


def spawn(runtime: ServiceRuntime, job_id: uuid.UUID, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` in the background; an unexpected error fails the job instead of vanishing."""

    async def guarded() -> None:
        try:
            async with heartbeat(runtime.db, job_id):
                await work()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("identity.job.crashed", job_id=str(job_id))
            async with runtime.db.session() as session:
                await repository.update(
                    session, job_id=job_id, state="failed", detail=f"{type(exc).__name__}"
                )

    tasks: set[asyncio.Task[None]] = runtime.state.setdefault(_TASKS, set())
    task = asyncio.create_task(guarded(), name=f"identity:job:{job_id}")
    tasks.add(task)
    task.add_done_callback(tasks.discard)


# A job is alive while its heartbeat is younger than STALE_AFTER; beats come far more often.
HEARTBEAT_EVERY = 30.0
STALE_AFTER = timedelta(minutes=5)


@asynccontextmanager
async def heartbeat(db: Database, job_id: uuid.UUID) -> AsyncIterator[None]:
    """Beat for `job_id` while the block runs, so no other replica fails it as abandoned."""

    async def beat() -> None:
        while True:
            try:
                async with db.session() as session:
                    await repository.beat(session, job_id=job_id)
            except asyncio.CancelledError:
                raise
            except Exception:  # a missed beat is harmless; the next one may get through
                log.warning("identity.job.heartbeat_failed", job_id=str(job_id))
            await asyncio.sleep(HEARTBEAT_EVERY)

    task = asyncio.create_task(beat(), name=f"identity:job:{job_id}:heartbeat")
    try:
        yield
    finally:
        task.cancel()
        try:
            await task
        except BaseException:
            pass


# How often each replica looks for jobs whose process died (and for their spooled files).
REAP_EVERY = 60.0


async def reap(db: Database) -> tuple[int, int]:
    """Fail the jobs nobody beats for any more (their process died), finish what failed
    initial loads left pending (identifiers, rows kept aside, blocking postings), then delete
    the spooled files of jobs no longer active; returns (jobs failed, files deleted)."""
    from services.identity.imports.service import finish_load, sweep_spool  # uses jobs

    async with db.session() as session:
        failed = await repository.fail_stale(session, older_than=STALE_AFTER)
        pending = await repository.unfinished_loads(session)
    for tenant_id, job_id in pending:  # a failed initial load's committed rows
        await finish_load(db, tenant_id=tenant_id, job_id=job_id, only_failed=True)
    removed = await sweep_spool(db)
    if failed or removed:
        log.info("identity.jobs.reaped", failed=failed, files_removed=removed)
    return failed, removed


async def job_reaper(runtime: ServiceRuntime) -> None:
    """Background worker: reaps every `REAP_EVERY` seconds, as `jobs_resource` did at start (a
    process that died and came back within `STALE_AFTER` leaves jobs only a later look finds)."""
    while True:
        await asyncio.sleep(REAP_EVERY)
        try:
            await reap(runtime.db)
        except Exception:  # the database away for a moment: the next round catches up
            log.warning("identity.jobs.reap_failed", exc_info=True)


@asynccontextmanager
async def jobs_resource(runtime: ServiceRuntime) -> AsyncIterator[None]:
    """Reaps jobs of dead processes at start (`job_reaper` looks again later); cancels this
    process's jobs at stop."""
    await reap(runtime.db)
    try:
        yield
    finally:
        tasks: set[asyncio.Task[None]] = runtime.state.get(_TASKS, set())
        for task in list(tasks):
            task.cancel()
        for task in list(tasks):
            try:
                await task
            except BaseException:
                pass
        from services.identity.imports.service import shutdown_pool  # imports uses jobs

        shutdown_pool()
