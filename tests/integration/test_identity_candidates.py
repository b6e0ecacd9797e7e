"""Candidate retrieval in PostgreSQL: usable keys only, the records sharing the most keys first."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from services.identity.app import SERVICE
from services.identity.resolution import repository
from shared import Database


@pytest.fixture
async def db(fresh_database_url):
    database = Database(fresh_database_url, schema="identity", pool_size=2)
    await database.migrate(SERVICE.migrations)
    try:
        yield database
    finally:
        await database.dispose()


async def _store(db: Database, tenant: uuid.UUID, keys: list[str]) -> uuid.UUID:
    record = uuid.uuid4()
    async with db.session() as session:
        await session.execute(
            sa.text(
                """INSERT INTO identity.customers (id, tenant_id, emails, phones, handles,
                   is_prospect, created_at, updated_at)
                   VALUES (:id, :t, '[]', '[]', '{}', false, now(), now())"""
            ),
            {"id": record, "t": tenant},
        )
        await repository.put_record(
            session, tenant_id=tenant, record_id=record, customer_id=record, record={}, keys=keys
        )
        await session.commit()
    return record


async def test_the_records_sharing_the_most_keys_are_the_candidates(db, monkeypatch) -> None:
    tenant = uuid.uuid4()
    three = await _store(db, tenant, ["a:1", "b:1", "c:1"])
    two = await _store(db, tenant, ["a:1", "b:1", "x:9"])
    one = await _store(db, tenant, ["a:1", "y:9"])
    elsewhere = await _store(db, uuid.uuid4(), ["a:1", "b:1", "c:1"])
    fragment = ["a:1", "b:1", "c:1"]

    async def candidates(keys: list[str]) -> list[repository.Candidate]:
        (found,) = await repository.candidates_of(session, tenant_id=tenant, fragments=[keys])
        return found

    async with db.session() as session:
        every = await candidates(fragment)
        assert {r[0] for r in every} == {three, two, one}  # never another tenant's
        monkeypatch.setattr(repository, "MAX_CANDIDATES", 2)
        best = await candidates(fragment)
        assert {r[0] for r in best} == {three, two}
        # "a:1" is held by three records here: over a cap of two it singles nobody out.
        monkeypatch.setattr(repository, "MAX_POSTINGS", 2)
        monkeypatch.setattr(repository, "MAX_CANDIDATES", 10)
        usable = await candidates(fragment)
        assert {r[0] for r in usable} == {three, two}
        # A batch: each fragment gets its own best records, the cap counted per fragment.
        monkeypatch.setattr(repository, "MAX_CANDIDATES", 1)
        batch = await repository.candidates_of(
            session, tenant_id=tenant, fragments=[fragment, ["y:9"], [], ["x:9", "b:1"]]
        )
        assert [{r[0] for r in found} for found in batch] == [{three}, {one}, set(), {two}]
    assert elsewhere not in {r[0] for r in every}


async def test_thresholds_are_read_again_once_a_change_commits(db) -> None:
    from services.identity.resolution import service

    tenant = uuid.uuid4()
    async with db.session() as session:
        before = (await service.resolver_for(session, tenant_id=tenant)).thresholds
    async with db.session() as changing:
        await service.put_thresholds(changing, tenant_id=tenant, match=0.97, review=0.4)
        # Read by another session before the change commits: the old thresholds, cached ...
        async with db.session() as meanwhile:
            seen = (await service.resolver_for(meanwhile, tenant_id=tenant)).thresholds
        assert seen == before
    # ... and dropped when it commits: this process applies the change at once.
    async with db.session() as session:
        after = (await service.resolver_for(session, tenant_id=tenant)).thresholds
    assert (after.match, after.review) == (0.97, 0.4) != (before.match, before.review)


async def test_identifier_holders_come_in_one_order_whatever_the_plan(db) -> None:
    """Identifiers stored together share their time; the exact step's answer (its holder and
    explanation) must not then depend on the plan PostgreSQL picks."""
    from services.identity.customers import repository as customers

    tenant, first, second = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    stored = [("phone", "+491711111111"), ("email", "a@example.de"), ("customer_number", "A1")]
    async with db.session() as session:  # one time for all, as an import's batch stores them
        await session.execute(
            sa.text(
                """INSERT INTO identity.identities
                   (tenant_id, kind, value, customer_id, verified, created_at)
                   SELECT :t, kind, value, holder, true, now()
                   FROM unnest(CAST(:kinds AS text[]), CAST(:values AS text[]),
                               CAST(:holders AS uuid[])) AS s(kind, value, holder)"""
            ),
            {
                "t": tenant,
                "kinds": [k for k, _ in stored],
                "values": [v for _, v in stored],
                "holders": [first, first, second],
            },
        )
    orders = []
    for scans in ("on", "off"):  # an index scan meets rows by key, a sequential one as stored
        async with db.session() as session:
            for setting in ("enable_indexscan", "enable_bitmapscan", "enable_indexonlyscan"):
                await session.execute(sa.text(f"SET LOCAL {setting} = {scans}"))
            held = await customers.find_by_identities(session, tenant_id=tenant, keys=stored)
            orders.append([(h.kind, h.customer_id) for h in held])
    by_kind = [("customer_number", second), ("email", first), ("phone", first)]
    assert orders == [by_kind, by_kind]


async def _priors_version(db: Database, tenant: uuid.UUID) -> str:
    """The model version a resolution uses now (the settings read again, as after their TTL)."""
    from services.identity.resolution import service

    service.CACHE.settings.pop(tenant, None)
    async with db.reader() as session:  # as a request reads them
        return (await service.resolver_for(session, tenant_id=tenant)).model.version


async def test_a_resolution_takes_the_master_size_as_stored_and_never_counts_it(db) -> None:
    """The prior odds follow the master's size as last counted off the online path: counting on
    a request would scan every tenant's records on its time."""
    from services.identity.resolution import service

    tenant = uuid.uuid4()
    for n in range(3):
        await _store(db, tenant, [f"a:{n}"])
    assert (await _priors_version(db, tenant)).endswith("-n10000")  # not counted yet: the floor
    async with db.session() as session:  # a size counted earlier (two significant digits)
        await session.execute(
            sa.text("INSERT INTO identity.tenant_stats VALUES (:t, 123456, now())"), {"t": tenant}
        )
    assert (await _priors_version(db, tenant)).endswith("-n120000")
    async with db.session() as session:
        model, fitted = await service.current_model(session, tenant_id=tenant)
    assert (model.master_size, fitted) == (120000, False)  # what GET /v1/identity/model shows

    gone = uuid.uuid4()  # a tenant whose records were all erased since it was counted
    async with db.session() as session:
        await session.execute(
            sa.text("INSERT INTO identity.tenant_stats VALUES (:t, 50000, now())"), {"t": gone}
        )
        await session.execute(
            sa.text("UPDATE identity.tenant_stats SET counted_at = now() - '1 day'::interval")
        )
    assert await service.count_master_sizes(db) == 1  # the tenant with records
    async with db.session() as session:
        sizes = dict(
            (
                await session.execute(
                    sa.text("SELECT tenant_id, master_size FROM identity.tenant_stats")
                )
            ).all()
        )
    assert sizes == {tenant: 3}
    assert (await _priors_version(db, tenant)).endswith("-n10000")
    assert await service.count_master_sizes(db) is None  # counted within COUNT_MASTERS_EVERY


async def test_one_replica_at_a_time_counts_the_masters(db) -> None:
    from services.identity.resolution import repository as resolution

    await _store(db, uuid.uuid4(), ["a:1"])
    async with db.session() as first:
        assert await resolution.store_master_sizes(first, unless_within=0) == 1
        async with db.session() as second:  # another replica, while the first one counts
            assert await resolution.store_master_sizes(second, unless_within=0) is None
    async with db.session() as later:
        assert await resolution.store_master_sizes(later, unless_within=0) == 1


async def test_a_large_import_counts_its_tenant_as_it_finishes(db, tmp_path, monkeypatch) -> None:
    from support.identity_imports import import_rows

    from services.identity.imports import service as imports
    from services.identity.resolution import repository as resolution

    tenant = uuid.uuid4()
    rows = [{"customer_number": f"S{n}", "family_name": f"Muster{n}"} for n in range(12)]
    await import_rows(db, tenant, tmp_path, rows[:1])
    async with db.session() as session:  # a small one leaves it to the periodic count
        assert await resolution.stored_master_size(session, tenant_id=tenant) is None
    monkeypatch.setattr(imports, "SETTLE_MIN_ROWS", 2)  # "large" from two changed rows on
    done = await import_rows(db, tenant, tmp_path, rows)
    assert (done.rows_imported, done.result["rows_unchanged"]) == (12, 1)
    await _store(db, tenant, ["a:1"])  # an unknown person meanwhile: counted by the next import
    async with db.session() as session:
        assert await resolution.stored_master_size(session, tenant_id=tenant) == 12
    rows += [{"customer_number": f"S{n}", "family_name": f"Muster{n}"} for n in (12, 13)]
    await import_rows(db, tenant, tmp_path, rows)
    async with db.session() as session:
        assert await resolution.stored_master_size(session, tenant_id=tenant) == 15
