"""Per-credential rate limits (token buckets), answered with 429 and `Retry-After`.

Buckets live in each gateway process, so with N replicas a credential may reach N times the
rate; the limit protects the services from one runaway integration, not a billing quota.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from shared import TooManyRequests


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, *, rate: float, burst: int, max_keys: int = 100_000) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str, *, now: float | None = None) -> None:
        """Take one token for `key`, or raise 429 saying when the next one is due."""
        if self.rate <= 0:
            return
        now = time.monotonic() if now is None else now
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= self.max_keys:
                self._buckets.clear()
            bucket = self._buckets[key] = _Bucket(tokens=float(self.burst), updated=now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens < 1.0:
            wait = math.ceil((1.0 - bucket.tokens) / self.rate)
            raise TooManyRequests(
                "Too many requests for this credential; slow down.",
                headers={"Retry-After": str(max(1, wait))},
            )
        bucket.tokens -= 1.0
