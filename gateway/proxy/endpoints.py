"""Forwarding public calls to the service that owns them, and the customer 360 view."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import orjson
from fastapi import APIRouter, Request, Response

from gateway.auth import Principal, PrincipalDep, authenticate, meta_webhook_principal
from gateway.proxy import idempotency
from gateway.proxy.client import UpstreamResponse, Upstreams
from gateway.proxy.routes import READ, resolve
from shared import PROBLEM_RESPONSES, ServiceRuntime, ServiceUnavailable

router = APIRouter(responses=PROBLEM_RESPONSES)

_FORWARD_REQUEST = ("content-type", "accept", "x-hub-signature-256", "if-none-match")


def upstream_headers(
    request: Request, principal: Principal, runtime: ServiceRuntime
) -> dict[str, str]:
    headers = {k: v for k in _FORWARD_REQUEST if (v := request.headers.get(k))}
    headers["x-tenant-id"] = str(principal.tenant_id)
    headers["x-actor-id"] = principal.actor
    headers["x-scopes"] = ",".join(sorted(principal.scopes))
    headers["x-internal-token"] = runtime.settings.internal_secret.get_secret_value()
    headers["x-request-id"] = str(request.scope.get("request_id", ""))
    return headers


def _to_response(upstream: UpstreamResponse, *, replayed: bool = False) -> Response:
    headers = dict(upstream.headers)
    media_type = headers.pop("content-type", None)
    if replayed:
        headers["idempotency-replayed"] = "true"
    return Response(
        upstream.body, status_code=upstream.status, headers=headers, media_type=media_type
    )


@router.get("/v1/customers/{customer_id}", tags=["customers"], summary="Customer 360 view")
async def customer_360(
    customer_id: uuid.UUID, request: Request, principal: PrincipalDep
) -> Response:
    """Master data and identities, with the score, recent interactions and open SLA timers."""
    principal.require(*READ)
    runtime: ServiceRuntime = request.app.state.runtime
    upstreams: Upstreams = runtime.state["upstreams"]
    headers = upstream_headers(request, principal, runtime)
    customer, score, interactions = await asyncio.gather(
        upstreams.request("identity", "GET", f"/v1/customers/{customer_id}", headers=headers),
        upstreams.request("scoring", "GET", f"/v1/customers/{customer_id}/score", headers=headers),
        upstreams.request(
            "ingest",
            "GET",
            "/v1/interactions",
            query=f"customer_id={customer_id}&limit=20",
            headers=headers,
        ),
    )
    if customer.status != 200:
        return _to_response(customer)
    view: dict[str, Any] = orjson.loads(customer.body)
    view["score"] = orjson.loads(score.body) if score.status == 200 else None
    recent = orjson.loads(interactions.body).get("items", []) if interactions.status == 200 else []
    view["recent_interactions"] = recent
    view["open_sla_timers"] = [
        {**timer, "interaction_id": item["id"]}
        for item in recent
        for timer in (item.get("sla") or {}).get("timers", [])
        if timer.get("state") in ("running", "warning", "breached")
    ]
    return Response(orjson.dumps(view), media_type="application/json")


# Pages of the person's interactions fetched for an export (each up to the service's maximum).
EXPORT_PAGE = 500


@router.get(
    "/v1/customers/{customer_id}/export",
    tags=["customers"],
    summary="GDPR access: everything held about the person, from every service",
)
async def customer_export(
    customer_id: uuid.UUID, request: Request, principal: PrincipalDep
) -> Response:
    """Identity's export (master data, identities, social profiles, standardised form, merges,
    reviews, decisions) with every interaction attributed to the person (text, extracted
    features, score, routing and SLA state, the agents' replies), the Social Customer Score with
    its history, and
    scoring's graph accounts, conversations and news mentions of the person.
    All or nothing: if a service cannot answer, 503 rather than an incomplete export."""
    principal.require(*READ)
    runtime: ServiceRuntime = request.app.state.runtime
    upstreams: Upstreams = runtime.state["upstreams"]
    headers = upstream_headers(request, principal, runtime)
    path = f"/v1/customers/{customer_id}"
    held, score, scoring = await asyncio.gather(
        upstreams.request("identity", "GET", f"{path}/export", headers=headers),
        upstreams.request("scoring", "GET", f"{path}/score", headers=headers),
        upstreams.request(
            "scoring", "GET", f"/internal/customers/{customer_id}/export", headers=headers
        ),
    )
    if held.status != 200:
        return _to_response(held)
    if score.status not in (200, 404) or scoring.status != 200:
        raise ServiceUnavailable("The scoring service could not answer; try again shortly.")
    export: dict[str, Any] = orjson.loads(held.body)
    export["score"] = orjson.loads(score.body) if score.status == 200 else None
    export["scoring"] = orjson.loads(scoring.body)
    interactions: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"customer_id": str(customer_id), "limit": EXPORT_PAGE}
        query = urlencode({**params, "cursor": cursor} if cursor else params)
        page = await upstreams.request(
            "ingest", "GET", "/v1/interactions", query=query, headers=headers
        )
        if page.status != 200:
            raise ServiceUnavailable("The ingest service could not answer; try again shortly.")
        body = orjson.loads(page.body)
        interactions.extend(body["items"])
        if not (cursor := body.get("next_cursor")):
            break
    export["interactions"] = interactions
    return Response(orjson.dumps(export), media_type="application/json")


@router.api_route(
    "/v1/{path:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
    include_in_schema=False,
)
async def forward(path: str, request: Request) -> Response:
    """Every other public call goes to the service that owns it."""
    principal = meta_webhook_principal(request) or await authenticate(request)
    runtime: ServiceRuntime = request.app.state.runtime
    full_path = request.url.path
    upstream = resolve(request.method, full_path, principal)
    upstreams: Upstreams = runtime.state["upstreams"]
    headers = upstream_headers(request, principal, runtime)
    query = request.url.query
    key = request.headers.get("idempotency-key")
    if key is not None and request.method == "POST":
        body = await request.body()

        async def send() -> UpstreamResponse:
            return await upstreams.request(
                upstream, request.method, full_path, query=query, headers=headers, body=body
            )

        ttl = timedelta(hours=runtime.settings.idempotency_ttl_hours)  # type: ignore[attr-defined]
        response, replayed = await idempotency.run_once(
            runtime.db,
            tenant_id=principal.tenant_id,
            key=key,
            fingerprint=idempotency.request_hash(request.method, full_path, query, body),
            ttl=ttl,
            forward=send,
        )
        return _to_response(response, replayed=replayed)
    body: bytes | AsyncIterator[bytes] | None = None
    if full_path in runtime.settings.upload_paths:
        # Bulk uploads stream through; the size limit is enforced while they pass.
        body = request.stream()
        if content_length := request.headers.get("content-length"):
            headers["content-length"] = content_length
    elif request.method in ("POST", "PUT", "PATCH"):
        body = await request.body()
    response = await upstreams.request(
        upstream, request.method, full_path, query=query, headers=headers, body=body
    )
    return _to_response(response)
