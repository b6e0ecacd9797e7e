"""Fixtures shared by every test: a throw-away database and the platform in one event loop."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
import uvicorn

PG_ADMIN = os.environ.get("RESONANCE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
AMQP_URL = os.environ.get("RESONANCE_TEST_AMQP", "amqp://guest:guest@127.0.0.1:5672/")
BOOTSTRAP = "dev-only-insecure-secret"


async def _create_db(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def _drop_db(name: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


def _sqlalchemy_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
async def database_url() -> AsyncIterator[str]:
    """A fresh database for this test session, dropped afterwards."""
    name = f"resonance_test_{uuid.uuid4().hex[:10]}"
    await _create_db(name)
    try:
        yield _sqlalchemy_url(name)
    finally:
        await _drop_db(name)


@pytest.fixture
async def fresh_database_url() -> AsyncIterator[str]:
    """A database of its own for tests that restart services or count every row."""
    name = f"resonance_test_{uuid.uuid4().hex[:10]}"
    await _create_db(name)
    try:
        yield _sqlalchemy_url(name)
    finally:
        await _drop_db(name)


@dataclass
class Platform:
    """The gateway and the five services served in this event loop (the embedded mode)."""

    url: str
    admin_key: str
    tenant_id: str
    broker: object

    def client(self, key: str | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.url,
            headers={"Authorization": f"Bearer {key or self.admin_key}"},
            timeout=30,
        )

    async def new_tenant(self, name: str = "tenant") -> tuple[str, str]:
        async with httpx.AsyncClient(base_url=self.url, timeout=30) as client:
            response = await client.post(
                "/v1/tenants", json={"name": name}, headers={"Authorization": f"Bearer {BOOTSTRAP}"}
            )
            response.raise_for_status()
            body = response.json()
        return body["tenant"]["id"], body["api_key"]["key"]


@pytest.fixture(scope="session")
async def platform(database_url: str) -> AsyncIterator[Platform]:
    """Every service in-process over the in-memory broker, against real PostgreSQL."""
    from launcher.local import free_ports
    from launcher.topology import SERVICES, env_for
    from shared import MemoryBroker

    names = [s.name for s in SERVICES]
    ports = free_ports()
    env = env_for(database_url=database_url, transport="memory", ports=ports)
    env.update({f"RESONANCE_{n.upper()}_RETRY_DELAYS_MS": "[50,100]" for n in names})
    env["RESONANCE_SLA_SCAN_INTERVAL_SECONDS"] = "0.2"
    env["RESONANCE_INGEST_FEED_POLL_SECONDS"] = "0.2"
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    broker = MemoryBroker(retry_delays_ms=(50, 100))
    await broker.start()
    servers = [
        uvicorn.Server(
            uvicorn.Config(
                s.app(broker=broker),
                host="127.0.0.1",
                port=ports[s.name],
                log_config=None,
                access_log=False,
                lifespan="on",
            )
        )
        for s in SERVICES
    ]
    tasks = [asyncio.create_task(s.serve()) for s in servers]
    while not all(s.started for s in servers):
        assert not any(t.done() for t in tasks), "a service failed to start"
        await asyncio.sleep(0.05)
    url = f"http://127.0.0.1:{ports['gateway']}"
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post(
            "/v1/tenants", json={"name": "test"}, headers={"Authorization": f"Bearer {BOOTSTRAP}"}
        )
        response.raise_for_status()
        body = response.json()
    try:
        yield Platform(url, body["api_key"]["key"], body["tenant"]["id"], broker)
    finally:
        for s in servers:
            s.should_exit = True
        await asyncio.gather(*tasks, return_exceptions=True)
        await broker.close()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


async def _eventually(check, *, timeout: float = 15.0, interval: float = 0.1):  # type: ignore[no-untyped-def]  # noqa: ASYNC109
    """Poll an async check until it returns a truthy value; fail with the last value."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"condition not met in {timeout}s; last value: {last!r}")


@pytest.fixture(scope="session")
def eventually():  # type: ignore[no-untyped-def]
    """`await eventually(async_check)`: wait for asynchronous effects without fixed sleeps."""
    return _eventually
