"""`python -m services.<name> migrate|serve`: the same two commands for every service."""

from __future__ import annotations

import argparse
import asyncio

from ._service import ServiceDefinition

__all__ = ["service_main"]


def service_main(definition: ServiceDefinition, *, app_factory: str) -> None:
    """Entry point of a service package; `app_factory` is the `module:function` uvicorn imports."""
    parser = argparse.ArgumentParser(
        prog=f"python -m {app_factory.split(':')[0].rsplit('.', 1)[0]}"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply this service's database migrations and exit")
    serve = sub.add_parser("serve", help="run the HTTP API, consumers and workers")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=definition.port)
    serve.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.command == "migrate":

        async def migrate() -> None:
            runtime = definition.runtime()
            try:
                await runtime.migrate()
            finally:
                await runtime.db.dispose()

        asyncio.run(migrate())
        print(f"{definition.name}: migrations applied")
        return
    import uvicorn

    uvicorn.run(
        app_factory,
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_config=None,
        # Longer than the gateway's pooled keep-alive (30 s), so the client closes first and
        # never reuses a connection the server has just dropped.
        timeout_keep_alive=75,
    )
