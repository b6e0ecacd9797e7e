"""News and blog mentions through the public API: attributed strictly, counted once, and
following merges, unmerges and erasure.

Every service runs in this process over the in-memory broker against real PostgreSQL.
"""

from __future__ import annotations

import asyncio
import uuid
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import orjson
from integration.test_scoring import customer, email, outbox, sql

from services.scoring.mentions.service import sweep_aged_out
from services.scoring.recompute.service import recompute_worker
from services.scoring.settings import ScoringSettings
from shared import Database

AUTHOR = "Petra Schreiber"


def article(text: str, *, url: str | None = None, **extra: Any) -> dict[str, Any]:
    url = url or f"https://www.heise.de/news/{uuid.uuid4().hex}.html"
    return {
        "channel": "news",
        "external_id": extra.pop("external_id", url),
        "author": extra.pop("author", {"name": AUTHOR}),
        "subject": "ACME Telco in der Kritik",
        "text": text,
        "metadata": {"feed_title": extra.pop("outlet", "Heise online"), "url": url},
        **extra,
    }


async def mentions_announced(database_url: str, tenant_id: str) -> list[dict[str, Any]]:
    rows = await sql(
        database_url,
        "SELECT envelope::text AS e FROM identity.outbox WHERE tenant_id = $1 AND type = $2 "
        "ORDER BY position",
        uuid.UUID(tenant_id),
        "customer.mentioned.v1",
    )
    return [orjson.loads(r["e"])["payload"] for r in rows]


async def mention_rows(database_url: str, tenant_id: str) -> list[asyncpg.Record]:
    return await sql(
        database_url,
        "SELECT * FROM scoring.news_mentions WHERE tenant_id = $1",
        uuid.UUID(tenant_id),
    )


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post("/v1/interactions", json=body)
    assert response.status_code in (200, 201, 202), response.text
    return dict(response.json())


async def authority(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any] | None:
    response = await client.get(f"/v1/customers/{customer_id}/score")
    if response.status_code != 200:
        return None
    return next(c for c in response.json()["components"] if c["name"] == "authority")


async def raised(client: httpx.AsyncClient, customer_id: str) -> dict[str, Any] | None:
    found = await authority(client, customer_id)
    return found if found and found["value"] > 0 else None


async def test_a_news_item_naming_a_distinctive_customer_raises_their_authority(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("news mention")
    async with platform.client(key) as client:
        ingeborg = await customer(
            client,
            given_name="Ingeborg",
            family_name="Wenzelhuber",
            emails=["ingeborg@example.de"],
            tier="gold",
            value=5_000,
        )
        await post(
            client,
            article(
                "Kundin Ingeborg Wenzelhuber kritisiert ACME Telco scharf: seit Wochen kein Netz.",
                url="https://www.heise.de/news/acme-netz.html",
            ),
        )

        component = await eventually(lambda: raised(client, ingeborg))
        assert component["reason"] == "1 news/blog mention (Heise online)"
        [event] = await mentions_announced(database_url, tenant_id)
        assert event["customer_id"] == ingeborg
        assert (event["matched_by"], event["outlet"]) == ("name", "Heise online")
        assert event["url"] == "https://www.heise.de/news/acme-netz.html"
        assert event["probability"] >= 0.95
        [changed] = await outbox(database_url, tenant_id, "customer.score_changed.v1")
        assert (changed["customer_id"], changed["previous_tier"]) == (ingeborg, None)

        # Her own messages are scored with the mentions she has.
        own = await post(client, email("ingeborg@example.de", "Wann kommt das Netz zurück?"))

        async def own_scored() -> bool:
            body = (await client.get(f"/v1/interactions/{own['id']}")).json()
            return body["status"] in ("scored", "routed")

        await eventually(own_scored)
        assert (await authority(client, ingeborg)) == component


async def test_common_names_strangers_and_the_author_are_not_attributed(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("news strict")
    async with platform.client(key) as client:
        control = await customer(client, given_name="Ingeborg", family_name="Wenzelhuber")
        # The model already doubts the first; the second it would match, but many share it.
        common = await customer(client, given_name="Anna", family_name="Schmidt")
        shared = await customer(client, given_name="Sabine", family_name="Przybilla")
        writer = await customer(
            client, given_name="Hildegard", family_name="Quadbeck", emails=["hq@zeitung.de"]
        )
        before = (await client.get("/v1/customers", params={"limit": 100})).json()["items"]
        await post(
            client,
            article(
                "Anna Schmidt und Hannelore Kwiatkowski beschweren sich über ACME Telco, "
                "ebenso Ingeborg Wenzelhuber. Auch Sabine Przybilla ist verärgert. Ein "
                "Kommentar von Hildegard Quadbeck.",
                # The byline is no full name, but its address is the writer's.
                author={"name": "H. Quadbeck", "email": "hq@zeitung.de"},
            ),
        )

        async def processed() -> list[dict[str, Any]]:
            return await mentions_announced(database_url, tenant_id)

        # The control customer is named in the same item: once it is, the item is done.
        assert [e["customer_id"] for e in await eventually(processed)] == [control]
        assert await authority(client, common) is None
        assert await authority(client, shared) is None
        # The writer is identified as the item's author, and named in it, but not mentioned.
        writer_authority = await eventually(lambda: authority(client, writer))
        assert writer_authority["reason"] == "no authority signals"
        after = (await client.get("/v1/customers", params={"limit": 100})).json()["items"]
        assert {c["id"] for c in after} == {c["id"] for c in before}  # no prospects
        assert (await client.get("/v1/identity/reviews")).json()["items"] == []


async def test_a_handle_names_its_owner_exactly(platform, eventually, database_url) -> None:
    tenant_id, key = await platform.new_tenant("news handle")
    async with platform.client(key) as client:
        kim = await customer(client, given_name="Kim", handles={"twitter": "kim_telco"})
        await post(client, article("Auf X beschwerte sich @Kim_Telco über ACME Telco."))

        await eventually(lambda: raised(client, kim))
        [event] = await mentions_announced(database_url, tenant_id)
        assert (event["matched_by"], event["probability"]) == ("handle", 1.0)


async def test_the_same_item_replayed_or_syndicated_is_counted_once(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("news replay")
    async with platform.client(key) as client:
        ingeborg = await customer(client, given_name="Ingeborg", family_name="Wenzelhuber")
        text = "Ingeborg Wenzelhuber verklagt ACME Telco."
        first = article(text, url="https://www.heise.de/news/klage.html")
        stored = await post(client, first)
        replayed = await post(client, first)
        assert (replayed["id"], replayed["duplicate"]) == (stored["id"], True)
        # The same article through a second feed of the outlet: another item, the same address.
        await post(
            client, article(text, url="https://www.heise.de/news/klage.html", external_id="guid-2")
        )
        await post(
            client,
            article(
                "Ingeborg Wenzelhuber gewinnt gegen ACME Telco.",
                url="https://www.spiegel.de/wirtschaft/urteil.html",
                outlet="Der Spiegel",
            ),
        )

        async def all_kept() -> bool:
            return len(await mention_rows(database_url, tenant_id)) == 3

        await eventually(all_kept)
        component = await authority(client, ingeborg)
        assert component is not None
        assert component["reason"] in (
            "2 news/blog mentions (Heise online, Der Spiegel)",
            "2 news/blog mentions (Der Spiegel, Heise online)",
        )


async def test_mentions_follow_merges_and_unmerges_and_are_erased(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("news merge")
    async with platform.client(key) as client:
        named = await customer(client, given_name="Ingeborg", family_name="Wenzelhuber")
        survivor = await customer(
            client, given_name="Inge", family_name="Wenzelhuber", emails=["inge@example.de"]
        )
        await post(client, email("inge@example.de", "Frage zur Rechnung"))
        await post(client, article("Ingeborg Wenzelhuber verklagt ACME Telco."))

        async def reason_of(customer_id: str, expected: str) -> bool:
            found = await authority(client, customer_id)
            return found is not None and found["reason"] == expected

        await eventually(lambda: reason_of(named, "1 news/blog mention (Heise online)"))
        await eventually(lambda: reason_of(survivor, "no authority signals"))

        merged = await client.post(f"/v1/customers/{survivor}/merge", json={"other_id": named})
        assert merged.status_code == 200, merged.text
        await eventually(lambda: reason_of(survivor, "1 news/blog mention (Heise online)"))

        unmerged = await client.post(f"/v1/customers/{survivor}/unmerge", json={})
        assert unmerged.status_code == 200, unmerged.text
        await eventually(lambda: reason_of(survivor, "no authority signals"))
        # The restored customer is scored again at once, with its mention, not at its next one.
        await eventually(lambda: reason_of(named, "1 news/blog mention (Heise online)"))
        [row] = await mention_rows(database_url, tenant_id)
        assert (str(row["customer_id"]), row["merged_path"]) == (named, [])

        assert (await client.delete(f"/v1/customers/{named}")).status_code == 204

        async def erased() -> bool:
            return not await mention_rows(database_url, tenant_id)

        await eventually(erased)


async def test_unmerging_a_chain_of_merges_gives_each_customer_its_mentions_back(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("news merge chain")
    async with platform.client(key) as client:
        first = await customer(client, given_name="Ingeborg", family_name="Wenzelhuber")
        second = await customer(client, given_name="Gudrun", family_name="Kwiatkowski")
        third = await customer(client, given_name="Hannelore", family_name="Przybilla")
        await post(client, article("Ingeborg Wenzelhuber verklagt ACME Telco."))

        async def owner() -> tuple[str, list[str]] | None:
            rows = await mention_rows(database_url, tenant_id)
            if len(rows) != 1:
                return None
            return str(rows[0]["customer_id"]), [str(c) for c in rows[0]["merged_path"]]

        async def owned_by(expected: tuple[str, list[str]]) -> bool:
            return await owner() == expected

        await eventually(lambda: owned_by((first, [])))
        for survivor, other in ((second, first), (third, second)):
            merged = await client.post(f"/v1/customers/{survivor}/merge", json={"other_id": other})
            assert merged.status_code == 200, merged.text
        await eventually(lambda: owned_by((third, [first, second])))

        assert (await client.post(f"/v1/customers/{third}/unmerge", json={})).status_code == 200
        await eventually(lambda: owned_by((second, [first])))
        assert (await client.post(f"/v1/customers/{second}/unmerge", json={})).status_code == 200
        await eventually(lambda: owned_by((first, [])))


async def mentioned_a_year_ago(
    client: httpx.AsyncClient, database_url: str, tenant_id: str, eventually: Any
) -> str:
    """A customer scored with one mention, stored as if the item appeared a year and a day ago
    and the score was computed two days ago (when the item still counted)."""
    # Tiers so low that the mention alone makes the customer bronze.
    tiers = {"bronze": 0.5, "silver": 35, "gold": 60, "platinum": 80}
    assert (await client.put("/v1/scoring/config", json={"tiers": tiers})).status_code == 200
    named = await customer(client, given_name="Ingeborg", family_name="Wenzelhuber")
    await post(client, article("Ingeborg Wenzelhuber verklagt ACME Telco."))

    async def bronze() -> bool:
        response = await client.get(f"/v1/customers/{named}/score")
        return response.status_code == 200 and response.json()["tier"] == "bronze"

    await eventually(bronze)
    for query in (
        "UPDATE scoring.news_mentions SET published_at = published_at - interval '366 days' "
        "WHERE tenant_id = $1",
        "UPDATE scoring.customer_scores SET computed_at = computed_at - interval '2 days', "
        "news_expires_at = news_expires_at - interval '366 days' WHERE tenant_id = $1",
    ):
        await sql(database_url, query, uuid.UUID(tenant_id))
    return named


async def test_a_mention_leaving_the_year_is_swept_from_the_score_once_by_concurrent_replicas(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("news aging")
    async with platform.client(key) as client:
        named = await mentioned_a_year_ago(client, database_url, tenant_id, eventually)
        replicas = [Database(database_url, schema="scoring") for _ in range(3)]
        try:
            counts = await asyncio.gather(
                *(sweep_aged_out(db, max_customers=1_000) for db in replicas)
            )
            # The service's own worker may have swept it already; nobody sweeps it twice.
            assert sum(counts) <= 1
            assert await sweep_aged_out(replicas[0], max_customers=1_000) == 0
        finally:
            for db in replicas:
                await db.dispose()
        found = await authority(client, named)
        assert found is not None and found["reason"] == "no authority signals"
    changes = await outbox(database_url, tenant_id, "customer.score_changed.v1")
    assert [(c["previous_tier"], c["tier"]) for c in changes] == [
        (None, "bronze"),
        ("bronze", "unrated"),
    ]


async def test_the_worker_sweeps_aged_mentions_at_its_own_interval(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("news aging worker")
    async with platform.client(key) as client:
        named = await mentioned_a_year_ago(client, database_url, tenant_id, eventually)
        settings = ScoringSettings(
            database_url=database_url,
            recompute_interval_seconds=0.05,
            mention_sweep_interval_seconds=3_600,
        )
        runtime = SimpleNamespace(settings=settings, db=Database(database_url, schema="scoring"))
        worker = asyncio.create_task(recompute_worker(runtime))  # type: ignore[arg-type]
        try:

            async def swept() -> bool:
                found = await authority(client, named)
                return found is not None and found["reason"] == "no authority signals"

            await eventually(swept)
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
            await runtime.db.dispose()
