"""`python -m services.<name> migrate|serve`: the same two commands for every service."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

from ._runtime import ServiceRuntime

__all__ = ["service_main"]


def service_main(
    *, name: str, app_factory: str, runtime_factory: Callable[[], ServiceRuntime], port: int
) -> None:
    """Entry point of a service package."""
    parser = argparse.ArgumentParser(prog=f"python -m {app_factory.split(':')[0].rsplit('.', 1)[0]}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply this service's database migrations and exit")
    serve = sub.add_parser("serve", help="run the HTTP API, consumers and workers")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=port)
    serve.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.command == "migrate":

        async def migrate() -> None:
            runtime = runtime_factory()
            try:
                await runtime.migrate()
            finally:
                await runtime.db.dispose()

        asyncio.run(migrate())
        print(f"{name}: migrations applied")
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
    )
