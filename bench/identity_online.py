"""Online identity resolution against PostgreSQL: import via COPY, then resolve one at a time.

Not a test; prints a table with its settings.

    .venv/bin/python bench/identity_online.py                      # 100k customers
    .venv/bin/python bench/identity_online.py --customers 1000000 --contacts 5000

Loads the synthetic master of `bench/identity_data.py` into a fresh PostgreSQL database through
the service's import path (NDJSON parsing, validation, standardisation, COPY into staging, upsert,
identities, standardised records, blocking keys), then resolves contacts one at a time through
the service's resolution path (exact identifiers, then candidates by `key = ANY(...)` with a per
key LIMIT, then the Resolver) with a real AsyncSession on asyncpg, and a batch through the same
function, and posts the same master once more (every row unchanged), then again with lookups
one every 20 ms meanwhile (online latency while a nightly full export is imported). Splink's
real-time path (`linker.inference.predict_between`, Splink 5) is timed on a sample of the same
contacts in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT))

PG = os.environ.get("RESONANCE_BENCH_PG", "postgresql+asyncpg://postgres@127.0.0.1:5432")


def compiled_modules() -> str:
    """How many of the modules setup.py compiles run compiled here (n/m): the figures differ."""
    import importlib
    import runpy

    names = runpy.run_path(str(ROOT / "setup.py"), run_name="setup")["MODULES"]
    done = sum(str(importlib.import_module(name).__file__).endswith(".so") for name in names)
    return f"{done}/{len(names)}"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def master_ndjson(data, path: Path) -> int:
    n = 0
    with path.open("wb") as out:
        for r in data.rows("master"):
            street = f"{r['street']} {r['house_number']}" if r["house_number"] else r["street"]
            row = {
                "customer_number": r["customer_number"],
                "given_name": r["given_name"],
                "family_name": r["family_name"],
                "date_of_birth": r["birth_date"],
                "street": street,
                "postcode": r["postcode"],
                "city": r["city"],
                "email": r["email"],
                "phone": r["phone"],
                "handles": {"twitter": r["handle"]} if r["handle"] else None,
            }
            out.write(orjson.dumps({k: v for k, v in row.items() if v}) + b"\n")
            n += 1
    return n


def person(r: dict) -> dict:
    from services.identity.matching.standardise import parse_birth_date

    street = r["street"]
    if street and r["house_number"] and not street.endswith(r["house_number"]):
        street = f"{street} {r['house_number']}"
    return {
        "name": r["name"],
        "given_name": r["given_name"],
        "family_name": r["family_name"],
        "email": r["email"],
        "phone": r["phone"],
        "handle": r["handle"],
        "street": street,
        "postcode": r["postcode"],
        "city": r["city"],
        "date_of_birth": parse_birth_date(r["birth_date"]) if r["birth_date"] else None,
        "customer_number": r["customer_number"],
    }


async def run(args: argparse.Namespace) -> None:
    import asyncpg
    from identity_data import generate

    from services.identity.app import SERVICE
    from services.identity.customers import service as customers
    from services.identity.customers.schemas import PersonRecord
    from services.identity.imports import service as imports
    from services.identity.jobs import repository as jobs
    from services.identity.resolution import service as resolution
    from shared import Database

    t0 = time.perf_counter()
    data = generate(args.customers, seed=args.seed, contacts=args.contacts)
    generated = time.perf_counter() - t0
    name = f"resonance_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG.replace("+asyncpg", "") + "/postgres")
    await admin.execute(f'CREATE DATABASE "{name}"')
    db = Database(f"{PG}/{name}", schema="identity", pool_size=4)
    results: dict[str, str] = {}
    try:
        await db.migrate(SERVICE.migrations)
        tenant = uuid.uuid4()

        async def post_master() -> tuple[int, Any, float, float, float]:
            """Import the generated master as an NDJSON file: its rows, the finished job, the
            seconds, and the CPU seconds of this process and of the PostgreSQL server."""
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "master.ndjson"
                rows = master_ndjson(data, path)
                async with db.session() as session:
                    job = await jobs.create(session, tenant_id=tenant, kind="import")
                # A service process holds no generated master: keep the collector off these rows.
                gc.collect()
                gc.freeze()
                own = os.times()
                backends = await _postgres_cpu(admin)
                started = time.perf_counter()
                await imports.run(db, tenant_id=tenant, job_id=job.id, path=path, kind="ndjson")
                seconds = time.perf_counter() - started
                writer = sum(os.times()[:2]) - sum(own[:2])
                backends = await _postgres_cpu(admin) - backends
            async with db.session() as session:
                done = await jobs.get(session, tenant_id=tenant, job_id=job.id)
            assert done is not None
            return rows, done, seconds, writer, backends

        rows, done, seconds, writer, backends = await post_master()
        results["import rows"] = f"{rows:,} read, {done.rows_imported:,} imported, " + (
            f"{done.rows_rejected:,} rejected (master duplicates)"
        )
        results["import time"] = f"{seconds:.1f} s = {rows / seconds:,.0f} rows/s"
        # The writer's own figure includes the in-process validation of small files (none here).
        workers = done.result["validation_cpu_seconds"]
        spent = {"validation": workers, "writer": writer, "PostgreSQL": backends}
        per_row = {k: v / rows * 1e6 for k, v in spent.items()}
        total = sum(per_row.values())
        results["import CPU"] = (
            ", ".join(f"{k} {v:.0f} µs" for k, v in per_row.items())
            + f" per row: {total:.0f} µs in all, a ceiling of {2e6 / total:,.0f} rows/s on 2 cores"
        )
        # Wall time of each write step (the writer's serial path: PostgreSQL plus round trips).
        spent = done.result["write_seconds"]
        results["import steps"] = (
            ", ".join(f"{step} {spent[step] / rows * 1e6:.0f}" for step in imports.STEPS)
            + " µs per row (wall time of each write step)"
        )
        async with admin_conn(PG, name) as conn:
            keys = await conn.fetchval("SELECT count(*) FROM identity.blocking_postings")
            sizes = await conn.fetchrow(_SIZES)
        results["blocking keys"] = f"{keys:,}"
        # Each candidate is one row of match_records on its own page: whether those pages are
        # in PostgreSQL's buffer cache or must be read from the OS decides the online p99.
        results["PostgreSQL"] = (
            f"shared_buffers {sizes['shared_buffers']}; match_records {sizes['records']}, "
            f"postings {sizes['postings']} (tables with their indexes)"
        )

        contacts = [person(r) for r in data.rows("contacts")][: args.contacts]
        records = [PersonRecord(**{k: v for k, v in c.items() if v is not None}) for c in contacts]
        # Warm-up: model load, caches, prepared statements. Sessions as POST
        # /v1/identity/resolve opens them (`Database.reader`: no transaction).
        async with db.reader() as session:
            await customers.resolve_records(session, tenant_id=tenant, records_in=records[:50])
        # As a service process does after start-up (shared.ServiceRuntime.start).
        gc.collect()
        gc.freeze()

        async def resolve_one(record: PersonRecord, latencies: list[float]) -> str:
            """Resolve one record as a request does; its milliseconds go to `latencies`."""
            t = time.perf_counter()
            async with db.reader() as session:
                out = await customers.resolve_records(
                    session, tenant_id=tenant, records_in=[record]
                )
            latencies.append((time.perf_counter() - t) * 1000)
            return out[0].decision

        async def one_at_a_time() -> tuple[list[float], dict[str, int]]:
            latencies: list[float] = []
            decisions: dict[str, int] = {}
            for record in records:
                decision = await resolve_one(record, latencies)
                decisions[decision] = decisions.get(decision, 0) + 1
            latencies.sort()
            return latencies, decisions

        def summary(latencies: list[float]) -> str:
            p = lambda q: latencies[min(int(q * len(latencies)), len(latencies) - 1)]  # noqa: E731
            return (
                f"p50 {p(0.5):.2f} ms, p99 {p(0.99):.2f} ms, max {latencies[-1]:.1f} ms "
                f"({len(latencies):,} one at a time, own session each)"
            )

        # Right after the bulk load PostgreSQL is still writing its dirty pages out; then again
        # once a checkpoint has flushed them (the steady state of a master loaded earlier).
        latencies, decisions = await one_at_a_time()
        results["online latency"] = summary(latencies) + ", right after the import"
        async with admin_conn(PG, name) as conn:
            await conn.execute("CHECKPOINT")
        latencies, _ = await one_at_a_time()
        results["online latency, settled"] = summary(latencies) + ", after a CHECKPOINT"
        results["decisions"] = ", ".join(f"{k} {v}" for k, v in sorted(decisions.items()))
        # Through the service: the identity service as its own process (as deployed, without
        # the gateway), one POST /v1/identity/resolve per contact on a kept-alive connection,
        # from the gateway's upstream client and from httpx.
        served_by = await through_the_service(f"{PG}/{name}", tenant, contacts)
        for label, over_http in served_by.items():
            results[f"online latency, HTTP ({label})"] = (
                summary(over_http).replace("own session each", "one request each")
                + ", POST /v1/identity/resolve to the identity service process"
            )
        over_http = served_by["gateway client"]
        started = time.perf_counter()
        for i in range(0, len(records), 100):
            async with db.reader() as session:
                await customers.resolve_records(
                    session, tenant_id=tenant, records_in=records[i : i + 100]
                )
        batch_s = time.perf_counter() - started
        results["batch throughput"] = f"{len(records) / batch_s:,.0f} records/s (batches of 100)"
        # The same master posted again (a nightly full export with nothing changed): each row
        # is compared with its customer and left as it is.
        _, done, seconds, _, _ = await post_master()
        results["re-import"] = (
            f"{seconds:.1f} s = {rows / seconds:,.0f} rows/s, the same master again: "
            f"{done.result['rows_unchanged']:,} of {done.rows_imported:,} imported unchanged"
        )
        # Once more, with lookups meanwhile, one every 20 ms as traffic comes: they share the
        # cores with the import's validation workers, its writer and PostgreSQL, in one process
        # with the writer as in the service.
        during: list[float] = []
        finished = asyncio.Event()

        async def meanwhile() -> None:
            while not finished.is_set():
                await resolve_one(records[len(during) % len(records)], during)
                await asyncio.sleep(0.02)

        lookups = asyncio.ensure_future(meanwhile())
        try:
            _, done, seconds, _, _ = await post_master()
        finally:
            finished.set()
            await lookups
        during.sort()
        results["online latency, during a re-import"] = (
            summary(during).replace("one at a time", "one every 20 ms")
            + f", while the master was posted again ({seconds:.1f} s)"
        )
        results["peak memory"] = f"{peak_rss_mb():,.0f} MB RSS (generator data included)"
        if not args.skip_splink:
            try:
                per = splink_realtime(data, contacts[: args.splink_sample])
            except Exception as exc:  # report, keep the other numbers
                results["splink predict_between"] = f"failed: {type(exc).__name__}: {exc}"[:200]
                per = None
            if per is None:
                results["splink predict_between"] = "not installed (make bench installs it)"
            elif per:
                ours, served = statistics.median(latencies), statistics.median(over_http)
                results["splink predict_between"] = (
                    f"p50 {per:.1f} ms per contact against the master "
                    f"(sample {args.splink_sample}); {per / ours:,.0f}x Resonance's p50 "
                    f"in-process, {per / served:,.0f}x through the service (gateway client)"
                )
        async with db.session() as session:
            model = await resolution.current_model(session, tenant_id=tenant)
        results["model"] = f"{model[0].version} (priors; no tenant fit)"
    finally:
        await db.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    print(
        f"\nidentity_online  customers={args.customers:,} contacts={args.contacts:,} "
        f"seed={args.seed} generated_in={generated:.1f}s cpus={os.cpu_count()} "
        f"compiled={compiled_modules()}"
    )
    width = max(len(k) for k in results)
    for k, v in results.items():
        print(f"  {k:<{width}}  {v}")


async def through_the_service(
    database_url: str, tenant: uuid.UUID, contacts: list[dict]
) -> dict[str, list[float]]:
    """Latencies (ms, sorted) of resolving each contact through the identity service's API, per
    client: the gateway's pooled upstream client (aiohttp: the platform's own hop to the
    service) and a default httpx client (about 0.7 ms more of its own CPU per request, which on
    this 2-core machine shares the cores with the service and PostgreSQL)."""
    import httpx

    from gateway.proxy.client import Upstreams
    from launcher.local import Stack, free_ports

    env = {"RESONANCE_IDENTITY_TRANSPORT": "memory", "RESONANCE_IDENTITY_LOG_LEVEL": "WARNING"}
    stack = Stack(database_url=database_url, amqp_url="", ports=free_ports(), extra_env=env)
    stack.start_service("identity")
    try:
        stack.wait_ready(names=["identity"], timeout=120)
        base = f"http://127.0.0.1:{stack.ports['identity']}"
        path = "/v1/identity/resolve"
        headers = {
            "Content-Type": "application/json",
            "X-Tenant-ID": str(tenant),
            "X-Internal-Token": "dev-only-insecure-secret",
        }
        bodies = [
            orjson.dumps({"records": [{k: v for k, v in c.items() if v is not None}]})
            for c in contacts
        ]
        upstreams = Upstreams({"identity": base}, connections=1, timeout=30)
        client = httpx.AsyncClient(base_url=base, headers=headers, timeout=30)

        async def gateway(body: bytes) -> None:
            response = await upstreams.request("identity", "POST", path, headers=headers, body=body)
            if response.status != 200:
                raise RuntimeError(f"{response.status}: {response.body[:200]!r}")

        async def plain(body: bytes) -> None:
            (await client.post(path, content=body)).raise_for_status()

        out: dict[str, list[float]] = {}
        try:
            for label, send in (("gateway client", gateway), ("httpx", plain)):
                for body in bodies[:50]:  # warm-up: connection, caches, prepared statements
                    await send(body)
                latencies: list[float] = []
                for body in bodies:
                    t = time.perf_counter()
                    await send(body)
                    latencies.append((time.perf_counter() - t) * 1000)
                out[label] = sorted(latencies)
        finally:
            await upstreams.close()
            await client.aclose()
        return out
    finally:
        stack.stop_service("identity")


_SIZES = """
SELECT current_setting('shared_buffers') AS shared_buffers,
       pg_size_pretty(pg_total_relation_size('identity.match_records')) AS records,
       pg_size_pretty(pg_total_relation_size('identity.blocking_postings')) AS postings
"""


def _stat(pid: int) -> list[str]:
    """The fields of /proc/<pid>/stat after the command name (empty if the process is gone)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()
    except OSError:
        return []


def _cpu_seconds(fields: list[str], *, ended_children: bool = False) -> float:
    """User + system CPU of a process, with `ended_children` that of its children reaped."""
    used = sum(int(v) for v in fields[11 : 15 if ended_children else 13])
    return used / os.sysconf("SC_CLK_TCK")


async def _postgres_cpu(admin) -> float:
    """CPU of the PostgreSQL server (same machine only): of its live processes, and of those
    that ended (parallel workers, closed connections), which the postmaster's children's times
    hold once it has reaped them."""
    postmaster = int(_stat(await admin.fetchval("SELECT pg_backend_pid()"))[1])
    children = (_stat(int(p)) for p in os.listdir("/proc") if p.isdigit())
    live = sum(_cpu_seconds(f) for f in children if f and int(f[1]) == postmaster)
    return live + _cpu_seconds(_stat(postmaster), ended_children=True)


class admin_conn:
    def __init__(self, pg: str, name: str) -> None:
        self.dsn = pg.replace("+asyncpg", "") + f"/{name}"

    async def __aenter__(self):
        import asyncpg

        self.conn = await asyncpg.connect(self.dsn)
        return self.conn

    async def __aexit__(self, *exc: object) -> None:
        await self.conn.close()


def splink_realtime(data, contacts: list[dict]) -> float | None:
    """Median ms per contact of Splink 5's documented incremental path (`predict_between`)."""
    try:
        import pandas as pd
        import splink.comparison_library as cl
        from splink import Linker, SettingsCreator, block_on
        from splink.backends.duckdb import DuckDBAPI
    except ImportError:
        return None
    from services.identity.resolution.records import fragment_record

    logging.getLogger("splink").setLevel(logging.ERROR)
    cols = ["given_name", "family_name", "birth_date", "postcode", "city", "email", "phone"]

    def frame(records: list, prefix: str) -> pd.DataFrame:
        out = {c: [] for c in ["record_id", *cols]}
        for i, r in enumerate(records):
            out["record_id"].append(f"{prefix}{i}")
            for c in cols:
                v = getattr(r, c)
                out[c].append(v.isoformat() if c == "birth_date" and v else v)
        return pd.DataFrame(out)

    master = [
        fragment_record(
            **{k: v for k, v in person(r).items() if k != "name" or not r["family_name"]}
        )
        for r in data.rows("master")
    ]
    db = DuckDBAPI()
    settings = SettingsCreator(
        link_type="link_only",
        unique_id_column_name="record_id",
        blocking_rules_to_generate_predictions=[
            block_on("family_name", "given_name"),
            block_on("email"),
            block_on("phone"),
            block_on("family_name", "postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("family_name"),
            cl.ExactMatch("birth_date"),
            cl.ExactMatch("postcode"),
            cl.ExactMatch("city"),
            cl.ExactMatch("email"),
            cl.ExactMatch("phone"),
        ],
    )
    master_df = db.register(frame(master, "M"), dataset_display_name="master")
    seed_df = db.register(frame(master[:10], "S"), dataset_display_name="seed")
    linker = Linker([master_df, seed_df], settings)
    for column in ("given_name", "family_name"):
        linker.table_management.compute_tf_table(column)
    times = []
    for i, c in enumerate(contacts):
        rec = fragment_record(**{k: v for k, v in c.items()})
        one = db.register(frame([rec], f"Q{i}_"), dataset_display_name=f"q{i}")
        t = time.perf_counter()
        linker.inference.predict_between(master_df, one, warning_mode="never").as_pandas_dataframe()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times) if times else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--splink-sample", type=int, default=20)
    parser.add_argument("--skip-splink", action="store_true")
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
