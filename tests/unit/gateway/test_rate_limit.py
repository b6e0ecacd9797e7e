"""The gateway's per-credential token buckets."""

import pytest

from gateway.ratelimit import RateLimiter
from shared import TooManyRequests


def test_a_burst_is_allowed_then_the_caller_waits() -> None:
    limiter = RateLimiter(rate=2.0, burst=3)
    for _ in range(3):
        limiter.check("key:a", now=100.0)
    with pytest.raises(TooManyRequests) as refused:
        limiter.check("key:a", now=100.0)
    assert refused.value.status == 429
    assert refused.value.headers["Retry-After"] == "1"
    limiter.check("key:a", now=100.6)  # tokens refill at the rate


def test_credentials_have_separate_buckets() -> None:
    limiter = RateLimiter(rate=1.0, burst=1)
    limiter.check("key:a", now=0.0)
    limiter.check("key:b", now=0.0)
    with pytest.raises(TooManyRequests):
        limiter.check("key:a", now=0.0)


def test_a_zero_rate_disables_the_limit() -> None:
    limiter = RateLimiter(rate=0.0, burst=0)
    for _ in range(10):
        limiter.check("key:a", now=0.0)
