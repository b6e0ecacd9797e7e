"""Bulk import route."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.imports import service
from services.identity.imports.parsing import FileError
from services.identity.jobs import repository as jobs_repository
from services.identity.jobs import service as jobs
from services.identity.jobs.models import Job as JobRow
from services.identity.jobs.schemas import Job
from shared import (
    PROBLEM_RESPONSES,
    Conflict,
    NotFound,
    ProblemError,
    ServiceRuntime,
    TenantDep,
    UnprocessableEntity,
)

router = APIRouter(tags=["customers"], responses=PROBLEM_RESPONSES)


@router.post(
    "/v1/customers/import",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=Job,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
            }
        }
    },
)
async def import_customers(
    request: Request,
    tenant_id: TenantDep,
    on_existing: Annotated[Literal["update", "reject"], Query()] = "update",
    resume: Annotated[
        uuid.UUID | None,
        Query(description="A failed import job to resume: send the same file again."),
    ] = None,
) -> Job:
    """Stream a CSV (headers = customer fields; `email`/`phone` single values, `handles` JSON or
    `handle_<network>`) or NDJSON body; 202 with a job to poll at `GET /v1/jobs/{id}`.

    Rows are upserted by `customer_number`: re-posting a file after a failure is safe. Cheaper:
    `?resume=<job id>` with the same file (same bytes; 409 otherwise) goes on in that job after
    the rows it committed, with its counts and errors carried on and rows numbered as before."""
    runtime: ServiceRuntime = request.app.state.runtime
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    kind = service.MEDIA_TYPES.get(media)
    if kind is None:
        raise UnprocessableEntity(
            "Send text/csv or application/x-ndjson.",
            errors=[{"loc": ["header", "content-type"], "msg": f"unsupported: {media or 'none'}"}],
        )
    async with runtime.db.session() as session:
        if resume is None:
            job = await jobs_repository.create(
                session, tenant_id=tenant_id, kind="import", state="receiving"
            )
        else:
            job = await _resumable(session, tenant_id=tenant_id, job_id=resume, kind=kind)
            on_existing = job.source["on_existing"]  # as the job was started
            await jobs_repository.update(
                session, job_id=job.id, state="receiving", finished_at=None
            )
    job_id = job.id
    path = service.spool_dir() / f"{job_id}.{kind}"
    try:
        async with jobs.heartbeat(runtime.db, job_id):
            spooled = await service.spool(request.stream(), path=path, kind=kind)
        source = {"sha256": spooled.sha256, "kind": kind, "on_existing": on_existing}
        if resume is not None and job.source != source:
            raise Conflict("This is not the file the job was given (its bytes differ).")
    except (ProblemError, FileError, Exception) as exc:
        path.unlink(missing_ok=True)
        detail = exc.detail if isinstance(exc, ProblemError) else str(exc)
        async with runtime.db.session() as session:
            # A resume that failed leaves the job as it was: failed, with its counts.
            await jobs_repository.update(
                session, job_id=job_id, state="failed", detail=job.detail if resume else detail
            )
        if isinstance(exc, FileError):
            raise UnprocessableEntity(str(exc)) from None
        raise
    async with runtime.db.session() as session:
        await jobs_repository.update(
            session,
            job_id=job_id,
            state="queued",
            bytes_total=spooled.size,
            source=source,
        )
        job = await jobs_repository.get(session, tenant_id=tenant_id, job_id=job_id)

    async def work() -> None:
        await service.run(
            runtime.db,
            tenant_id=tenant_id,
            job_id=job_id,
            path=path,
            kind=kind,
            on_existing=on_existing,
        )

    jobs.spawn(runtime, job_id, work)
    assert job is not None
    return jobs.to_out(job)


async def _resumable(
    session: AsyncSession, *, tenant_id: uuid.UUID, job_id: uuid.UUID, kind: str
) -> JobRow:
    """The failed import job to resume (locked: two resumes of one job cannot both start)."""
    job = await jobs_repository.get(session, tenant_id=tenant_id, job_id=job_id, lock=True)
    if job is None or job.kind != "import":
        raise NotFound("No such import job.")
    if job.state != "failed":
        raise Conflict(f"Only a failed import can be resumed; this one is {job.state}.")
    if job.source is None or job.source.get("kind") != kind:
        raise Conflict("This job cannot be resumed with this file (another format, or unknown).")
    return job
