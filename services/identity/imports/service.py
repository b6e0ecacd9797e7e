"""Bulk import of master data: spool the streamed body, then COPY batches into PostgreSQL.

Each batch is one transaction: rows are COPYed into a staging table, then upserted into
`customers` by customer number (`INSERT … ON CONFLICT`), their identities, standardised records
and blocking keys written; a row is either written whole or rejected with its errors. Rows are
upserted by `customer_number`, so re-posting a file after a failure is safe (rows without a
customer number are inserted again: give numbers when you may re-run). A number seen twice in
one file is a duplicate (the later row is rejected); with `on_existing=reject` a number already
in the master is rejected too.
"""

from __future__ import annotations

import asyncio
import marshal
import multiprocessing
import os
import tempfile
import time
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.imports.parsing import (
    COLUMNS,
    FileError,
    Rejected,
    Row,
    check_header,
    csv_rows,
    ndjson_rows,
    validate,
)
from services.identity.jobs import repository as jobs
from services.identity.jobs.service import MAX_ERRORS
from shared import Database, get_logger

log = get_logger("identity.imports")

BATCH = 5000
MEDIA_TYPES = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}

_STAGING = """
CREATE TEMP TABLE IF NOT EXISTS import_customers (
    id uuid, tenant_id uuid, customer_number text, title text, given_name text,
    family_name text, date_of_birth date, street text, postcode text, city text, country text,
    emails jsonb, phones jsonb, handles jsonb, tier text, value double precision
) ON COMMIT DELETE ROWS
"""
_STAGING_IDENTITIES = """
CREATE TEMP TABLE IF NOT EXISTS import_identities (
    kind text, value text, customer_id uuid
) ON COMMIT DELETE ROWS
"""
_COLUMNS = ("id", "tenant_id", "customer_number", *COLUMNS)
_UPDATE = ", ".join(
    f"{c} = EXCLUDED.{c}" for c in _COLUMNS if c not in ("id", "tenant_id", "customer_number")
)
_UPSERT = f"""
INSERT INTO identity.customers AS c ({", ".join(_COLUMNS)}, is_prospect, imported_by,
                                     created_at, updated_at)
SELECT {", ".join(_COLUMNS)}, false, $1, $2, $2 FROM import_customers
ON CONFLICT (tenant_id, customer_number) WHERE customer_number IS NOT NULL
DO UPDATE SET {_UPDATE}, is_prospect = false, imported_by = EXCLUDED.imported_by,
              updated_at = EXCLUDED.updated_at
WHERE c.imported_by IS DISTINCT FROM EXCLUDED.imported_by AND c.merged_into IS NULL
RETURNING id, customer_number, (xmax = 0) AS inserted
"""
_INSERT_ONLY = f"""
INSERT INTO identity.customers ({", ".join(_COLUMNS)}, is_prospect, imported_by,
                                created_at, updated_at)
SELECT {", ".join(_COLUMNS)}, false, $1, $2, $2 FROM import_customers
ON CONFLICT (tenant_id, customer_number) WHERE customer_number IS NOT NULL DO NOTHING
RETURNING id, customer_number, true AS inserted
"""
_OWNED = """
SELECT i.kind, i.value, c.customer_number
FROM unnest($2::text[], $3::text[]) AS k(kind, value)
JOIN identity.identities i ON i.tenant_id = $1 AND i.kind = k.kind AND i.value = k.value
JOIN identity.customers c ON c.id = i.customer_id
WHERE i.verified
"""
_IDENTITIES = """
INSERT INTO identity.identities (tenant_id, kind, value, customer_id, verified, created_at)
SELECT $1, kind, value, customer_id, true, $2 FROM import_identities ORDER BY kind, value
ON CONFLICT (tenant_id, kind, value) DO UPDATE
SET customer_id = EXCLUDED.customer_id, verified = true
WHERE identities.verified = false OR identities.customer_id = EXCLUDED.customer_id
"""


def spool_dir() -> Path:
    path = Path(os.environ.get("RESONANCE_IDENTITY_IMPORT_DIR") or tempfile.gettempdir())
    path = path / "resonance-identity-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


SPOOL_CHUNK = 1 << 20


async def spool(stream: AsyncIterator[bytes], *, path: Path, kind: str) -> int:
    """Write the streamed body to `path` chunk by chunk; the CSV header is checked on the way
    (422 before the rest is read). Returns the byte count.

    File calls run in a thread (a slow disk must not stall the event loop), about 1 MB each."""
    size = 0
    head = b""
    checked = kind != "csv"
    pending: list[bytes] = []
    buffered = 0
    out = await asyncio.to_thread(path.open, "wb")
    try:
        async for chunk in stream:
            if not chunk:
                continue
            pending.append(chunk)
            buffered += len(chunk)
            size += len(chunk)
            if not checked:
                head += chunk
                if b"\n" in head or len(head) > 65536:
                    _check_csv_header(head)
                    checked = True
                    head = b""
            if buffered >= SPOOL_CHUNK:
                await asyncio.to_thread(out.writelines, pending)
                pending, buffered = [], 0
        if not checked:
            _check_csv_header(head)
        if pending:
            await asyncio.to_thread(out.writelines, pending)
    finally:
        await asyncio.to_thread(out.close)
    return size


def _check_csv_header(head: bytes) -> None:
    line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    if not line:
        raise FileError("The file is empty.")
    import csv

    check_header([h.strip().lstrip("\ufeff") for h in next(csv.reader([line]))])


RawRow = tuple[int, dict[str, Any] | str]
Validated = tuple[list[Row], list[Rejected], int]


def _chunks(rows: Iterator[RawRow]) -> Iterator[list[RawRow]]:
    """The raw rows in lists of `BATCH` (reading and JSON/CSV decoding only)."""
    chunk: list[RawRow] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def validate_batch(items: list[RawRow], today: date) -> Validated:
    """Validate and standardise one batch: (rows, rejected, rows read); duplicates inside the
    batch rejected. Pure CPU work on plain values, so it runs in a worker process."""
    good: list[Row] = []
    bad: list[Rejected] = []
    numbers: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for number, raw in items:
        if isinstance(raw, str):
            bad.append(Rejected(number, [{"row": number, "field": None, "message": raw}]))
            continue
        result = validate(number, raw, today)
        if isinstance(result, Row):
            if result.customer_number and result.customer_number in numbers:
                bad.append(_duplicate(number, "customer_number"))
            elif clash := next((k for k in result.identities if k in seen and _personal(k)), None):
                bad.append(_duplicate(number, clash[0]))
            else:
                if result.customer_number:
                    numbers.add(result.customer_number)
                seen.update(result.identities)
                good.append(result)
        else:
            bad.append(result)
    return good, bad, len(items)


_BORN = COLUMNS.index("date_of_birth")


def validate_packed(items: list[RawRow], today: date) -> bytes:
    """`validate_batch` for a worker process, its result as one `marshal` blob: plain tuples
    marshal several times faster than pickled objects, on both sides of the pipe."""
    good, bad, n = validate_batch(items, today)
    return marshal.dumps(
        (
            [
                (
                    r.number,
                    r.id,
                    r.customer_number,
                    tuple(
                        v.isoformat() if i == _BORN and v else v for i, v in enumerate(r.columns)
                    ),
                    r.identities,
                    r.record,
                    r.keys,
                )
                for r in good
            ],
            [(b.number, b.errors) for b in bad],
            n,
        )
    )


def unpack(blob: bytes) -> Validated:
    """The other end of `validate_packed`."""
    good, bad, n = marshal.loads(blob)
    rows = []
    for number, row_id, customer_number, columns, identities, record, keys in good:
        if born := columns[_BORN]:
            columns = (*columns[:_BORN], date.fromisoformat(born), *columns[_BORN + 1 :])
        rows.append(Row(number, row_id, customer_number, columns, identities, record, keys))
    return rows, [Rejected(number, errors) for number, errors in bad], n


def _personal(key: tuple[str, str]) -> bool:
    """A landline is shared by a household: not a reason to reject a row."""
    kind, value = key
    return kind != "phone" or value.startswith(("+4915", "+4916", "+4917"))


def _duplicate(number: int, field: str) -> Rejected:
    return Rejected(
        number, [{"row": number, "field": field, "message": f"{field} appears earlier in the file"}]
    )


async def write_batch(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    job_id: uuid.UUID,
    rows: list[Row],
    on_existing: str = "update",
) -> tuple[int, list[Rejected]]:
    """Write one batch in the session's transaction; returns (imported, rejected)."""
    if not rows:
        return 0, []
    conn = await session.connection()
    # SQLAlchemy opens the driver's transaction on its first statement: without it, each COPY
    # below would commit on its own (and the staging rows vanish ON COMMIT).
    # Asynchronous commit: a crash loses at most the last batches of a job that then reads as
    # interrupted (its progress row is in the same transaction), and a re-post upserts them.
    await conn.exec_driver_sql("SET LOCAL synchronous_commit TO off")
    raw = await conn.get_raw_connection()
    pg: Any = raw.driver_connection
    now = datetime.now(UTC)
    rejected: list[Rejected] = []

    # Identifiers verified for somebody else (another number) reject the row: nothing of it is
    # written, and the other customer keeps them.
    kinds = [k for r in rows for k, _ in r.identities]
    values = [v for r in rows for _, v in r.identities]
    owned = await pg.fetch(_OWNED, tenant_id, kinds, values) if kinds else []
    if owned:
        owner = {(o["kind"], o["value"]): o["customer_number"] for o in owned}
        keep = []
        for r in rows:
            clash = next(
                (
                    k
                    for k in r.identities
                    if k in owner
                    and (owner[k] is None or owner[k] != r.customer_number)
                    and _personal(k)
                ),
                None,
            )
            if clash:
                rejected.append(
                    Rejected(
                        r.number,
                        [
                            {
                                "row": r.number,
                                "field": clash[0],
                                "message": f"{clash[0]} belongs to another customer",
                            }
                        ],
                    )
                )
            else:
                keep.append(r)
        rows = keep
        if not rows:
            return 0, rejected

    await pg.execute(_STAGING)
    await pg.copy_records_to_table(
        "import_customers",
        columns=_COLUMNS,
        records=[(r.id, tenant_id, r.customer_number, *r.columns) for r in rows],
    )
    written = await pg.fetch(_UPSERT if on_existing == "update" else _INSERT_ONLY, job_id, now)
    by_number = {w["customer_number"]: w for w in written if w["customer_number"]}
    by_id = {str(w["id"]): w for w in written}
    final: list[tuple[Row, uuid.UUID]] = []
    updated: list[uuid.UUID] = []
    for r in rows:
        w = by_number.get(r.customer_number) if r.customer_number else by_id.get(r.id)
        if w is None:
            message = (
                "customer_number exists already"
                if on_existing != "update"
                else "customer_number appears earlier in the file or belongs to a merged customer"
            )
            rejected.append(
                Rejected(
                    r.number, [{"row": r.number, "field": "customer_number", "message": message}]
                )
            )
            continue
        final.append((r, w["id"]))
        if not w["inserted"]:
            updated.append(w["id"])
    if updated:
        # The file is the master now: replace the verified identifiers and the standardised form.
        await pg.execute(
            "DELETE FROM identity.identities WHERE customer_id = ANY($1::uuid[]) AND verified",
            updated,
        )
        old = await pg.fetch(
            "DELETE FROM identity.match_records WHERE id = ANY($1::uuid[]) RETURNING id, keys",
            updated,
        )
        if old:
            await pg.execute(
                """DELETE FROM identity.blocking_keys b
                   USING unnest($2::text[], $3::uuid[]) AS k(key, record_id)
                   WHERE b.tenant_id = $1 AND b.key = k.key AND b.record_id = k.record_id""",
                tenant_id,
                [k for o in old for k in o["keys"]],
                [o["id"] for o in old for _ in o["keys"]],
            )
    await pg.execute(_STAGING_IDENTITIES)
    await pg.copy_records_to_table(
        "import_identities",
        columns=("kind", "value", "customer_id"),
        # A shared landline stays with its first holder (ON CONFLICT below); once per batch.
        records=list(
            {(k, v): (k, v, cid) for r, cid in reversed(final) for k, v in r.identities}.values()
        ),
    )
    await pg.execute(_IDENTITIES, tenant_id, now)
    await pg.copy_records_to_table(
        "match_records",
        schema_name="identity",
        columns=("id", "tenant_id", "customer_id", "record", "keys"),
        records=[(cid, tenant_id, cid, r.record, r.keys) for r, cid in final],
    )
    await pg.copy_records_to_table(
        "blocking_keys",
        schema_name="identity",
        columns=("tenant_id", "key", "record_id"),
        # In key order: neighbouring keys land on the same btree pages (fewer pages touched).
        records=[
            (tenant_id, key, cid)
            for key, cid in sorted(
                ((key, cid) for r, cid in final for key in r.keys), key=itemgetter(0)
            )
        ],
    )
    return len(final), rejected


# Files this large are validated in worker processes while this process writes the previous
# batch; smaller ones (a few thousand rows) are not worth starting the workers for.
POOL_MIN_BYTES = 4 << 20
# Batches validated ahead of the writer: keeps both cores busy at constant memory.
AHEAD = 3
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    """Worker processes for validation, started on first use and kept for later imports."""
    global _pool
    if _pool is None:
        # spawn, not fork: forking a process that runs an event loop and threads is unsafe.
        _pool = ProcessPoolExecutor(
            max_workers=min(2, os.cpu_count() or 1),
            mp_context=multiprocessing.get_context("spawn"),
        )
    return _pool


def shutdown_pool() -> None:
    """Stop the validation workers (at service shutdown)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


async def _unpacked(packed: Awaitable[bytes]) -> Validated:
    return unpack(await packed)


async def run(
    db: Database,
    *,
    tenant_id: uuid.UUID,
    job_id: uuid.UUID,
    path: Path,
    kind: str,
    on_existing: str = "update",
) -> dict[str, Any]:
    """Import a spooled file batch by batch, recording progress and per-row errors.

    Reading is sequential (row numbers, constant memory); validation and standardisation of
    the next batches run in worker processes while this one is written (a pipeline); batches
    are written in file order, one transaction each."""
    started = time.perf_counter()
    read = imported = rejected_count = 0
    errors: list[dict[str, Any]] = []
    loop = asyncio.get_running_loop()
    today = date.today()
    async with db.session() as session:
        await jobs.update(session, job_id=job_id, state="running")
    try:
        with path.open("rb") as handle:
            executor = _executor() if os.fstat(handle.fileno()).st_size >= POOL_MIN_BYTES else None
            rows = csv_rows(handle) if kind == "csv" else ndjson_rows(handle)
            chunks = _chunks(rows)
            ahead: deque[tuple[asyncio.Future[Validated], list[RawRow], int]] = deque()
            exhausted = False
            try:
                while True:
                    while not exhausted and len(ahead) < AHEAD:
                        # Reading and decoding in a thread keeps the event loop answering.
                        items = await asyncio.to_thread(next, chunks, None)
                        if items is None:
                            exhausted = True
                            break
                        if executor is None:
                            future = loop.run_in_executor(None, validate_batch, items, today)
                        else:
                            packed = loop.run_in_executor(executor, validate_packed, items, today)
                            future = asyncio.ensure_future(_unpacked(packed))
                        ahead.append((future, items, handle.tell()))
                        if executor is None:
                            break  # in-process: validate one, write one
                    if not ahead:
                        break
                    future, items, position = ahead.popleft()
                    try:
                        good, bad, n = await future
                    except BrokenProcessPool:
                        # A worker died (killed, out of memory): finish in this process.
                        log.warning("identity.import.pool_broken", job_id=str(job_id))
                        shutdown_pool()
                        executor = None
                        good, bad, n = await asyncio.to_thread(validate_batch, items, today)
                        ahead = deque(
                            (loop.run_in_executor(None, validate_batch, i, today), i, p)
                            for _, i, p in ahead
                        )
                    async with db.session() as session:
                        written, late = await write_batch(
                            session,
                            tenant_id=tenant_id,
                            job_id=job_id,
                            rows=good,
                            on_existing=on_existing,
                        )
                        read += n
                        imported += written
                        for r in [*bad, *late]:
                            rejected_count += 1
                            if len(errors) < MAX_ERRORS:
                                errors.extend(r.errors[: MAX_ERRORS - len(errors)])
                        errors.sort(key=lambda e: e["row"] or 0)
                        await jobs.update(
                            session,
                            job_id=job_id,
                            rows_read=read,
                            rows_imported=imported,
                            rows_rejected=rejected_count,
                            bytes_done=position,
                            errors=errors,
                        )
            finally:
                for pending, _, _ in ahead:
                    pending.cancel()
    except FileError as exc:
        async with db.session() as session:
            await jobs.update(session, job_id=job_id, state="failed", detail=str(exc))
        return {"state": "failed"}
    finally:
        path.unlink(missing_ok=True)  # noqa: ASYNC240 - one syscall, once per job
    seconds = time.perf_counter() - started
    result = {
        "seconds": round(seconds, 3),
        "rows_per_second": round(read / seconds) if seconds else None,
    }
    async with db.session() as session:
        await jobs.update(session, job_id=job_id, state="succeeded", result=result)
    log.info("identity.import.finished", rows=read, imported=imported, rejected=rejected_count)
    return result
