"""Which service answers which public path, and which scopes a call needs."""

from __future__ import annotations

import re
from dataclasses import dataclass

from gateway.auth import Principal
from shared import NotFound


@dataclass(frozen=True)
class Route:
    pattern: re.Pattern[str]
    upstream: str
    admin_writes: tuple[str, ...] = ()  # methods that need the admin scope


def _r(pattern: str, upstream: str, admin_writes: tuple[str, ...] = ()) -> Route:
    return Route(re.compile(pattern), upstream, admin_writes)


# First match wins: the more specific paths come first.
ROUTES: tuple[Route, ...] = (
    _r(r"^/v1/customers/[^/]+/score$", "scoring"),
    _r(r"^/v1/scoring/config$", "scoring", ("PUT",)),
    _r(r"^/v1/scoring(/.*)?$", "scoring"),
    _r(r"^/v1/channels/[^/]+/config$", "ingest", ("PUT",)),
    _r(r"^/v1/ingest/settings$", "ingest", ("PUT",)),
    _r(r"^/v1/(interactions|channels|feeds)(/.*)?$", "ingest"),
    _r(r"^/v1/customers/[^/]+$", "identity", ("DELETE",)),
    _r(r"^/v1/identity/(config|model/retrain)$", "identity", ("PUT", "POST")),
    _r(r"^/v1/(customers|identity|jobs)(/.*)?$", "identity"),
    _r(r"^/v1/(queues|agents|routing)(/.*)?$", "routing", ("POST", "PUT", "PATCH", "DELETE")),
    _r(r"^/v1/(assignments|incidents)(/.*)?$", "routing"),
    _r(r"^/v1/sla/(policies|calendars)(/.*)?$", "sla", ("POST", "PUT", "PATCH", "DELETE")),
    _r(r"^/v1/(sla|reports)(/.*)?$", "sla"),
)

READ = ("read", "agent", "integration")
WRITE = ("agent", "integration")


def resolve(method: str, path: str, principal: Principal) -> str:
    """The upstream for this call, after checking the caller's scopes."""
    for route in ROUTES:
        if route.pattern.match(path):
            if method in route.admin_writes:
                principal.require("admin")
            elif method in ("GET", "HEAD"):
                principal.require(*READ)
            else:
                principal.require(*WRITE)
            return route.upstream
    raise NotFound(f"No resource at {path}.")
