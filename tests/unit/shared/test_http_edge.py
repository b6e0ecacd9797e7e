"""The shared HTTP edge: size limits (with larger ones for streamed uploads) and request ids."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from fastapi import FastAPI, Request

from shared import RequestContextMiddleware, install_problem_handlers


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/small")
    async def small(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    @app.post("/v1/customers/import")
    async def upload(request: Request) -> dict[str, int]:
        size = 0
        async for chunk in request.stream():
            size += len(chunk)
        return {"bytes": size}

    app.add_middleware(
        RequestContextMiddleware,
        service="test",
        max_body_bytes=100,
        upload_limits={"/v1/customers/import": 1000},
    )
    return app


async def _chunks(total: int) -> AsyncIterator[bytes]:
    for _ in range(total // 50):
        yield b"x" * 50


async def test_declared_oversize_body_is_refused_before_it_is_read() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as c:
        response = await c.post("/small", content=b"x" * 101)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_streamed_body_is_cut_off_at_the_limit() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as c:
        response = await c.post("/small", content=_chunks(500))
    assert response.status_code == 413


async def test_upload_paths_have_their_own_larger_limit() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as c:
        fits = await c.post("/v1/customers/import", content=_chunks(900))
        too_big = await c.post("/v1/customers/import", content=_chunks(1500))
    assert fits.status_code == 200 and fits.json() == {"bytes": 900}
    assert too_big.status_code == 413


async def test_request_id_is_echoed() -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=_app()), base_url="http://t"
    ) as c:
        response = await c.post("/small", content=b"{}", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
