"""The public API end to end, every service in this process over the in-memory broker."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

PROBLEM = "application/problem+json"


def tweet(text: str, **author: Any) -> dict[str, Any]:
    return {
        "channel": "twitter",
        "external_id": uuid.uuid4().hex,
        "author": {"name": "Test Author", "handle": f"@{uuid.uuid4().hex[:8]}", **author},
        "text": text,
    }


async def routed(client: httpx.AsyncClient, interaction_id: str, eventually: Any) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        body = (await client.get(f"/v1/interactions/{interaction_id}")).json()
        timers = body["sla"]["timers"]
        return body if body["status"] == "routed" and timers else None

    return await eventually(check)  # type: ignore[no-any-return]


async def test_interaction_reaches_the_prioritised_queue_with_its_sla_due_time(
    platform, eventually
) -> None:
    _, key = await platform.new_tenant("queue order")
    async with platform.client(key) as client:
        await client.post(
            "/v1/customers",
            json={
                "given_name": "Vera",
                "family_name": "Vip",
                "tier": "platinum",
                "value": 90000,
                "handles": {"twitter": "veravip"},
            },
        )
        quiet = (await client.post("/v1/interactions", json=tweet("Wann kommt Glasfaser?"))).json()
        vip = (
            await client.post(
                "/v1/interactions",
                json=tweet(
                    "Seit drei Tagen kein Internet!!! Ich kündige!",
                    handle="@veravip",
                    followers=250_000,
                ),
            )
        ).json()
        vip_view = await routed(client, vip["id"], eventually)
        await routed(client, quiet["id"], eventually)
        assert vip_view["customer_id"] is not None
        assert vip_view["match"]["decision"] == "match"
        due = vip_view["sla"]["next_due_at"]
        assert due is not None

        queue_id = vip_view["queue_id"]

        async def both_waiting() -> list[dict[str, Any]] | None:
            items = (await client.get(f"/v1/queues/{queue_id}/items")).json()["items"]
            return items if len(items) == 2 and all(i["due_at"] for i in items) else None

        items = await eventually(both_waiting)
        assert [i["interaction_id"] for i in items] == [vip["id"], quiet["id"]]
        assert items[0]["priority"] > items[1]["priority"]
        assert items[0]["reasons"]


async def test_first_response_stops_the_first_response_clock(platform, eventually) -> None:
    _, key = await platform.new_tenant("responses")
    async with platform.client(key) as client:
        accepted = (
            await client.post("/v1/interactions", json=tweet("Hilfe, mein Router blinkt rot"))
        ).json()
        await routed(client, accepted["id"], eventually)
        reply = await client.post(
            f"/v1/interactions/{accepted['id']}/responses", json={"text": "Wir kümmern uns!"}
        )
        assert reply.status_code == 201
        assert reply.json()["first"] is True

        async def met() -> dict[str, Any] | None:
            body = (await client.get(f"/v1/interactions/{accepted['id']}")).json()
            states = {t["metric"]: t["state"] for t in body["sla"]["timers"]}
            return body if states.get("first_response") == "met" else None

        body = await eventually(met)
        assert body["status"] == "responded"
        timers = (await client.get("/v1/sla/timers", params={"state": "met"})).json()["items"]
        assert [t["interaction_id"] for t in timers] == [accepted["id"]]


async def test_a_timer_that_runs_out_is_breached(platform, eventually) -> None:
    _, key = await platform.new_tenant("breach")
    async with platform.client(key) as client:
        policy = await client.post(
            "/v1/sla/policies",
            json={
                "name": "chat in a second",
                "conditions": {"channels": ["chat"]},
                "targets": {"first_response": 1},
            },
        )
        assert policy.status_code == 201, policy.text
        accepted = (
            await client.post(
                "/v1/interactions",
                json={"channel": "chat", "external_id": "chat-1", "text": "Hallo? Ist da jemand?"},
            )
        ).json()

        async def breached() -> list[dict[str, Any]]:
            return (await client.get("/v1/sla/timers", params={"state": "breached"})).json()[
                "items"
            ]

        timers = await eventually(breached)
        assert timers[0]["interaction_id"] == accepted["id"]
        assert timers[0]["policy"] == "chat in a second"

        async def view_shows_breach() -> bool:
            body = (await client.get(f"/v1/interactions/{accepted['id']}")).json()
            return body["sla"]["state"] == "breached"

        await eventually(view_shows_breach)


async def test_tenant_cannot_see_another_tenants_interactions_or_customers(
    platform, eventually
) -> None:
    _, key_a = await platform.new_tenant("A")
    _, key_b = await platform.new_tenant("B")
    async with platform.client(key_a) as a, platform.client(key_b) as b:
        interaction = (await a.post("/v1/interactions", json=tweet("Nur für A"))).json()
        customer = (
            await a.post("/v1/customers", json={"given_name": "Anna", "family_name": "A"})
        ).json()
        assert (await b.get(f"/v1/interactions/{interaction['id']}")).status_code == 404
        assert (await b.get(f"/v1/customers/{customer['id']}")).status_code == 404
        assert (await b.get("/v1/interactions")).json()["items"] == []
        assert (await b.get("/v1/customers", params={"q": "Anna"})).json()["items"] == []
        assert (await a.get(f"/v1/interactions/{interaction['id']}")).status_code == 200


async def test_replaying_the_same_external_id_stores_one_interaction(platform) -> None:
    _, key = await platform.new_tenant("dedup")
    async with platform.client(key) as client:
        payload = tweet("Doppelt hält besser")
        first = await client.post("/v1/interactions", json=payload)
        second = await client.post("/v1/interactions", json=payload)
        assert first.status_code == second.status_code == 202
        assert first.json()["id"] == second.json()["id"]
        assert second.json()["duplicate"] is True
        assert len((await client.get("/v1/interactions")).json()["items"]) == 1


async def test_batch_reports_a_result_per_item(platform) -> None:
    _, key = await platform.new_tenant("batch")
    async with platform.client(key) as client:
        good = tweet("eins")
        response = await client.post(
            "/v1/interactions/batch",
            json={"items": [good, {"channel": "pigeon", "text": "x"}, good]},
        )
        assert response.status_code == 202
        body = response.json()
        assert [i["status"] for i in body["items"]] == ["accepted", "rejected", "duplicate"]
        assert body["items"][1]["errors"]
        assert len((await client.get("/v1/interactions")).json()["items"]) == 1


async def test_idempotency_key_replays_the_first_result(platform) -> None:
    _, key = await platform.new_tenant("idempotency")
    async with platform.client(key) as client:
        body = {"given_name": "Ida", "family_name": "Empotent"}
        headers = {"Idempotency-Key": "create-ida"}
        first = await client.post("/v1/customers", json=body, headers=headers)
        second = await client.post("/v1/customers", json=body, headers=headers)
        assert first.status_code == second.status_code == 201
        assert first.json()["id"] == second.json()["id"]
        assert second.headers["idempotency-replayed"] == "true"
        other = await client.post(
            "/v1/customers", json={**body, "given_name": "Other"}, headers=headers
        )
        assert other.status_code == 422
        assert other.headers["content-type"].startswith(PROBLEM)
        assert len((await client.get("/v1/customers")).json()["items"]) == 1


async def test_request_id_is_echoed_or_created(platform) -> None:
    async with platform.client() as client:
        echoed = await client.get("/v1/queues", headers={"X-Request-ID": "trace-me-123"})
        assert echoed.headers["x-request-id"] == "trace-me-123"
        created = await client.get("/v1/queues")
        assert len(created.headers["x-request-id"]) >= 16


async def test_bad_input_is_a_problem_document_never_a_500(platform) -> None:
    async with platform.client() as client:
        cases = [
            await client.post(
                "/v1/interactions",
                content=b"{not json",
                headers={"content-type": "application/json"},
            ),
            await client.post("/v1/interactions", json={"channel": "pigeon"}),
            await client.post("/v1/interactions", json={"channel": "email", "surprise": 1}),
            await client.post("/v1/interactions", json=tweet("x", followers=-5)),
            await client.get("/v1/interactions/not-a-uuid"),
            await client.get(f"/v1/interactions/{uuid.uuid4()}"),
            await client.get("/v1/interactions", params={"cursor": "garbage!"}),
            await client.post("/v1/customers", json={"emails": ["not-an-email"]}),
            await client.get("/v1/nothing-here"),
        ]
        for response in cases:
            assert 400 <= response.status_code < 500, (response.status_code, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
            body = response.json()
            assert {"type", "title", "status", "detail"} <= body.keys()


async def test_payload_over_the_limit_is_413(platform) -> None:
    async with platform.client() as client:
        response = await client.post(
            "/v1/interactions",
            content=b"x" * (26 * 1024 * 1024),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith(PROBLEM)


async def test_credentials_and_scopes_are_enforced(platform) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as anonymous:
        assert (await anonymous.get("/v1/queues")).status_code == 401
        wrong = await anonymous.get("/v1/queues", headers={"Authorization": "Bearer rsk_nope"})
        assert wrong.status_code == 401
        assert (await anonymous.post("/v1/tenants", json={"name": "x"})).status_code == 401
    async with platform.client() as admin:
        created = await admin.post("/v1/api-keys", json={"name": "reader", "scopes": ["read"]})
        assert created.status_code == 201
        reader_key = created.json()["key"]
    async with platform.client(reader_key) as reader:
        assert (await reader.get("/v1/interactions")).status_code == 200
        assert (await reader.post("/v1/interactions", json=tweet("x"))).status_code == 403
        assert (
            await reader.post("/v1/api-keys", json={"name": "x", "scopes": ["admin"]})
        ).status_code == 403
    async with platform.client() as admin:
        assert (await admin.delete(f"/v1/api-keys/{created.json()['id']}")).status_code == 204
    async with platform.client(reader_key) as revoked:
        assert (await revoked.get("/v1/interactions")).status_code == 401


async def test_agents_log_in_with_a_password_and_get_a_token(platform) -> None:
    username = f"agent-{uuid.uuid4().hex[:6]}@example.de"
    async with platform.client() as admin:
        user = await admin.post(
            "/v1/users",
            json={"username": username, "password": "correct horse battery", "role": "agent"},
        )
        assert user.status_code == 201
    async with httpx.AsyncClient(base_url=platform.url) as anonymous:
        bad = await anonymous.post(
            "/v1/auth/token", json={"username": username, "password": "wrong password"}
        )
        assert bad.status_code == 401
        token = await anonymous.post(
            "/v1/auth/token", json={"username": username, "password": "correct horse battery"}
        )
        assert token.status_code == 200
    async with platform.client(token.json()["access_token"]) as agent:
        assert (await agent.get("/v1/interactions")).status_code == 200
        assert (await agent.put("/v1/scoring/config", json={})).status_code == 403


async def test_customer_360_view_brings_score_and_recent_interactions(platform, eventually) -> None:
    _, key = await platform.new_tenant("360")
    async with platform.client(key) as client:
        customer = (
            await client.post(
                "/v1/customers",
                json={
                    "given_name": "Rita",
                    "family_name": "Rundum",
                    "emails": ["rita@example.de"],
                    "tier": "gold",
                    "value": 5000,
                },
            )
        ).json()
        accepted = (
            await client.post(
                "/v1/interactions",
                json={
                    "channel": "email",
                    "external_id": "<r1@example.de>",
                    "text": "Frage zur Rechnung",
                    "author": {"email": "Rita@Example.de"},
                },
            )
        ).json()
        await routed(client, accepted["id"], eventually)
        view = (await client.get(f"/v1/customers/{customer['id']}")).json()
        assert view["score"]["social_customer_score"] > 0
        assert [i["id"] for i in view["recent_interactions"]] == [accepted["id"]]
        assert view["open_sla_timers"]
        assert {i["kind"] for i in view["identities"]} == {"email"}


async def test_erasure_forgets_the_person_everywhere(platform, eventually) -> None:
    _, key = await platform.new_tenant("gdpr")
    async with platform.client(key) as client:
        customer = (
            await client.post(
                "/v1/customers", json={"given_name": "Erika", "emails": ["erika@example.de"]}
            )
        ).json()
        accepted = (
            await client.post(
                "/v1/interactions",
                json={
                    "channel": "email",
                    "external_id": "<e1@example.de>",
                    "text": "Meine Adresse ist geheim",
                    "author": {"email": "erika@example.de", "name": "Erika"},
                },
            )
        ).json()
        await routed(client, accepted["id"], eventually)
        assert (await client.delete(f"/v1/customers/{customer['id']}")).status_code == 204
        assert (await client.get(f"/v1/customers/{customer['id']}")).status_code == 404

        async def content_gone() -> bool:
            body = (await client.get(f"/v1/interactions/{accepted['id']}")).json()
            return body["text"] == "" and body["author"] == {}

        await eventually(content_gone)


async def test_openapi_documents_the_public_paths(platform) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as client:
        doc = (await client.get("/openapi.json")).json()
    for path in (
        "/v1/interactions",
        "/v1/customers",
        "/v1/queues/{queue_id}/items",
        "/v1/sla/timers",
        "/v1/tenants",
        "/v1/customers/{customer_id}/score",
    ):
        assert path in doc["paths"], path


async def test_health_and_metrics(platform) -> None:
    async with httpx.AsyncClient(base_url=platform.url) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"] == {
            "database": True,
            "broker": True,
        }
        metrics = (await client.get("/metrics")).text
        assert "resonance_http_requests_total" in metrics


async def test_events_that_keep_failing_become_dead_letters_admins_can_see(
    platform, eventually
) -> None:
    from datetime import UTC, datetime

    from shared import OutgoingMessage
    from shared.contracts import Envelope, InteractionFacts, InteractionReceivedV1

    tenant, key = await platform.new_tenant("dead letters")
    # A handle longer than any identity can hold: identity fails on it every time.
    facts = InteractionFacts.model_validate(
        {
            "channel": "twitter",
            "visibility": "public",
            "occurred_at": datetime.now(UTC),
            "author": {"handle": "@" + "x" * 500},
        }
    )
    event = Envelope.wrap(
        InteractionReceivedV1(interaction_id=uuid.uuid4(), facts=facts, text="poison"),
        source="test",
        tenant_id=uuid.UUID(tenant),
    )
    await platform.broker.publish(
        [
            OutgoingMessage(
                routing_key=event.type,
                body=event.model_dump_json().encode(),
                message_id=str(event.id),
            )
        ]
    )
    async with platform.client(key) as client:

        async def listed() -> list[dict[str, Any]]:
            body = (await client.get("/v1/admin/dead-letters")).json()
            return [d for d in body["items"] if d["event_id"] == str(event.id)]

        letters = await eventually(listed, timeout=20)
        assert letters[0]["service"] == "identity"
        assert letters[0]["attempts"] == 5
        replay = await client.post(f"/v1/admin/dead-letters/{letters[0]['id']}/replay")
        assert replay.status_code == 409  # still failing: it stays a dead letter
    _, other_key = await platform.new_tenant("other")
    async with platform.client(other_key) as other:
        assert (await other.get("/v1/admin/dead-letters")).json()["items"] == []


async def test_interactions_follow_a_merge_and_return_on_unmerge(platform, eventually) -> None:
    _, key = await platform.new_tenant("merge follows")
    async with platform.client(key) as client:
        a = (
            await client.post(
                "/v1/customers",
                json={"given_name": "Anna", "family_name": "Alt", "emails": ["anna@example.de"]},
            )
        ).json()
        b = (
            await client.post(
                "/v1/customers",
                json={
                    "given_name": "Anna",
                    "family_name": "Neu",
                    "emails": ["anna.neu@example.de"],
                },
            )
        ).json()
        accepted = (
            await client.post(
                "/v1/interactions",
                json={
                    "channel": "email",
                    "external_id": "<m1@example.de>",
                    "text": "Hallo",
                    "author": {"email": "anna.neu@example.de"},
                },
            )
        ).json()

        async def customer_is(expected: str) -> bool:
            body = (await client.get(f"/v1/interactions/{accepted['id']}")).json()
            return body["customer_id"] == expected

        await eventually(lambda: customer_is(b["id"]))

        async def b_has_score(expected: int) -> bool:
            return (await client.get(f"/v1/customers/{b['id']}/score")).status_code == expected

        await eventually(lambda: b_has_score(200))
        merged = await client.post(f"/v1/customers/{a['id']}/merge", json={"other_id": b["id"]})
        assert merged.status_code == 200, merged.text
        await eventually(lambda: customer_is(a["id"]))
        await eventually(lambda: b_has_score(404))  # scoring follows the merge too
        unmerged = await client.post(f"/v1/customers/{a['id']}/unmerge", json={})
        assert unmerged.status_code == 200, unmerged.text
        await eventually(lambda: customer_is(b["id"]))


async def test_interactions_about_one_incident_carry_its_id(platform, eventually) -> None:
    _, key = await platform.new_tenant("incident link")
    async with platform.client(key) as client:
        config = {"incidents": {"min_size": 3, "window_minutes": 60}}
        assert (await client.put("/v1/scoring/config", json=config)).status_code == 200
        text = "Totalausfall: seit heute Morgen kein Internet in {}!!! Das ist eine Katastrophe."
        ids = [
            (await client.post("/v1/interactions", json=tweet(text.format(city)))).json()["id"]
            for city in ("Köln", "Bonn", "Kiel")
        ]

        async def linked() -> set[str] | None:
            views = [(await client.get(f"/v1/interactions/{i}")).json() for i in ids]
            incidents = {v["incident_id"] for v in views}
            return incidents if None not in incidents else None

        incidents = await eventually(linked, timeout=20)
        assert len(incidents) == 1
        listed = (await client.get("/v1/scoring/incidents")).json()["items"]
        assert [i["id"] for i in listed] == list(incidents)
