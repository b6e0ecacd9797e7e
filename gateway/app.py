"""The gateway: the one public entry (auth, tenants, idempotency, forwarding, 360 view)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from gateway.admin.endpoints import router as admin_router
from gateway.auth import KeyCache
from gateway.db import messaging, metadata
from gateway.openapi import router as openapi_router
from gateway.proxy import idempotency
from gateway.proxy.client import Upstreams
from gateway.proxy.endpoints import router as proxy_router
from gateway.ratelimit import RateLimiter
from gateway.settings import GatewaySettings
from gateway.tenants.endpoints import router as tenants_router
from shared import Broker, ServiceDefinition, ServiceRuntime


@asynccontextmanager
async def upstream_pool(runtime: ServiceRuntime) -> AsyncIterator[None]:
    settings: GatewaySettings = runtime.settings  # type: ignore[assignment]
    upstreams = Upstreams(
        settings.upstreams(),
        connections=settings.upstream_connections,
        timeout=settings.upstream_timeout_seconds,
    )
    runtime.state["upstreams"] = upstreams
    runtime.state["key_cache"] = KeyCache(settings.api_key_cache_seconds)
    runtime.state["rate_limiter"] = RateLimiter(
        rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst
    )
    try:
        yield
    finally:
        await upstreams.close()


async def purge_idempotency_keys(runtime: ServiceRuntime) -> None:
    ttl = timedelta(hours=runtime.settings.idempotency_ttl_hours)  # type: ignore[attr-defined]
    while True:
        await idempotency.purge_expired(runtime.db, ttl=ttl)
        await asyncio.sleep(3600)


SERVICE = ServiceDefinition(
    name="gateway",
    title="Resonance API",
    port=8000,
    settings_class=GatewaySettings,
    metadata=metadata,
    tables=messaging,
    migrations=Path(__file__).parent / "migrations",
    # The catch-all forwarder must stay last.
    routers=[openapi_router, tenants_router, admin_router, proxy_router],
    workers=[purge_idempotency_keys],
    resources=[upstream_pool],
    default_docs=False,
)


def create_app(settings: GatewaySettings | None = None, broker: Broker | None = None) -> FastAPI:
    """The app uvicorn serves (`--factory gateway.app:create_app`)."""
    return SERVICE.app(settings, broker)
