"""Reading a tenant's extraction settings, cached briefly because every message needs them."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services.ingest.extraction import CustomerNumberPatterns
from services.ingest.extraction.schemas import DEFAULT_CUSTOMER_NUMBER_PATTERNS
from services.ingest.tenant_settings import repository
from services.ingest.tenant_settings.schemas import TenantSettingsIn, TenantSettingsOut

CACHE_SECONDS = 10.0


@dataclass(frozen=True)
class ExtractionSettings:
    patterns: CustomerNumberPatterns | None
    default_language: str | None


_DEFAULT = ExtractionSettings(patterns=None, default_language=None)
_cache: dict[uuid.UUID, tuple[float, ExtractionSettings]] = {}


async def for_tenant(session: AsyncSession, *, tenant_id: uuid.UUID) -> ExtractionSettings:
    """The tenant's settings; a change reaches every ingest instance within CACHE_SECONDS."""
    hit = _cache.get(tenant_id)
    if hit is not None and hit[0] > time.monotonic():
        return hit[1]
    row = await repository.get(session, tenant_id=tenant_id)
    settings = _DEFAULT
    if row is not None:
        own = tuple((p["kind"], p["pattern"]) for p in row.customer_number_patterns)
        settings = ExtractionSettings(
            patterns=CustomerNumberPatterns(patterns=own + DEFAULT_CUSTOMER_NUMBER_PATTERNS)
            if own
            else None,
            default_language=row.default_language,
        )
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[tenant_id] = (time.monotonic() + CACHE_SECONDS, settings)
    return settings


async def put(
    session: AsyncSession, *, tenant_id: uuid.UUID, data: TenantSettingsIn
) -> TenantSettingsOut:
    await repository.put(session, tenant_id=tenant_id, values=data.model_dump(mode="json"))
    _cache.pop(tenant_id, None)
    return TenantSettingsOut.model_validate(data.model_dump())


async def get(session: AsyncSession, *, tenant_id: uuid.UUID) -> TenantSettingsOut:
    row = await repository.get(session, tenant_id=tenant_id)
    if row is None:
        return TenantSettingsOut()
    return TenantSettingsOut(
        customer_number_patterns=row.customer_number_patterns,  # type: ignore[arg-type]
        default_language=row.default_language,  # type: ignore[arg-type]
    )
