"""Scoring through the public API: explained scores, tier changes, incidents, the graph, erasure.

Every service runs in this process over the in-memory broker against real PostgreSQL. The
platform has no public event stream yet, so announced events are read from scoring's outbox.
"""

from __future__ import annotations

import asyncio
import math
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import orjson

from services.scoring.engine import IncidentConfig, ScoringConfig
from services.scoring.incidents.service import observe
from services.scoring.locks import try_xact_lock
from services.scoring.recompute.service import recompute_due, recompute_tenant
from services.scoring.scores.service import follow_merge, follow_unmerge, put_config
from services.scoring.settings import ScoringSettings
from shared import Database, make_similarity_key
from shared.contracts import (
    CustomerMergedV2,
    CustomerSnapshot,
    CustomerUnmergedV2,
    Envelope,
    InteractionFacts,
    InteractionReceivedV1,
)

PROBLEM = "application/problem+json"
OUTAGE = (
    "@telco Seit heute Morgen Totalausfall in Berlin-Mitte, kein Internet und kein Telefon! "
    "Unverschämt, {}"
)
# Pairwise similarity >= 0.84, so whichever arrives first represents the cluster for all of them.
ENDINGS = ["echt jetzt", "wie immer", "Frechheit", "na toll", "super", "danke"]


def tweet(text: str, handle: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "channel": "twitter",
        "external_id": extra.pop("external_id", uuid.uuid4().hex),
        "author": {"handle": handle or f"@{uuid.uuid4().hex[:8]}", **extra.pop("author", {})},
        "text": text,
        **extra,
    }


def email(address: str, text: str) -> dict[str, Any]:
    return {
        "channel": "email",
        "external_id": f"<{uuid.uuid4().hex}@example.de>",
        "author": {"email": address},
        "text": text,
    }


async def sql(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return list(await conn.fetch(query, *args))
    finally:
        await conn.close()


async def outbox(database_url: str, tenant_id: str, event_type: str) -> list[dict[str, Any]]:
    rows = await sql(
        database_url,
        "SELECT envelope::text AS e FROM scoring.outbox WHERE tenant_id = $1 AND type = $2 "
        "ORDER BY position",
        uuid.UUID(tenant_id),
        event_type,
    )
    return [orjson.loads(r["e"])["payload"] for r in rows]


async def scored(client: httpx.AsyncClient, interaction_id: str, eventually: Any) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        body = (await client.get(f"/v1/interactions/{interaction_id}")).json()
        return body if body["status"] in ("scored", "routed") and body.get("risk") else None

    return await eventually(check)  # type: ignore[no-any-return]


async def post(client: httpx.AsyncClient, body: dict[str, Any]) -> str:
    response = await client.post("/v1/interactions", json=body)
    assert response.status_code in (200, 201, 202), response.text
    return str(response.json()["id"])


async def customer(client: httpx.AsyncClient, **data: Any) -> str:
    response = await client.post("/v1/customers", json=data)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def component(score: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in score["components"] if c["name"] == name)


async def test_an_interaction_gives_its_customer_an_explained_score(platform, eventually) -> None:
    _, key = await platform.new_tenant("explained")
    async with platform.client(key) as client:
        customer_id = await customer(
            client, given_name="Vera", emails=["vera@example.de"], tier="gold", value=20_000
        )
        await scored(client, await post(client, email("vera@example.de", "Frage")), eventually)
        score = (await client.get(f"/v1/customers/{customer_id}/score")).json()
        assert 0 < score["social_customer_score"] <= 100
        assert [c["name"] for c in score["components"]] == [
            "value",
            "reach",
            "engagement",
            "centrality",
            "authority",
        ]
        assert all(c["reason"] for c in score["components"])
        assert "tier gold" in component(score, "value")["reason"]
        assert math.isclose(sum(c["weight"] for c in score["components"]), 1.0, abs_tol=1e-4)


async def test_the_first_score_and_every_tier_change_are_announced(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("tiers")
    async with platform.client(key) as client:
        customer_id = await customer(
            client, given_name="Tim", emails=["tim@example.de"], tier="basic", value=50
        )
        await scored(client, await post(client, email("tim@example.de", "Hallo")), eventually)
        first = (await client.get(f"/v1/customers/{customer_id}/score")).json()
        assert first["tier"] == "bronze"

        tiers = {"bronze": 0.0, "silver": 0.001, "gold": 0.002, "platinum": 0.003}
        assert (await client.put("/v1/scoring/config", json={"tiers": tiers})).status_code == 200
        for text in ("Noch eine Frage", "Und noch eine"):
            await scored(client, await post(client, email("tim@example.de", text)), eventually)

    changes = await eventually(lambda: outbox(database_url, tenant_id, "customer.score_changed.v1"))
    assert [(c["previous_tier"], c["tier"]) for c in changes] == [
        (None, "bronze"),
        ("bronze", "platinum"),
    ]
    assert changes[0]["customer_id"] == customer_id
    assert changes[1]["previous_score"] == first["social_customer_score"]
    async with platform.client(key) as client:
        history = (await client.get(f"/v1/customers/{customer_id}/score")).json()["history"]
    assert [p["tier"] for p in history] == ["platinum", "bronze"]


async def test_similar_negative_public_tweets_become_one_incident(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("incident")
    async with platform.client(key) as client:
        config = {"incidents": {"min_size": 4, "window_minutes": 60}}
        assert (await client.put("/v1/scoring/config", json=config)).status_code == 200
        ids = [await post(client, tweet(OUTAGE.format(end))) for end in ENDINGS[:4]]
        await post(client, tweet("Danke für den tollen Service, alles super!"))

        async def one_incident() -> list[dict[str, Any]] | None:
            items = (await client.get("/v1/scoring/incidents")).json()["items"]
            return items if items and items[0]["size"] == 4 else None

        [incident] = await eventually(one_incident)
        assert incident["active"] and incident["total"] == 4
        assert incident["rate_per_hour"] > 0
        assert "Totalausfall" in incident["sample_text"]
        detail = (await client.get(f"/v1/scoring/incidents/{incident['id']}")).json()
        assert sorted(detail["interaction_ids"]) == sorted(ids)

        # Two more messages: the incident grows, but has not doubled, so it is not re-announced.
        for end in ENDINGS[4:6]:
            await post(client, tweet(OUTAGE.format(end)))

        async def grown() -> dict[str, Any] | None:
            items = (await client.get("/v1/scoring/incidents?limit=1")).json()["items"]
            return items[0] if items and items[0]["size"] == 6 else None

        await eventually(grown)
        unknown = await client.get(f"/v1/scoring/incidents/{uuid.uuid4()}")
        assert unknown.status_code == 404
        assert unknown.headers["content-type"] == PROBLEM
        bad_cursor = await client.get("/v1/scoring/incidents?cursor=not-a-cursor")
        assert bad_cursor.status_code == 400

    announced = await outbox(database_url, tenant_id, "incident.detected.v1")
    assert len(announced) == 1
    assert announced[0]["incident_id"] == incident["id"]
    assert announced[0]["size"] == 4
    assert sorted(announced[0]["interaction_ids"]) == sorted(ids)


async def test_replies_reposts_and_mentions_raise_the_centrality_of_who_they_name(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("graph")
    async with platform.client(key) as client:
        people = {
            name: await customer(client, given_name=name, handles={"twitter": f"{name}_x"})
            for name in ("alice", "bob", "carol")
        }
        root = await post(
            client, tweet("Mein Router ist kaputt.", "@alice_x", external_id="root-1")
        )
        await scored(client, root, eventually)

        async def root_remembered() -> list[Any]:
            return await sql(
                database_url,
                "SELECT 1 FROM scoring.graph_posts WHERE tenant_id = $1 AND external_id = 'root-1'",
                uuid.UUID(tenant_id),
            )

        await eventually(root_remembered)
        others = [
            tweet("@alice_x bei mir auch!", "@bob_x", in_reply_to="root-1"),
            tweet("RT @alice_x: Mein Router ist kaputt.", "@carol_x"),
            tweet("Hat @alice_x schon eine Antwort? @Alice_X", "@dave_x"),
        ]
        for body in others:
            await scored(client, await post(client, body), eventually)
        before = (await client.get(f"/v1/customers/{people['alice']}/score")).json()
        assert component(before, "centrality")["value"] == 0.0
        assert "not in the tenant's conversation graph" in component(before, "centrality")["reason"]

        async def edges() -> list[Any] | None:
            rows = await sql(
                database_url,
                "SELECT source, mentions, replies, reposts FROM scoring.graph_edges "
                "WHERE tenant_id = $1 AND target = 'alice_x' ORDER BY source",
                uuid.UUID(tenant_id),
            )
            return rows if len(rows) == 3 else None

        rows = await eventually(edges)
        assert [tuple(r) for r in rows] == [
            ("bob_x", 0, 1, 0),
            ("carol_x", 0, 0, 1),
            ("dave_x", 1, 0, 0),
        ]

        recompute = await client.post("/v1/scoring/recompute")
        assert recompute.status_code == 200, recompute.text
        result = recompute.json()
        assert result["nodes"] == 4 and result["edges"] == 3
        assert result["customers_rescored"] >= 1

        alice = (await client.get(f"/v1/customers/{people['alice']}/score")).json()
        bob = (await client.get(f"/v1/customers/{people['bob']}/score")).json()
        centrality = component(alice, "centrality")
        assert centrality["value"] > component(bob, "centrality")["value"]
        assert centrality["value"] > 0
        assert "seen 1 mentions, 1 replies, 1 reposts by others" in centrality["reason"]
        assert alice["social_customer_score"] > before["social_customer_score"]

        # Running it again changes nothing, so nobody is rescored.
        again = (await client.post("/v1/scoring/recompute")).json()
        assert again["customers_rescored"] == 0


async def test_the_reactions_an_author_gets_on_the_platform_raise_their_centrality(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("graph reactions")
    async with platform.client(key) as client:
        # Kim and Lea are each mentioned once; Kim's own posts travel, Lea's do not.
        await scored(
            client, await post(client, tweet("@kim_x kennt sich aus", "@udo_x")), eventually
        )
        await scored(
            client, await post(client, tweet("@lea_x kennt sich aus", "@uwe_x")), eventually
        )
        shown = {
            "@kim_x": {"likes": 200, "reposts": 30, "quotes": 10, "replies": 10},
            "@lea_x": {"likes": 2, "replies": 0},
        }
        for handle, engagement in shown.items():
            for text in ("Router kaputt", "Immer noch kaputt"):
                body = tweet(text, handle, author={"followers": 5_000}, engagement=engagement)
                await scored(client, await post(client, body), eventually)

        async def numbers() -> list[tuple[Any, ...]] | None:
            rows = await sql(
                database_url,
                "SELECT handle, posts, followers, reacted_posts, likes, reposts, replies "
                "FROM scoring.graph_nodes WHERE tenant_id = $1 AND handle IN ('kim_x', 'lea_x') "
                "ORDER BY handle",
                uuid.UUID(tenant_id),
            )
            return [tuple(r) for r in rows] if len(rows) == 2 and rows[1]["posts"] == 2 else None

        assert await eventually(numbers) == [
            ("kim_x", 2, 5_000, 2, 400, 80, 20),
            ("lea_x", 2, 5_000, 2, 4, 0, 0),
        ]
        assert (await client.post("/v1/scoring/recompute")).status_code == 200
        rows = await sql(
            database_url,
            "SELECT handle, centrality FROM scoring.graph_nodes "
            "WHERE tenant_id = $1 AND handle IN ('kim_x', 'lea_x') ORDER BY handle",
            uuid.UUID(tenant_id),
        )
        centrality = {r["handle"]: r["centrality"] for r in rows}
        assert centrality["kim_x"] > 2 * centrality["lea_x"] > 0.0


async def test_only_admins_may_trigger_a_recompute(platform) -> None:
    _, key = await platform.new_tenant("recompute scopes")
    async with platform.client(key) as admin:
        created = await admin.post("/v1/api-keys", json={"name": "bot", "scopes": ["integration"]})
        assert created.status_code == 201
    async with platform.client(created.json()["key"]) as integration:
        response = await integration.post("/v1/scoring/recompute")
    assert response.status_code == 403
    assert response.headers["content-type"] == PROBLEM


async def test_population_percentiles_put_the_top_customer_in_the_top_share(
    platform, eventually, database_url
) -> None:

    tenant_id, key = await platform.new_tenant("population")
    async with platform.client(key) as client:
        ids = {}
        for i, value in enumerate((100, 1_000, 10_000, 1_000_000)):
            address = f"p{i}@example.de"
            ids[value] = await customer(client, given_name=f"P{i}", emails=[address], value=value)
            await scored(client, await post(client, email(address, "Frage")), eventually)
        db = Database(database_url, schema="scoring")
        try:
            result = await recompute_tenant(
                db,
                tenant_id=uuid.UUID(tenant_id),
                settings=ScoringSettings(database_url=database_url, population_min_customers=4),
            )
        finally:
            await db.dispose()
        assert result.population_customers == 4
        await scored(client, await post(client, email("p3@example.de", "Noch was")), eventually)
        top = (await client.get(f"/v1/customers/{ids[1_000_000]}/score")).json()
        assert "(top 1% of tenant)" in component(top, "value")["reason"]


async def test_spreading_public_complaints_carry_their_velocity_into_the_risk(
    platform, eventually
) -> None:
    _, key = await platform.new_tenant("velocity")
    async with platform.client(key) as client:
        an_hour_ago = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
        fast = await post(
            client,
            tweet(
                OUTAGE.format("seit Stunden"),
                occurred_at=an_hour_ago,
                engagement={"reposts": 240, "replies": 60, "likes": 1_000},
            ),
        )
        view = await scored(client, fast, eventually)
        assert "spreading at 300 reposts/replies per hour" in view["risk"]["reasons"]

        future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
        skewed = await post(
            client, tweet(OUTAGE.format("Uhr"), occurred_at=future, engagement={"reposts": 1})
        )
        view = await scored(client, skewed, eventually)
        assert 0.0 <= view["risk"]["value"] <= 1.0


async def test_absurd_follower_and_engagement_counts_still_score(platform, eventually) -> None:
    _, key = await platform.new_tenant("absurd")
    async with platform.client(key) as client:
        body = tweet(
            OUTAGE.format("!!!"),
            author={"followers": 10_000_000_000, "following": 0, "posts": 10_000_000_000},
            engagement={"reposts": 10**15, "replies": 10**15},
        )
        view = await scored(client, await post(client, body), eventually)
        assert 0.0 <= view["risk"]["value"] <= 1.0
        score = (await client.get(f"/v1/customers/{view['customer_id']}/score")).json()
        assert 0.0 <= score["social_customer_score"] <= 100.0
        assert all(math.isfinite(c["value"]) for c in score["components"])


async def test_an_invalid_scoring_config_is_a_422_and_nothing_is_stored(platform) -> None:
    _, key = await platform.new_tenant("bad config")
    async with platform.client(key) as client:
        good = {"incidents": {"min_size": 7}, "weights": {"reach": 0.5}}
        assert (await client.put("/v1/scoring/config", json=good)).status_code == 200
        for bad in (
            {"weights": {"value": 0, "reach": 0, "engagement": 0, "centrality": 0, "authority": 0}},
            {"weights": {"reach": -1}},
            {"weights": {"reach": "a lot"}},
            {"tiers": {"silver": 70, "gold": 60}},
            {"weights": {"popularity": 1}},
        ):
            response = await client.put("/v1/scoring/config", json=bad)
            assert response.status_code == 422, bad
            assert response.headers["content-type"] == PROBLEM
            assert response.json()["errors"]
        stored = (await client.get("/v1/scoring/config")).json()
    assert stored["incidents"]["min_size"] == 7
    assert stored["weights"]["reach"] == 0.5


async def test_erasure_removes_the_customer_from_the_conversation_graph(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("graph erasure")
    async with platform.client(key) as client:
        erin = await customer(client, given_name="Erin", handles={"twitter": "erin_x"})
        await scored(client, await post(client, tweet("Hallo @frank_x", "@erin_x")), eventually)
        await scored(client, await post(client, tweet("@erin_x hi", "@frank_x")), eventually)
        assert (await client.post("/v1/scoring/recompute")).status_code == 200

        async def graph_rows() -> list[Any]:
            return await sql(
                database_url,
                "SELECT 'node' FROM scoring.graph_nodes WHERE tenant_id = $1 AND handle = 'erin_x'"
                " UNION ALL SELECT 'edge' FROM scoring.graph_edges WHERE tenant_id = $1 "
                "AND 'erin_x' IN (source, target)"
                " UNION ALL SELECT 'post' FROM scoring.graph_posts WHERE tenant_id = $1 "
                "AND author = 'erin_x'",
                uuid.UUID(tenant_id),
            )

        assert len(await eventually(graph_rows)) >= 3
        assert (await client.delete(f"/v1/customers/{erin}")).status_code == 204

        async def forgotten() -> bool:
            gone = (await client.get(f"/v1/customers/{erin}/score")).status_code == 404
            return gone and not await graph_rows()

        await eventually(forgotten)


async def test_an_unmerge_gives_the_restored_customer_its_graph_handles_back_at_once(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("graph unmerge")
    async with platform.client(key) as client:
        ada = await customer(
            client, given_name="Ada", family_name="Alt", handles={"twitter": "ada_x"}
        )
        ben = await customer(
            client, given_name="Ben", family_name="Neu", handles={"twitter": "ben_x"}
        )
        await scored(client, await post(client, tweet("Hallo @ben_x", "@ada_x")), eventually)
        await scored(client, await post(client, tweet("Hallo @ada_x", "@ben_x")), eventually)
        assert (await client.post("/v1/scoring/recompute")).status_code == 200

        async def owners() -> dict[str, tuple[str, list[str]]]:
            rows = await sql(
                database_url,
                "SELECT handle, customer_id, merged_path FROM scoring.graph_nodes "
                "WHERE tenant_id = $1",
                uuid.UUID(tenant_id),
            )
            return {
                r["handle"]: (str(r["customer_id"]), [str(m) for m in r["merged_path"]])
                for r in rows
            }

        def owned_by(expected: dict[str, tuple[str, list[str]]]) -> Any:
            async def check() -> bool:
                return await owners() == expected

            return check

        await eventually(owned_by({"ada_x": (ada, []), "ben_x": (ben, [])}))
        merged = await client.post(f"/v1/customers/{ada}/merge", json={"other_id": ben})
        assert merged.status_code == 200, merged.text
        await eventually(owned_by({"ada_x": (ada, []), "ben_x": (ada, [ben])}))
        # Ada's next post is scored with Ben's handle counted as hers.
        await scored(client, await post(client, tweet("Noch da?", "@ada_x")), eventually)

        async def ada_seen(mentions: int) -> bool:
            score = (await client.get(f"/v1/customers/{ada}/score")).json()
            return f"seen {mentions} mentions" in component(score, "centrality")["reason"]

        await eventually(lambda: ada_seen(2))

        unmerged = await client.post(f"/v1/customers/{ada}/unmerge", json={})
        assert unmerged.status_code == 200, unmerged.text
        # Without a post from Ben: his handle is his again, and Ada no longer counts it.
        await eventually(owned_by({"ada_x": (ada, []), "ben_x": (ben, [])}))
        await eventually(lambda: ada_seen(1))


async def test_an_unmerge_scores_both_customers_from_their_own_master_data_at_once(
    platform, eventually, database_url
) -> None:
    tenant_id, key = await platform.new_tenant("unmerge scores")
    async with platform.client(key) as client:
        ada = await customer(
            client, given_name="Ada", family_name="Alt", handles={"twitter": "ada_u"}, value=9_000
        )
        ben = await customer(
            client,
            given_name="Ben",
            family_name="Neu",
            handles={"twitter": "ben_u"},
            tier="basic",
            value=50,
        )
        # Ben's LinkedIn audience is master data; his X audience only the platform showed.
        profile = await client.put(
            f"/v1/customers/{ben}/social-profiles/linkedin", json={"followers": 5_000}
        )
        assert profile.status_code == 200, profile.text
        ben_post = tweet("Hallo @ada_u", "@ben_u", author={"followers": 48_000})
        await scored(client, await post(client, ben_post), eventually)

        async def score_of(customer_id: str) -> dict[str, Any] | None:
            response = await client.get(f"/v1/customers/{customer_id}/score")
            return response.json() if response.status_code == 200 else None

        before = await eventually(lambda: score_of(ben))
        merged = await client.post(f"/v1/customers/{ada}/merge", json={"other_id": ben})
        assert merged.status_code == 200, merged.text

        async def ben_dropped() -> bool:
            return await score_of(ben) is None

        await eventually(ben_dropped)
        # Ada's next post is scored with Ben's LinkedIn profile as hers.
        ada_post = tweet("Noch da?", "@ada_u", author={"followers": 120})
        await scored(client, await post(client, ada_post), eventually)

        def reach_of(customer_id: str, expected: str) -> Any:
            async def check() -> dict[str, Any] | None:
                score = await score_of(customer_id)
                return score if score and component(score, "reach")["reason"] == expected else None

            return check

        await eventually(
            reach_of(
                ada, "5k followers on LinkedIn; also 120 on X (overlapping audiences counted once)"
            )
        )

        unmerged = await client.post(f"/v1/customers/{ada}/unmerge", json={})
        assert unmerged.status_code == 200, unmerged.text
        # Without a post from either: Ben is scored again as before the merge, Ada without him.
        before_reach = component(before, "reach")["reason"]
        assert "48k followers on X" in before_reach and "5k on LinkedIn" in before_reach
        after = await eventually(reach_of(ben, before_reach))
        assert component(after, "value") == component(before, "value")
        assert after["social_customer_score"] == before["social_customer_score"]
        await eventually(reach_of(ada, "120 followers on X"))
        changes = await outbox(database_url, tenant_id, "customer.score_changed.v1")
        assert [c["previous_tier"] for c in changes if c["customer_id"] == ben] == [None, None]


async def stored_values(database_url: str, tenant_id: uuid.UUID) -> list[tuple[Any, ...]]:
    """(customer id, customer value) of each score the tenant keeps."""
    rows = await sql(
        database_url,
        "SELECT customer_id, customer_value FROM scoring.customer_scores WHERE tenant_id = $1",
        tenant_id,
    )
    return [tuple(r) for r in rows]


async def test_an_unmerge_with_master_data_out_of_bounds_keeps_the_scores_it_can(
    platform, database_url
) -> None:
    tenant_id, survivor, restored = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()

    def unmerged(**snapshots: CustomerSnapshot) -> Envelope[Any]:
        payload = CustomerUnmergedV2(survivor_id=survivor, restored_id=restored, **snapshots)
        return Envelope.wrap(payload, source="test", tenant_id=tenant_id)

    db = Database(database_url, schema="scoring")
    try:
        async with db.session() as session:
            await follow_unmerge(
                session, unmerged(survivor=CustomerSnapshot(customer_id=survivor, value=700))
            )
        async with db.session() as session:
            # Absurd master data, and a snapshot of somebody else: neither is scored from.
            await follow_unmerge(
                session,
                unmerged(
                    survivor=CustomerSnapshot(customer_id=survivor, value=-1),
                    restored=CustomerSnapshot(customer_id=survivor, value=5),
                ),
            )
    finally:
        await db.dispose()
    assert await stored_values(database_url, tenant_id) == [(survivor, 700)]


async def test_a_merge_scores_the_survivor_from_its_merged_master_data_at_once(
    platform, eventually
) -> None:
    _, key = await platform.new_tenant("merge scores")
    async with platform.client(key) as client:
        ada = await customer(
            client, given_name="Ada", family_name="Alt", handles={"twitter": "ada_m"}, value=900
        )
        ben = await customer(client, given_name="Ben", family_name="Neu", tier="basic", value=50)
        # Ben's LinkedIn audience is master data; he never posted, so scoring never saw it.
        profile = await client.put(
            f"/v1/customers/{ben}/social-profiles/linkedin", json={"followers": 5_000}
        )
        assert profile.status_code == 200, profile.text
        await scored(
            client,
            await post(client, tweet("Hallo", "@ada_m", author={"followers": 120})),
            eventually,
        )
        # Cleo has master data but no score: she never wrote.
        cleo = await customer(
            client, given_name="Cleo", family_name="Gold", tier="gold", value=20_000
        )
        dan = await customer(client, given_name="Dan", family_name="Gold")

        async def score_of(customer_id: str) -> dict[str, Any] | None:
            response = await client.get(f"/v1/customers/{customer_id}/score")
            return response.json() if response.status_code == 200 else None

        def reach_of(customer_id: str, expected: str) -> Any:
            async def check() -> dict[str, Any] | None:
                score = await score_of(customer_id)
                return score if score and component(score, "reach")["reason"] == expected else None

            return check

        await eventually(reach_of(ada, "120 followers on X"))
        for survivor, other in ((ada, ben), (cleo, dan)):
            merged = await client.post(f"/v1/customers/{survivor}/merge", json={"other_id": other})
            assert merged.status_code == 200, merged.text
        # Without a post from anyone: Ada is scored with Ben's LinkedIn profile as hers...
        await eventually(
            reach_of(
                ada, "5k followers on LinkedIn; also 120 on X (overlapping audiences counted once)"
            )
        )
        # ...and Cleo, who had no score, gets one from her own master data.
        cleo_score = await eventually(lambda: score_of(cleo))
        assert "tier gold" in component(cleo_score, "value")["reason"]


async def test_a_merge_with_master_data_out_of_bounds_keeps_the_survivors_score(
    platform, database_url
) -> None:
    tenant_id, survivor = uuid.uuid4(), uuid.uuid4()

    def merged(snapshot: CustomerSnapshot | None) -> Envelope[Any]:
        payload = CustomerMergedV2(survivor_id=survivor, merged_id=uuid.uuid4(), survivor=snapshot)
        return Envelope.wrap(payload, source="test", tenant_id=tenant_id)

    db = Database(database_url, schema="scoring")
    try:
        async with db.session() as session:
            await follow_merge(session, merged(CustomerSnapshot(customer_id=survivor, value=700)))
        # Absurd master data (1e400 arrives as infinity) and a snapshot of somebody else: none
        # is scored from, the stored score keeps its own.
        for snapshot in (
            CustomerSnapshot(customer_id=survivor, value=-1),
            CustomerSnapshot(customer_id=survivor, value=float("inf")),
            CustomerSnapshot(customer_id=uuid.uuid4(), value=5),
            None,
        ):
            async with db.session() as session:
                await follow_merge(session, merged(snapshot))
    finally:
        await db.dispose()
    assert await stored_values(database_url, tenant_id) == [(survivor, 700)]


async def test_replicas_assigning_at_once_still_build_one_incident_announced_once(
    platform, database_url
) -> None:

    tenant_id = uuid.uuid4()
    replicas = [Database(database_url, schema="scoring") for _ in range(3)]
    try:
        async with replicas[0].session() as session:
            config = ScoringConfig(incidents=IncidentConfig(min_size=5))
            await put_config(session, tenant_id=tenant_id, config=config)
        texts = [OUTAGE.format(end) for end in ENDINGS] * 2

        def received(text: str) -> Envelope[Any]:
            facts = InteractionFacts(
                channel="twitter",
                visibility="public",
                occurred_at=datetime.now(UTC),
                sentiment=-0.8,
                similarity_key=make_similarity_key(text),
            )
            payload = InteractionReceivedV1(interaction_id=uuid.uuid4(), facts=facts, text=text)
            return Envelope.wrap(payload, source="test", tenant_id=tenant_id)

        async def deliver(i: int, text: str) -> None:
            async with replicas[i % len(replicas)].session() as session:
                await observe(session, received(text))

        await asyncio.gather(*(deliver(i, t) for i, t in enumerate(texts)))
    finally:
        for db in replicas:
            await db.dispose()
    clusters = await sql(
        database_url,
        "SELECT size, total, reported_size FROM scoring.incident_clusters WHERE tenant_id = $1",
        tenant_id,
    )
    assert [tuple(c) for c in clusters] == [(12, 12, 10)]
    announced = await outbox(database_url, str(tenant_id), "incident.detected.v1")
    assert [a["size"] for a in announced] == [5, 10]


async def test_the_worker_recomputes_changed_tenants_and_one_replica_leads_a_run(
    platform, eventually, database_url
) -> None:

    start = datetime.now(UTC) - timedelta(seconds=1)
    tenant_id, key = await platform.new_tenant("worker")
    async with platform.client(key) as client:
        await post(client, tweet("@gina_x hilf mir", "@hans_x"))

    async def gina() -> list[Any]:
        return await sql(
            database_url,
            "SELECT centrality FROM scoring.graph_nodes WHERE tenant_id = $1 AND handle = 'gina_x'",
            uuid.UUID(tenant_id),
        )

    async def edge() -> list[Any]:
        return await sql(
            database_url,
            "SELECT 1 FROM scoring.graph_edges WHERE tenant_id = $1",
            uuid.UUID(tenant_id),
        )

    await eventually(edge)
    db = Database(database_url, schema="scoring")
    settings = ScoringSettings(database_url=database_url)
    try:
        async with db.engine.begin() as other_replica:
            assert await try_xact_lock(other_replica, "recompute-leader")
            assert await recompute_due(db, settings=settings, since=start) == (0, start)
        assert await gina() == []
        count, _ = await recompute_due(db, settings=settings, since=start)
        assert count >= 1
        [(centrality,)] = await gina()
        # Mentioned once in a tenant of two people: on the map, nowhere near the maximum.
        assert 0.0 < centrality < 0.5
    finally:
        await db.dispose()
