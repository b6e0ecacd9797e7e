"""An initial load's identifiers: written into its own table, built once at its end, with the
rows that repeat an earlier row's identifier kept aside until then and written in file order."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest
from integration.test_identity import _held
from support.identity_imports import add_unknown_person, import_rows

_IDENTITIES_TABLE = (
    "SELECT 'identity.identities'::regclass::oid AS oid, "
    "(SELECT pg_get_constraintdef(oid) FROM pg_constraint "
    " WHERE conrelid = 'identity.identities'::regclass AND conname = 'identities_pkey') AS pkey, "
    "(SELECT count(*) FROM pg_tables WHERE schemaname = 'identity' AND tablename LIKE 'load%') "
    " AS load_tables"
)


async def _table(db: Any) -> Any:
    import sqlalchemy as sa

    async with db.session() as session:
        return (await session.execute(sa.text(_IDENTITIES_TABLE))).one()


@pytest.fixture
def initial_load(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Every file runs as an initial load (the worker processes, batches of two rows)."""
    from services.identity.imports import service as imports

    monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "BATCH", 2)
    yield imports
    imports.shutdown_pool()


@pytest.mark.parametrize("how", ["table-replaced", "inserted-at-end", "batch-by-batch"])
async def test_rows_repeating_an_identifier_are_written_after_the_loads_identifiers_in_file_order(
    platform, database_url, initial_load, monkeypatch, tmp_path, how
) -> None:
    """A row repeating an earlier row's email is rejected; one repeating only the identifier
    of a row rejected so is written; a later row with the number of a row kept aside is the
    duplicate (not the row kept aside), and a household's landline stays with its first
    holder. Into a small identities table the load's own table takes its place; into a large
    one the identifiers are inserted batch by batch, or, should it have grown large while the
    load ran, at the end."""
    from services.identity.jobs import repository as jobs
    from shared import Database

    imports = initial_load
    if how == "batch-by-batch":
        monkeypatch.setattr(imports, "REPLACE_MAX_IDENTITIES", 0)
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    try:
        before = await _table(db)
        rows = [
            {"customer_number": "N1", "family_name": "Aal", "email": "a@example.de",
             "handles": {"twitter": "@aal"}},
            {"customer_number": "N2", "family_name": "Bär", "email": "b@example.de",
             "phone": "0221 1234567"},
            # Row 3 repeats row 1's email (kept aside, rejected).
            {"customer_number": "N3", "family_name": "Chen", "email": "a@example.de",
             "handles": {"twitter": "@chen"}},
            {"customer_number": "N4", "family_name": "Dachs", "email": "c@example.de"},
            # Row 5 repeats only row 3's handle (kept aside, written: row 3 was rejected).
            {"customer_number": "N5", "family_name": "Elch", "handles": {"twitter": "@chen"}},
            {"customer_number": "N6", "family_name": "Fuchs", "email": "f@example.de"},
            # Row 7 has row 5's number (kept aside behind it: the duplicate).
            {"customer_number": "N5", "family_name": "Gans", "email": "g@example.de"},
            # Row 8 shares row 2's landline (a household: row 2 keeps it).
            {"customer_number": "N8", "family_name": "Bär", "phone": "0221 1234567"},
        ]  # fmt: skip
        if how == "inserted-at-end":
            job = await _loaded_until_the_end(imports, monkeypatch, db, tenant, tmp_path, rows)
            monkeypatch.setattr(imports, "REPLACE_MAX_IDENTITIES", 0)
            await imports.finish_load(db, tenant_id=tenant, job_id=job.id)
            async with db.session() as session:
                done = await jobs.get(session, tenant_id=tenant, job_id=job.id)
        else:
            done = await import_rows(db, tenant, tmp_path, rows)
        assert done.state == "succeeded" and not done.identities_pending
        assert (done.rows_read, done.rows_imported, done.rows_rejected) == (8, 6, 2)
        assert [(e["row"], e["field"]) for e in done.errors] == [
            (3, "email"),
            (7, "customer_number"),
        ]
        async with db.session() as session:
            numbers, held = await _held(session, tenant)
        assert sorted(n for n in numbers.values() if n) == ["N1", "N2", "N4", "N5", "N6", "N8"]
        assert held == {
            **{("customer_number", n): n for n in ("N1", "N2", "N4", "N5", "N6", "N8")},
            ("email", "a@example.de"): "N1",
            ("handle", "twitter:aal"): "N1",
            ("email", "b@example.de"): "N2",
            ("phone", "+492211234567"): "N2",
            ("email", "c@example.de"): "N4",
            ("handle", "twitter:chen"): "N5",
            ("email", "f@example.de"): "N6",
        }
        after = await _table(db)
        assert (after.oid != before.oid) is (how == "table-replaced")
        assert after.pkey == "PRIMARY KEY (tenant_id, value, kind)"
        assert after.load_tables == before.load_tables == 0
        # The table works as before: an identifier is looked up, one held cannot be given twice.
        from services.identity.customers import repository

        by_number = {number: customer for customer, number in numbers.items()}
        async with db.session() as session:
            found = await repository.find_by_identities(
                session, tenant_id=tenant, keys=[("email", "c@example.de")]
            )
            assert [h.customer_id for h in found] == [by_number["N4"]]
            taken = await repository.add_identities(
                session, tenant_id=tenant, customer_id=by_number["N1"],
                keys=[("email", "c@example.de")], verified=True,
            )  # fmt: skip
            assert taken == [("email", "c@example.de")]
    finally:
        await db.dispose()


async def _loaded_until_the_end(
    imports: Any, monkeypatch: pytest.MonkeyPatch, db: Any, tenant: uuid.UUID, tmp_path: Any,
    rows: list[dict[str, Any]],
) -> Any:  # fmt: skip
    """Run an initial load up to its last step (`finish_load`), left for the test to run."""

    async def later(*args: Any, **kwargs: Any) -> None:
        return None

    with monkeypatch.context() as patched:
        patched.setattr(imports, "finish_load", later)
        job = await import_rows(db, tenant, tmp_path, rows)
    assert job.identities_pending and job.postings_pending
    return job


async def test_a_loads_customers_wait_for_its_identifiers_and_one_erased_meanwhile_stays_erased(
    platform, database_url, initial_load, monkeypatch, tmp_path
) -> None:
    """Until an initial load's identifiers are built, its customers are not found by them and
    cannot be changed or merged (409); one erased meanwhile gets none of them back. At the end,
    an unknown person's identifier the load holds too goes to the loaded customer, and a row
    whose email a customer was given meanwhile is rejected after all (with its row number)."""
    import sqlalchemy as sa

    from services.identity.customers import repository
    from services.identity.customers import service as customers
    from services.identity.customers.models import Identity
    from services.identity.customers.schemas import CustomerCreate, CustomerUpdate
    from services.identity.jobs import repository as jobs
    from shared import Conflict, Database

    imports = initial_load
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    try:
        async with db.session() as session:
            await add_unknown_person(session, tenant, "fan@example.de")
        job = await _loaded_until_the_end(
            imports, monkeypatch, db, tenant, tmp_path,
            [
                {"customer_number": "M1", "family_name": "Maus", "email": "Fan@example.de"},
                {"customer_number": "M2", "family_name": "Molch", "email": "m2@example.de"},
                {"customer_number": "M3", "family_name": "Marder", "email": "m3@example.de"},
                {"customer_number": "M4", "family_name": "Möwe", "email": "m4@example.de"},
            ],
        )  # fmt: skip
        async with db.session() as session:
            numbers = {n: i for i, n in (await _held(session, tenant))[0].items()}
            assert (
                await repository.find_by_identities(
                    session, tenant_id=tenant, keys=[("email", "m2@example.de")]
                )
                == []
            )
        changes = (
            lambda session: customers.update(
                session, tenant_id=tenant, customer_id=numbers["M2"],
                data=CustomerUpdate(family_name="Molch-Neu"),
            ),
            lambda session: customers.merge(
                session, tenant_id=tenant, survivor_id=numbers["M2"], other_id=numbers["M4"]
            ),
        )  # fmt: skip
        for change in changes:
            with pytest.raises(Conflict):
                async with db.session() as session:
                    await change(session)
        async with db.session() as session:
            export = await customers.export(session, tenant_id=tenant, customer_id=numbers["M2"])
        assert sorted((i["kind"], i["value"]) for i in export["identities"]) == [
            ("customer_number", "M2"),
            ("email", "m2@example.de"),
        ]
        async with db.session() as session:
            await customers.erase(
                session, tenant_id=tenant, customer_id=numbers["M3"], correlation_id="t"
            )
            # A customer created meanwhile is given row 4's email.
            given = CustomerCreate(customer_number="X1", family_name="Xu", emails=["m4@example.de"])
            await customers.create(session, tenant_id=tenant, data=given)

        await imports.finish_load(db, tenant_id=tenant, job_id=job.id)

        async with db.session() as session:
            done = await jobs.get(session, tenant_id=tenant, job_id=job.id)
            _, held = await _held(session, tenant)
            verified = await session.scalar(
                sa.select(Identity.verified).where(
                    Identity.tenant_id == tenant, Identity.value == "fan@example.de"
                )
            )
        assert done is not None and not done.identities_pending and not done.postings_pending
        assert (done.rows_imported, done.rows_rejected) == (3, 1)
        assert [(e["row"], e["field"]) for e in done.errors] == [(4, "email")]
        assert held == {
            ("customer_number", "M1"): "M1",
            ("email", "fan@example.de"): "M1",
            ("customer_number", "M2"): "M2",
            ("email", "m2@example.de"): "M2",
            ("customer_number", "X1"): "X1",
            ("email", "m4@example.de"): "X1",
        }
        assert verified is True
        async with db.session() as session:
            assert (
                await repository.get(session, tenant_id=tenant, customer_id=numbers["M4"]) is None
            )
            changed = await customers.update(
                session, tenant_id=tenant, customer_id=numbers["M2"],
                data=CustomerUpdate(family_name="Molch-Neu"),
            )  # fmt: skip
        assert changed.family_name == "Molch-Neu"
    finally:
        await db.dispose()


async def test_a_failed_initial_load_builds_its_identifiers_before_it_resumes_or_when_reaped(
    platform, database_url, initial_load, monkeypatch, tmp_path
) -> None:
    """A load that stopped before its last step: resumed, its identifiers are built first, so
    a later row repeating one is rejected; one left failed is finished by the reaper."""
    import sqlalchemy as sa

    from services.identity.imports import service as imports
    from services.identity.jobs import repository as jobs
    from services.identity.jobs import service as job_service
    from services.identity.jobs.models import Job
    from shared import Database

    db = Database(database_url, schema="identity", pool_size=2)
    tenant, other = uuid.uuid4(), uuid.uuid4()
    rows = [
        {"customer_number": "R1", "family_name": "Rabe", "email": "r1@example.de"},
        {"customer_number": "R2", "family_name": "Reh", "email": "r2@example.de"},
        {"customer_number": "R3", "family_name": "Rind", "email": "r1@example.de"},
    ]
    try:
        job = await _loaded_until_the_end(imports, monkeypatch, db, tenant, tmp_path, rows)
        async with db.session() as session:
            await session.execute(sa.update(Job).where(Job.id == job.id).values(state="failed"))
        # Resumed with the rest of the file: its first row repeats row 1's email.
        path = tmp_path / "rest.ndjson"
        more = [
            {"customer_number": "R4", "family_name": "Ross", "email": "R1@example.de"},
            {"customer_number": "R5", "family_name": "Robbe", "email": "r5@example.de"},
        ]

        path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in [*rows, *more]))
        await imports.run(db, tenant_id=tenant, job_id=job.id, path=path, kind="ndjson")
        async with db.session() as session:
            done = await jobs.get(session, tenant_id=tenant, job_id=job.id)
            _, held = await _held(session, tenant)
        assert done is not None and done.state == "succeeded" and not done.identities_pending
        assert (done.rows_read, done.rows_imported, done.rows_rejected) == (5, 3, 2)
        assert [(e["row"], e["field"]) for e in done.errors] == [(3, "email"), (4, "email")]
        assert {k: v for k, v in held.items() if k[0] == "email"} == {
            ("email", "r1@example.de"): "R1",
            ("email", "r2@example.de"): "R2",
            ("email", "r5@example.de"): "R5",
        }

        # Another load left failed at its last step: the reaper finishes it, once.
        failed = await _loaded_until_the_end(imports, monkeypatch, db, other, tmp_path, rows)
        await job_service.reap(db)  # not failed: left to its own run
        async with db.session() as session:
            assert (await jobs.get(session, tenant_id=other, job_id=failed.id)).identities_pending
            await session.execute(sa.update(Job).where(Job.id == failed.id).values(state="failed"))
        await job_service.reap(db)
        await job_service.reap(db)
        async with db.session() as session:
            reaped = await jobs.get(session, tenant_id=other, job_id=failed.id)
            _, held = await _held(session, other)
        assert reaped is not None and not reaped.identities_pending and not reaped.postings_pending
        assert (reaped.rows_imported, reaped.rows_rejected) == (2, 1)
        assert held[("email", "r1@example.de")] == "R1" and len(held) == 4
        assert (await _table(db)).load_tables == 0
    finally:
        await db.dispose()
