"""Customer and identity routes (reached through the gateway)."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Response, status

from services.identity.customers import repository, service
from services.identity.customers.schemas import (
    NETWORKS,
    Customer,
    CustomerCreate,
    CustomerExport,
    CustomerUpdate,
    MergeRequest,
    ResolveRequest,
    ResolveResponse,
    SocialProfileIn,
    UnmergeRequest,
)
from shared import (
    PROBLEM_RESPONSES,
    CorrelationDep,
    Page,
    ReaderDep,
    SessionDep,
    TenantDep,
    decode_cursor,
    encode_cursor,
)

router = APIRouter(tags=["customers"], responses=PROBLEM_RESPONSES)

Network = Literal[NETWORKS]  # type: ignore[valid-type]


@router.post("/v1/customers", status_code=status.HTTP_201_CREATED, response_model=Customer)
async def create_customer(
    data: CustomerCreate, session: SessionDep, tenant_id: TenantDep
) -> Customer:
    return await service.create(session, tenant_id=tenant_id, data=data)


@router.get("/v1/customers", response_model=Page[Customer])
async def search_customers(
    session: SessionDep,
    tenant_id: TenantDep,
    q: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: str | None = None,
) -> Page[Customer]:
    after = decode_cursor(cursor)
    rows = await repository.search(
        session, tenant_id=tenant_id, q=q, after=after[0] if after else None, limit=limit + 1
    )
    next_cursor = encode_cursor([str(rows[limit - 1].id)]) if len(rows) > limit else None
    items = [await service.to_out(session, c) for c in rows[:limit]]
    return Page[Customer](items=items, next_cursor=next_cursor)


@router.get("/v1/customers/{customer_id}", response_model=Customer)
async def get_customer(
    customer_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep
) -> Customer:
    customer = await service.get(session, tenant_id=tenant_id, customer_id=customer_id)
    return await service.to_out(session, customer)


@router.patch("/v1/customers/{customer_id}", response_model=Customer)
async def update_customer(
    customer_id: uuid.UUID, data: CustomerUpdate, session: SessionDep, tenant_id: TenantDep
) -> Customer:
    """Change master data and identifiers; 409 while an initial load still writes the customer
    (its identifiers are built at the load's end)."""
    return await service.update(session, tenant_id=tenant_id, customer_id=customer_id, data=data)


@router.put("/v1/customers/{customer_id}/social-profiles/{network}", response_model=Customer)
async def put_social_profile(
    customer_id: uuid.UUID,
    network: Annotated[Network, Path()],
    data: SocialProfileIn,
    session: SessionDep,
    tenant_id: TenantDep,
) -> Customer:
    return await service.put_social_profile(
        session, tenant_id=tenant_id, customer_id=customer_id, network=network, data=data
    )


@router.delete("/v1/customers/{customer_id}", status_code=status.HTTP_204_NO_CONTENT)
async def erase_customer(
    customer_id: uuid.UUID,
    session: SessionDep,
    tenant_id: TenantDep,
    correlation_id: CorrelationDep,
) -> Response:
    """GDPR erasure: here at once, in every other service through `customer.erased.v1`."""
    await service.erase(
        session, tenant_id=tenant_id, customer_id=customer_id, correlation_id=correlation_id
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/v1/customers/{customer_id}/export", response_model=CustomerExport)
async def export_customer(
    customer_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep
) -> CustomerExport:
    """Everything identity holds: master data, identities, social profiles, standardised form
    and blocking keys, merges, review items and identification decisions."""
    data = await service.export(session, tenant_id=tenant_id, customer_id=customer_id)
    return CustomerExport.model_validate(data)


@router.post("/v1/customers/{customer_id}/merge", response_model=Customer)
async def merge_customer(
    customer_id: uuid.UUID,
    data: MergeRequest,
    session: SessionDep,
    tenant_id: TenantDep,
    correlation_id: CorrelationDep,
) -> Customer:
    """`other_id` joins this customer; 409 when either is already merged, or still written by
    an initial load."""
    return await service.merge(
        session,
        tenant_id=tenant_id,
        survivor_id=customer_id,
        other_id=data.other_id,
        correlation_id=correlation_id,
    )


@router.post("/v1/customers/{customer_id}/unmerge", response_model=Customer)
async def unmerge_customer(
    customer_id: uuid.UUID,
    session: SessionDep,
    tenant_id: TenantDep,
    correlation_id: CorrelationDep,
    data: UnmergeRequest | None = None,
) -> Customer:
    """Undo a merge into this customer (`merged_id`, else the last one)."""
    return await service.unmerge(
        session,
        tenant_id=tenant_id,
        survivor_id=customer_id,
        merged_id=data.merged_id if data else None,
        correlation_id=correlation_id,
    )


@router.post("/v1/identity/resolve", response_model=ResolveResponse)
async def resolve(
    data: ResolveRequest, session: ReaderDep, tenant_id: TenantDep
) -> ResolveResponse:
    """Who are these people? Read-only (no transaction: each read stands alone)."""
    results = await service.resolve_records(session, tenant_id=tenant_id, records_in=data.records)
    return ResolveResponse(results=results)
