"""Job routes."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from services.identity.jobs import service
from services.identity.jobs.schemas import Job
from shared import PROBLEM_RESPONSES, SessionDep, TenantDep

router = APIRouter(tags=["jobs"], responses=PROBLEM_RESPONSES)


@router.get("/v1/jobs/{job_id}", response_model=Job)
async def get_job(job_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep) -> Job:
    """State, rows read/imported/rejected, progress and per-row errors (capped)."""
    return await service.get(session, tenant_id=tenant_id, job_id=job_id)
