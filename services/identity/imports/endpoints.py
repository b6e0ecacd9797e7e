"""Bulk import route."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status

from services.identity.imports import service
from services.identity.imports.parsing import FileError
from services.identity.jobs import repository as jobs_repository
from services.identity.jobs import service as jobs
from services.identity.jobs.schemas import Job
from shared import (
    PROBLEM_RESPONSES,
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
) -> Job:
    """Stream a CSV (headers = customer fields; `email`/`phone` single values, `handles` JSON or
    `handle_<network>`) or NDJSON body; 202 with a job to poll at `GET /v1/jobs/{id}`.

    Rows are upserted by `customer_number`: re-posting a file after a failure is safe."""
    runtime: ServiceRuntime = request.app.state.runtime
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    kind = service.MEDIA_TYPES.get(media)
    if kind is None:
        raise UnprocessableEntity(
            "Send text/csv or application/x-ndjson.",
            errors=[{"loc": ["header", "content-type"], "msg": f"unsupported: {media or 'none'}"}],
        )
    async with runtime.db.session() as session:
        job = await jobs_repository.create(
            session, tenant_id=tenant_id, kind="import", state="receiving"
        )
    job_id = job.id
    path = service.spool_dir() / f"{job_id}.{kind}"
    try:
        async with jobs.heartbeat(runtime.db, job_id):
            size = await service.spool(request.stream(), path=path, kind=kind)
    except (ProblemError, FileError, Exception) as exc:
        path.unlink(missing_ok=True)
        detail = exc.detail if isinstance(exc, ProblemError) else str(exc)
        async with runtime.db.session() as session:
            await jobs_repository.update(session, job_id=job_id, state="failed", detail=detail)
        if isinstance(exc, FileError):
            raise UnprocessableEntity(str(exc)) from None
        raise
    async with runtime.db.session() as session:
        await jobs_repository.update(session, job_id=job_id, state="queued", bytes_total=size)
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
