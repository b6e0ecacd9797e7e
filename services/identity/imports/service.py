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
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.imports.parsing import (
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
_COLUMNS = (
    "id", "tenant_id", "customer_number", "title", "given_name", "family_name",
    "date_of_birth", "street", "postcode", "city", "country", "emails", "phones", "handles",
    "tier", "value",
)  # fmt: skip
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
SELECT $1, kind, value, customer_id, true, $2 FROM import_identities
ON CONFLICT (tenant_id, kind, value) DO UPDATE
SET customer_id = EXCLUDED.customer_id, verified = true
WHERE identities.verified = false OR identities.customer_id = EXCLUDED.customer_id
"""


def spool_dir() -> Path:
    path = Path(os.environ.get("RESONANCE_IDENTITY_IMPORT_DIR") or tempfile.gettempdir())
    path = path / "resonance-identity-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


async def spool(stream: AsyncIterator[bytes], *, path: Path, kind: str) -> int:
    """Write the streamed body to `path` chunk by chunk; the CSV header is checked on the way
    (422 before the rest is read). Returns the byte count."""
    size = 0
    head = b""
    checked = kind != "csv"
    with path.open("wb") as out:
        async for chunk in stream:
            if not chunk:
                continue
            out.write(chunk)
            size += len(chunk)
            if not checked:
                head += chunk
                if b"\n" in head or len(head) > 65536:
                    _check_csv_header(head)
                    checked = True
                    head = b""
    if not checked:
        _check_csv_header(head)
    return size


def _check_csv_header(head: bytes) -> None:
    line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    if not line:
        raise FileError("The file is empty.")
    import csv

    check_header([h.strip().lstrip("\ufeff") for h in next(csv.reader([line]))])


def _batches(
    rows: Iterator[tuple[int, dict[str, Any] | str]], today: date
) -> Iterator[tuple[list[Row], list[Rejected], int]]:
    """Validated batches: (rows, rejected, rows read); duplicates inside a batch rejected."""
    good: list[Row] = []
    bad: list[Rejected] = []
    read = 0
    numbers: set[str] = set()
    seen: set[tuple[str, str]] = set()
    for number, raw in rows:
        read += 1
        if isinstance(raw, str):
            bad.append(Rejected(number, [{"row": number, "field": None, "message": raw}]))
        else:
            result = validate(number, raw, today)
            if isinstance(result, Row):
                if result.customer_number and result.customer_number in numbers:
                    bad.append(_duplicate(number, "customer_number"))
                elif clash := next(
                    (k for k in result.identities if k in seen and _personal(k)), None
                ):
                    bad.append(_duplicate(number, clash[0]))
                else:
                    if result.customer_number:
                        numbers.add(result.customer_number)
                    seen.update(result.identities)
                    good.append(result)
            else:
                bad.append(result)
        if read >= BATCH:
            yield good, bad, read
            good, bad, read = [], [], 0
            numbers.clear()
            seen.clear()
    if read:
        yield good, bad, read


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
    await conn.exec_driver_sql("SELECT 1")
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
        records=[
            (
                r.id,
                tenant_id,
                r.customer_number,
                r.values.get("title"),
                r.values.get("given_name"),
                r.values.get("family_name"),
                r.values.get("date_of_birth"),
                r.values.get("street"),
                r.values.get("postcode"),
                r.values.get("city"),
                (r.values.get("country") or "").upper() or None,
                orjson.dumps(r.emails).decode(),
                orjson.dumps(r.phones).decode(),
                orjson.dumps(r.handles).decode(),
                r.values.get("tier"),
                r.values.get("value"),
            )
            for r in rows
        ],
    )
    written = await pg.fetch(_UPSERT if on_existing == "update" else _INSERT_ONLY, job_id, now)
    by_number = {w["customer_number"]: w for w in written if w["customer_number"]}
    by_id = {w["id"]: w for w in written}
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
        records=[
            (cid, tenant_id, cid, orjson.dumps(r.record).decode(), r.keys) for r, cid in final
        ],
    )
    await pg.copy_records_to_table(
        "blocking_keys",
        schema_name="identity",
        columns=("tenant_id", "key", "record_id"),
        records=[(tenant_id, key, cid) for r, cid in final for key in r.keys],
    )
    return len(final), rejected


async def run(
    db: Database,
    *,
    tenant_id: uuid.UUID,
    job_id: uuid.UUID,
    path: Path,
    kind: str,
    on_existing: str = "update",
) -> dict[str, Any]:
    """Import a spooled file batch by batch, recording progress and per-row errors."""
    started = time.perf_counter()
    read = imported = rejected_count = 0
    errors: list[dict[str, Any]] = []
    async with db.session() as session:
        await jobs.update(session, job_id=job_id, state="running")
    try:
        with path.open("rb") as handle:
            rows = csv_rows(handle) if kind == "csv" else ndjson_rows(handle)
            batches = _batches(rows, date.today())
            while True:
                # Parsing and validation are CPU work: a thread keeps the event loop answering.
                batch = await asyncio.to_thread(next, batches, None)
                if batch is None:
                    break
                good, bad, n = batch
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
                        bytes_done=handle.tell(),
                        errors=errors,
                    )
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
