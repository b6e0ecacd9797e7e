"""Bulk import of master data: spool the streamed body, then COPY batches into PostgreSQL.

Validation workers turn each batch into COPY input in its text format (customers with their
standardised record and blocking keys, and their identifiers). Each batch is one transaction:
the lines are COPYed into staging tables, rows whose identifiers belong to somebody else are
dropped, the rest upserted into `customers` by customer number (`INSERT … ON CONFLICT`), and
identifiers, standardised records and blocking postings derived from the staging tables in
SQL; a row is either written whole or rejected with its errors. Rows are upserted by
`customer_number`, so re-posting a file after a failure is safe (rows without a customer
number are inserted again: give numbers when you may re-run); a row equal to its customer as
stored is left as it is (the job's `result.rows_unchanged` counts them). A number seen twice
in one file is a duplicate (the later row is rejected); with `on_existing=reject` a number
already in the master is rejected too.

An initial load (a large file into a tenant without standardised records, where nobody holds a
verified identifier) keeps the rows repeating an identifier of an earlier row aside (`Seen`);
the others are COPYed straight into `customers` and `match_records`, their identifiers into the
load's own table (`_Load`). After the last batch (`finish_load`) those identifiers are built
into `identities`, the rows kept aside are written as staged rows, and the blocking postings
are built, each once. Until then the load's customers are not found by their identifiers nor
by blocking, and cannot be changed or merged (409); erasing one is allowed.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import multiprocessing
import os
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TypeVar

import asyncpg
import numpy as np
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from services.identity.imports.parsing import (
    COLUMNS,
    FileError,
    Rejected,
    check_header,
    csv_rows,
    ndjson_rows,
)
from services.identity.imports.prepare import (
    DIRECT_CUSTOMER_COLUMNS,
    DIRECT_IDENTITY_COLUMNS,
    DIRECT_RECORD_COLUMNS,
    STAGED_CUSTOMER_COLUMNS,
    STAGED_IDENTITY_COLUMNS,
    Direct,
    DirectRows,
    Prepared,
    RawRow,
    direct_lines,
    prepare_batch,
    prepare_packed,
    rejection,
    staged_identities,
    staging_lines,
    unpack,
)
from services.identity.jobs import repository as jobs
from services.identity.jobs.service import MAX_ERRORS
from services.identity.resolution import repository as resolution
from shared import Database, driver_connection, get_logger

log = get_logger("identity.imports")
_T = TypeVar("_T")

BATCH = 5000
MEDIA_TYPES = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}

# Staging: rows as the validation worker encoded them (COPY's text format), joined in SQL from
# there on, so this process only passes bytes through (no per-key objects in Python).
_STAGED_CUSTOMERS = """(
    n integer, id uuid, customer_number text, title text, given_name text,
    family_name text, date_of_birth date, street text, postcode text, city text, country text,
    emails jsonb, phones jsonb, handles jsonb, tier text, value double precision,
    record json, keys text[]
)"""
_STAGED_IDENTITIES = """(
    n integer, row_id uuid, kind text COLLATE "C", value text COLLATE "C", personal boolean
)"""
_STAGING = f"""
CREATE TEMP TABLE IF NOT EXISTS import_customers {_STAGED_CUSTOMERS} ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_identities {_STAGED_IDENTITIES} ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_written (
    row_id uuid, customer_id uuid, inserted boolean
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_old_keys (id uuid, keys text[]) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS import_owned (
    kind text COLLATE "C", value text COLLATE "C", customer_id uuid, n integer
) ON COMMIT DELETE ROWS
"""
# Identifiers verified for somebody else (another number) reject the row: nothing of it is
# written, and the other customer keeps them. A landline is shared by a household (not personal).
# Customer numbers are not looked up here: a number's identifier is held by the customer with
# that number, or by the one it was merged into, and the upsert below already refuses a merged
# customer's number (a third of the lookups, saved).
# One index probe per staged identifier: `LIMIT 1` keeps the planner from hashing the whole
# identities table per batch (measured: at a million customers that made the import quadratic).
_CLASHES = """
SELECT DISTINCT ON (s.n) s.n, s.kind
FROM import_identities s
JOIN import_customers r ON r.n = s.n
CROSS JOIN LATERAL (
    SELECT c.customer_number
    FROM identity.identities i JOIN identity.customers c ON c.id = i.customer_id
    WHERE i.tenant_id = $1 AND i.kind = s.kind AND i.value = s.value AND i.verified
    LIMIT 1
) AS owner
WHERE s.personal AND s.kind <> 'customer_number'
  AND (owner.customer_number IS NULL OR owner.customer_number IS DISTINCT FROM r.customer_number)
ORDER BY s.n, s.kind
"""
_DROP_ROWS = """
WITH gone AS (DELETE FROM import_customers WHERE n = ANY($1::int[]))
DELETE FROM import_identities WHERE n = ANY($1::int[])
"""
_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS)
_TARGET = f"id, tenant_id, customer_number, {', '.join(COLUMNS)}, is_prospect, imported_by, " + (
    "created_at, updated_at"
)
_SOURCE = f"id, $1, customer_number, {', '.join(COLUMNS)}, false, $2, $3, $3"
# Upsert by customer number; `import_written` maps each staged row to the customer it became
# (an existing customer keeps its id). A number this job wrote already, or one merged away, is
# not touched (and the row is reported).
_UPSERT = f"""
WITH up AS (
    INSERT INTO identity.customers AS c ({_TARGET})
    SELECT {_SOURCE} FROM import_customers ORDER BY n
    ON CONFLICT (tenant_id, customer_number) WHERE customer_number IS NOT NULL
    DO UPDATE SET {_SET}, is_prospect = false, imported_by = EXCLUDED.imported_by,
                  updated_at = EXCLUDED.updated_at
    WHERE c.imported_by IS DISTINCT FROM EXCLUDED.imported_by AND c.merged_into IS NULL
    RETURNING c.id, c.customer_number, (xmax = 0) AS inserted
)
INSERT INTO import_written (row_id, customer_id, inserted)
SELECT s.id, up.id, up.inserted FROM up JOIN import_customers s USING (customer_number)
UNION ALL
SELECT up.id, up.id, up.inserted FROM up WHERE up.customer_number IS NULL
"""
_INSERT_ONLY = f"""
WITH up AS (
    INSERT INTO identity.customers AS c ({_TARGET})
    SELECT {_SOURCE} FROM import_customers ORDER BY n
    ON CONFLICT (tenant_id, customer_number) WHERE customer_number IS NOT NULL DO NOTHING
    RETURNING c.id
)
INSERT INTO import_written (row_id, customer_id, inserted) SELECT id, id, true FROM up
"""
# A row equal to its customer as stored (every column a file gives, and the standardised record
# with its keys, so the same standardisation too) is not written again: the customer is only
# marked as this job's (a later row with its number is then a duplicate) and keeps its
# identifiers, record and postings. Re-posting a nightly full export costs a comparison per
# unchanged row, not a rewrite of it with its index entries. A customer changed meanwhile (its
# `updated_at` moved: re-checked on the row's newest version as it is marked) is written as any
# other. One index probe per staged row (`LIMIT 1`, as in `_CLASHES`): the plan the statement
# cache settles on otherwise compared every staged row with every customer of the tenant
# (measured: a re-import at a million customers stalled). A record is compared as the text it
# was written as (`json`); one stored before migration 0009 holds jsonb's text form and is
# compared as a JSON value instead (parsing both), so it does not count as changed.
_SAME = " AND ".join(f"c.{c} IS NOT DISTINCT FROM s.{c}" for c in COLUMNS)
_UNCHANGED = f"""
WITH same AS (
    SELECT s.n, held.id, held.updated_at
    FROM import_customers s
    CROSS JOIN LATERAL (
        SELECT c.id, c.updated_at
        FROM identity.customers c JOIN identity.match_records r ON r.id = c.id
        WHERE c.tenant_id = $1 AND c.customer_number = s.customer_number
          AND c.merged_into IS NULL AND NOT c.is_prospect AND c.imported_by IS DISTINCT FROM $2
          AND {_SAME} AND r.keys = s.keys
          AND (r.record::text = s.record::text OR r.record::jsonb = s.record::jsonb)
        LIMIT 1
    ) AS held
),
marked AS (
    UPDATE identity.customers c SET imported_by = $2 FROM same
    WHERE c.id = same.id AND c.updated_at = same.updated_at AND c.merged_into IS NULL
    RETURNING same.n
),
gone AS (DELETE FROM import_customers s USING marked WHERE s.n = marked.n),
gone_identities AS (DELETE FROM import_identities s USING marked WHERE s.n = marked.n)
SELECT count(*) FROM marked
"""
_NOT_WRITTEN = """
SELECT s.n FROM import_customers s
WHERE NOT EXISTS (SELECT 1 FROM import_written w WHERE w.row_id = s.id)
"""
# An initial load's batch written whole (`_Written.direct`): the rows written straight away
# hold their staged shared identifiers themselves, and their personal ones (`import_owned`, as
# the worker made them for the load's own table) go into `identities` in key order; one held
# already raises the unique violation.
_DIRECT_WRITTEN = """
INSERT INTO import_written (row_id, customer_id, inserted)
SELECT DISTINCT s.row_id, s.row_id, true FROM import_identities s
WHERE NOT EXISTS (SELECT 1 FROM import_customers c WHERE c.n = s.n)
"""
_OWNED = """
INSERT INTO identity.identities (tenant_id, kind, value, customer_id, verified, created_at)
SELECT $1, kind, value, customer_id, true, $2 FROM import_owned ORDER BY value, kind
"""
# The file is the master now: an updated customer's verified identifiers and standardised form
# are replaced. Only what changed is written: identifiers the row gives again stay (and leave
# the staging), those it no longer gives are deleted; of the record's postings, only those of
# keys it no longer has are deleted, and its old keys are kept (`import_old_keys`) so that
# only its new keys are posted. A customer who moved changes a few of ~12 keys, not all.
# Index probes per staged identifier (`LIMIT 1`, as in `_CLASHES`).
_REPLACE_OLD = """
WITH given AS (
    SELECT s.n, w.customer_id, s.kind, s.value
    FROM import_identities s JOIN import_written w ON w.row_id = s.row_id
    WHERE NOT w.inserted
),
gone AS (
    DELETE FROM identity.identities i
    WHERE i.customer_id = ANY($2::uuid[]) AND i.verified
      AND NOT EXISTS (
          SELECT 1 FROM given g
          WHERE g.customer_id = i.customer_id AND g.kind = i.kind AND g.value = i.value
      )
),
kept AS (
    DELETE FROM import_identities s
    USING (
        SELECT g.n, g.kind, g.value FROM given g
        CROSS JOIN LATERAL (
            SELECT 1 FROM identity.identities i
            WHERE i.tenant_id = $1 AND i.kind = g.kind AND i.value = g.value
              AND i.customer_id = g.customer_id AND i.verified
            LIMIT 1
        ) AS held
    ) AS k
    WHERE s.n = k.n AND s.kind = k.kind AND s.value = k.value
),
old AS (
    DELETE FROM identity.match_records WHERE id = ANY($2::uuid[]) RETURNING id, keys
),
saved AS (INSERT INTO import_old_keys (id, keys) SELECT id, keys FROM old)
DELETE FROM identity.blocking_postings p
USING (
    SELECT old.id, identity.posting_key($1, k) AS key
    FROM old
    JOIN import_written w ON w.customer_id = old.id
    JOIN import_customers s ON s.id = w.row_id,
    unnest(old.keys) k
    WHERE k <> ALL(s.keys)
) o
WHERE p.key = o.key AND p.record_id = o.id
"""
# A batch's personal identifiers (`$3`), or its shared ones (a household's landline: it stays
# with its first holder, the first row in the file, then the master). Personal ones are first
# inserted plainly: the upsert's check before each insertion costs about a quarter of the step
# (276,720 identifiers of 100k customers into 2.5M: 2.05-2.14 s upserted, 1.58-1.64 s inserted).
_NEW_IDENTITIES = """
INSERT INTO identity.identities (tenant_id, kind, value, customer_id, verified, created_at)
SELECT DISTINCT ON (s.value, s.kind) $1, s.kind, s.value, w.customer_id, true, $2
FROM import_identities s JOIN import_written w ON w.row_id = s.row_id
WHERE s.personal = $3
ORDER BY s.value, s.kind, s.n
"""
_IDENTITIES = (
    _NEW_IDENTITIES
    + """ON CONFLICT (tenant_id, kind, value) DO UPDATE
SET customer_id = EXCLUDED.customer_id, verified = true
WHERE identities.verified = false OR identities.customer_id = EXCLUDED.customer_id
"""
)
_RECORDS = """
INSERT INTO identity.match_records (id, tenant_id, customer_id, record, keys)
SELECT w.customer_id, $1, w.customer_id, s.record, s.keys
FROM import_customers s JOIN import_written w ON w.row_id = s.id
"""
# In key order: neighbouring keys land on the same btree pages. A record's keys are distinct
# texts; two of them hashing alike (odds ~1e-17 per record) would fail the batch, not corrupt it.
# (ON CONFLICT would cost a speculative insertion per posting: twice the time, measured.)
_POSTINGS = """
INSERT INTO identity.blocking_postings (key, record_id)
SELECT identity.posting_key($1, k), w.customer_id
FROM import_customers s JOIN import_written w ON w.row_id = s.id
LEFT JOIN import_old_keys o ON o.id = w.customer_id, unnest(s.keys) k
WHERE o.keys IS NULL OR k <> ALL(o.keys)
ORDER BY 1
"""

# An initial load (a tenant without match records yet, a file large enough for the worker
# processes) leaves the postings out of its batches and builds them once after the last one,
# in key order: each page of the index is then visited once, not once per batch (at a million
# customers 46 -> 20 µs per row, measured). Until then its customers are found by their
# verified identifiers only (not at all while those wait too: `_Load`). Should an online update
# re-index one of them meanwhile, its postings are there already: the build then skips them
# (see `build_postings`).
_FIRST_LOAD = sa.text(
    "SELECT NOT EXISTS (SELECT 1 FROM identity.match_records WHERE tenant_id = :tenant_id)"
)
_JOB_POSTINGS = """
SELECT identity.posting_key($1, k) AS key, r.id AS record_id
FROM identity.customers c JOIN identity.match_records r ON r.id = c.id, unnest(r.keys) k
WHERE c.tenant_id = $1 AND c.imported_by = $2
ORDER BY 1
"""
# A table built anew takes every record of the tenant (what the old table held of them is
# skipped when it is copied over): one scan, whose plan needs no statistics of the load.
_TENANT_POSTINGS = """
SELECT identity.posting_key($1, k) AS key, r.id AS record_id
FROM identity.match_records r, unnest(r.keys) k
WHERE r.tenant_id = $1
"""
_MISSING_POSTINGS = f"""
INSERT INTO identity.blocking_postings (key, record_id) {_JOB_POSTINGS}
ON CONFLICT DO NOTHING
"""
# A table holding fewer postings than this (a new deployment's first tenant, or its first few
# small ones) is replaced by one built anew: the tenant's postings COPYed into a bare heap,
# then indexed by one CREATE INDEX (sorted in parallel workers, the btree written bottom-up),
# instead of inserted one by one into the table's btree. The postings already there are copied
# over while the table is locked, so the bound keeps that pause short.
REPLACE_MAX_POSTINGS = 100_000
_FEW_POSTINGS = "SELECT count(*) FROM (SELECT FROM identity.blocking_postings LIMIT $1) AS p"
_NEXT_POSTINGS = (
    "CREATE TABLE identity.blocking_postings_next "
    "(LIKE identity.blocking_postings INCLUDING ALL EXCLUDING INDEXES)"
)
_INDEX_NEXT = (
    "CREATE UNIQUE INDEX blocking_postings_next_pkey "
    "ON identity.blocking_postings_next (key, record_id)"
)
_SWAP_POSTINGS = (
    "INSERT INTO identity.blocking_postings_next SELECT * FROM identity.blocking_postings "
    "ON CONFLICT DO NOTHING",
    "DROP TABLE identity.blocking_postings",
    "ALTER TABLE identity.blocking_postings_next RENAME TO blocking_postings",
    "ALTER TABLE identity.blocking_postings ADD CONSTRAINT blocking_postings_pkey "
    "PRIMARY KEY USING INDEX blocking_postings_next_pkey",
)
# CREATE INDEX sorts in `maintenance_work_mem`, shared by its workers (PostgreSQL's default,
# 64 MB, leaves the workers too little to start: the sort then runs in one process).
_INDEX_MEMORY = "SET LOCAL maintenance_work_mem TO '1GB'"
# Taking the table's exclusive lock queues every lookup behind it: it is asked for in short
# tries, so that a long transaction holding the table (another tenant's import batch, a dump)
# stalls the lookups for one try at most, not for as long as it runs; the build waits instead.
_LOCK_TRY = "SET LOCAL lock_timeout TO '200ms'"
_LOCK_PAUSE_MAX = 1.0  # seconds between tries, doubling from 50 ms
_LOCK_WARN_AFTER = 50  # tries
# The sort's memory: at 100k customers it stays in memory; at a million it spills about 0.4 GB
# to disk (measured; with 1.5 GB it stayed in memory and was no faster).
_POSTINGS_MEMORY = "work_mem TO '256MB'"


async def _driver(session: AsyncSession, *, setting: str) -> Any:
    """The session's asyncpg connection (for COPY and `$n` statements), after `SET LOCAL
    <setting>` through SQLAlchemy: that first statement opens the driver's transaction, without
    which each COPY would commit on its own (and the staging rows vanish ON COMMIT).

    JIT compilation is off as well: PostgreSQL compiles the plans it estimates dear, and each
    of the import's statements runs once per batch, so compiling cost more than it saved (at
    1M customers, the clash check 8.4 -> 6.3 µs per row; the postings build 17.3 -> 16.4 s)."""
    await session.execute(sa.text(f"SET LOCAL {setting}"))
    pg = await driver_connection(session)
    await pg.execute("SET LOCAL jit TO off")
    return pg


async def _unless_held(
    pg: Any,
    savepoint: str,
    attempt: Callable[[], Awaitable[_T]],
    instead: Callable[[], Awaitable[_T]],
) -> _T:
    """`attempt` under a savepoint; should it find a row held already (a unique violation), the
    transaction goes back to the savepoint and runs `instead`."""
    await pg.execute(f"SAVEPOINT {savepoint}")
    try:
        result = await attempt()
    except asyncpg.UniqueViolationError:
        await pg.execute(f"ROLLBACK TO SAVEPOINT {savepoint}")
        result = await instead()
    await pg.execute(f"RELEASE SAVEPOINT {savepoint}")
    return result


async def build_postings(
    db: Database, *, tenant_id: uuid.UUID, job_id: uuid.UUID, only_failed: bool = False
) -> bool:
    """Build the postings of the rows an initial load wrote (its last step; for a failed one,
    the reaper's), once: under the job's row lock, in one transaction with clearing
    `postings_pending`. With `only_failed`, a job that is not failed (resumed meanwhile) is
    left to its own run. Returns whether it built them.

    Into a table holding few postings (`REPLACE_MAX_POSTINGS`), they go into a new table that
    then takes the old one's place (`_replace_postings`; the generated million's build 19.0 s
    -> 13.3 s, on one kept database). Otherwise a second connection selects them in key order
    while this one COPYs them in: PostgreSQL then inserts the rows page by page, and the two
    backends work side by side (on the kept 1M database, 18.8-20.5 s as one INSERT ... SELECT,
    13.0-15.0 s this way). Should some of them be there already (a customer re-indexed online
    meanwhile), that build starts over from a savepoint, as an insert that skips those.

    That select sorts the postings of the customers and records the job wrote. For a large job
    those tables are analysed first: then the planner sorts in two parallel workers, where
    with the statistics from before the load it sorted in one process (the 1M master built
    into a copy of the table, three runs each: 25.2-26.4 s -> 21.0-23.8 s). A table built anew
    needs no sort; the analyses then run beside the build."""

    async with db.session() as session:
        job = await jobs.get(session, tenant_id=tenant_id, job_id=job_id, lock=True)
        if job is None or not job.postings_pending or (only_failed and job.state != "failed"):
            return False
        pg = await _driver(session, setting=_POSTINGS_MEMORY)
        # One build at a time decides how (and one at a time replaces the table).
        await resolution.LOCKS.xact_lock(session, "postings-build")
        analyse = job.rows_imported >= SETTLE_MIN_ROWS
        if await pg.fetchval(_FEW_POSTINGS, REPLACE_MAX_POSTINGS) < REPLACE_MAX_POSTINGS:
            # Its plan needs no statistics: the analyses run beside it.
            analysing = settle(db, _ANALYSE_WRITTEN) if analyse else None
            await _alongside(_replace_postings(db, pg, tenant_id), analysing)
        else:
            if analyse:
                await settle(db, _ANALYSE_WRITTEN)
            await _unless_held(
                pg,
                "postings",
                lambda: _copy_postings(
                    db, pg, (_JOB_POSTINGS, tenant_id, job_id), "blocking_postings"
                ),
                lambda: pg.execute(_MISSING_POSTINGS, tenant_id, job_id),
            )
        await jobs.update(session, job_id=job_id, postings_pending=False)
    log.info("identity.import.postings_built", job_id=str(job_id))
    return True


async def _replace_postings(db: Database, pg: Any, tenant_id: uuid.UUID) -> None:
    """Build the table anew with the tenant's postings (see `REPLACE_MAX_POSTINGS`) and put it
    in the old one's place, in `pg`'s transaction: lookups read the old table until it commits.

    The new table is created in this transaction, so the COPY writes its rows frozen and
    all-visible (no vacuum needed for index-only probes). Under the old table's exclusive lock,
    its postings (other tenants', and any written online meanwhile) are copied over and the
    new table takes its name and primary key; statements prepared on the old one are planned
    again by PostgreSQL on their next run. Privileges granted on the old table by hand are
    not carried over (the service's own role owns both)."""
    await pg.execute(_NEXT_POSTINGS)
    await _copy_postings(
        db, pg, (_TENANT_POSTINGS, tenant_id), "blocking_postings_next", freeze=True
    )
    await pg.execute(_INDEX_MEMORY)
    await pg.execute(_INDEX_NEXT)
    await _lock_exclusively(pg, "identity.blocking_postings")
    for statement in _SWAP_POSTINGS:
        await pg.execute(statement)


# An initial load into an `identities` table holding fewer rows than this (a new deployment's
# first tenant, or its first few small ones) builds its identifiers (`_Load`) once after its
# last batch, as its postings: the load's own table becomes the new one (indexed by CREATE
# INDEX, sorted in parallel workers, where inserting each identifier into the primary key cost
# ~7 µs at a million customers: a third of the import, measured); the rows already there are
# copied over while the old table is locked. Into a larger table, a load inserts them batch by
# batch instead (`_Written.direct`); should the table have grown past this meanwhile (another
# tenant's load), a load's identifiers are inserted in key order at its end.
REPLACE_MAX_IDENTITIES = 100_000
_FEW_IDENTITIES = "SELECT count(*) FROM (SELECT FROM identity.identities LIMIT $1) AS i"
_IDENTITY_COLUMNS = "tenant_id, kind, value, customer_id, verified, created_at"
# A household's landline goes to its first holder in the file (as `_IDENTITIES` does).
_SHARED_IDENTITIES = f"""
INSERT INTO identity.{{target}} ({_IDENTITY_COLUMNS})
SELECT DISTINCT ON (s.value, s.kind) $1, s.kind, s.value, s.row_id, true, $2
FROM identity.{{shared}} s
ORDER BY s.value, s.kind, s.n
"""
_TAKE_OVER = """
ON CONFLICT (tenant_id, kind, value) DO UPDATE
SET customer_id = EXCLUDED.customer_id, verified = true
WHERE identities.verified = false OR identities.customer_id = EXCLUDED.customer_id
"""
# Identifiers the load wrote that were given to another customer while it ran (verified, not an
# unknown person's): that row is rejected after all. From the few rows of the table replaced
# into the load's new index, or from each of the load's rows into the table's index.
_GIVEN_MEANWHILE = """
SELECT DISTINCT ON (t.customer_id) t.customer_id, t.n, t.kind
FROM identity.identities i
CROSS JOIN LATERAL (
    SELECT t.customer_id, t.n, t.kind FROM identity.{load} t
    WHERE t.tenant_id = i.tenant_id AND t.kind = i.kind AND t.value = i.value
    LIMIT 1
) AS t
WHERE i.tenant_id = $1 AND i.verified AND t.n IS NOT NULL AND i.customer_id <> t.customer_id
ORDER BY t.customer_id, t.kind
"""
# (One join, after the load's table is analysed: hashed, 2.5M probes of the index took 13 s.)
_HELD_BY_OTHERS = """
SELECT DISTINCT ON (t.customer_id) t.customer_id, t.n, t.kind
FROM identity.{load} t
JOIN identity.identities i ON i.value = t.value AND i.kind = t.kind AND i.tenant_id = t.tenant_id
WHERE i.verified AND i.customer_id <> t.customer_id
ORDER BY t.customer_id, t.kind
"""


async def _few_identities(pg: Any) -> bool:
    """Whether `identities` is small enough to be built anew (`REPLACE_MAX_IDENTITIES`)."""
    return bool(await pg.fetchval(_FEW_IDENTITIES, REPLACE_MAX_IDENTITIES) < REPLACE_MAX_IDENTITIES)


async def finish_load(
    db: Database,
    *,
    tenant_id: uuid.UUID,
    job_id: uuid.UUID,
    steps: dict[str, float] | None = None,
    only_failed: bool = False,
    on_existing: str | None = None,
) -> None:
    """An initial load's last steps, each done once (a resumed load, or the reaper for a failed
    one, goes on where it stopped): its identifiers (`build_identities`), the rows it kept
    aside (`write_aside`), its blocking postings (`build_postings`). With `only_failed`, a job
    that is not failed (resumed meanwhile) is left to its own run."""
    steps = {} if steps is None else steps
    await _step(
        steps,
        "identities",
        build_identities(db, tenant_id=tenant_id, job_id=job_id, only_failed=only_failed),
    )
    await write_aside(
        db,
        tenant_id=tenant_id,
        job_id=job_id,
        steps=steps,
        only_failed=only_failed,
        on_existing=on_existing,
    )
    await _step(
        steps,
        "postings",
        build_postings(db, tenant_id=tenant_id, job_id=job_id, only_failed=only_failed),
    )


async def build_identities(
    db: Database, *, tenant_id: uuid.UUID, job_id: uuid.UUID, only_failed: bool = False
) -> bool:
    """Write the identifiers of the rows an initial load wrote (`_Load`) into `identities`, in
    one transaction under the job's row lock; returns whether it did. Rows whose identifier was
    given to another customer meanwhile are rejected then (deleted, and reported with the job)."""
    load = _Load(job_id)
    async with db.session() as session:
        job = await jobs.get(session, tenant_id=tenant_id, job_id=job_id, lock=True)
        if job is None or not job.identities_pending or (only_failed and job.state != "failed"):
            return False
        pg = await _driver(session, setting=_POSTINGS_MEMORY)
        if await pg.fetchval("SELECT to_regclass($1)", f"identity.{load.identities}") is None:
            return False  # built; the rows aside are still to be written
        # One build at a time decides how (and one at a time replaces the table).
        await resolution.LOCKS.xact_lock(session, "identities-build")
        now = datetime.now(UTC)
        if await _few_identities(pg):
            rejected = await _replace_identities(pg, load, tenant_id, now)
        else:
            rejected = await _insert_identities(pg, load, tenant_id, now)
        await pg.execute(f"DROP TABLE identity.{load.shared}")
        await _account(session, job, imported=-len(rejected), rejected=rejected)
    log.info("identity.import.identities_built", job_id=str(job_id), rejected=len(rejected))
    return True


async def _replace_identities(
    pg: Any, load: _Load, tenant_id: uuid.UUID, now: datetime
) -> list[Rejected]:
    """The load's table, with its shared identifiers, indexed and put in the place of
    `identities` (as `_replace_postings`); the old table's rows are copied over under its
    exclusive lock: an unknown person's identifier the load holds too goes to the load's
    customer (as a batch's upsert does), one given to a customer rejects the load's row."""
    table = load.identities
    await pg.execute(_SHARED_IDENTITIES.format(target=table, shared=load.shared), tenant_id, now)
    await pg.execute(_INDEX_MEMORY)
    await pg.execute(
        f"CREATE UNIQUE INDEX {load.table('pkey')} ON identity.{table} (tenant_id, value, kind)"
    )
    await pg.execute(f"CREATE INDEX {load.table('customer')} ON identity.{table} (customer_id)")
    await _lock_exclusively(pg, "identity.identities")
    rejected = await _reject_loaded(
        pg, load, await pg.fetch(_GIVEN_MEANWHILE.format(load=table), tenant_id)
    )
    for statement in (
        f"INSERT INTO identity.{table} ({_IDENTITY_COLUMNS}) "
        f"SELECT {_IDENTITY_COLUMNS} FROM identity.identities ON CONFLICT DO NOTHING",
        f"ALTER TABLE identity.{table} DROP COLUMN n, ALTER tenant_id DROP DEFAULT, "
        "ALTER verified DROP DEFAULT, ALTER created_at DROP DEFAULT",
        "DROP TABLE identity.identities",
        f"ALTER TABLE identity.{table} RENAME TO identities",
        f"ALTER INDEX identity.{load.table('customer')} RENAME TO ix_identities_customer_id",
        "ALTER TABLE identity.identities ADD CONSTRAINT identities_pkey "
        f"PRIMARY KEY USING INDEX {load.table('pkey')}",
        "ANALYZE identity.identities",
    ):
        await pg.execute(statement)
    return rejected


async def _insert_identities(
    pg: Any, load: _Load, tenant_id: uuid.UUID, now: datetime
) -> list[Rejected]:
    """The load's identifiers inserted into `identities` in key order (taking over an unknown
    person's), then its shared ones; a row whose identifier was given to a customer meanwhile
    is rejected."""
    table = load.identities
    await pg.execute(
        f"INSERT INTO identity.identities ({_IDENTITY_COLUMNS}) "
        f"SELECT {_IDENTITY_COLUMNS} FROM identity.{table} ORDER BY tenant_id, value, kind"
        + _TAKE_OVER
    )
    await pg.execute(
        _SHARED_IDENTITIES.format(target="identities", shared=load.shared) + _TAKE_OVER,
        tenant_id,
        now,
    )
    await pg.execute(f"ANALYZE identity.{table}")
    rejected = await _reject_loaded(pg, load, await pg.fetch(_HELD_BY_OTHERS.format(load=table)))
    await pg.execute(f"DROP TABLE identity.{table}")
    return rejected


async def _reject_loaded(pg: Any, load: _Load, held: list[Any]) -> list[Rejected]:
    """Delete the customers a load wrote whose identifier another customer holds (`held`:
    customer id, row number, kind), with all of theirs; their rows' errors."""
    ids = [h["customer_id"] for h in held]
    if ids:
        for statement in (
            "DELETE FROM identity.match_records WHERE id = ANY($1::uuid[])",
            "DELETE FROM identity.customers WHERE id = ANY($1::uuid[])",
            "DELETE FROM identity.identities WHERE customer_id = ANY($1::uuid[])",
            f"DELETE FROM identity.{load.identities} WHERE customer_id = ANY($1::uuid[])",
            f"DELETE FROM identity.{load.shared} WHERE row_id = ANY($1::uuid[])",
        ):
            await pg.execute(statement, ids)
    return [rejection(h["n"], h["kind"], f"{h['kind']} belongs to another customer") for h in held]


async def write_aside(
    db: Database,
    *,
    tenant_id: uuid.UUID,
    job_id: uuid.UUID,
    steps: dict[str, float] | None = None,
    only_failed: bool = False,
    on_existing: str | None = None,
) -> None:
    """Write the rows an initial load kept aside (`_Load.rows`), once its identifiers are
    built: in file order, a batch per transaction, each looked up and upserted as any staged
    row (those holding an earlier row's identifier are rejected; `on_existing` as the job was
    started, by default as its source says); the load's tables go, and the job's
    `identities_pending`, with the last."""
    load, steps = _Load(job_id), {} if steps is None else steps
    while True:
        async with db.session() as session:
            job = await jobs.get(session, tenant_id=tenant_id, job_id=job_id, lock=True)
            if job is None or not job.identities_pending or (only_failed and job.state != "failed"):
                return
            pg = await _driver(session, setting="synchronous_commit TO off")
            last = await pg.fetchval(
                f"SELECT max(n) FROM (SELECT n FROM identity.{load.rows} ORDER BY n LIMIT $1) b",
                BATCH,
            )
            if last is None:
                for table in (load.rows, load.row_identities):
                    await pg.execute(f"DROP TABLE identity.{table}")
                await jobs.update(session, job_id=job_id, identities_pending=False)
                return
            await _step(steps, "stage", pg.execute(_STAGING))
            for staging, table in (
                ("import_customers", load.rows),
                ("import_identities", load.row_identities),
            ):
                await pg.execute(
                    f"WITH kept AS (DELETE FROM identity.{table} WHERE n <= $1 RETURNING *) "
                    f"INSERT INTO {staging} SELECT * FROM kept",
                    last,
                )
            given = on_existing or (job.source or {}).get("on_existing", "update")
            written = _Written(pg, tenant_id, job_id, datetime.now(UTC), given, steps)
            outcome = await written.finish(await written.rows(), postings=not job.postings_pending)
            await _account(
                session,
                job,
                imported=outcome.imported,
                rejected=outcome.rejected,
                unchanged=outcome.unchanged,
            )


def _add_errors(errors: list[dict[str, Any]], rejected: list[Rejected]) -> None:
    """Add the rejected rows' errors to a job's `errors`, up to `MAX_ERRORS`, in row order."""
    for r in rejected:
        if len(errors) < MAX_ERRORS:
            errors.extend(r.errors[: MAX_ERRORS - len(errors)])
    errors.sort(key=lambda e: e["row"] or 0)


async def _account(
    session: AsyncSession, job: Any, *, imported: int, rejected: list[Rejected], unchanged: int = 0
) -> None:
    """Add rows imported and rejected (with their errors, up to `MAX_ERRORS`) to `job`'s."""
    errors = list(job.errors)
    _add_errors(errors, rejected)
    values: dict[str, Any] = {}
    if unchanged:
        values["result"] = {
            **job.result,
            "rows_unchanged": int(job.result.get("rows_unchanged", 0)) + unchanged,
        }
    await jobs.update(
        session,
        job_id=job.id,
        rows_imported=job.rows_imported + imported,
        rows_rejected=job.rows_rejected + len(rejected),
        errors=errors,
        **values,
    )


async def _lock_exclusively(pg: Any, table: str) -> None:
    """Take `table`'s ACCESS EXCLUSIVE lock in `pg`'s transaction, in tries of `_LOCK_TRY`
    for as long as it takes (never queued without a timeout); a warning once it takes long."""
    pause, tries = 0.05, 0
    while True:
        await pg.execute("SAVEPOINT lock_try")
        await pg.execute(_LOCK_TRY)
        try:
            await pg.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        except asyncpg.LockNotAvailableError:
            await pg.execute("ROLLBACK TO SAVEPOINT lock_try")
            tries += 1
            if tries == _LOCK_WARN_AFTER:
                log.warning("identity.import.table_lock_waiting", table=table, tries=tries)
            await asyncio.sleep(pause)
            pause = min(2 * pause, _LOCK_PAUSE_MAX)
            continue
        await pg.execute("RELEASE SAVEPOINT lock_try")  # the lock stays; the timeout goes
        await pg.execute("SET LOCAL lock_timeout TO DEFAULT")
        return


async def _copy_postings(
    db: Database, pg: Any, query: tuple[Any, ...], table: str, *, freeze: bool = False
) -> None:
    """COPY the postings `query` (its text and arguments) selects into `table` in `pg`'s
    transaction, as another connection selects them (binary COPY data, passed on as it comes;
    a few chunks held at a time); `freeze` for a table created in this transaction."""
    chunks: asyncio.Queue[bytes | None] = asyncio.Queue(16)

    async def select() -> None:
        try:
            async with db.session() as session:
                source = await _driver(session, setting=_POSTINGS_MEMORY)
                await source.copy_from_query(*query, output=chunks.put, format="binary")
        except asyncio.CancelledError:
            raise
        except BaseException:
            await chunks.put(None)  # the COPY ends; the error fails the build
            raise
        await chunks.put(None)

    async def received() -> AsyncIterator[bytes]:
        while (chunk := await chunks.get()) is not None:
            yield chunk

    copying = pg.copy_to_table(
        table,
        schema_name="identity",
        source=received(),
        columns=("key", "record_id"),
        format="binary",
        freeze=freeze,
    )
    await _alongside(copying, select())


async def _alongside(work: Awaitable[_T], beside: Awaitable[Any] | None) -> _T:
    """Await `work` while `beside` runs as a task of its own; should `work` fail, that task is
    cancelled (and waited for), else awaited after it."""
    task = None if beside is None else asyncio.ensure_future(beside)
    try:
        result = await work
    except BaseException:
        if task is not None:
            task.cancel()
            await asyncio.wait([task])
        raise
    if task is not None:
        await task
    return result


def spool_dir() -> Path:
    path = Path(os.environ.get("RESONANCE_IDENTITY_IMPORT_DIR") or tempfile.gettempdir())
    path = path / "resonance-identity-imports"
    path.mkdir(parents=True, exist_ok=True)
    return path


SPOOL_CHUNK = 1 << 20


async def sweep_spool(db: Database) -> int:
    """Delete spooled files whose job is no longer active: a job interrupted by a crash leaves
    its file behind, and a resume sends the file again. Files not named after a job are left
    alone. Returns how many were deleted."""
    directory = spool_dir()
    files: dict[uuid.UUID, Path] = {}
    for path in await asyncio.to_thread(lambda: list(directory.iterdir())):
        try:
            files[uuid.UUID(path.stem)] = path
        except ValueError:
            continue
    if not files:
        return 0
    async with db.session() as session:
        active = await jobs.active_among(session, list(files))
    gone = [path for job_id, path in files.items() if job_id not in active]
    for path in gone:
        await asyncio.to_thread(path.unlink, missing_ok=True)
    return len(gone)


class Spooled(NamedTuple):
    """What was received: its size and SHA-256 (the file's identity when an import resumes)."""

    size: int
    sha256: str


async def spool(stream: AsyncIterator[bytes], *, path: Path, kind: str) -> Spooled:
    """Write the streamed body to `path` chunk by chunk; the CSV header is checked on the way
    (422 before the rest is read).

    File calls (and hashing) run in a thread (a slow disk must not stall the event loop), about
    1 MB each."""
    size = 0
    head = b""
    checked = kind != "csv"
    pending: list[bytes] = []
    buffered = 0
    digest = hashlib.sha256()

    def write(chunks: list[bytes]) -> None:
        for chunk in chunks:
            digest.update(chunk)
        out.writelines(chunks)

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
                await asyncio.to_thread(write, pending)
                pending, buffered = [], 0
        if not checked:
            _check_csv_header(head)
        if pending:
            await asyncio.to_thread(write, pending)
    finally:
        await asyncio.to_thread(out.close)
    return Spooled(size, digest.hexdigest())


def _check_csv_header(head: bytes) -> None:
    line = head.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip()
    if not line:
        raise FileError("The file is empty.")
    import csv

    check_header([h.strip().lstrip("\ufeff") for h in next(csv.reader([line]))])


def _chunks(rows: Iterator[RawRow]) -> Iterator[list[RawRow]]:
    """The rows as read, in lists of `BATCH`."""
    chunk: list[RawRow] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= BATCH:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


async def _chunked(data: bytes) -> AsyncIterator[bytes]:
    """COPY input from memory (asyncpg reads a bytes `source` as a file name)."""
    for start in range(0, len(data), SPOOL_CHUNK):
        yield data[start : start + SPOOL_CHUNK]


async def _step(steps: dict[str, float], name: str, call: Awaitable[_T]) -> _T:
    """Await `call`, adding its wall time to `steps[name]` (the job reports where time went)."""
    started = time.perf_counter()
    try:
        return await call
    finally:
        steps[name] = steps.get(name, 0.0) + time.perf_counter() - started


async def write_batch(
    session: AsyncSession,
    *,
    tenant_id: uuid.UUID,
    job_id: uuid.UUID,
    batch: Prepared,
    on_existing: str = "update",
    steps: dict[str, float] | None = None,
    postings: bool = True,
    probe: list[int] | None = None,
    identities: bool = True,
) -> Outcome:
    """Write one prepared batch in the session's transaction (see `Outcome`). The seconds
    spent on each step are added to `steps`. Without `postings`, the blocking postings are left
    to `build_postings`; without `identities`, an initial load's identifiers and the rows that
    may repeat one are left in the load's tables (`_Load`, `finish_load`).

    Staged rows equal to their customer as stored are only marked (`_UNCHANGED`); the others'
    identifiers are looked up, rows with another customer's identifiers rejected, and the
    customers upserted by number. An initial load's batch (`batch.direct`) writes the rows not
    in `probe` (None: all are) straight into `customers` and `match_records`, those of `probe`
    (they may repeat an earlier row's identifier or the customer number of such a row: `Seen`)
    wait: staged and looked up in this batch, or without `identities` in the load's tables
    (`_Written.initial`). Should a customer number (or, batch by batch, an
    identifier) of the rows written straight away be held all the same (given meanwhile, or
    repeated in the file), the batch goes back to its start and is written the staged way."""
    if not batch.customers and not (batch.direct and batch.direct[0]):
        return Outcome(0, [])
    steps = {} if steps is None else steps
    # Asynchronous commit: a crash loses at most the last batches of a job that then reads as
    # interrupted (its progress row is in the same transaction), and a re-post upserts them.
    pg = await _driver(session, setting="synchronous_commit TO off")
    now = datetime.now(UTC)
    await _step(steps, "stage", pg.execute(_STAGING))
    written = _Written(pg, tenant_id, job_id, now, on_existing, steps)
    if batch.direct is not None:
        aside = set(batch.direct[0] if probe is None else probe)
        return await written.initial(batch, aside, at_end=not identities)
    await written.stage(batch.customers, batch.identities)
    return await written.finish(await written.rows(), postings=postings)


class Outcome(NamedTuple):
    """A written batch: its rows imported (written, or equal to their customer already), those
    rejected, and how many of the imported were unchanged. While the batch is written, the
    rows imported so far (the records are counted last)."""

    imported: int
    rejected: list[Rejected]
    unchanged: int = 0


class _Load(NamedTuple):
    """An initial load's own tables in the `identity` schema, named after its job, until its
    identifiers are built (`finish_load`): the personal identifiers of the rows it wrote (with
    each row's number), their shared identifiers, and the rows kept aside with all of their
    identifiers (both as staged)."""

    job_id: uuid.UUID

    def table(self, part: str) -> str:
        return f"load_{self.job_id.hex}_{part}"

    @property
    def identities(self) -> str:
        return self.table("identities")

    @property
    def shared(self) -> str:
        return self.table("shared")

    @property
    def rows(self) -> str:
        return self.table("rows")

    @property
    def row_identities(self) -> str:
        return self.table("row_identities")

    def create(self, tenant_id: uuid.UUID) -> list[str]:
        """The statements creating the tables: bare heaps, but for the row numbers of the rows
        kept aside (read back in file order, a batch at a time). The identifiers' table fills
        in what all its rows share (shorter lines to make, send and parse: the million's import
        51.1-52.6 -> 47.5-47.9 s in a scratch harness, measured)."""
        return [
            f"CREATE TABLE identity.{self.identities} "
            "(LIKE identity.identities INCLUDING DEFAULTS, n integer)",
            f"ALTER TABLE identity.{self.identities} "
            f"ALTER tenant_id SET DEFAULT '{tenant_id}', ALTER verified SET DEFAULT true, "
            "ALTER created_at SET DEFAULT now()",
            f"CREATE TABLE identity.{self.shared} {_STAGED_IDENTITIES}",
            f"CREATE TABLE identity.{self.rows} {_STAGED_CUSTOMERS}",
            f"CREATE INDEX ON identity.{self.rows} (n)",
            f"CREATE TABLE identity.{self.row_identities} {_STAGED_IDENTITIES}",
            f"CREATE INDEX ON identity.{self.row_identities} (n)",
        ]


def _held_by_load(job_id: uuid.UUID) -> tuple[tuple[str, str], ...]:
    """The load's tables holding identifiers, each with its column naming the customer."""
    load = _Load(job_id)
    return ((load.identities, "customer_id"), (load.shared, "row_id"))


async def _load_unbuilt(session: AsyncSession, job_id: uuid.UUID) -> bool:
    """Whether the load's identifiers are still in its own tables (not built yet)."""
    table = f"identity.{_Load(job_id).identities}"
    return await session.scalar(sa.text("SELECT to_regclass(:t)"), {"t": table}) is not None


async def loaded_identities(
    session: AsyncSession, *, job_id: uuid.UUID, customer_id: uuid.UUID
) -> list[tuple[str, str]]:
    """The identifiers an initial load holds for a customer it wrote, before they are built
    (call with the job's row locked, `jobs.repository.loading`)."""
    if not await _load_unbuilt(session, job_id):
        return []  # built: they are in `identities`
    held: list[tuple[str, str]] = []
    for table, column in _held_by_load(job_id):
        query = f"SELECT kind, value FROM identity.{table} WHERE {column} = :id ORDER BY 1, 2"
        held += [(k, v) for k, v in await session.execute(sa.text(query), {"id": customer_id})]
    return held


async def forget_loaded(
    session: AsyncSession, *, job_id: uuid.UUID, customer_ids: list[uuid.UUID]
) -> None:
    """Erasing customers an initial load wrote before their identifiers are built: those go
    from the load's tables (call with the job's row locked, `jobs.repository.loading`)."""
    if not await _load_unbuilt(session, job_id):
        return  # built: they are in `identities`, erased with the rest
    for table, column in _held_by_load(job_id):
        await session.execute(
            sa.text(f"DELETE FROM identity.{table} WHERE {column} = ANY(:ids)"),
            {"ids": customer_ids},
        )


def _split_lines(lines: bytes, rows: set[int]) -> tuple[bytes, bytes]:
    """Staged lines (each starting with its row's number) of the other rows, and of `rows`."""
    if not rows or not lines:
        return lines, b""
    others: list[bytes] = []
    chosen: list[bytes] = []
    for line in lines.splitlines(keepends=True):
        (chosen if int(line[: line.index(b"\t")]) in rows else others).append(line)
    return b"".join(others), b"".join(chosen)


class _Written(NamedTuple):
    """How one batch is written (its statements' parameters)."""

    pg: Any
    tenant_id: uuid.UUID
    job_id: uuid.UUID
    now: datetime
    on_existing: str
    steps: dict[str, float]

    async def copy(
        self, step: str, table: str, lines: bytes, columns: tuple[str, ...], schema: str | None
    ) -> None:
        """COPY `lines` (COPY's text format) into `table`, adding the time to `step`."""
        if lines:
            await _step(
                self.steps,
                step,
                self.pg.copy_to_table(
                    table, schema_name=schema, source=_chunked(lines), columns=columns
                ),
            )

    async def stage(self, customers: bytes, identities: bytes) -> None:
        """COPY rows and their identifiers into the staging tables."""
        await self.copy("stage", "import_customers", customers, STAGED_CUSTOMER_COLUMNS, None)
        await self.copy("stage", "import_identities", identities, STAGED_IDENTITY_COLUMNS, None)

    async def initial(self, batch: Prepared, aside: set[int], *, at_end: bool) -> Outcome:
        """An initial load's batch: the rows `aside` wait (`at_end`: in the load's tables, until
        its identifiers are built; else staged, looked up in this batch), the others go straight
        into their tables (`direct`), or, should one of those be held already, the batch is
        written as any other (`rest`)."""
        assert batch.direct is not None
        rows = batch.direct
        shared, shared_aside = _split_lines(batch.identities, aside)
        waiting = staging_lines(rows, aside), shared_aside + staged_identities(rows, aside)
        if at_end:
            load = _Load(self.job_id)
            await self.copy("stage", load.rows, waiting[0], STAGED_CUSTOMER_COLUMNS, "identity")
            await self.copy(
                "stage", load.row_identities, waiting[1], STAGED_IDENTITY_COLUMNS, "identity"
            )
        else:
            await self.stage(*waiting)
        return await _unless_held(
            self.pg,
            "batch",
            lambda: self.direct(rows, aside, shared, at_end=at_end),
            lambda: self.rest(rows, aside, shared),
        )

    async def direct(
        self, rows: DirectRows, aside: set[int], shared: bytes, *, at_end: bool
    ) -> Outcome:
        """The rows not `aside` straight into `customers` and `match_records`; their
        identifiers (personal, and `shared`) into the load's tables (`at_end`), or into
        `identities` now, after which the staged rows that wait are written. A customer number
        (or, not `at_end`, an identifier) held already raises the unique violation.

        Not `at_end` is a load into an `identities` table too large to be built anew: its
        identifiers are inserted while the next batches are validated (the second tenant's
        million, built at the end instead: 86-89 s, against 74 s so)."""
        lines = direct_lines(rows, aside)
        schema, pg, steps = "identity", self.pg, self.steps
        await self.copy("customers", "customers", lines.customers, DIRECT_CUSTOMER_COLUMNS, schema)
        await self.copy("records", "match_records", lines.records, DIRECT_RECORD_COLUMNS, schema)
        if at_end:
            load = _Load(self.job_id)
            await self.copy(
                "identities", load.identities, lines.identities, DIRECT_IDENTITY_COLUMNS, schema
            )
            await self.copy("identities", load.shared, shared, STAGED_IDENTITY_COLUMNS, schema)
            return Outcome(lines.count, [])
        await self.copy(
            "identities", "import_owned", lines.identities, DIRECT_IDENTITY_COLUMNS, None
        )
        await _step(steps, "identities", pg.execute(_OWNED, self.tenant_id, self.now))
        await self.copy("stage", "import_identities", shared, STAGED_IDENTITY_COLUMNS, None)
        if lines.count:
            await _step(steps, "customers", pg.execute(_DIRECT_WRITTEN))
        staged = await self.rows(checked=False)
        return await self.finish(staged._replace(imported=staged.imported + lines.count))

    async def rest(self, rows: DirectRows, aside: set[int], shared: bytes) -> Outcome:
        """The rows of a direct batch not `aside` are staged, and written as any other batch:
        every row looked up, upserted (their identifiers then go into `identities` itself; no
        earlier row of the load has them, or they would be aside)."""
        others = set(rows[0]) - aside
        await self.stage(staging_lines(rows, others), shared + staged_identities(rows, others))
        return await self.finish(await self.rows())

    async def rows(self, *, checked: bool = True) -> Outcome:
        """Mark the staged rows equal to their customer (`_UNCHANGED`) and leave them; reject
        those holding another customer's identifiers, write the customers, then their personal
        identifiers (see `personal`)."""
        pg, steps = self.pg, self.steps
        unchanged = 0
        if self.on_existing == "update":
            unchanged = await _step(
                steps, "customers", pg.fetchval(_UNCHANGED, self.tenant_id, self.job_id)
            )
        clashes = await _step(steps, "clashes", pg.fetch(_CLASHES, self.tenant_id))
        if clashes:
            await _step(steps, "clashes", pg.execute(_DROP_ROWS, [c["n"] for c in clashes]))
        rejected = [
            rejection(c["n"], c["kind"], f"{c['kind']} belongs to another customer")
            for c in clashes
        ]
        args = (self.tenant_id, self.job_id, self.now)
        if self.on_existing == "update":
            await _step(steps, "customers", pg.execute(_UPSERT, *args))
            message = "customer_number appears earlier in the file or belongs to a merged customer"
        else:
            await _step(steps, "customers", pg.execute(_INSERT_ONLY, *args))
            message = "customer_number exists already"
        not_written = await _step(steps, "customers", pg.fetch(_NOT_WRITTEN))
        rejected += [rejection(n, "customer_number", message) for (n,) in not_written]
        updated = await _step(
            steps,
            "customers",
            pg.fetchval("SELECT array_agg(customer_id) FROM import_written WHERE NOT inserted"),
        )
        if updated:  # as an array parameter: index probes, never a scan of the whole master
            await _step(steps, "customers", pg.execute(_REPLACE_OLD, self.tenant_id, updated))
        await _step(steps, "identities", self.personal(checked=checked))
        return Outcome(unchanged, rejected, unchanged)  # the records are counted after

    async def personal(self, *, checked: bool) -> None:
        """Insert the personal identifiers. When every holder was `checked`, one still held is
        an unknown person's (unverified), or was given to a customer meanwhile: the upsert
        takes over the first and leaves the second. Otherwise it raises the unique violation."""
        pg, args = self.pg, (self.tenant_id, self.now, True)
        if not checked:
            await pg.execute(_NEW_IDENTITIES, *args)
            return
        await _unless_held(
            pg,
            "identities",
            lambda: pg.execute(_NEW_IDENTITIES, *args),
            lambda: pg.execute(_IDENTITIES, *args),
        )

    async def finish(self, outcome: Outcome, *, postings: bool = False) -> Outcome:
        """The staged rows' shared identifiers, standardised records and (with `postings`)
        blocking postings, after `rows`; the rows written are counted."""
        pg, steps = self.pg, self.steps
        await _step(steps, "identities", pg.execute(_IDENTITIES, self.tenant_id, self.now, False))
        status = await _step(steps, "records", pg.execute(_RECORDS, self.tenant_id))
        if postings:
            await _step(steps, "postings", pg.execute(_POSTINGS, self.tenant_id))
        return outcome._replace(imported=outcome.imported + int(status.rsplit(" ", 1)[1]))


# After an import this large the written tables are analysed at once (part of the job's time),
# so the planner sees their new sizes, and the postings are vacuumed too: a freshly COPYed table
# has no visibility map, so every index-only probe of the online lookup would visit the heap
# until autovacuum comes by. VACUUM only visits pages not yet all-visible, so it is cheap on a
# large master. The other tables are read through the heap anyway.
SETTLE_MIN_ROWS = 10_000
# The steps of writing a batch, as the job's result names them: staging (COPY), the check of
# identifiers held by others, the customers upsert, identifiers, standardised records, blocking
# postings, the job's progress with the commit; `settle` once at the end of a large import
# (vacuum and analyse, and the tenant's master counted for the prior model's odds).
STEPS = ("stage", "clashes", "customers", "identities", "records", "postings", "commit", "settle")
_ANALYSE_WRITTEN = "ANALYZE identity.match_records, identity.identities, identity.customers"
_SETTLE_POSTINGS = "VACUUM (ANALYZE) identity.blocking_postings"


async def settle(db: Database, *statements: str) -> None:
    """Vacuum or analyse tables an import wrote: `statements` (VACUUM runs outside a
    transaction)."""
    async with db.engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        for statement in statements:
            await autocommit.exec_driver_sql(statement)


# Files this large are validated in worker processes while this process writes the previous
# batch; smaller ones (a few thousand rows) are not worth starting the workers for.
POOL_MIN_BYTES = 4 << 20
# Batches validated ahead of the writer: keeps both cores busy at constant memory.
AHEAD = 3
# The validation workers' nice value: when the cores are full, the service's own process (its
# online requests, and the writer) goes first. Resolving one record at a time against a loaded
# tenant while another tenant's million was imported, three pairs of runs: p50 4.3-4.6 -> 3.1-3.3
# ms, p99 25.7-28.4 -> 16.6-18.7 ms, the import no slower (measured).
WORKER_NICE = 10
_pool: ProcessPoolExecutor | None = None


def _executor() -> ProcessPoolExecutor:
    """Worker processes for validation, started on first use and kept for later imports."""
    global _pool
    if _pool is None:
        # spawn, not fork: forking a process that runs an event loop and threads is unsafe.
        _pool = ProcessPoolExecutor(
            max_workers=min(2, os.cpu_count() or 1),
            mp_context=multiprocessing.get_context("spawn"),
            initializer=os.nice,
            initargs=(WORKER_NICE,),
        )
    return _pool


def shutdown_pool() -> None:
    """Stop the validation workers (at service shutdown)."""
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=False, cancel_futures=True)
        _pool = None


async def _unpacked(packed: Awaitable[bytes]) -> Prepared:
    return unpack(await packed)


_Ahead = tuple[asyncio.Future[Prepared], list[RawRow], Direct | None, int]


async def _validated(
    chunks: Iterator[list[RawRow]],
    handle: BinaryIO,
    executor: ProcessPoolExecutor | None,
    today: date,
    job_id: uuid.UUID,
    header: list[str],
    direct: uuid.UUID | None = None,
) -> AsyncIterator[tuple[Prepared, int]]:
    """The validated batches in file order, each with the file position after it; `header`
    is a CSV file's (filled by its reader), empty for NDJSON. With `direct` (the tenant of an
    initial load), the batches are made for their own tables (`Direct`, as they are handed on).

    A task reads the next chunk (in a thread: the event loop keeps answering) and hands it to
    the validation workers while the caller writes a batch, up to `AHEAD` batches ahead:
    neither PostgreSQL nor the workers wait for the reading. Should a worker die (killed, out of
    memory), the batches go on in this process."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[_Ahead | Exception | None] = asyncio.Queue(AHEAD)
    pool = executor

    def fields() -> tuple[str, ...] | None:  # known once the first row is read
        return tuple(header) or None

    def shared() -> Direct | None:
        if direct is None:
            return None
        return Direct(str(direct), str(job_id), datetime.now(UTC).isoformat())

    def prepare(items: list[RawRow], context: Direct | None) -> Prepared:
        return prepare_batch(items, today, fields(), context)

    def submit(items: list[RawRow], context: Direct | None) -> asyncio.Future[Prepared]:
        if pool is None:
            return loop.run_in_executor(None, prepare, items, context)
        packed = loop.run_in_executor(pool, prepare_packed, items, today, fields(), context)
        return asyncio.ensure_future(_unpacked(packed))

    async def produce() -> None:
        try:
            while (items := await asyncio.to_thread(next, chunks, None)) is not None:
                context = shared()
                await queue.put((submit(items, context), items, context, handle.tell()))
            await queue.put(None)
        except Exception as exc:  # FileError, OSError: the caller raises it in its turn
            await queue.put(exc)

    producer = asyncio.ensure_future(produce())
    try:
        while (entry := await queue.get()) is not None:
            if isinstance(entry, Exception):
                raise entry
            future, items, context, position = entry
            try:
                batch = await future
            except BrokenProcessPool:
                if pool is not None:
                    log.warning("identity.import.pool_broken", job_id=str(job_id))
                    shutdown_pool()
                    pool = None
                batch = await asyncio.to_thread(prepare, items, context)
            yield batch, position
    finally:
        # A thread still reading ends at its next row; its chunk is not wanted.
        producer.cancel()
        while not queue.empty():
            if isinstance(entry := queue.get_nowait(), tuple):
                entry[0].cancel()


class Seen:
    """The personal identifiers of a file's earlier batches, as a Bloom filter of their hashes,
    and the customer numbers of the rows kept aside (a second one).

    In a tenant where nobody holds a verified identifier, an import's rows can only clash with
    its own earlier rows: a row none of whose identifiers is in the filter need not be looked
    up, and its identifiers are written into the load's own table (`_Load`); a row that may
    repeat one is kept aside until those are written (a false positive costs one row kept
    aside), and so is a later row with its customer number, so that of two rows with one number
    the earlier is written first. About 10 bits per identifier, sized from the file (at most one
    personal identifier per 128 bytes) and rounded up to a power of two: 4 MB for 226 MB of
    file, 32 MB for 2 GB; as much again for the numbers."""

    HASHES = 7

    def __init__(self, file_bytes: int) -> None:
        self._size = 1 << (max(1 << 16, file_bytes // 128 * 10) - 1).bit_length()
        self._filter = np.zeros(self._size // 8, dtype=np.uint8)
        self._aside = np.zeros(self._size // 8, dtype=np.uint8)

    def probe(self, personal: bytes, numbers: bytes = b"") -> list[int]:
        """The rows of a batch (`Prepared.personal`, `Prepared.numbers`) to keep aside: those
        holding an identifier that may have come before, and those with a number a row kept
        aside may hold. The batch's identifiers are remembered, and the numbers of those rows."""
        found = self._hits(self._filter, personal, remember=True)
        pairs = np.frombuffer(numbers, dtype=np.uint64).reshape(-1, 2)
        found |= self._hits(self._aside, numbers)
        if found and len(pairs):
            aside = np.isin(pairs[:, 0], np.fromiter(found, dtype=np.uint64))
            self._hits(self._aside, pairs[aside].tobytes(), remember=True)
        return sorted(found)

    def _hits(self, bits: np.ndarray, pairs_bytes: bytes, *, remember: bool = False) -> set[int]:
        """The rows of (row, hash) pairs whose hash may be in `bits`; with `remember`, the
        hashes are added."""
        pairs = np.frombuffer(pairs_bytes, dtype=np.uint64).reshape(-1, 2)
        if not len(pairs):
            return set()
        hashes = pairs[:, 1]
        low, step = hashes & np.uint64(0xFFFFFFFF), (hashes >> np.uint64(32)) | np.uint64(1)
        rounds = np.arange(self.HASHES, dtype=np.uint64)
        positions = (low[:, None] + step[:, None] * rounds) & np.uint64(self._size - 1)
        cells, shifts = positions >> np.uint64(3), (positions & np.uint64(7)).astype(np.uint8)
        maybe = ((bits[cells] >> shifts) & 1).all(axis=1)
        if remember:
            np.bitwise_or.at(bits, cells.ravel(), np.left_shift(np.uint8(1), shifts).ravel())
        return {int(n) for n in pairs[maybe, 0]}


async def _counts(
    db: Database, tenant_id: uuid.UUID, job_id: uuid.UUID
) -> tuple[int, int, int, list[dict[str, Any]]]:
    """A job's rows read, imported and rejected, and its errors, as stored."""
    async with db.session() as session:
        job = await jobs.get(session, tenant_id=tenant_id, job_id=job_id)
    assert job is not None
    return job.rows_read, job.rows_imported, job.rows_rejected, list(job.errors)


_NOBODY_VERIFIED = sa.text(
    "SELECT NOT EXISTS (SELECT 1 FROM identity.identities WHERE tenant_id = :tenant_id "
    "AND verified)"
)


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
    are written in file order, one transaction each. The job's counts go on from what it holds:
    a resumed job (the same file again, after a failure) skips the rows its committed batches
    read; a new one holds none."""
    started = time.perf_counter()
    validation_cpu = 0.0
    # Seconds spent in each step of writing (the job's result shows where the time went).
    steps = dict.fromkeys(STEPS, 0.0)
    today = date.today()
    async with db.session() as session:
        await jobs.update(session, job_id=job_id, state="running", detail=None)
        job = await jobs.get(session, tenant_id=tenant_id, job_id=job_id)
    assert job is not None
    read, imported, rejected_count = job.rows_read, job.rows_imported, job.rows_rejected
    errors: list[dict[str, Any]] = list(job.errors)
    skipped = read
    unchanged = int(job.result.get("rows_unchanged", 0))  # imported rows equal to the master
    deferred = job.postings_pending  # a resumed initial load goes on as one
    if job.identities_pending:  # its earlier rows' identifiers first: the rest is looked up
        await build_identities(db, tenant_id=tenant_id, job_id=job_id)
        await write_aside(
            db, tenant_id=tenant_id, job_id=job_id, steps=steps, on_existing=on_existing
        )
        read, imported, rejected_count, errors = await _counts(db, tenant_id, job_id)
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            executor = _executor() if size >= POOL_MIN_BYTES else None
            seen = None  # an initial load's own identifiers, where nobody else holds any
            at_end = False  # its identifiers built at its end (into a small `identities`)
            if executor is not None and not skipped:
                tenant = {"tenant_id": tenant_id}
                async with db.session() as session:
                    if not deferred:
                        deferred = bool(await session.scalar(_FIRST_LOAD, tenant))
                        if deferred:
                            await jobs.update(session, job_id=job_id, postings_pending=True)
                    if deferred and await session.scalar(_NOBODY_VERIFIED, tenant):
                        seen = Seen(size)
                        at_end = await _few_identities(await driver_connection(session))
                    if at_end:
                        for statement in _Load(job_id).create(tenant_id):
                            await session.execute(sa.text(statement))
                        await jobs.update(session, job_id=job_id, identities_pending=True)
            header: list[str] = []
            rows = csv_rows(handle, header) if kind == "csv" else ndjson_rows(handle)
            if skipped:  # committed before the failure: read (numbered) but not imported again
                rows = (row for row in rows if row[0] > skipped)
            chunks = _chunks(rows)
            validated = _validated(
                chunks, handle, executor, today, job_id, header, None if seen is None else tenant_id
            )
            async with contextlib.aclosing(validated) as batches:
                async for batch, position in batches:
                    async with db.session() as session:
                        outcome = await write_batch(
                            session,
                            tenant_id=tenant_id,
                            job_id=job_id,
                            batch=batch,
                            on_existing=on_existing,
                            steps=steps,
                            postings=not deferred,
                            identities=not at_end,
                            probe=None
                            if seen is None
                            else seen.probe(batch.personal, batch.numbers),
                        )
                        read += batch.read
                        validation_cpu += batch.cpu_seconds
                        imported += outcome.imported
                        kept = len(errors)
                        rejected = [*(Rejected(n, e) for n, e in batch.rejected), *outcome.rejected]
                        rejected_count += len(rejected)
                        _add_errors(errors, rejected)
                        progress: dict[str, Any] = {"errors": errors} if len(errors) > kept else {}
                        if outcome.unchanged:  # kept with the progress: a resumed job goes on
                            unchanged += outcome.unchanged
                            progress["result"] = {"rows_unchanged": unchanged}
                        await jobs.update(
                            session,
                            job_id=job_id,
                            rows_read=read,
                            rows_imported=imported,
                            rows_rejected=rejected_count,
                            bytes_done=position,
                            **progress,  # errors (up to MAX_ERRORS) only when they grew
                        )
                        committing = time.perf_counter()
                    steps["commit"] += time.perf_counter() - committing
    except FileError as exc:
        async with db.session() as session:
            await jobs.update(session, job_id=job_id, state="failed", detail=str(exc))
        # The rows written so far are finished all the same.
        await finish_load(db, tenant_id=tenant_id, job_id=job_id, on_existing=on_existing)
        return {"state": "failed"}
    finally:
        path.unlink(missing_ok=True)  # noqa: ASYNC240 - one syscall, once per job
    if deferred:
        async with db.session() as session:
            await jobs.update(session, job_id=job_id, detail="building the identifiers and index")
        await finish_load(
            db, tenant_id=tenant_id, job_id=job_id, steps=steps, on_existing=on_existing
        )
        read, imported, rejected_count, errors = await _counts(db, tenant_id, job_id)
    if imported >= SETTLE_MIN_ROWS:
        analysed = () if deferred else (_ANALYSE_WRITTEN,)  # by the build (`build_postings`)
        await _step(steps, "settle", settle(db, _SETTLE_POSTINGS, *analysed))
    # The prior model's odds follow the master's size (a scan of every tenant's records; after a
    # smaller change, the periodic count within minutes, `resolution.COUNT_MASTERS_EVERY`).
    if imported - unchanged >= SETTLE_MIN_ROWS:
        async with db.session() as session:
            await _step(steps, "settle", resolution.store_master_sizes(session, wait=True))
    seconds = time.perf_counter() - started
    result: dict[str, Any] = {
        "seconds": round(seconds, 3),
        "rows_per_second": round((read - skipped) / seconds) if seconds else None,
        "rows_unchanged": unchanged,
        "validation_cpu_seconds": round(validation_cpu, 3),
        "write_seconds": {name: round(seconds, 3) for name, seconds in steps.items()},
    }
    if skipped:
        result["resumed_after_row"] = skipped
    async with db.session() as session:
        await jobs.update(session, job_id=job_id, state="succeeded", result=result, detail=None)
    log.info("identity.import.finished", rows=read, imported=imported, rejected=rejected_count)
    return result
