"""HTTP edge shared by the gateway and every service: problem+json, request ids, health, metrics."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ._errors import (
    PayloadTooLarge,
    ProblemError,
    ServiceUnavailable,
    Unauthorized,
    UnprocessableEntity,
)
from ._logging import bind_context, clear_context, get_logger
from ._metrics import HTTP_LATENCY, HTTP_REQUESTS

if TYPE_CHECKING:
    from ._runtime import ServiceRuntime

__all__ = [
    "PROBLEM_RESPONSES",
    "ActorDep",
    "CorrelationDep",
    "RequestContextMiddleware",
    "SessionDep",
    "TenantDep",
    "install_problem_handlers",
    "problem_response",
]

log = get_logger("shared.http")

PROBLEM = "application/problem+json"
REQUEST_ID = "x-request-id"
TENANT_ID = "x-tenant-id"
INTERNAL_TOKEN = "x-internal-token"

PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": text, "content": {PROBLEM: {}}}
    for code, text in {
        400: "Bad request",
        401: "Unauthorized",
        403: "Forbidden",
        404: "Not found",
        409: "Conflict",
        413: "Payload too large",
        422: "Validation error",
    }.items()
}


def problem_response(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response:
    """A problem+json response."""
    return Response(orjson.dumps(body), status_code=status, media_type=PROBLEM, headers=headers)


def _instance(request: Request) -> dict[str, Any]:
    return {"instance": request.url.path, "request_id": request.scope.get("request_id")}


def install_problem_handlers(app: FastAPI) -> None:
    """Render every error as RFC 9457 problem+json; 5xx only for bugs."""

    @app.exception_handler(ProblemError)
    async def _problem(request: Request, exc: ProblemError) -> Response:
        body = exc.to_problem() | _instance(request)
        return problem_response(exc.status, body, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "loc": [str(p) for p in err.get("loc", ())],
                "msg": err.get("msg"),
                "type": err.get("type"),
            }
            for err in exc.errors()
        ]
        problem = UnprocessableEntity("The request is not valid.", errors=errors)
        return problem_response(422, problem.to_problem() | _instance(request))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        body = {
            "type": "about:blank",
            "title": str(exc.detail) if exc.status_code < 500 else "Server error",
            "status": exc.status_code,
            "detail": str(exc.detail),
        } | _instance(request)
        return problem_response(exc.status_code, body, dict(exc.headers or {}))

    @app.exception_handler(SQLAlchemyTimeoutError)
    async def _saturated(request: Request, exc: SQLAlchemyTimeoutError) -> Response:
        log.warning("http.database_pool_exhausted", path=request.url.path)
        problem = ServiceUnavailable("The service is saturated; retry shortly.")
        return problem_response(
            503, problem.to_problem() | _instance(request), {"Retry-After": "1"}
        )

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception) -> Response:
        log.exception("http.unhandled_error", path=request.url.path)
        body = {
            "type": "about:blank",
            "title": "Internal server error",
            "status": 500,
            "detail": "An unexpected error occurred; it has been logged.",
        } | _instance(request)
        return problem_response(500, body)


class RequestContextMiddleware:
    """Request id in and out, log context, size limit and Prometheus metrics (pure ASGI)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        service: str,
        max_body_bytes: int = 1_048_576,
        upload_limits: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.service = service
        self.max_body_bytes = max_body_bytes
        self.upload_limits = upload_limits or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        request_id = headers.get(REQUEST_ID) or uuid.uuid4().hex
        request_id = request_id[:200]
        scope["request_id"] = request_id
        bind_context(service=self.service, request_id=request_id, correlation_id=request_id)
        if headers.get(TENANT_ID):
            bind_context(tenant_id=headers[TENANT_ID])
        started = time.perf_counter()
        status_holder = [500]
        limit = self.upload_limits.get(scope["path"], self.max_body_bytes)
        declared = headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, send, request_id, limit)
            clear_context()
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (b"x-request-id", request_id.encode("latin-1")),
                ]
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_id)
        finally:
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            HTTP_REQUESTS.labels(self.service, scope["method"], path, status_holder[0]).inc()
            HTTP_LATENCY.labels(self.service, scope["method"], path).observe(
                time.perf_counter() - started
            )
            clear_context()

    async def _too_large(self, scope: Scope, send: Send, request_id: str, limit: int) -> None:
        body = PayloadTooLarge(f"The request body exceeds {limit} bytes.").to_problem(
            instance=scope.get("path")
        )
        payload = orjson.dumps(body)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", PROBLEM.encode()),
                    (b"content-length", str(len(payload)).encode()),
                    (b"x-request-id", request_id.encode("latin-1")),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})


def add_operational_routes(app: FastAPI, runtime: ServiceRuntime | None = None) -> None:
    """`/healthz`, `/readyz` and `/metrics`."""

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz(request: Request) -> Response:
        rt: ServiceRuntime | None = getattr(request.app.state, "runtime", None)
        checks = await rt.readiness() if rt is not None else {}
        ok = all(checks.values())
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


def _runtime(request: Request) -> ServiceRuntime:
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


async def _session(request: Request) -> AsyncIterator[AsyncSession]:
    async with _runtime(request).db.session() as session:
        yield session


async def _reader(request: Request) -> AsyncIterator[AsyncSession]:
    async with _runtime(request).db.reader() as session:
        yield session


async def _tenant(
    request: Request,
    x_tenant_id: Annotated[str | None, Header(include_in_schema=False)] = None,
    x_internal_token: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> uuid.UUID:
    secret = _runtime(request).settings.internal_secret.get_secret_value()
    if x_internal_token != secret:
        raise Unauthorized("Services are reached through the gateway only.")
    try:
        return uuid.UUID(x_tenant_id or "")
    except ValueError:
        raise Unauthorized("Missing tenant.") from None


async def _correlation(request: Request) -> str:
    return str(request.scope.get("request_id") or uuid.uuid4().hex)


async def _actor(
    x_actor_id: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> str | None:
    return x_actor_id


# The commit happens before the response is sent (scope="function"), so a failed commit is
# never reported as a success.
SessionDep = Annotated[AsyncSession, Depends(_session, scope="function")]
# For endpoints that only read, statement by statement (see `Database.reader`).
ReaderDep = Annotated[AsyncSession, Depends(_reader, scope="function")]
TenantDep = Annotated[uuid.UUID, Depends(_tenant)]
CorrelationDep = Annotated[str, Depends(_correlation)]
ActorDep = Annotated[str | None, Depends(_actor)]
