"""Run the scheduled recompute for the caller's tenant now (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request

from services.scoring.recompute import service
from services.scoring.recompute.schemas import RecomputeOut
from services.scoring.settings import ScoringSettings
from shared import PROBLEM_RESPONSES, Forbidden, ServiceRuntime, TenantDep

router = APIRouter(tags=["scoring"], responses=PROBLEM_RESPONSES)


@router.post("/v1/scoring/recompute", response_model=RecomputeOut)
async def recompute(
    request: Request,
    tenant_id: TenantDep,
    x_scopes: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> RecomputeOut:
    """Recompute network centrality and population statistics, then rescore who moved."""
    if "admin" not in (x_scopes or "").split(","):
        raise Forbidden("Recomputing scores needs the admin scope.")
    runtime: ServiceRuntime = request.app.state.runtime
    settings = runtime.settings
    assert isinstance(settings, ScoringSettings)
    # The recompute owns its transactions (a lock per tenant, short rescoring batches).
    result = await service.recompute_tenant(runtime.db, tenant_id=tenant_id, settings=settings)
    return RecomputeOut(
        nodes=result.nodes,
        edges=result.edges,
        customers_rescored=result.customers_rescored,
        population_customers=result.population_customers,
    )
