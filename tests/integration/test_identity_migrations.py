"""Upgrading a master written before blocking postings and mailbox keys: still found as before."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import orjson
import sqlalchemy as sa
from support.identity_imports import import_rows
from support.migrations import upgrade_to

from services.identity.app import SERVICE
from services.identity.imports import parsing
from services.identity.matching import StandardRecord, blocking_keys
from services.identity.resolution import records
from services.identity.resolution import repository as resolution
from shared import Database


def _kathi(record_id: str) -> StandardRecord:
    return records.customer_record(
        record_id=record_id,
        given_name="Katharina",
        family_name="Schneider",
        date_of_birth="1975-04-12",
        street="Lindenstraße 12",
        postcode="50667",
        city="Köln",
        emails=["k.schneider@example.de"],
    )


async def test_a_master_from_before_postings_is_found_after_the_upgrade(
    fresh_database_url,
) -> None:
    db = Database(fresh_database_url, schema="identity", pool_size=2)
    tenant, customer = uuid.uuid4(), uuid.uuid4()
    try:
        async with db.engine.begin() as conn:
            await conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS identity"))
            await conn.run_sync(upgrade_to, SERVICE, "0003")
        # What the old write path stored: text keys per tenant, including retired kinds.
        old_keys = [*blocking_keys(_kathi(str(customer))), "fd:8627:1975-04-12", "fc:8627:koln"]
        record: dict[str, Any] = records.record_to_json(_kathi(str(customer)))
        async with db.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    """INSERT INTO identity.customers (id, tenant_id, family_name, emails, phones,
                       handles, is_prospect, created_at, updated_at)
                       VALUES (:id, :t, 'Schneider', '[]', '[]', '{}', false, now(), now())"""
                ),
                {"id": customer, "t": tenant},
            )
            await conn.execute(
                sa.text(
                    """INSERT INTO identity.match_records (id, tenant_id, customer_id, record, keys)
                       VALUES (:id, :t, :id, CAST(:r AS jsonb), :k)"""
                ),
                {"id": customer, "t": tenant, "r": orjson.dumps(record).decode(), "k": old_keys},
            )
            # Email identifiers as they were keyed before: only lower-cased.
            await conn.execute(
                sa.text(
                    """INSERT INTO identity.identities (tenant_id, kind, value, customer_id,
                       verified, created_at)
                       VALUES (:t, 'email', 'k.schneider@gmail.com', :id, true, now()),
                              (:t, 'email', 'kschneider+shop@googlemail.com', :id, false, now())"""
                ),
                {"id": customer, "t": tenant},
            )
            await conn.execute(
                sa.text(
                    """INSERT INTO identity.blocking_keys (tenant_id, key, record_id)
                       SELECT :t, k, :id FROM unnest(CAST(:k AS text[])) k"""
                ),
                {"id": customer, "t": tenant, "k": old_keys},
            )
        await db.migrate(SERVICE.migrations)

        fragment = records.fragment_record(name="Katarina Schnieder", postcode="50667")
        async with db.session() as session:
            (found,) = await resolution.candidates_of(
                session, tenant_id=tenant, fragments=[blocking_keys(fragment)]
            )
            (other_tenant,) = await resolution.candidates_of(
                session, tenant_id=uuid.uuid4(), fragments=[blocking_keys(fragment)]
            )
            kept = (
                await session.execute(
                    sa.text("SELECT keys FROM identity.match_records WHERE id = :id"),
                    {"id": customer},
                )
            ).scalar_one()
            emails = (
                await session.execute(
                    sa.text("SELECT value, verified FROM identity.identities WHERE kind = 'email'")
                )
            ).all()
            postings = (
                await session.execute(sa.text("SELECT count(*) FROM identity.blocking_postings"))
            ).scalar_one()
        assert [(r[0], r[1]) for r in found] == [(customer, customer)]
        assert other_tenant == []
        # The retired kinds are gone from the record and from the postings.
        assert kept == blocking_keys(_kathi(str(customer)))
        assert postings == len(kept)
        # One mailbox, one identifier: the verified one stays, in the mailbox form.
        assert [tuple(e) for e in emails] == [("kschneider@gmail.com", True)]
    finally:
        await db.dispose()


async def test_a_record_stored_as_jsonb_is_read_and_reimported_as_it_was(
    fresh_database_url, tmp_path
) -> None:
    """Records written before they were stored as `json` (0009) keep jsonb's text form: the
    lookup reads them as before, and posting the same master again leaves the row as it is."""
    db = Database(fresh_database_url, schema="identity", pool_size=2)
    tenant, customer = uuid.uuid4(), uuid.uuid4()
    row = {
        "customer_number": "M1",
        "given_name": "Katharina",
        "family_name": "Schneider",
        "date_of_birth": "1975-04-12",
        "street": "Lindenstraße 12",
        "postcode": "50667",
        "city": "Köln",
        "email": "k.schneider@example.de",
    }
    # The row as an import validates it (its columns, record and keys), stored the old way.
    valid = parsing.validate(1, row, date.today(), str(customer))
    assert isinstance(valid, parsing.Row)
    values = dict(zip(parsing.COLUMNS, valid.columns, strict=True))
    values["date_of_birth"] = date.fromisoformat(values["date_of_birth"])  # COPY's text
    names = ", ".join(parsing.COLUMNS)
    placeholders = ", ".join(
        f"CAST(:{c} AS jsonb)" if c in ("emails", "phones", "handles") else f":{c}"
        for c in parsing.COLUMNS
    )
    try:
        async with db.engine.begin() as conn:
            await conn.execute(sa.text("CREATE SCHEMA IF NOT EXISTS identity"))
            await conn.run_sync(upgrade_to, SERVICE, "0008")
        async with db.engine.begin() as conn:
            await conn.execute(
                sa.text(
                    f"""INSERT INTO identity.customers (id, tenant_id, customer_number, {names},
                        is_prospect, imported_by, created_at, updated_at)
                        VALUES (:id, :t, 'M1', {placeholders}, false, :job, now(), now())"""
                ),
                {"id": customer, "t": tenant, "job": uuid.uuid4(), **values},
            )
            await conn.execute(
                sa.text(
                    """INSERT INTO identity.match_records (id, tenant_id, customer_id, record, keys)
                       VALUES (:id, :t, :id, CAST(:r AS jsonb), :k)"""
                ),
                {"id": customer, "t": tenant, "r": valid.record, "k": valid.keys},
            )
        await db.migrate(SERVICE.migrations)
        async with db.session() as session:  # 0010 counted the tenants' masters there were
            assert await resolution.stored_master_size(session, tenant_id=tenant) == 1

        async with db.session() as session:
            stored = (
                await session.execute(sa.text("SELECT record::text FROM identity.match_records"))
            ).scalar_one()
        assert stored != valid.record  # jsonb's text form, not the text the import wrote
        async with db.session() as session:
            await session.execute(
                sa.text(
                    """INSERT INTO identity.blocking_postings (key, record_id)
                       SELECT identity.posting_key(:t, k), :id FROM unnest(CAST(:k AS text[])) k"""
                ),
                {"id": customer, "t": tenant, "k": valid.keys},
            )
            (found,) = await resolution.candidates_of(
                session, tenant_id=tenant, fragments=[valid.keys]
            )
        assert found == [(customer, customer, orjson.loads(valid.record))]

        again = await import_rows(db, tenant, tmp_path, [row])
        assert (again.rows_imported, again.rows_rejected) == (1, 0)
        assert again.result["rows_unchanged"] == 1
    finally:
        await db.dispose()
