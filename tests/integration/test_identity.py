"""Identity resolution through the public API: matching, reviews, import, merge, GDPR."""

from __future__ import annotations

import asyncio
import hashlib
import sys
import uuid
from typing import Any

import httpx
import orjson
import pytest
from integration.test_scoring import sql
from support.identity_imports import add_unknown_person, import_rows

KATHARINA = {
    "customer_number": "K-100",
    "given_name": "Katharina",
    "family_name": "Schneider",
    "date_of_birth": "1980-03-04",
    "street": "Lindenstraße 12",
    "postcode": "50667",
    "city": "Köln",
    "emails": ["k.schneider@example.de"],
    "phones": ["0221 1234567"],
}


def tweet(text: str, **author: Any) -> dict[str, Any]:
    return {
        "channel": "twitter",
        "external_id": uuid.uuid4().hex,
        "author": {"handle": f"@{uuid.uuid4().hex[:8]}", **author},
        "text": text,
    }


async def identified(client: httpx.AsyncClient, interaction_id: str, eventually: Any) -> Any:
    async def check() -> dict[str, Any] | None:
        body = (await client.get(f"/v1/interactions/{interaction_id}")).json()
        return body if body.get("match") else None

    return await eventually(check)


async def customer(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/customers", json={**KATHARINA, **fields})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_tweet_with_a_misspelt_name_and_the_address_is_identified_with_explanation(
    platform, eventually
) -> None:
    _, key = await platform.new_tenant("fuzzy")
    async with platform.client(key) as client:
        kathi = await customer(client)
        sent = await client.post(
            "/v1/interactions",
            json=tweet(
                "Kein Internet seit Tagen in der Lindenstraße 12, 50667 Köln!",
                name="Katarina Schnieder",
            ),
        )
        view = await identified(client, sent.json()["id"], eventually)
        assert view["customer_id"] == kathi["id"]
        assert view["match"]["decision"] == "match"
        fields = {e["field"] for e in view["match"]["explanation"]}
        assert {"given_name", "family_name"} <= fields


async def test_a_household_member_is_not_matched_as_the_customer(platform, eventually) -> None:
    _, key = await platform.new_tenant("household")
    async with platform.client(key) as client:
        kathi = await customer(client)
        sent = await client.post(
            "/v1/interactions",
            json=tweet(
                "Hallo, Lindenstraße 12, 50667 Köln, Tel 0221 1234567", name="Michael Schneider"
            ),
        )
        view = await identified(client, sent.json()["id"], eventually)
        assert view["customer_id"] != kathi["id"]
        assert view["match"]["decision"] == "no_match"


async def test_a_borderline_author_lands_in_review_and_accepting_links_the_interaction(
    platform, eventually
) -> None:
    _, key = await platform.new_tenant("review")
    async with platform.client(key) as client:
        kathi = await customer(client)
        sent = await client.post(
            "/v1/interactions", json=tweet("Wann kommt der Techniker?", name="Katharina Schneider")
        )
        view = await identified(client, sent.json()["id"], eventually)
        assert view["match"]["decision"] == "review"
        reviews = (await client.get("/v1/identity/reviews")).json()["items"]
        assert [r["candidate_id"] for r in reviews] == [kathi["id"]]
        accepted = await client.post(f"/v1/identity/reviews/{reviews[0]['id']}/accept")
        assert accepted.status_code == 200, accepted.text
        again = await client.post(f"/v1/identity/reviews/{reviews[0]['id']}/accept")
        assert again.status_code == 409

        async def linked() -> bool:
            body = (await client.get(f"/v1/interactions/{sent.json()['id']}")).json()
            return body["customer_id"] == kathi["id"]

        await eventually(linked)
        handle = view["match"] and (await client.get(f"/v1/customers/{kathi['id']}")).json()
        assert any(i["kind"] == "handle" for i in handle["identities"])
        assert (await client.get("/v1/identity/reviews")).json()["items"] == []


async def test_csv_import_reports_bad_rows_and_imports_the_rest(platform, eventually) -> None:
    _, key = await platform.new_tenant("csv import")
    csv = (
        "customer_number,given_name,family_name,date_of_birth,email,phone,city,handle_twitter\n"
        "A1,Anna,Alt,1970-01-02,anna@example.de,030 1234567,Berlin,annaalt\n"
        "A2,Bernd,Bau,1970-02-31,,,Berlin,\n"
        ",Carl,,1980-01-01,,,Berlin,\n"
        "A1,Anna,Doppelt,1970-01-02,,,Berlin,\n"
        "A3,Dora,D\xe9,1971-01-01,not-an-email,,Bonn,\n"
        "A4,Emil,Ernst,1975-05-05,emil@example.de,,Bonn,\n"
        'A5,Fritz,"Feh ""der"" \\ {Mann}",1976-06-06,,,"Köln, Rhein",\n'
        "A6,Gerd,Ge\x00rt,1977-07-07,,,Bonn,\n"
        "A7,Hans,Hut,1978-08-08,,,Bonn,hans\x00hut\n"
        'A8,Ida,"Ih\tle",1979-09-09,,,"Bad\nEms\\",\n'
    ).encode()
    broken = csv.replace("D\xe9".encode(), b"D\xe9")  # a Latin-1 byte: not UTF-8
    async with platform.client(key) as client:
        response = await client.post(
            "/v1/customers/import", content=broken, headers={"Content-Type": "text/csv"}
        )
        assert response.status_code == 202, response.text
        job_id = response.json()["id"]

        async def done() -> dict[str, Any] | None:
            job = (await client.get(f"/v1/jobs/{job_id}")).json()
            return job if job["state"] in ("succeeded", "failed") else None

        job = await eventually(done)
        assert job["state"] == "succeeded", job
        assert (job["rows_read"], job["rows_imported"], job["rows_rejected"]) == (10, 4, 6)
        by_row = {e["row"]: e for e in job["errors"]}
        assert by_row[2]["field"] == "date_of_birth"
        assert by_row[3]["field"] == "family_name"
        assert by_row[4]["field"] == "customer_number"
        assert by_row[5]["field"] in ("family_name", "email")
        # A NUL character: PostgreSQL text cannot hold it (nor may it fail the batch).
        assert (by_row[8]["field"], by_row[9]["field"]) == ("family_name", "handle_twitter")
        quoted = (await client.get("/v1/customers", params={"q": "Feh"})).json()["items"]
        assert [(c["family_name"], c["city"]) for c in quoted] == [
            ('Feh "der" \\ {Mann}', "Köln, Rhein")
        ]
        # A tab, a line break and a backslash: escaped for COPY, stored as given.
        tabbed = (await client.get("/v1/customers", params={"q": "Ih"})).json()["items"]
        assert [(c["family_name"], c["city"]) for c in tabbed] == [("Ih\tle", "Bad\nEms\\")]
        found = (await client.get("/v1/customers", params={"q": "Alt"})).json()["items"]
        assert [c["customer_number"] for c in found] == ["A1"]
        assert {i["kind"] for i in found[0]["identities"]} >= {"email", "phone", "handle"}
        resolved = await client.post(
            "/v1/identity/resolve", json={"records": [{"handle": "@annaalt"}]}
        )
        assert resolved.json()["results"][0]["customer_id"] == found[0]["id"]


async def test_ndjson_import_upserts_by_customer_number(platform, eventually) -> None:
    _, key = await platform.new_tenant("ndjson import")
    body = b'{"customer_number": "N1", "family_name": "Nord", "email": "n@example.de"}\n'
    body += b'{"customer_number": "N2", "family_name": "Sued", "handles": {"twitter": "sued"}}\n'
    body += b"not json\n"
    async with platform.client(key) as client:
        for _ in range(2):  # a re-run updates, it does not duplicate
            response = await client.post(
                "/v1/customers/import",
                content=body,
                headers={"Content-Type": "application/x-ndjson"},
            )
            job_id = response.json()["id"]

            async def done(job_id: str = job_id) -> dict[str, Any] | None:
                job = (await client.get(f"/v1/jobs/{job_id}")).json()
                return job if job["state"] == "succeeded" else None

            job = await eventually(done)
            assert (job["rows_imported"], job["rows_rejected"]) == (2, 1)
        found = (await client.get("/v1/customers", params={"q": "N"})).json()["items"]
        assert sorted(c["customer_number"] for c in found) == ["N1", "N2"]


async def test_a_failed_import_resumes_after_its_committed_rows(
    platform, database_url, eventually, tmp_path
) -> None:
    _, key = await platform.new_tenant("resume import")
    lines = [
        b'{"customer_number": "R1", "family_name": "Rabe"}',
        b'{"customer_number": "R2", "family_name": "Reh"}',
        b'{"customer_number": "R3", "family_name": "Rind"}',
        b'{"customer_number": "R4", "family_name": "Ross"}',
        b"not json",
        b'{"customer_number": "R6", "family_name": "Robbe"}',
    ]
    full = b"\n".join(lines) + b"\n"
    ndjson = {"Content-Type": "application/x-ndjson"}
    async with platform.client(key) as client:

        async def finished(job_id: str) -> dict[str, Any]:
            async def state() -> dict[str, Any] | None:
                job = (await client.get(f"/v1/jobs/{job_id}")).json()
                return job if job["state"] in ("succeeded", "failed") else None

            result: dict[str, Any] = await eventually(state)
            return result

        # R1 and R4 are in the master already, as the file gives them.
        known = await client.post(
            "/v1/customers/import", content=lines[0] + b"\n" + lines[3] + b"\n", headers=ndjson
        )
        assert (await finished(known.json()["id"]))["rows_imported"] == 2
        # A process that died after committing the first three rows of the file leaves this.
        first = await client.post(
            "/v1/customers/import", content=b"\n".join(lines[:3]) + b"\n", headers=ndjson
        )
        job_id = first.json()["id"]
        assert (await finished(job_id))["rows_read"] == 3
        source = {
            "sha256": hashlib.sha256(full).hexdigest(),
            "kind": "ndjson",
            "on_existing": "update",
        }
        await sql(
            database_url,
            "UPDATE identity.jobs SET state = 'failed', detail = 'interrupted', source = $2, "
            "bytes_total = $3 WHERE id = $1",
            uuid.UUID(job_id), orjson.dumps(source).decode(), len(full),
        )  # fmt: skip

        other = await client.post(
            f"/v1/customers/import?resume={job_id}", content=full + b"\n\n", headers=ndjson
        )
        assert other.status_code == 409, other.text  # not the same bytes: the job stays as it was
        unchanged = (await client.get(f"/v1/jobs/{job_id}")).json()
        assert (unchanged["state"], unchanged["rows_read"]) == ("failed", 3)

        # Through the import CLI, as an operator would: the same file, the job to resume.
        path = tmp_path / "master.ndjson"
        path.write_bytes(full)
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "services.identity", "import", str(path),
            "--url", platform.url, "--key", key, "--resume", job_id,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(cli.communicate(), timeout=60)
        assert cli.returncode == 0, err.decode()
        assert orjson.loads(out)["state"] == "succeeded" and b"100.0%" in err  # the progress bar
        job = await finished(job_id)
        # The committed rows are not read again; rows keep their numbers in the file.
        assert (job["rows_read"], job["rows_imported"], job["rows_rejected"]) == (6, 5, 1)
        assert [e["row"] for e in job["errors"]] == [5]
        assert job["result"]["resumed_after_row"] == 3
        assert job["result"]["rows_unchanged"] == 2  # R1 before the failure, R4 after it
        found = (await client.get("/v1/customers", params={"q": "R"})).json()["items"]
        assert sorted(c["customer_number"] for c in found) == ["R1", "R2", "R3", "R4", "R6"]

        again = await client.post(
            f"/v1/customers/import?resume={job_id}", content=full, headers=ndjson
        )
        assert again.status_code == 409  # only a failed import resumes
        unknown = await client.post(
            f"/v1/customers/import?resume={uuid.uuid4()}", content=full, headers=ndjson
        )
        assert unknown.status_code == 404


async def test_an_import_with_unknown_columns_or_media_type_is_refused(platform) -> None:
    _, key = await platform.new_tenant("bad import")
    async with platform.client(key) as client:
        unknown = await client.post(
            "/v1/customers/import", content=b"shoe_size\n42\n", headers={"Content-Type": "text/csv"}
        )
        assert unknown.status_code == 422
        assert unknown.headers["content-type"].startswith("application/problem+json")
        wrong = await client.post(
            "/v1/customers/import", content=b"x", headers={"Content-Type": "image/png"}
        )
        assert wrong.status_code == 422


async def test_merge_and_unmerge_round_trip_restores_identities(platform) -> None:
    _, key = await platform.new_tenant("merge")
    async with platform.client(key) as client:
        a = await customer(client)
        b = await customer(
            client,
            customer_number="K-200",
            emails=["katharina@example.org"],
            phones=[],
            handles={"twitter": "kathi"},
        )
        merged = await client.post(f"/v1/customers/{a['id']}/merge", json={"other_id": b["id"]})
        assert merged.status_code == 200, merged.text
        values = {i["value"] for i in merged.json()["identities"]}
        assert {"katharina@example.org", "twitter:kathi", "K-200"} <= values
        again = await client.post(f"/v1/customers/{b['id']}/merge", json={"other_id": a["id"]})
        assert again.status_code == 409
        resolved = await client.post(
            "/v1/identity/resolve", json={"records": [{"email": "katharina@example.org"}]}
        )
        assert resolved.json()["results"][0]["customer_id"] == a["id"]
        restored = await client.post(f"/v1/customers/{a['id']}/unmerge", json={})
        assert restored.status_code == 200, restored.text
        b_after = (await client.get(f"/v1/customers/{b['id']}")).json()
        assert b_after["merged_into"] is None
        assert {i["value"] for i in b_after["identities"]} == {
            "katharina@example.org",
            "twitter:kathi",
            "K-200",
        }
        none_left = await client.post(f"/v1/customers/{a['id']}/unmerge", json={})
        assert none_left.status_code == 404


async def test_concurrent_merges_of_the_same_customers_leave_one_merge(platform) -> None:
    _, key = await platform.new_tenant("concurrent merge")
    async with platform.client(key) as client:
        a = await customer(client)
        b = await customer(client, customer_number="K-300", emails=["b@example.org"], phones=[])
        first, second = await asyncio.gather(
            client.post(f"/v1/customers/{a['id']}/merge", json={"other_id": b["id"]}),
            client.post(f"/v1/customers/{b['id']}/merge", json={"other_id": a["id"]}),
        )
        assert sorted([first.status_code, second.status_code]) == [200, 409]
        views = [(await client.get(f"/v1/customers/{c['id']}")).json() for c in (a, b)]
        assert sum(v["merged_into"] is not None for v in views) == 1


async def test_erasure_removes_everything_and_export_shows_everything(
    platform, eventually, database_url
) -> None:
    _, key = await platform.new_tenant("gdpr")
    async with platform.client(key) as client:
        kathi = await customer(client)
        sent = await client.post(
            "/v1/interactions", json=tweet("Hallo", name="Katharina Schneider")
        )
        await identified(client, sent.json()["id"], eventually)
        mail = await client.post(
            "/v1/interactions",
            json={
                "channel": "email",
                "external_id": "<gdpr-1@example.de>",
                "author": {"email": "k.schneider@example.de"},
                "text": "Bitte senden Sie mir meine Daten.",
            },
        )
        attributed = await identified(client, mail.json()["id"], eventually)
        assert attributed["customer_id"] == kathi["id"]
        reply = await client.post(
            f"/v1/interactions/{mail.json()['id']}/responses",
            json={"text": "Ihre Daten kommen mit separater Post, Frau Schneider."},
        )
        assert reply.status_code == 201, reply.text

        async def scored() -> bool:
            return (await client.get(f"/v1/customers/{kathi['id']}/score")).status_code == 200

        await eventually(scored)
        changed = await client.patch(
            f"/v1/customers/{kathi['id']}", json={"handles": {"twitter": "kathi_s"}}
        )
        assert changed.status_code == 200, changed.text
        own = await client.post("/v1/interactions", json=tweet("Danke!", handle="@kathi_s"))
        assert (await identified(client, own.json()["id"], eventually))["customer_id"] == kathi[
            "id"
        ]

        async def exported() -> dict[str, Any] | None:
            response = await client.get(f"/v1/customers/{kathi['id']}/export")
            assert response.status_code == 200, response.text
            body: dict[str, Any] = response.json()
            # Scoring attaches her account to its graph once the tweet is identified.
            return body if body["scoring"]["graph_accounts"] else None

        export = await eventually(exported)
        assert export["customer_number"] == "K-100"
        assert export["standardised"][0]["blocking_keys"]
        assert export["reviews"] and export["decisions"]
        # What the other services hold about her comes with it.
        assert {i["id"]: i["text"] for i in export["interactions"]} == {
            mail.json()["id"]: "Bitte senden Sie mir meine Daten.",
            own.json()["id"]: "Danke!",
        }
        # So do the agents' replies to her.
        replies = {i["id"]: [r["text"] for r in i["responses"]] for i in export["interactions"]}
        assert replies == {
            mail.json()["id"]: ["Ihre Daten kommen mit separater Post, Frau Schneider."],
            own.json()["id"]: [],
        }
        accounts = export["scoring"]["graph_accounts"]
        assert [(a["network"], a["handle"]) for a in accounts] == [("twitter", "kathi_s")]
        assert export["scoring"]["news_mentions"] == []
        assert export["score"]["customer_id"] == kathi["id"] and export["score"]["history"]
        assert (await client.delete(f"/v1/customers/{kathi['id']}")).status_code == 204

        async def routing_forgot() -> bool:
            rows = await sql(
                database_url,
                "SELECT customer_id, facts->'author' AS author FROM routing.queue_items "
                "WHERE interaction_id = $1",
                uuid.UUID(mail.json()["id"]),
            )
            return bool(rows) and rows[0]["customer_id"] is None and rows[0]["author"] == "{}"

        await eventually(routing_forgot)
        assert (await client.get(f"/v1/customers/{kathi['id']}")).status_code == 404
        assert (await client.get("/v1/identity/reviews")).json()["items"] == []
        resolved = await client.post(
            "/v1/identity/resolve",
            json={
                "records": [
                    {"given_name": "Katharina", "family_name": "Schneider", "postcode": "50667"}
                ]
            },
        )
        assert resolved.json()["results"][0]["customer_id"] is None
        # Her identifiers went with her: the same customer number and email are free again.
        again = await customer(client)
        assert again["id"] != kathi["id"]


async def test_resolve_answers_a_batch_with_decisions_and_explanations(platform) -> None:
    _, key = await platform.new_tenant("resolve")
    async with platform.client(key) as client:
        kathi = await customer(client)
        max_ = await customer(
            client, customer_number="M-1", given_name="Max", family_name="Mustermann",
            emails=["max@example.de"], phones=[],
        )  # fmt: skip
        response = await client.post(
            "/v1/identity/resolve",
            json={
                "records": [
                    {"email": "K.Schneider@example.de"},
                    {"name": "Katharina Schneider", "postcode": "50667"},
                    {"name": "Katharina Schneider"},
                    {"name": "Otto Normal", "city": "Bremen"},
                    {"email": "max@example.de", "name": "Katharina Schneider"},
                ]
            },
        )
        assert response.status_code == 200, response.text
        results = response.json()["results"]
        assert [r["decision"] for r in results] == ["match", "match", "review", "no_match", "match"]
        assert [r["customer_id"] for r in results[:3]] == [kathi["id"]] * 3
        assert results[3]["customer_id"] is None
        # A batch answers each record from its own identifiers and candidates.
        assert (results[4]["customer_id"], results[4]["explanation"][0]["field"]) == (
            max_["id"],
            "email",
        )
        assert all(r["model_version"] for r in results)
        assert {e["field"] for e in results[1]["explanation"]} >= {"given_name", "location"}
        bad = await client.post("/v1/identity/resolve", json={"records": []})
        assert bad.status_code == 422


async def test_a_gmail_address_written_another_way_is_the_same_verified_identifier(
    platform,
) -> None:
    _, key = await platform.new_tenant("mailbox")
    async with platform.client(key) as client:
        max_ = await customer(
            client, customer_number="M-1", given_name="Max", family_name="Mustermann",
            emails=["Max.Mustermann@gmail.com"], phones=[],
        )  # fmt: skip
        assert max_["emails"] == ["max.mustermann@gmail.com"]  # kept as written (lower-case)
        response = await client.post(
            "/v1/identity/resolve",
            json={"records": [{"email": "maxmustermann+shop@GoogleMail.com"}]},
        )
        (result,) = response.json()["results"]
        assert (result["customer_id"], result["decision"]) == (max_["id"], "match")
        assert result["explanation"][0]["comparison"] == "exact (verified)"
        # Another customer cannot take the same mailbox under another spelling.
        taken = await client.post(
            "/v1/customers",
            json={**KATHARINA, "customer_number": "M-2", "emails": ["m.a.x.mustermann@gmail.com"]},
        )
        assert taken.status_code == 409, taken.text


async def test_thresholds_and_model_are_per_tenant_and_retraining_is_a_job(
    platform, eventually
) -> None:
    _, key = await platform.new_tenant("config")
    async with platform.client(key) as client:
        assert (await client.get("/v1/identity/config")).json()["match_threshold"] == 0.95
        put = await client.put(
            "/v1/identity/config", json={"match_threshold": 0.9, "review_threshold": 0.5}
        )
        assert put.status_code == 200
        wrong = await client.put(
            "/v1/identity/config", json={"match_threshold": 0.5, "review_threshold": 0.9}
        )
        assert wrong.status_code == 422
        model = (await client.get("/v1/identity/model")).json()
        assert model["version"].startswith("priors-") and not model["fitted_for_tenant"]
        job = (await client.post("/v1/identity/model/retrain")).json()

        async def finished() -> dict[str, Any] | None:
            body = (await client.get(f"/v1/jobs/{job['id']}")).json()
            return body if body["state"] in ("succeeded", "failed") else None

        done = await eventually(finished)
        assert done["state"] == "failed" and "master rows" in done["detail"]


async def test_a_restart_fails_only_jobs_whose_heartbeat_stopped(platform, database_url) -> None:
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from services.identity.jobs import repository as jobs
    from services.identity.jobs.models import Job
    from shared import Database

    db = Database(database_url, schema="identity", pool_size=1)
    tenant = uuid.uuid4()
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    try:
        async with db.session() as session:
            abandoned = await jobs.create(session, tenant_id=tenant, kind="import", state="running")
            elsewhere = await jobs.create(session, tenant_id=tenant, kind="import", state="running")
            ids = [abandoned.id, elsewhere.id]
            # Both made no progress for an hour; another replica still beats for the second.
            await session.execute(sa.update(Job).where(Job.id.in_(ids)).values(updated_at=long_ago))
            await jobs.beat(session, job_id=elsewhere.id)
        async with db.session() as session:
            await jobs.fail_stale(session, older_than=timedelta(minutes=5))
        async with db.session() as session:
            states = dict(
                (await session.execute(sa.select(Job.id, Job.state).where(Job.id.in_(ids)))).all()
            )
        assert states == {abandoned.id: "failed", elsewhere.id: "running"}
    finally:
        await db.dispose()


async def test_reaping_fails_dead_jobs_and_deletes_their_spooled_files(
    platform, database_url, monkeypatch, tmp_path
) -> None:
    """A job whose process died is failed by a later look (not only at start), and the files
    spooled for jobs no longer active are deleted; a running job's file and others stay."""
    from datetime import UTC, datetime, timedelta

    import sqlalchemy as sa

    from services.identity.imports import service as imports
    from services.identity.jobs import repository as jobs
    from services.identity.jobs import service as job_service
    from services.identity.jobs.models import Job
    from shared import Database

    monkeypatch.setenv("RESONANCE_IDENTITY_IMPORT_DIR", str(tmp_path))
    db = Database(database_url, schema="identity", pool_size=1)
    tenant = uuid.uuid4()
    try:
        async with db.session() as session:
            dead = await jobs.create(session, tenant_id=tenant, kind="import", state="running")
            alive = await jobs.create(session, tenant_id=tenant, kind="import", state="running")
            failed = await jobs.create(session, tenant_id=tenant, kind="import", state="failed")
            long_ago = datetime.now(UTC) - timedelta(hours=1)
            await session.execute(
                sa.update(Job).where(Job.id == dead.id).values(updated_at=long_ago)
            )
            await jobs.beat(session, job_id=alive.id)
        directory = imports.spool_dir()
        files = {
            name: directory / name
            for name in (f"{dead.id}.ndjson", f"{alive.id}.csv", f"{failed.id}.csv", "notes.txt")
        }
        for path in files.values():
            path.write_bytes(b"x")
        # (The platform's own identity service reaps too: count the files, not the jobs.)
        assert (await job_service.reap(db))[1] == 2
        assert sorted(p.name for p in directory.iterdir()) == sorted(
            [f"{alive.id}.csv", "notes.txt"]
        )
        async with db.session() as session:
            state = (await jobs.get(session, tenant_id=tenant, job_id=dead.id)).state
        assert state == "failed"
    finally:
        await db.dispose()


async def test_a_large_import_validates_in_worker_processes_with_the_same_outcome(
    platform, database_url, monkeypatch, tmp_path
) -> None:
    import sqlalchemy as sa

    from services.identity.imports import service as imports
    from services.identity.jobs import repository as jobs
    from services.identity.resolution.models import MatchRecord
    from shared import Database

    monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "BATCH", 3)
    monkeypatch.setattr(imports, "SETTLE_MIN_ROWS", 1)  # and the tables are vacuumed after it
    lines = [
        b'{"customer_number": "W1", "family_name": "Wolf", "date_of_birth": "1970-01-02"}',
        b'{"customer_number": "W2", "family_name": "Wald", "email": "w@example.de"}',
        b'{"customer_number": "W3", "family_name": "Wert", "date_of_birth": "1970-02-31"}',
        b"not json",
        b'{"customer_number": "W1", "family_name": "Wolf"}',
        b'{"customer_number": "W5", "family_name": "Wiese", "email": "w@example.de"}',
        b'{"customer_number": "W6", "family_name": "Weber", "phone": "0171 1234567"}',
    ]
    path = tmp_path / "master.ndjson"
    path.write_bytes(b"\n".join(lines) + b"\n")
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    try:
        async with db.session() as session:
            job = await jobs.create(session, tenant_id=tenant, kind="import")
        await imports.run(db, tenant_id=tenant, job_id=job.id, path=path, kind="ndjson")
        async with db.session() as session:
            done = await jobs.get(session, tenant_id=tenant, job_id=job.id)
        assert done is not None and done.state == "succeeded"
        assert (done.rows_read, done.rows_imported, done.rows_rejected) == (7, 3, 4)
        # Where the time went, step by step (the tables were settled: more than one row).
        spent = done.result["write_seconds"]
        assert set(spent) == set(imports.STEPS)
        assert all(spent[step] > 0 for step in ("stage", "customers", "postings", "settle"))
        assert sum(spent.values()) <= done.result["seconds"]
        assert {(e["row"], e["field"]) for e in done.errors} == {
            (3, "date_of_birth"),
            (4, None),
            (5, "customer_number"),
            (6, "email"),
        }
        # An initial load: rows nobody's identifiers came before went straight into the tables,
        # with their identifiers and standardised records all the same.
        async with db.session() as session:
            numbers, held = await _held(session, tenant)
            records = await session.scalar(
                sa.select(sa.func.count()).where(MatchRecord.tenant_id == tenant)
            )
        assert held == {
            ("customer_number", "W1"): "W1",
            ("customer_number", "W2"): "W2",
            ("email", "w@example.de"): "W2",
            ("customer_number", "W6"): "W6",
            ("phone", "+491711234567"): "W6",
        }
        assert sorted(numbers.values()) == ["W1", "W2", "W6"] and records == 3
        # The written tables were analysed before the blocking index was built from them (the
        # build's sort is planned on their new sizes), the postings vacuumed after it.
        async with db.session() as session:
            settled = dict(
                (
                    await session.execute(
                        sa.text(
                            "SELECT relname, last_analyze "
                            "FROM pg_stat_user_tables WHERE schemaname = 'identity' AND relname"
                            " IN ('customers', 'match_records', 'identities', 'blocking_postings')"
                        )
                    )
                ).all()
            )
        vacuumed = settled.pop("blocking_postings")
        assert all(done.created_at < analysed < vacuumed for analysed in settled.values()), settled
    finally:
        imports.shutdown_pool()
        await db.dispose()


async def test_an_initial_loads_rows_keep_tabs_backslashes_and_line_breaks_both_ways(
    platform, database_url, monkeypatch, tmp_path
) -> None:
    """Values COPY must escape arrive as they were, whether a row went straight into its table
    or, its batch sent back by a customer number repeated in the file, the staged way."""
    import sqlalchemy as sa

    from services.identity.customers.models import Customer
    from services.identity.imports import service as imports
    from services.identity.resolution.models import MatchRecord
    from shared import Database

    monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "BATCH", 2)
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    odd = {"family_name": "Tab\tName", "street": "Weg \\ 1\\N", "city": "Zeile\nzwei"}
    rows = [
        {"customer_number": "E1", **odd, "handles": {"twitter": "Tab\tand\\1"}},
        {"customer_number": "E2", "given_name": "Back\\slash", "family_name": 'Quote "Q"'},
        # Its batch goes the staged way, its identifiers too.
        {"customer_number": "E3", **odd, "title": "\\N", "handles": {"twitter": "Tab\tand\\3"}},
        {"customer_number": "E1", "family_name": "Again"},
    ]
    try:
        done = await import_rows(db, tenant, tmp_path, rows)
        assert (done.rows_imported, done.rows_rejected) == (3, 1)
        assert [(e["row"], e["field"]) for e in done.errors] == [(4, "customer_number")]
        async with db.session() as session:
            got = {
                c.customer_number: c
                for c in await session.scalars(
                    sa.select(Customer).where(Customer.tenant_id == tenant)
                )
            }
            records = {
                r.id: r
                for r in await session.scalars(
                    sa.select(MatchRecord).where(MatchRecord.tenant_id == tenant)
                )
            }
        for number in ("E1", "E3"):
            c = got[number]
            assert (c.family_name, c.street, c.city) == ("Tab\tName", "Weg \\ 1\\N", "Zeile\nzwei")
            assert records[c.id].customer_id == c.id and records[c.id].keys
        assert got["E3"].title == "\\N" and got["E1"].title is None
        assert (got["E2"].given_name, got["E2"].family_name) == ("Back\\slash", 'Quote "Q"')
        assert records[got["E2"].id].record["given_key"]
        async with db.session() as session:
            _, held = await _held(session, tenant)
        assert {k: v for k, v in held.items() if k[0] == "handle"} == {
            ("handle", "twitter:tab\tand\\1"): "E1",
            ("handle", "twitter:tab\tand\\3"): "E3",
        }
    finally:
        imports.shutdown_pool()
        await db.dispose()


async def test_an_import_goes_on_in_process_when_a_validation_worker_dies(
    platform, database_url, monkeypatch, tmp_path
) -> None:
    """Every batch handed to the workers is lost with them; the import validates them again
    in this process, in file order, with the outcome it would have had."""
    from support.workers import die

    from services.identity.imports import service as imports
    from shared import Database

    monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "BATCH", 2)
    monkeypatch.setattr(imports, "prepare_packed", die)
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    rows = [
        {"customer_number": f"K{n}", "family_name": "Kern", "email": f"k{n}@example.de"}
        for n in range(1, 8)
    ]
    rows[4] = {"customer_number": "K1", "family_name": "Kern"}  # a duplicate, row 5
    try:
        done = await import_rows(db, tenant, tmp_path, rows)
        assert done.state == "succeeded"
        assert (done.rows_read, done.rows_imported, done.rows_rejected) == (7, 6, 1)
        assert [(e["row"], e["field"]) for e in done.errors] == [(5, "customer_number")]
        assert imports._pool is None  # the broken pool is gone; the next import starts anew
    finally:
        imports.shutdown_pool()
        await db.dispose()


async def test_an_import_row_with_somebody_elses_identifier_is_rejected_whole(
    platform, database_url, tmp_path
) -> None:
    """A personal identifier verified for another customer rejects the whole row, also when
    the row would have replaced it; a household's shared landline does not."""

    from shared import Database

    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()

    async def load(*rows: dict[str, Any]) -> Any:
        return await import_rows(db, tenant, tmp_path, rows)

    try:
        first = await load(
            {"customer_number": "C1", "family_name": "Clau", "email": "y@example.de"},
            {
                "customer_number": "A1",
                "family_name": "Adam",
                "email": "x@example.de",
                "phone": "030 1234567",
            },
        )
        assert (first.rows_imported, first.rows_rejected) == (2, 0)
        second = await load(
            # A1 would give up x@ for z@, but y@ is C1's: A1's row is rejected whole.
            {
                "customer_number": "A1",
                "family_name": "Adam",
                "emails": ["z@example.de", "y@example.de"],
            },
            # So A1 keeps x@, and B1 asking for it is rejected too.
            {"customer_number": "B1", "family_name": "Bauer", "email": "x@example.de"},
            # A household's landline is shared: not a reason to reject.
            {"customer_number": "D1", "family_name": "Adam", "phone": "030 1234567"},
        )
        assert (second.rows_imported, second.rows_rejected) == (1, 2)
        assert {(e["row"], e["field"]) for e in second.errors} == {(1, "email"), (2, "email")}
        async with db.session() as session:
            numbers, held = await _held(session, tenant)
        assert sorted(numbers.values()) == ["A1", "C1", "D1"]
        assert held == {
            ("email", "y@example.de"): "C1",
            ("email", "x@example.de"): "A1",
            ("phone", "+49301234567"): "A1",
            ("customer_number", "C1"): "C1",
            ("customer_number", "A1"): "A1",
            ("customer_number", "D1"): "D1",
        }
    finally:
        await db.dispose()


async def test_a_reimport_leaves_rows_equal_to_the_master_as_they_are(
    platform, database_url, monkeypatch, tmp_path
) -> None:
    """Re-posting the master: a row equal to its customer as stored is counted, and only marked
    as the job's (its identifiers, record and postings keep their row versions, its
    `updated_at` stays); a changed row is written; a later row with an unchanged row's number
    is still a duplicate."""
    import sqlalchemy as sa

    from services.identity.imports import service as imports
    from shared import Database

    monkeypatch.setattr(imports, "BATCH", 2)
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    anna = {
        "customer_number": "U1",
        "given_name": "Anna",
        "family_name": "Adam",
        "date_of_birth": "1970-01-02",
        "postcode": "10115",
        "email": "a@example.de",
        "phone": "0171 7654321",
    }
    bauer = {"customer_number": "U2", "family_name": "Bauer", "email": "b@example.de"}
    clau = {"customer_number": "U3", "family_name": "Clau", "handles": {"twitter": "clau"}}

    async def versions() -> dict[str, tuple[Any, ...]]:
        """Per customer number: its job, `updated_at`, and the row versions of its record,
        identifiers and postings."""
        async with db.session() as session:
            rows = await session.execute(
                sa.text(
                    """
                    SELECT c.customer_number, c.imported_by, c.updated_at, r.xmin::text,
                        ARRAY(SELECT i.kind || '=' || i.value || '@' || i.xmin::text
                              FROM identity.identities i WHERE i.customer_id = c.id ORDER BY 1),
                        ARRAY(SELECT DISTINCT p.xmin::text FROM identity.blocking_postings p
                              WHERE p.record_id = r.id)
                    FROM identity.customers c JOIN identity.match_records r ON r.id = c.id
                    WHERE c.tenant_id = :tenant
                    """
                ),
                {"tenant": tenant},
            )
            return {number: tuple(rest) for number, *rest in rows}

    try:
        first = await import_rows(db, tenant, tmp_path, [anna, bauer, clau])
        assert (first.rows_imported, first.rows_rejected) == (3, 0)
        assert first.result["rows_unchanged"] == 0
        before = await versions()
        moved = {**bauer, "email": "b2@example.de"}
        again = await import_rows(
            db, tenant, tmp_path, [anna, clau, moved, {**anna, "family_name": "Adams"}]
        )
        assert (again.rows_read, again.rows_imported, again.rows_rejected) == (4, 3, 1)
        assert again.result["rows_unchanged"] == 2
        assert [(e["row"], e["field"]) for e in again.errors] == [(4, "customer_number")]
        after = await versions()
        for number in ("U1", "U3"):  # marked as the new job's, nothing else written
            assert after[number][0] == again.id != before[number][0]
            assert after[number][1:] == before[number][1:]
        assert after["U2"][0] == again.id
        assert after["U2"][2] != before["U2"][2]  # a new record, and the new address
        assert [i.split("@", 1)[0] for i in after["U2"][3]] == [
            "customer_number=U2",
            "email=b2",
        ]
    finally:
        await db.dispose()


async def test_a_changed_row_rewrites_only_the_identifiers_and_postings_that_changed(
    platform, database_url, tmp_path
) -> None:
    """A customer who moved and has a new landline: the identifiers the row gives again and
    the postings of keys the new record still has keep their row versions; the old landline
    and the old keys' postings go, the new ones come."""
    import sqlalchemy as sa

    from shared import Database

    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    maria = {
        "customer_number": "M1",
        "given_name": "Maria",
        "family_name": "Berg",
        "date_of_birth": "1980-05-06",
        "street": "Bachstraße 3",
        "postcode": "50667",
        "city": "Köln",
        "email": "m.berg@example.de",
        "phone": "0221 555123",
        "handles": {"twitter": "mberg"},
    }

    async def held() -> tuple[dict[str, str], dict[str, str]]:
        """M1's identifiers and the postings of its record's keys, each with its row version."""
        async with db.session() as session:
            identities = await session.execute(
                sa.text(
                    "SELECT i.kind || '=' || i.value, i.xmin::text FROM identity.identities i "
                    "JOIN identity.customers c ON c.id = i.customer_id "
                    "WHERE c.tenant_id = :tenant AND c.customer_number = 'M1'"
                ),
                {"tenant": tenant},
            )
            postings = await session.execute(
                sa.text(
                    """
                    SELECT k, p.xmin::text
                    FROM identity.match_records r
                    JOIN identity.customers c ON c.id = r.id
                    CROSS JOIN unnest(r.keys) k
                    LEFT JOIN identity.blocking_postings p
                      ON p.key = identity.posting_key(:tenant, k) AND p.record_id = r.id
                    WHERE c.tenant_id = :tenant AND c.customer_number = 'M1'
                    """
                ),
                {"tenant": tenant},
            )
            count = await session.scalar(
                sa.text(
                    "SELECT count(*) FROM identity.blocking_postings p "
                    "JOIN identity.customers c ON c.id = p.record_id "
                    "WHERE c.tenant_id = :tenant"
                ),
                {"tenant": tenant},
            )
        posted = dict(postings.all())
        assert count == len(posted) and None not in posted.values()  # no posting left behind
        return dict(identities.all()), posted

    try:
        await import_rows(db, tenant, tmp_path, [maria])
        identities, postings = await held()
        moved = {**maria, "street": "Rosenweg 8", "postcode": "10115", "city": "Berlin"}
        again = await import_rows(db, tenant, tmp_path, [{**moved, "phone": "030 777888"}])
        assert (again.rows_imported, again.result["rows_unchanged"]) == (1, 0)
        identities_after, postings_after = await held()
        assert set(identities_after) == set(identities) - {"phone=+49221555123"} | {
            "phone=+4930777888"
        }
        for kept in ("customer_number=M1", "email=m.berg@example.de", "handle=twitter:mberg"):
            assert identities_after[kept] == identities[kept]
        same = set(postings) & set(postings_after)
        assert {k.split(":", 1)[0] for k in same} >= {"nm", "np", "fi", "gd", "em", "hd", "cn"}
        assert set(postings_after) - same and set(postings) - same  # the address keys moved
        assert all(postings_after[k] == postings[k] for k in same)
    finally:
        await db.dispose()


async def test_an_import_takes_over_an_unknown_persons_unverified_identifier(
    platform, database_url, tmp_path
) -> None:
    """A batch whose identifiers nobody holds is inserted as it is; one holding an identifier
    an unknown person was given (unverified) takes it over for the imported customer, and the
    batch's other rows are imported all the same."""
    import sqlalchemy as sa

    from services.identity.customers.models import Customer, Identity
    from shared import Database

    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    try:
        async with db.session() as session:
            await add_unknown_person(session, tenant, "fan@example.de")
        fresh = await import_rows(
            db, tenant, tmp_path, [{"customer_number": "N1", "family_name": "Neu"}]
        )
        assert (fresh.rows_imported, fresh.rows_rejected) == (1, 0)
        done = await import_rows(
            db,
            tenant,
            tmp_path,
            [
                {"customer_number": "F1", "family_name": "Fink", "email": "Fan@example.de"},
                {"customer_number": "G1", "family_name": "Gans", "email": "gans@example.de"},
            ],
        )
        assert (done.rows_imported, done.rows_rejected) == (2, 0)
        async with db.session() as session:
            held = {
                (kind, value): (number, verified)
                for kind, value, number, verified in await session.execute(
                    sa.select(
                        Identity.kind, Identity.value, Customer.customer_number, Identity.verified
                    )
                    .join(Customer, Customer.id == Identity.customer_id)
                    .where(Identity.tenant_id == tenant, Identity.kind == "email")
                )
            }
        assert held == {
            ("email", "fan@example.de"): ("F1", True),
            ("email", "gans@example.de"): ("G1", True),
        }
    finally:
        await db.dispose()


async def test_an_import_row_with_a_merged_customers_number_is_rejected(
    platform, database_url, tmp_path
) -> None:
    """The number of a customer merged into another stays with the survivor: a row asking for
    it is rejected, and neither customer changes."""
    import sqlalchemy as sa

    from services.identity.customers import service as customers
    from services.identity.customers.models import Customer, Identity
    from shared import Database

    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    try:
        first = await import_rows(
            db,
            tenant,
            tmp_path,
            [
                {"customer_number": "M1", "family_name": "Mohn", "email": "mohn@example.de"},
                {"customer_number": "S1", "family_name": "Sand"},
            ],
        )
        assert (first.rows_imported, first.rows_rejected) == (2, 0)
        async with db.session() as session:
            ids = await _numbered(session, tenant)
            await customers.merge(
                session, tenant_id=tenant, survivor_id=ids["S1"], other_id=ids["M1"]
            )
        again = await import_rows(
            db,
            tenant,
            tmp_path,
            [
                {"customer_number": "M1", "family_name": "Mohnfeld"},
                {"customer_number": "N1", "family_name": "Nelke"},
            ],
        )
        assert (again.rows_imported, again.rows_rejected) == (1, 1)
        assert [(e["row"], e["field"]) for e in again.errors] == [(1, "customer_number")]
        async with db.session() as session:
            merged = await session.get(Customer, ids["M1"])
            held = await session.scalar(
                sa.select(Identity.customer_id).where(
                    Identity.tenant_id == tenant,
                    Identity.kind == "customer_number",
                    Identity.value == "M1",
                )
            )
        assert merged is not None and merged.family_name == "Mohn"
        assert merged.merged_into == ids["S1"] and held == ids["S1"]
    finally:
        await db.dispose()


@pytest.mark.parametrize("at_end", [True, False], ids=["built-at-end", "batch-by-batch"])
async def test_an_identifier_given_to_a_customer_during_an_initial_load_still_rejects_the_row(
    platform, database_url, monkeypatch, tmp_path, at_end
) -> None:
    """An initial load looks up only the rows whose identifiers its own earlier rows had; an
    identifier held all the same (here: a customer that held it before, as if created while
    the load ran) rejects that row whole: found as the load's identifiers are built at its end,
    or (into a large identities table) as its batch is written, sending it back to look up
    every row."""
    import sqlalchemy as sa

    from services.identity.customers.models import Identity
    from services.identity.imports import service as imports
    from shared import Database

    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    try:
        first = await import_rows(
            db, tenant, tmp_path, [{"customer_number": "A1", "family_name": "Amsel",
                                     "email": "x@example.de"}]
        )  # fmt: skip
        assert first.rows_imported == 1
        # The next file runs as an initial load into a tenant where nobody holds anything.
        monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
        monkeypatch.setattr(imports, "BATCH", 2)
        monkeypatch.setattr(imports, "_FIRST_LOAD", sa.text("SELECT true"))
        monkeypatch.setattr(imports, "_NOBODY_VERIFIED", sa.text("SELECT true"))
        if not at_end:
            monkeypatch.setattr(imports, "REPLACE_MAX_IDENTITIES", 0)
        done = await import_rows(
            db,
            tenant,
            tmp_path,
            [
                {"customer_number": "B1", "family_name": "Bach", "email": "X@example.de"},
                {"customer_number": "C1", "family_name": "Clau", "email": "c@example.de"},
                {"customer_number": "D1", "family_name": "Dorn", "email": "c@example.de"},
            ],
        )
        assert (done.rows_imported, done.rows_rejected) == (1, 2)
        assert [(e["row"], e["field"]) for e in done.errors] == [(1, "email"), (3, "email")]
        async with db.session() as session:
            numbers = {i: number for number, i in (await _numbered(session, tenant)).items()}
            held = {
                value: numbers[customer]
                for value, customer in await session.execute(
                    sa.select(Identity.value, Identity.customer_id).where(
                        Identity.tenant_id == tenant, Identity.kind == "email"
                    )
                )
            }
        assert held == {"x@example.de": "A1", "c@example.de": "C1"}
    finally:
        imports.shutdown_pool()
        await db.dispose()


async def test_an_initial_load_builds_its_blocking_postings_once_at_the_end(
    platform, database_url, monkeypatch, tmp_path
) -> None:
    """Into a tenant without match records, a file for the worker processes leaves postings out
    of its batches and builds them after the last one; a later import writes them per batch; a
    failed initial load's postings are built by the reaper, once, and not while it is resumed."""
    import sqlalchemy as sa

    from services.identity.customers import service as customers
    from services.identity.customers.schemas import PersonRecord
    from services.identity.imports import service as imports
    from services.identity.jobs import service as job_service
    from services.identity.jobs.models import Job
    from shared import Database

    monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "BATCH", 2)
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    postings = sa.text(
        """
        SELECT count(*) AS n, count(DISTINCT (p.key, p.record_id)) AS distinct_n,
               (SELECT coalesce(sum(cardinality(keys)), 0) FROM identity.match_records
                WHERE tenant_id = :t) AS keys
        FROM identity.blocking_postings p JOIN identity.match_records r ON r.id = p.record_id
        WHERE r.tenant_id = :t
        """
    )

    async def load(*rows: dict[str, Any]) -> Job:
        done = await import_rows(db, tenant, tmp_path, rows)
        assert done.state == "succeeded"
        return done

    async def counted() -> tuple[int, int, int]:
        async with db.session() as session:
            row = (await session.execute(postings, {"t": tenant})).one()
        return row.n, row.distinct_n, row.keys

    person = {"date_of_birth": "1971-03-04", "street": "Lindenweg 3", "postcode": "50667"}
    try:
        first = await load(
            {
                "customer_number": "L1",
                "given_name": "Jörg",
                "family_name": "Kretschmann",
                "city": "Köln",
                **person,
            },
            {"customer_number": "L2", "given_name": "Ute", "family_name": "Lange"},
            {"customer_number": "L3", "given_name": "Kai", "family_name": "Sommer"},
        )
        assert not first.postings_pending and first.result["write_seconds"]["postings"] > 0
        n, distinct_n, keys = await counted()
        assert n == distinct_n == keys > 0
        # Found by blocking (a misspelt name), not by an identifier.
        async with db.reader() as session:
            out = await customers.resolve_records(
                session,
                tenant_id=tenant,
                records_in=[
                    PersonRecord(
                        given_name="Jörg",
                        family_name="Kretschman",
                        city="Köln",
                        **{
                            "date_of_birth": "1971-03-04",
                            "postcode": "50667",
                            "street": "Lindenweg 3",
                        },
                    )
                ],
            )
        assert out[0].customer_id is not None

        await load({"customer_number": "L4", "given_name": "Eva", "family_name": "Winter"})
        n, distinct_n, keys = await counted()
        assert n == distinct_n == keys

        # A crash before the end: the first load's postings never built, the job failed.
        async with db.session() as session:
            await session.execute(
                sa.text(
                    "DELETE FROM identity.blocking_postings p USING identity.customers c "
                    "WHERE c.id = p.record_id AND c.imported_by = :job"
                ),
                {"job": first.id},
            )
            await session.execute(
                sa.update(Job)
                .where(Job.id == first.id)
                .values(state="receiving", postings_pending=True)
            )
        await job_service.reap(db)  # being resumed: left to its own run
        assert (await counted())[0] < keys
        async with db.session() as session:
            await session.execute(sa.update(Job).where(Job.id == first.id).values(state="failed"))
        await job_service.reap(db)
        await job_service.reap(db)  # once only
        n, distinct_n, keys = await counted()
        assert n == distinct_n == keys
    finally:
        imports.shutdown_pool()
        await db.dispose()


_POSTINGS_TABLE = (
    "SELECT 'identity.blocking_postings'::regclass::oid AS oid, "
    "(SELECT pg_get_constraintdef(oid) FROM pg_constraint "
    " WHERE conrelid = 'identity.blocking_postings'::regclass "
    " AND conname = 'blocking_postings_pkey') AS pkey"
)


@pytest.mark.parametrize("replaced", [True, False], ids=["table-replaced", "rows-inserted"])
async def test_a_postings_build_skips_a_record_indexed_online_meanwhile(
    platform, database_url, monkeypatch, tmp_path, replaced
) -> None:
    """An initial load's customer re-indexed online before the load's postings are built (its
    postings written already) does not fail the build: every posting ends up there once. Both
    ways: the table built anew in the old one's place (few postings in it), and the postings
    inserted into it; another tenant's postings stay, and a statement prepared on the table
    before runs after."""
    import asyncpg
    import sqlalchemy as sa

    from services.identity.imports import service as imports
    from services.identity.jobs.models import Job
    from shared import Database

    monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "REPLACE_MAX_POSTINGS", 10**9 if replaced else 0)
    db = Database(database_url, schema="identity", pool_size=2)
    tenant, other = uuid.uuid4(), uuid.uuid4()
    counted = sa.text(
        """
        SELECT count(*) AS n, count(DISTINCT (p.key, p.record_id)) AS distinct_n,
               (SELECT sum(cardinality(keys)) FROM identity.match_records
                WHERE tenant_id = :t) AS keys
        FROM identity.blocking_postings p JOIN identity.match_records r ON r.id = p.record_id
        WHERE r.tenant_id = :t
        """
    )
    plain = database_url.replace("+asyncpg", "")
    prepared_on = await asyncpg.connect(plain)
    try:
        await import_rows(
            db,
            other,
            tmp_path,
            [{"customer_number": "O1", "given_name": "Olga", "family_name": "Ost",
              "postcode": "50669"}],
        )  # fmt: skip
        job = await import_rows(
            db,
            tenant,
            tmp_path,
            [
                {"customer_number": "R1", "given_name": "Rita", "family_name": "Rabe",
                 "postcode": "50667", "date_of_birth": "1980-01-02"},
                {"customer_number": "R2", "given_name": "Rolf", "family_name": "Reh",
                 "postcode": "50668", "date_of_birth": "1981-02-03"},
            ],
        )  # fmt: skip
        assert job.state == "succeeded" and not job.postings_pending
        async with db.session() as session:
            ids = await _numbered(session, tenant)
            # As if the load had stopped before its postings, and R1 were re-indexed since.
            await session.execute(
                sa.text(
                    "DELETE FROM identity.blocking_postings p USING identity.customers c "
                    "WHERE c.id = p.record_id AND c.imported_by = :job AND c.id <> :kept"
                ),
                {"job": job.id, "kept": ids["R1"]},
            )
            await session.execute(
                sa.update(Job).where(Job.id == job.id).values(postings_pending=True)
            )
            before = (await session.execute(counted, {"t": tenant})).one()
            others = (await session.execute(counted, {"t": other})).one()
            table = (await session.execute(sa.text(_POSTINGS_TABLE))).one()
            started = await session.scalar(sa.text("SELECT clock_timestamp()"))
        assert 0 < before.n < before.keys and others.n == others.keys > 0
        statement = await prepared_on.prepare(
            "SELECT count(*) FROM identity.blocking_postings WHERE record_id = $1"
        )
        assert await statement.fetchval(ids["R1"]) > 0
        monkeypatch.setattr(imports, "SETTLE_MIN_ROWS", 2)  # a large job: two rows
        assert await imports.build_postings(db, tenant_id=tenant, job_id=job.id)
        async with db.session() as session:
            after = (await session.execute(counted, {"t": tenant})).one()
            assert (await session.execute(counted, {"t": other})).one() == others
            now = (await session.execute(sa.text(_POSTINGS_TABLE))).one()
            pending = await session.scalar(sa.select(Job.postings_pending).where(Job.id == job.id))
            analysed = await session.scalar(
                sa.text(
                    "SELECT min(last_analyze) FROM pg_stat_user_tables WHERE schemaname = "
                    "'identity' AND relname IN ('customers', 'match_records')"
                )
            )
        assert after.n == after.distinct_n == after.keys == before.keys and not pending
        assert (now.oid != table.oid) is replaced and now.pkey == table.pkey
        assert now.pkey == "PRIMARY KEY (key, record_id)"
        assert await statement.fetchval(ids["R2"]) > 0  # planned again on the new table
        # The build planned its sort on the written tables' new statistics.
        assert analysed is not None and analysed > started
    finally:
        await prepared_on.close()
        imports.shutdown_pool()
        await db.dispose()


async def _pending_postings_of(
    db: Any, tenant: uuid.UUID, tmp_path: Any, number: str, given: str, family: str
) -> Any:
    """A one-row import whose job then waits for its postings again (as after a crash)."""
    import sqlalchemy as sa

    from services.identity.jobs.models import Job

    job = await import_rows(
        db,
        tenant,
        tmp_path,
        [{"customer_number": number, "given_name": given, "family_name": family}],
    )
    async with db.session() as session:
        await session.execute(sa.update(Job).where(Job.id == job.id).values(postings_pending=True))
    return job


async def test_a_failed_table_replacement_leaves_the_table_and_the_job_as_they_were(
    platform, database_url, monkeypatch, tmp_path
) -> None:
    """Should building the new table fail (here its index), the old table stays in place with
    what it held, no new table is left behind, and the job still waits for its postings: the
    next build (the reaper's) makes them."""
    import asyncpg
    import sqlalchemy as sa

    from services.identity.imports import service as imports
    from services.identity.jobs.models import Job
    from shared import Database

    monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "REPLACE_MAX_POSTINGS", 10**9)
    monkeypatch.setattr(imports, "SETTLE_MIN_ROWS", 1)  # the analyses run beside the build
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    try:
        job = await _pending_postings_of(db, tenant, tmp_path, "F1", "Fee", "Fink")
        async with db.session() as session:
            table = (await session.execute(sa.text(_POSTINGS_TABLE))).one()
            held = await session.scalar(sa.text("SELECT count(*) FROM identity.blocking_postings"))
        monkeypatch.setattr(imports, "_INDEX_NEXT", "SELECT 1 / 0")
        with pytest.raises(asyncpg.DivisionByZeroError):
            await imports.build_postings(db, tenant_id=tenant, job_id=job.id)
        async with db.session() as session:
            assert (await session.execute(sa.text(_POSTINGS_TABLE))).one() == table
            assert (
                await session.scalar(
                    sa.text("SELECT to_regclass('identity.blocking_postings_next')")
                )
                is None
            )
            count = sa.text("SELECT count(*) FROM identity.blocking_postings")
            assert await session.scalar(count) == held
            pending = sa.select(Job.postings_pending).where(Job.id == job.id)
            assert await session.scalar(pending)
        monkeypatch.undo()
        monkeypatch.setattr(imports, "REPLACE_MAX_POSTINGS", 10**9)
        assert await imports.build_postings(db, tenant_id=tenant, job_id=job.id)
        async with db.session() as session:
            assert (await session.execute(sa.text(_POSTINGS_TABLE))).one().oid != table.oid
            assert not await session.scalar(pending)
    finally:
        imports.shutdown_pool()
        await db.dispose()


async def test_a_postings_table_replaced_keeps_a_posting_written_while_it_was_built(
    platform, database_url, monkeypatch, tmp_path
) -> None:
    """A posting written online by a transaction still open when the new table is ready is
    waited for (the build asks for the table's lock in short tries, however many it takes:
    lookups go on meanwhile), then copied over."""
    import asyncpg

    from services.identity.imports import service as imports
    from shared import Database

    monkeypatch.setattr(imports, "POOL_MIN_BYTES", 0)
    monkeypatch.setattr(imports, "REPLACE_MAX_POSTINGS", 10**9)
    monkeypatch.setattr(imports, "_LOCK_TRY", "SET LOCAL lock_timeout TO '50ms'")
    monkeypatch.setattr(imports, "_LOCK_PAUSE_MAX", 0.1)
    monkeypatch.setattr(imports, "_LOCK_WARN_AFTER", 3)
    db = Database(database_url, schema="identity", pool_size=2)
    tenant = uuid.uuid4()
    plain = database_url.replace("+asyncpg", "")
    writer, reader = await asyncpg.connect(plain), await asyncpg.connect(plain)
    written = (-4242, uuid.uuid4())
    try:
        job = await _pending_postings_of(db, tenant, tmp_path, "W1", "Wim", "Wolf")
        transaction = writer.transaction()
        await transaction.start()
        await writer.execute(
            "INSERT INTO identity.blocking_postings (key, record_id) VALUES ($1, $2)", *written
        )
        build = asyncio.ensure_future(imports.build_postings(db, tenant_id=tenant, job_id=job.id))
        # Between tries the table is not locked: a lookup does not wait for the build, still
        # not after many tries.
        for _ in range(3):
            await asyncio.sleep(1.0)
            assert not build.done()
            found = await asyncio.wait_for(
                reader.fetchval(
                    "SELECT count(*) FROM identity.blocking_postings WHERE key = $1", 0
                ),
                timeout=0.5,
            )
            assert found == 0
        await transaction.commit()
        assert await asyncio.wait_for(build, timeout=30)
        held = await reader.fetchval(
            "SELECT count(*) FROM identity.blocking_postings WHERE key = $1 AND record_id = $2",
            *written,
        )
        assert held == 1
        await reader.execute(
            "DELETE FROM identity.blocking_postings WHERE key = $1 AND record_id = $2", *written
        )
    finally:
        await writer.close()
        await reader.close()
        imports.shutdown_pool()
        await db.dispose()


async def _numbered(session: Any, tenant: uuid.UUID) -> dict[str | None, uuid.UUID]:
    """The tenant's customers by customer number."""
    import sqlalchemy as sa

    from services.identity.customers.models import Customer

    query = sa.select(Customer.customer_number, Customer.id).where(Customer.tenant_id == tenant)
    return dict((await session.execute(query)).all())


async def _held(
    session: Any, tenant: uuid.UUID
) -> tuple[dict[uuid.UUID, str | None], dict[tuple[str, str], str | None]]:
    """The tenant's customer numbers by id, and the number holding each identifier."""
    import sqlalchemy as sa

    from services.identity.customers.models import Identity

    numbers = {i: number for number, i in (await _numbered(session, tenant)).items()}
    query = sa.select(Identity.kind, Identity.value, Identity.customer_id).where(
        Identity.tenant_id == tenant
    )
    held = {
        (kind, value): numbers[customer] for kind, value, customer in await session.execute(query)
    }
    return numbers, held
