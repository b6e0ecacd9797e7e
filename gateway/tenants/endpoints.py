"""Bootstrap, API keys, users and tokens."""

from __future__ import annotations

import hmac
import uuid

from fastapi import APIRouter, Header, Request, Response, status

from gateway.auth import PrincipalDep
from gateway.settings import GatewaySettings
from gateway.tenants import service
from gateway.tenants.schemas import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    TenantCreate,
    TenantCreated,
    Token,
    TokenRequest,
    User,
    UserCreate,
)
from shared import PROBLEM_RESPONSES, Page, SessionDep, Unauthorized

router = APIRouter(tags=["tenants and access"], responses=PROBLEM_RESPONSES)


def _settings(request: Request) -> GatewaySettings:
    return request.app.state.runtime.settings  # type: ignore[no-any-return]


@router.post("/v1/tenants", status_code=status.HTTP_201_CREATED, response_model=TenantCreated)
async def create_tenant(
    data: TenantCreate,
    request: Request,
    session: SessionDep,
    authorization: str | None = Header(default=None),
    x_bootstrap_secret: str | None = Header(default=None),
) -> TenantCreated:
    """Create a tenant and its first admin API key (needs the operator's bootstrap secret,
    as `Authorization: Bearer <secret>` or `X-Bootstrap-Secret`)."""
    secret = _settings(request).bootstrap_secret.get_secret_value()
    offered = x_bootstrap_secret or (authorization or "").removeprefix("Bearer ").strip()
    if not offered or not hmac.compare_digest(offered.encode(), secret.encode()):
        raise Unauthorized("The bootstrap secret is missing or wrong.")
    return await service.create_tenant(session, data=data)


@router.post("/v1/api-keys", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
async def create_api_key(
    data: ApiKeyCreate, session: SessionDep, principal: PrincipalDep
) -> ApiKeyCreated:
    principal.require("admin")
    return await service.create_api_key(session, tenant_id=principal.tenant_id, data=data)


@router.get("/v1/api-keys", response_model=Page[ApiKey])
async def list_api_keys(session: SessionDep, principal: PrincipalDep) -> Page[ApiKey]:
    principal.require("admin")
    rows = await service.list_api_keys(session, tenant_id=principal.tenant_id)
    return Page[ApiKey](items=[ApiKey.model_validate(r) for r in rows])


@router.delete("/v1/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_api_key(
    key_id: uuid.UUID, request: Request, session: SessionDep, principal: PrincipalDep
) -> Response:
    principal.require("admin")
    await service.revoke_api_key(
        session,
        tenant_id=principal.tenant_id,
        key_id=key_id,
        cache=request.app.state.runtime.state["key_cache"],
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/v1/users", status_code=status.HTTP_201_CREATED, response_model=User)
async def create_user(data: UserCreate, session: SessionDep, principal: PrincipalDep) -> User:
    principal.require("admin")
    return User.model_validate(
        await service.create_user(session, tenant_id=principal.tenant_id, data=data)
    )


@router.post("/v1/auth/token", response_model=Token)
async def token(data: TokenRequest, request: Request, session: SessionDep) -> Token:
    """Username and password to a JWT for agents and admins."""
    return await service.issue_token(session, settings=_settings(request), data=data)
