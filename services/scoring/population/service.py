"""Each tenant's value and audience distribution, so a score can say "top 1% of the tenant".

Recomputed by the worker; the hot path reads it through a short per-process cache (one query
per tenant per minute at most).
"""

from __future__ import annotations

import time
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

import numpy as np
from sqlalchemy.ext.asyncio import AsyncSession

from services.scoring.engine import PopulationStats
from services.scoring.population import repository

__all__ = ["cached", "forget", "recompute"]

CACHE_SECONDS = 60.0
_CACHE_TENANTS = 10_000
QUANTILES = 1_001  # 0.1% steps
_FRACTIONS = [i / (QUANTILES - 1) for i in range(QUANTILES)]
_cache: OrderedDict[uuid.UUID, tuple[float, PopulationStats | None]] = OrderedDict()


def forget(tenant_id: uuid.UUID) -> None:
    """Drop this process's cached statistics of the tenant (after a recompute)."""
    _cache.pop(tenant_id, None)


def to_stats(values: list[float], audiences: list[float]) -> PopulationStats | None:
    """Engine statistics from stored quantiles; None when neither distribution is known."""
    if not values and not audiences:
        return None
    return PopulationStats(
        values=np.asarray(values, dtype=np.float64),
        audiences=np.asarray(audiences, dtype=np.float64) if audiences else None,
    )


async def cached(session: AsyncSession, *, tenant_id: uuid.UUID) -> PopulationStats | None:
    """The tenant's statistics, at most `CACHE_SECONDS` old."""
    now = time.monotonic()
    hit = _cache.get(tenant_id)
    if hit is not None and now - hit[0] < CACHE_SECONDS:
        _cache.move_to_end(tenant_id)
        return hit[1]
    row = await repository.get(session, tenant_id=tenant_id)
    stats = to_stats(list(row.values), list(row.audiences)) if row is not None else None
    _cache[tenant_id] = (now, stats)
    _cache.move_to_end(tenant_id)
    while len(_cache) > _CACHE_TENANTS:
        _cache.popitem(last=False)
    return stats


async def recompute(
    session: AsyncSession, *, tenant_id: uuid.UUID, min_customers: int, now: datetime
) -> int:
    """Recompute the tenant's quantiles from its scored customers; returns how many there are.

    A distribution with fewer than `min_customers` points is not stored: percentiles of a handful
    of customers mislead, and the score falls back to its absolute log scales.
    """
    customers, known, values, audiences = await repository.distribution(
        session, tenant_id=tenant_id, fractions=_FRACTIONS
    )
    values = _clean(values) if known >= min_customers else []
    audiences = _clean(audiences) if customers >= min_customers else []
    if values or audiences:
        await repository.save(
            session,
            tenant_id=tenant_id,
            customers=customers,
            values=values,
            audiences=audiences,
            now=now,
        )
    else:
        await repository.delete(session, tenant_id=tenant_id)
    forget(tenant_id)
    return customers


def _clean(quantiles: Sequence[float | None]) -> list[float]:
    arr = np.asarray([q for q in quantiles if q is not None], dtype=np.float64)
    return sorted(float(x) for x in arr[np.isfinite(arr) & (arr >= 0)])
