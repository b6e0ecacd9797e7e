"""Tenants and their credentials."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from gateway.auth import KeyCache, issue_jwt, new_api_key
from gateway.settings import GatewaySettings
from gateway.tenants.models import ApiKey, Tenant, User
from gateway.tenants.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    TenantCreate,
    TenantCreated,
    Token,
    TokenRequest,
    UserCreate,
)
from gateway.tenants.schemas import Tenant as TenantOut
from shared import Conflict, NotFound, Unauthorized

_hasher = PasswordHasher()
# Verifying against a dummy hash keeps unknown usernames as slow as wrong passwords.
_DUMMY_HASH = _hasher.hash("resonance-dummy-password")


async def _add_key(
    session: AsyncSession, *, tenant_id: uuid.UUID, name: str, scopes: list[str]
) -> ApiKeyCreated:
    key, key_hash = new_api_key()
    row = ApiKey(
        id=uuid.uuid4(),
        tenant_id=tenant_id,
        name=name,
        prefix=key[:12],
        key_hash=key_hash,
        scopes=scopes,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return ApiKeyCreated(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=row.scopes,  # type: ignore[arg-type]
        created_at=row.created_at,
        key=key,
    )


async def create_tenant(session: AsyncSession, *, data: TenantCreate) -> TenantCreated:
    """A tenant and its first admin API key."""
    tenant = Tenant(id=uuid.uuid4(), name=data.name, created_at=datetime.now(UTC))
    session.add(tenant)
    await session.flush()
    key = await _add_key(session, tenant_id=tenant.id, name="bootstrap admin key", scopes=["admin"])
    return TenantCreated(tenant=TenantOut.model_validate(tenant), api_key=key)


async def create_api_key(
    session: AsyncSession, *, tenant_id: uuid.UUID, data: ApiKeyCreate
) -> ApiKeyCreated:
    return await _add_key(session, tenant_id=tenant_id, name=data.name, scopes=list(data.scopes))


async def list_api_keys(session: AsyncSession, *, tenant_id: uuid.UUID) -> list[ApiKey]:
    stmt = sa.select(ApiKey).where(ApiKey.tenant_id == tenant_id).order_by(ApiKey.created_at)
    return list((await session.execute(stmt)).scalars())


async def revoke_api_key(
    session: AsyncSession, *, tenant_id: uuid.UUID, key_id: uuid.UUID, cache: KeyCache
) -> None:
    row = (
        await session.execute(
            sa.select(ApiKey).where(ApiKey.tenant_id == tenant_id, ApiKey.id == key_id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise NotFound(f"API key {key_id} does not exist.")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
    cache.forget_tenant_key(row.key_hash)


async def create_user(session: AsyncSession, *, tenant_id: uuid.UUID, data: UserCreate) -> User:
    user_id = uuid.uuid4()
    inserted = (
        await session.execute(
            insert(User)
            .values(
                id=user_id,
                tenant_id=tenant_id,
                username=data.username.lower(),
                display_name=data.display_name,
                role=data.role,
                password_hash=_hasher.hash(data.password),
                created_at=datetime.now(UTC),
            )
            .on_conflict_do_nothing()
            .returning(User.id)
        )
    ).first()
    if inserted is None:
        raise Conflict(f"The username {data.username!r} is taken.")
    return (await session.execute(sa.select(User).where(User.id == user_id))).scalar_one()


async def issue_token(
    session: AsyncSession, *, settings: GatewaySettings, data: TokenRequest
) -> Token:
    user = (
        await session.execute(sa.select(User).where(User.username == data.username.lower()))
    ).scalar_one_or_none()
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, data.password)
    except (VerificationError, InvalidHashError):
        raise Unauthorized("Wrong username or password.") from None
    if user is None:
        raise Unauthorized("Wrong username or password.")
    scopes = ["admin"] if user.role == "admin" else ["agent"]
    token = issue_jwt(settings, user_id=user.id, tenant_id=user.tenant_id, scopes=scopes)
    return Token(access_token=token, expires_in=settings.jwt_ttl_seconds)
