"""The whole platform as separate processes over real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest

from launcher.local import Stack, free_ports
from launcher.topology import SERVICES

pytestmark = pytest.mark.e2e

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
BOOTSTRAP = "dev-only-insecure-secret"
RETRY_DELAYS = (200, 500)


async def _delete_topology(exchange: str) -> None:
    connection = await aio_pika.connect(AMQP_URL)
    async with connection:
        channel = await connection.channel()
        for service in SERVICES:
            for consumer in service.consumers:
                base = f"{exchange}.{service.name}.{consumer.name}"
                names = [base, f"{base}.dlq", *(f"{base}.retry.{d}" for d in RETRY_DELAYS)]
                for name in names:
                    await channel.queue_delete(name)
        await channel.queue_delete(f"{exchange}.unrouted")
        await channel.exchange_delete(exchange)
        await channel.exchange_delete(f"{exchange}.unrouted")


@pytest.fixture
async def stack(fresh_database_url: str, tmp_path: Path) -> AsyncIterator[Stack]:
    exchange = f"resonance-e2e-{uuid.uuid4().hex[:8]}"
    extra: dict[str, str] = {"RESONANCE_SLA_SCAN_INTERVAL_SECONDS": "0.2"}
    for service in SERVICES:
        extra[f"RESONANCE_{service.name.upper()}_RETRY_DELAYS_MS"] = str(list(RETRY_DELAYS))
        extra[f"RESONANCE_{service.name.upper()}_LOG_JSON"] = "true"
    s = Stack(
        database_url=fresh_database_url,
        amqp_url=AMQP_URL,
        exchange=exchange,
        ports=free_ports(),
        extra_env=extra,
        log_dir=tmp_path,
    )
    try:
        s.start(timeout=120)
        yield s
    finally:
        s.stop()
        await _delete_topology(exchange)


def _client(url: str, key: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {key}"}, timeout=30)


async def _tenant(url: str) -> str:
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        response = await client.post(
            "/v1/tenants", json={"name": "e2e"}, headers={"Authorization": f"Bearer {BOOTSTRAP}"}
        )
        assert response.status_code == 201, response.text
        return str(response.json()["api_key"]["key"])


def _tweet(text: str, handle: str, followers: int) -> dict[str, Any]:
    return {
        "channel": "twitter",
        "external_id": uuid.uuid4().hex,
        "author": {"name": handle, "handle": handle, "followers": followers},
        "text": text,
    }


async def test_interactions_flow_through_every_service_to_a_prioritised_queue(
    stack: Stack, eventually
) -> None:
    key = await _tenant(stack.url)
    async with _client(stack.url, key) as client:
        customer = await client.post(
            "/v1/customers",
            json={
                "given_name": "Greta",
                "family_name": "Groß",
                "tier": "platinum",
                "value": 75000,
                "handles": {"twitter": "greta"},
            },
        )
        assert customer.status_code == 201
        low = (
            await client.post(
                "/v1/interactions", json=_tweet("Gibt es neue Tarife?", "@someone", 12)
            )
        ).json()
        high = (
            await client.post(
                "/v1/interactions",
                json=_tweet("Seit 3 Tagen kein Netz!!! Ich gehe zur Presse!", "@greta", 420_000),
            )
        ).json()

        async def both_routed() -> list[dict[str, Any]] | None:
            views = [(await client.get(f"/v1/interactions/{i['id']}")).json() for i in (low, high)]
            ok = all(v["status"] == "routed" and v["sla"]["next_due_at"] for v in views)
            return views if ok else None

        low_view, high_view = await eventually(both_routed, timeout=30)
        assert high_view["customer_id"] == customer.json()["id"]
        assert high_view["match"]["decision"] == "match"
        assert high_view["risk"]["tier"] in ("elevated", "high", "critical")
        assert high_view["priority"] > low_view["priority"]

        async def queue() -> list[dict[str, Any]] | None:
            items = (await client.get(f"/v1/queues/{high_view['queue_id']}/items")).json()["items"]
            return items if len(items) == 2 and all(i["due_at"] for i in items) else None

        items = await eventually(queue, timeout=30)
        assert [i["interaction_id"] for i in items] == [high["id"], low["id"]]

        # The first response stops the first-response clock.
        reply = await client.post(
            f"/v1/interactions/{high['id']}/responses", json={"text": "Wir sind dran."}
        )
        assert reply.status_code == 201

        async def met() -> bool:
            timers = (await client.get("/v1/sla/timers", params={"state": "met"})).json()["items"]
            return any(t["interaction_id"] == high["id"] for t in timers)

        await eventually(met, timeout=30)


async def test_a_shortened_policy_fires_a_breach(stack: Stack, eventually) -> None:
    key = await _tenant(stack.url)
    async with _client(stack.url, key) as client:
        policy = await client.post(
            "/v1/sla/policies",
            json={
                "name": "X in one second",
                "conditions": {"channels": ["twitter"]},
                "targets": {"first_response": 1},
            },
        )
        assert policy.status_code == 201
        accepted = (
            await client.post(
                "/v1/interactions", json=_tweet("Antwortet hier jemand?", "@wait", 10)
            )
        ).json()

        async def breached() -> dict[str, Any] | None:
            body = (await client.get(f"/v1/interactions/{accepted['id']}")).json()
            return body if body["sla"]["state"] == "breached" else None

        body = await eventually(breached, timeout=30)
        assert body["sla"]["timers"][0]["policy"] == "X in one second"


async def test_work_waits_in_the_broker_while_a_service_is_down(stack: Stack, eventually) -> None:
    key = await _tenant(stack.url)
    stack.stop_service("identity", kill=True)
    async with _client(stack.url, key) as client:
        accepted = (
            await client.post("/v1/interactions", json=_tweet("Ist der Dienst weg?", "@patient", 5))
        ).json()
        assert (await client.get(f"/v1/interactions/{accepted['id']}")).json()[
            "status"
        ] == "received"
        stack.start_service("identity")
        stack.wait_ready(names=["identity"])

        async def routed() -> bool:
            body = (await client.get(f"/v1/interactions/{accepted['id']}")).json()
            return body["status"] == "routed"

        await eventually(routed, timeout=40)


async def test_timers_survive_a_crash_of_the_sla_service(stack: Stack, eventually) -> None:
    key = await _tenant(stack.url)
    async with _client(stack.url, key) as client:
        await client.post(
            "/v1/sla/policies",
            json={
                "name": "chat in three seconds",
                "conditions": {"channels": ["chat"]},
                "targets": {"first_response": 3},
            },
        )
        accepted = (
            await client.post(
                "/v1/interactions", json={"channel": "chat", "external_id": "c-1", "text": "Hallo?"}
            )
        ).json()

        async def running() -> bool:
            timers = (await client.get("/v1/sla/timers", params={"state": "running"})).json()
            return any(t["interaction_id"] == accepted["id"] for t in timers["items"])

        await eventually(running, timeout=30)
        stack.stop_service("sla", kill=True)
        await asyncio.sleep(4)  # the deadline passes while nobody watches
        stack.start_service("sla")
        stack.wait_ready(names=["sla"])

        async def breached() -> bool:
            body = (await client.get(f"/v1/interactions/{accepted['id']}")).json()
            return body["sla"]["state"] == "breached"

        await eventually(breached, timeout=30)
