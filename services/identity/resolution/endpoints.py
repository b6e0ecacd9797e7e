"""Resolution routes: thresholds, the model and its retraining, the review queue."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, status

from services.identity.customers import service as customers
from services.identity.jobs import repository as jobs_repository
from services.identity.jobs import service as jobs
from services.identity.jobs.schemas import Job
from services.identity.resolution import repository, service
from services.identity.resolution.schemas import IdentityConfig, ModelInfo, ReviewItem
from shared import (
    PROBLEM_RESPONSES,
    CorrelationDep,
    Page,
    ProblemError,
    ServiceRuntime,
    SessionDep,
    TenantDep,
    decode_cursor,
    encode_cursor,
)

router = APIRouter(tags=["identity"], responses=PROBLEM_RESPONSES)


@router.get("/v1/identity/config", response_model=IdentityConfig)
async def get_config(session: SessionDep, tenant_id: TenantDep) -> IdentityConfig:
    t = await service.get_thresholds(session, tenant_id=tenant_id)
    return IdentityConfig(match_threshold=t.match, review_threshold=t.review)


@router.put("/v1/identity/config", response_model=IdentityConfig)
async def put_config(
    data: IdentityConfig, session: SessionDep, tenant_id: TenantDep
) -> IdentityConfig:
    """Per-tenant decision thresholds (review <= match). They apply at once on the replica that
    takes the change, and within 5 seconds on the others (each caches them that long)."""
    t = await service.put_thresholds(
        session, tenant_id=tenant_id, match=data.match_threshold, review=data.review_threshold
    )
    return IdentityConfig(match_threshold=t.match, review_threshold=t.review)


@router.get("/v1/identity/model", response_model=ModelInfo)
async def get_model(session: SessionDep, tenant_id: TenantDep) -> ModelInfo:
    model, fitted = await service.current_model(session, tenant_id=tenant_id)
    return ModelInfo(
        version=model.version, fitted_for_tenant=fitted, parameters=service.summary(model)
    )


@router.post("/v1/identity/model/retrain", status_code=status.HTTP_202_ACCEPTED, response_model=Job)
async def retrain(request: Request, tenant_id: TenantDep) -> Job:
    """Fit a new model version on the tenant's master, in the background; poll the job."""
    runtime: ServiceRuntime = request.app.state.runtime
    async with runtime.db.session() as session:
        job = await jobs_repository.create(session, tenant_id=tenant_id, kind="retrain")
    job_id = job.id

    async def work() -> None:
        async with runtime.db.session() as session:
            await jobs_repository.update(session, job_id=job_id, state="running")
        try:
            async with runtime.db.session() as session:
                model = await service.fit_model(session, tenant_id=tenant_id, job_id=job_id)
        except ProblemError as exc:
            async with runtime.db.session() as session:
                await jobs_repository.update(
                    session, job_id=job_id, state="failed", detail=exc.detail
                )
            return
        async with runtime.db.session() as session:
            await jobs_repository.update(
                session,
                job_id=job_id,
                state="succeeded",
                result={"version": model.version, "master_size": model.master_size},
            )

    jobs.spawn(runtime, job_id, work)
    return jobs.to_out(job)


@router.get("/v1/identity/reviews", response_model=Page[ReviewItem])
async def list_reviews(
    session: SessionDep,
    tenant_id: TenantDep,
    state: Literal["open", "accepted", "rejected"] | None = "open",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[ReviewItem]:
    """The review queue (open items by default)."""
    after = decode_cursor(cursor)
    try:
        after_id = uuid.UUID(after[0]) if after else None
    except (ValueError, TypeError, AttributeError):
        after_id = None
    rows = await repository.list_reviews(
        session, tenant_id=tenant_id, state=state, after=after_id, limit=limit + 1
    )
    next_cursor = encode_cursor([str(rows[limit - 1].id)]) if len(rows) > limit else None
    items = [ReviewItem.model_validate(customers.review_out(r)) for r in rows[:limit]]
    return Page[ReviewItem](items=items, next_cursor=next_cursor)


@router.post("/v1/identity/reviews/{review_id}/accept", response_model=ReviewItem)
async def accept_review(
    review_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep, correlation: CorrelationDep
) -> ReviewItem:
    """The author is the candidate: identifiers link, the interaction follows."""
    out = await customers.decide_review(
        session, tenant_id=tenant_id, review_id=review_id, accept=True, correlation_id=correlation
    )
    return ReviewItem.model_validate(out)


@router.post("/v1/identity/reviews/{review_id}/reject", response_model=ReviewItem)
async def reject_review(
    review_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep, correlation: CorrelationDep
) -> ReviewItem:
    """The author is somebody else: their own (prospect) profile stays."""
    out = await customers.decide_review(
        session, tenant_id=tenant_id, review_id=review_id, accept=False, correlation_id=correlation
    )
    return ReviewItem.model_validate(out)
