"""Feed routes (reached through the gateway)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Response, status

from services.ingest.feeds import repository, service
from services.ingest.feeds.schemas import Feed, FeedCreate
from shared import PROBLEM_RESPONSES, NotFound, Page, SessionDep, TenantDep

router = APIRouter(prefix="/v1/feeds", tags=["feeds"], responses=PROBLEM_RESPONSES)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Feed)
async def register_feed(data: FeedCreate, session: SessionDep, tenant_id: TenantDep) -> Feed:
    """An RSS/Atom feed (blog, news portal) polled for mentions of the brand terms."""
    return Feed.model_validate(await service.register(session, tenant_id=tenant_id, data=data))


@router.get("", response_model=Page[Feed])
async def list_feeds(session: SessionDep, tenant_id: TenantDep) -> Page[Feed]:
    rows = await repository.list_for(session, tenant_id=tenant_id)
    return Page[Feed](items=[Feed.model_validate(f) for f in rows])


@router.get("/{feed_id}", response_model=Feed)
async def get_feed(feed_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep) -> Feed:
    """The feed with its last fetch status and any recorded error."""
    return Feed.model_validate(await service.get(session, tenant_id=tenant_id, feed_id=feed_id))


@router.delete("/{feed_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_feed(feed_id: uuid.UUID, session: SessionDep, tenant_id: TenantDep) -> Response:
    if not await repository.delete(session, tenant_id=tenant_id, feed_id=feed_id):
        raise NotFound(f"Feed {feed_id} does not exist.")
    return Response(status_code=status.HTTP_204_NO_CONTENT)
