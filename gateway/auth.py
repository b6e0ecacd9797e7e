"""Who is calling: API keys and JWTs to a principal with a tenant and scopes."""

from __future__ import annotations

import hashlib
import re
import secrets
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
import sqlalchemy as sa
from fastapi import Depends, Request

from gateway.settings import GatewaySettings
from gateway.tenants.models import ApiKey
from shared import Forbidden, ServiceRuntime, Unauthorized

KEY_PREFIX = "rsk_"


@dataclass(frozen=True)
class Principal:
    tenant_id: uuid.UUID
    scopes: frozenset[str]
    actor: str  # "key:<id>" or "user:<id>"

    def require(self, *any_of: str) -> None:
        """403 unless the principal holds one of the scopes (admin holds all)."""
        if "admin" in self.scopes or self.scopes.intersection(any_of):
            return
        raise Forbidden(f"This call needs one of the scopes {sorted(any_of)}.")


def new_api_key() -> tuple[str, str]:
    """A fresh key and its SHA-256 (keys are random 256-bit secrets, so a fast hash is enough)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    return key, hash_key(key)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def issue_jwt(
    settings: GatewaySettings, *, user_id: uuid.UUID, tenant_id: uuid.UUID, scopes: list[str]
) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "tenant": str(tenant_id),
        "scopes": scopes,
        "iat": now,
        "exp": now + timedelta(seconds=settings.jwt_ttl_seconds),
        "iss": "resonance",
    }
    return jwt.encode(claims, settings.jwt_secret.get_secret_value(), algorithm="HS256")


class KeyCache:
    """Recently verified API keys, so every request does not cost a database round trip."""

    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._entries: dict[str, tuple[float, Principal | None]] = {}

    def get(self, key_hash: str) -> tuple[bool, Principal | None]:
        entry = self._entries.get(key_hash)
        if entry is None or entry[0] < time.monotonic():
            return False, None
        return True, entry[1]

    def put(self, key_hash: str, principal: Principal | None) -> None:
        if len(self._entries) > 100_000:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic() + self.ttl, principal)

    def forget_tenant_key(self, key_hash: str) -> None:
        self._entries.pop(key_hash, None)


_META_WEBHOOK = re.compile(r"^/v1/channels/(facebook|instagram)$")


def meta_webhook_principal(request: Request) -> Principal | None:
    """Meta calls webhooks without our credentials: the tenant comes from `?tenant_id=` and the
    ingest service then insists on a valid `X-Hub-Signature-256` from the tenant's app secret."""
    if "authorization" in request.headers or not _META_WEBHOOK.match(request.url.path):
        return None
    try:
        tenant_id = uuid.UUID(request.query_params.get("tenant_id", ""))
    except ValueError:
        raise Unauthorized("Meta webhooks name their tenant with ?tenant_id=.") from None
    return Principal(tenant_id=tenant_id, scopes=frozenset({"integration"}), actor="webhook:meta")


async def authenticate(request: Request) -> Principal:
    """The caller behind the request's bearer token, within its rate limit."""
    principal = await _identify(request)
    request.app.state.runtime.state["rate_limiter"].check(principal.actor)
    return principal


async def _identify(request: Request) -> Principal:
    runtime: ServiceRuntime = request.app.state.runtime
    settings: GatewaySettings = runtime.settings  # type: ignore[assignment]
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized(
            "Send 'Authorization: Bearer <API key or token>'.",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if token.startswith(KEY_PREFIX):
        cache: KeyCache = runtime.state["key_cache"]
        key_hash = hash_key(token)
        hit, principal = cache.get(key_hash)
        if not hit:
            async with runtime.db.session() as session:
                row = (
                    await session.execute(
                        sa.select(ApiKey).where(
                            ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None)
                        )
                    )
                ).scalar_one_or_none()
            principal = (
                Principal(
                    tenant_id=row.tenant_id, scopes=frozenset(row.scopes), actor=f"key:{row.id}"
                )
                if row
                else None
            )
            cache.put(key_hash, principal)
        if principal is None:
            raise Unauthorized("The API key is not valid.", headers={"WWW-Authenticate": "Bearer"})
        return principal
    try:
        claims = jwt.decode(
            token,
            settings.jwt_secret.get_secret_value(),
            algorithms=["HS256"],
            issuer="resonance",
            options={"require": ["exp", "sub", "iss"]},
        )
        return Principal(
            tenant_id=uuid.UUID(claims["tenant"]),
            scopes=frozenset(claims.get("scopes", [])),
            actor=f"user:{claims['sub']}",
        )
    except (jwt.PyJWTError, KeyError, ValueError):
        raise Unauthorized(
            "The token is not valid.", headers={"WWW-Authenticate": "Bearer"}
        ) from None


PrincipalDep = Annotated[Principal, Depends(authenticate)]
