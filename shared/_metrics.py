"""Prometheus metrics, defined once and labelled by service (services may share a process)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

__all__ = ["EVENTS_CONSUMED", "EVENTS_PUBLISHED", "HTTP_LATENCY", "HTTP_REQUESTS"]

HTTP_REQUESTS = Counter(
    "resonance_http_requests_total",
    "HTTP requests handled",
    ["service", "method", "route", "status"],
)
HTTP_LATENCY = Histogram(
    "resonance_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
EVENTS_PUBLISHED = Counter(
    "resonance_events_published_total", "Events relayed from the outbox", ["service"]
)
EVENTS_CONSUMED = Counter(
    "resonance_events_consumed_total",
    "Events handled by consumers, by outcome",
    ["service", "consumer", "outcome"],
)
