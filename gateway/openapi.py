"""The public OpenAPI document: the gateway's own routes merged with every service's /v1 paths."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.openapi.utils import get_openapi
from fastapi.responses import HTMLResponse

from gateway.proxy.client import Upstreams

router = APIRouter(include_in_schema=False)


def _merge(base: dict[str, Any], other: dict[str, Any]) -> None:
    for path, operations in other.get("paths", {}).items():
        if not path.startswith("/v1/"):
            continue
        target = base.setdefault("paths", {}).setdefault(path, {})
        for method, operation in operations.items():
            target.setdefault(method, operation)
    schemas = other.get("components", {}).get("schemas", {})
    base.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in schemas.items():
        base["components"]["schemas"].setdefault(name, schema)


async def build(app: FastAPI, upstreams: Upstreams) -> dict[str, Any]:
    doc = get_openapi(
        title="Resonance API",
        version="1.0.0",
        description="The public API of Resonance, the Social CRM for contact centers.",
        routes=app.routes,
    )
    names = ["ingest", "identity", "scoring", "routing", "sla"]
    responses = await asyncio.gather(
        *(upstreams.request(n, "GET", "/openapi.json", headers={}) for n in names),
        return_exceptions=True,
    )
    for response in responses:
        if not isinstance(response, BaseException) and response.status == 200:
            _merge(doc, orjson.loads(response.body))
    doc.setdefault("components", {})["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "API key or JWT"}
    }
    doc["security"] = [{"bearer": []}]
    return doc


@router.get("/openapi.json")
async def openapi(request: Request) -> Response:
    state = request.app.state.runtime.state
    if "openapi" not in state:
        state["openapi"] = await build(request.app, state["upstreams"])
    return Response(orjson.dumps(state["openapi"]), media_type="application/json")


@router.get("/docs")
async def docs() -> HTMLResponse:
    return get_swagger_ui_html(openapi_url="/openapi.json", title="Resonance API")
