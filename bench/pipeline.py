"""Pipeline benchmark on the distributed setup (one process per service, RabbitMQ, PostgreSQL).

Prints, from one run on this machine:
  * raw limits: RabbitMQ confirmed publish + manual-ack consume, PostgreSQL inserts;
  * the gateway hop: a small POST straight to a service and through the gateway;
  * the pipeline: sustained interactions/s and latency from the gateway's 202 to the
    `interaction.routed.v1` event, also as a share of the raw limits.

    python bench/pipeline.py --interactions 3000 --concurrency 32

Needs PostgreSQL on 127.0.0.1:5432 and RabbitMQ on 127.0.0.1:5672; `wrk` (apt-get install wrk)
is used for the hop when present, a Python load generator otherwise.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import aio_pika
import aiohttp
import asyncpg

from launcher.local import Stack, free_ports
from launcher.topology import SERVICES

PG = "postgresql://postgres@127.0.0.1:5432/postgres"
AMQP = "amqp://guest:guest@127.0.0.1:5672/"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def raw_rabbitmq(messages: int) -> tuple[float, float]:
    connection = await aio_pika.connect(AMQP)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        name = f"bench-raw-{uuid.uuid4().hex[:8]}"
        await channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
        body = b"x" * 1024
        window = asyncio.Semaphore(500)

        async def publish_one() -> None:
            async with window:
                await channel.default_exchange.publish(
                    aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                    routing_key=name,
                )

        started = time.perf_counter()
        await asyncio.gather(*(publish_one() for _ in range(messages)))
        publish_rate = messages / (time.perf_counter() - started)
        consume_channel = await connection.channel()
        await consume_channel.set_qos(prefetch_count=200)
        q = await consume_channel.get_queue(name)
        done = asyncio.Event()
        count = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal count
            await message.ack()
            count += 1
            if count == messages:
                done.set()

        started = time.perf_counter()
        await q.consume(on_message)
        await done.wait()
        consume_rate = messages / (time.perf_counter() - started)
        await channel.queue_delete(name)
    return publish_rate, consume_rate


async def raw_postgres(rows: int, database: str) -> tuple[float, float]:
    dsn = PG.rsplit("/", 1)[0] + f"/{database}"
    conn = await asyncpg.connect(dsn)
    await conn.execute("CREATE TABLE bench_raw (id uuid primary key, body jsonb)")
    payload = json.dumps({"text": "x" * 900})
    started = time.perf_counter()
    for start in range(0, rows, 1000):
        await conn.executemany(
            "INSERT INTO bench_raw VALUES ($1, $2)",
            [(uuid.uuid4(), payload) for _ in range(min(1000, rows - start))],
        )
    batch_rate = rows / (time.perf_counter() - started)
    await conn.close()
    pool = await asyncpg.create_pool(dsn, min_size=8, max_size=8)
    single = rows // 4
    started = time.perf_counter()

    async def insert_one() -> None:
        async with pool.acquire() as c:
            await c.execute("INSERT INTO bench_raw VALUES ($1, $2)", uuid.uuid4(), payload)

    sem = asyncio.Semaphore(8)

    async def bounded() -> None:
        async with sem:
            await insert_one()

    await asyncio.gather(*(bounded() for _ in range(single)))
    single_rate = single / (time.perf_counter() - started)
    await pool.close()
    return batch_rate, single_rate


def wrk_post(
    url: str, headers: dict[str, str], body: str, seconds: int, connections: int
) -> tuple[float, float]:
    script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)
    script.write('wrk.method = "POST"\n')
    script.write(f"wrk.body = {json.dumps(body)}\n")
    for k, v in headers.items():
        script.write(f'wrk.headers["{k}"] = "{v}"\n')
    script.close()
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script.name, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    assert p99 is not None, out
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers during the hop benchmark:\n{out}")
    return rps, float(p99.group(1)) * scale


async def python_post(
    url: str, headers: dict[str, str], body: str, seconds: int, connections: int
) -> tuple[float, float]:
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=connections)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def worker() -> None:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                async with session.post(url, data=body) as response:
                    await response.read()
                    if response.status >= 300:
                        raise RuntimeError(f"{response.status} from {url}")
                latencies.append((time.perf_counter() - t0) * 1000)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return len(latencies) / elapsed, pct(latencies, 99)


async def hop(
    stack: Stack, key: str, tenant: str, seconds: int, connections: int, use_wrk: bool
) -> dict[str, tuple[float, float]]:
    body = json.dumps({"records": [{"email": "nobody@example.de"}]})
    direct_headers = {
        "Content-Type": "application/json",
        "X-Tenant-ID": tenant,
        "X-Internal-Token": "dev-only-insecure-secret",
    }
    gateway_headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
    direct_url = f"http://127.0.0.1:{stack.ports['identity']}/v1/identity/resolve"
    gateway_url = f"{stack.url}/v1/identity/resolve"
    results = {}
    for name, url, headers in (
        ("direct", direct_url, direct_headers),
        ("gateway", gateway_url, gateway_headers),
    ):
        if use_wrk:
            results[name] = wrk_post(url, headers, body, seconds, connections)
        else:
            results[name] = await python_post(url, headers, body, seconds, connections)
    return results


async def bootstrap(stack: Stack) -> tuple[str, str]:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            f"{stack.url}/v1/tenants",
            json={"name": "bench"},
            headers={"Authorization": "Bearer dev-only-insecure-secret"},
        ) as response:
            body = await response.json()
    return str(body["api_key"]["key"]), str(body["tenant"]["id"])


async def pipeline(
    stack: Stack, key: str, exchange: str, n: int, concurrency: int, rate: float | None = None
) -> dict[str, float]:
    """Post n tweets (at `rate` per second, or as fast as they are accepted) and time each one
    from the gateway's 202 to the `interaction.routed.v1` event."""
    routed_at: dict[str, float] = {}
    all_routed = asyncio.Event()
    connection = await aio_pika.connect(AMQP)
    channel = await connection.channel()
    await channel.set_qos(prefetch_count=500)
    ex = await channel.get_exchange(exchange)
    queue = await channel.declare_queue(exclusive=True, auto_delete=True)
    await queue.bind(ex, routing_key="interaction.routed.v1")

    async def on_routed(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        routed_at[json.loads(message.body)["payload"]["interaction_id"]] = time.perf_counter()
        await message.ack()
        if len(routed_at) >= n:
            all_routed.set()

    await queue.consume(on_routed)
    accepted_at: dict[str, float] = {}
    texts = [
        "Seit drei Tagen kein Internet, Hotline nicht erreichbar!!!",
        "My mobile data has been down all morning, any ETA?",
        "Wann kommt endlich Glasfaser nach Potsdam?",
        "Danke für die schnelle Hilfe gestern!",
    ]
    sem = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {key}"},
        connector=aiohttp.TCPConnector(limit=concurrency),
    ) as session:

        async def post(i: int) -> None:
            payload = {
                "channel": "twitter",
                "external_id": f"bench-{uuid.uuid4().hex}",
                "author": {
                    "name": f"User {i}",
                    "handle": f"@user{i % 500}",
                    "followers": (i * 37) % 100_000,
                },
                "text": texts[i % len(texts)],
                "engagement": {"likes": i % 50, "reposts": i % 7},
            }
            async with sem:
                async with session.post(f"{stack.url}/v1/interactions", json=payload) as response:
                    body = await response.json()
                    if response.status != 202:
                        raise RuntimeError(f"{response.status}: {body}")
                    accepted_at[body["id"]] = time.perf_counter()

        async def paced(i: int) -> None:
            if rate:
                await asyncio.sleep(i / rate)
            await post(i)

        started = time.perf_counter()
        await asyncio.gather(*(paced(i) for i in range(n)))
        accept_elapsed = time.perf_counter() - started
    try:
        await asyncio.wait_for(all_routed.wait(), timeout=max(120, n / 10))
    finally:
        await connection.close()
    ended = max(routed_at.values())
    latencies = [(routed_at[i] - accepted_at[i]) * 1000 for i in accepted_at if i in routed_at]
    return {
        "routed": len(routed_at),
        "accepted_per_s": n / accept_elapsed,
        "sustained_per_s": n / (ended - started),
        "p50": statistics.median(latencies),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--interactions", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--raw-messages", type=int, default=20000)
    parser.add_argument("--hop-seconds", type=int, default=10)
    parser.add_argument("--hop-connections", type=int, default=32)
    parser.add_argument("--paced-share", type=float, default=0.6, help="of saturation")
    parser.add_argument("--paced-seconds", type=float, default=20)
    parser.add_argument("--no-wrk", action="store_true")
    parser.add_argument("--logs", type=Path, default=None, help="keep each service's log here")
    args = parser.parse_args()
    use_wrk = shutil.which("wrk") is not None and not args.no_wrk

    database = f"resonance_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG)
    await admin.execute(f'CREATE DATABASE "{database}"')
    await admin.close()
    exchange = f"resonance-bench-{uuid.uuid4().hex[:8]}"
    extra = {f"RESONANCE_{s.name.upper()}_LOG_LEVEL": "WARNING" for s in SERVICES}
    stack = Stack(
        database_url=f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        amqp_url=AMQP,
        exchange=exchange,
        ports=free_ports(),
        extra_env=extra,
        log_dir=args.logs,
    )
    try:
        stack.start(timeout=120)
        key, tenant = await bootstrap(stack)
        print(
            f"settings: {vars(args)} load={'wrk' if use_wrk else 'python'} cores={os.cpu_count()}"
        )
        print("\n== raw limits (same machine, same run)")
        publish, consume = await raw_rabbitmq(args.raw_messages)
        print(f"RabbitMQ quorum 1 KB: publish, confirms, window 500    {publish:8.0f} msg/s")
        print(f"RabbitMQ quorum 1 KB: consume, manual ack, prefetch 200 {consume:8.0f} msg/s")
        batch, single = await raw_postgres(args.raw_messages, database)
        print(f"PostgreSQL 1 KB rows: executemany, batches of 1000   {batch:8.0f} rows/s")
        print(f"PostgreSQL 1 KB rows: one-row transactions, 8 conns  {single:8.0f} tx/s")

        print("\n== gateway hop: POST /v1/identity/resolve (small body)")
        results = await hop(stack, key, tenant, args.hop_seconds, args.hop_connections, use_wrk)
        for name, (rps, p99) in results.items():
            print(f"{name:8s} {rps:8.0f} req/s   p99 {p99:7.1f} ms")
        print(
            f"gateway keeps {results['gateway'][0] / results['direct'][0]:.0%} of direct throughput"
        )

        print(f"\n== pipeline at saturation: {args.interactions} tweets, 202 -> routed")
        r = await pipeline(stack, key, exchange, args.interactions, args.concurrency)
        print(f"accepted by the gateway {r['accepted_per_s']:8.0f} /s")
        print(f"sustained end to end    {r['sustained_per_s']:8.0f} /s ({int(r['routed'])} routed)")
        print(
            f"latency to routed p50 {r['p50']:.0f} ms p95 {r['p95']:.0f} ms p99 {r['p99']:.0f} ms"
        )
        # Each interaction is 4 confirmed publishes + 4 consumes on its way to routed, plus the
        # outbox rows and state rows each stage writes.
        print(f"as a share of raw RabbitMQ publish/4: {r['sustained_per_s'] / (publish / 4):.1%}")
        print(f"share of raw one-row PostgreSQL tx / 8: {r['sustained_per_s'] / (single / 8):.1%}")
        paced_rate = max(1.0, round(r["sustained_per_s"] * args.paced_share))
        count = int(paced_rate * args.paced_seconds)
        print(f"\n== pipeline paced at {paced_rate:.0f}/s ({args.paced_share:.0%} of saturation)")
        p = await pipeline(stack, key, exchange, count, args.concurrency, rate=paced_rate)
        print(f"sustained end to end    {p['sustained_per_s']:8.0f} /s ({int(p['routed'])} routed)")
        print(
            f"latency to routed p50 {p['p50']:.0f} ms p95 {p['p95']:.0f} ms p99 {p['p99']:.0f} ms"
        )
    finally:
        stack.stop()
        admin = await asyncpg.connect(PG)
        await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.close()
        connection = await aio_pika.connect(AMQP)
        async with connection:
            channel = await connection.channel()
            for service in SERVICES:
                for consumer in service.consumers:
                    base = f"{exchange}.{service.name}.{consumer.name}"
                    for name in (
                        base,
                        f"{base}.dlq",
                        f"{base}.retry.1000",
                        f"{base}.retry.5000",
                        f"{base}.retry.30000",
                    ):
                        await channel.queue_delete(name)
            await channel.queue_delete(f"{exchange}.unrouted")
            await channel.exchange_delete(exchange)
            await channel.exchange_delete(f"{exchange}.unrouted")


if __name__ == "__main__":
    asyncio.run(main())
