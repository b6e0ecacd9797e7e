"""Operations: dead letters across every service, and their replay."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import orjson
from fastapi import APIRouter, Request, Response

from gateway.auth import PrincipalDep
from gateway.proxy.client import Upstreams
from gateway.proxy.endpoints import upstream_headers
from shared import PROBLEM_RESPONSES, NotFound, ServiceRuntime

router = APIRouter(prefix="/v1/admin", tags=["operations"], responses=PROBLEM_RESPONSES)

SERVICES = ("ingest", "identity", "scoring", "routing", "sla")


@router.get("/dead-letters", summary="Events a service gave up on, from every service")
async def dead_letters(
    request: Request, principal: PrincipalDep, include_replayed: bool = False
) -> Response:
    principal.require("admin")
    runtime: ServiceRuntime = request.app.state.runtime
    upstreams: Upstreams = runtime.state["upstreams"]
    headers = upstream_headers(request, principal, runtime)
    query = f"include_replayed={str(include_replayed).lower()}"
    answers = await asyncio.gather(
        *(
            upstreams.request(s, "GET", "/internal/dead-letters", query=query, headers=headers)
            for s in SERVICES
        )
    )
    items: list[dict[str, Any]] = []
    for answer in answers:
        if answer.status == 200:
            items.extend(orjson.loads(answer.body)["items"])
    items.sort(key=lambda d: d["created_at"], reverse=True)
    return Response(
        orjson.dumps({"items": items, "next_cursor": None}), media_type="application/json"
    )


@router.post("/dead-letters/{dead_letter_id}/replay", summary="Process a dead letter once more")
async def replay(dead_letter_id: uuid.UUID, request: Request, principal: PrincipalDep) -> Response:
    principal.require("admin")
    runtime: ServiceRuntime = request.app.state.runtime
    upstreams: Upstreams = runtime.state["upstreams"]
    headers = upstream_headers(request, principal, runtime)
    for service in SERVICES:
        answer = await upstreams.request(
            service, "POST", f"/internal/dead-letters/{dead_letter_id}/replay", headers=headers
        )
        if answer.status != 404:
            return Response(
                answer.body,
                status_code=answer.status,
                media_type=answer.headers.get("content-type"),
            )
    raise NotFound(f"Dead letter {dead_letter_id} does not exist.")
