"""Native channel payloads through the gateway: parsed, stored once, bad input refused."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

FIXTURES = Path(__file__).parents[1] / "fixtures" / "channels"
PROBLEM = "application/problem+json"


async def _count(client: httpx.AsyncClient, channel: str) -> int:
    return len((await client.get("/v1/interactions", params={"channel": channel})).json()["items"])


async def test_raw_email_is_parsed_with_quotes_and_signature_kept_apart(platform) -> None:
    _, key = await platform.new_tenant("email")
    raw = (FIXTURES / "email" / "gmail_reply_multipart_de.eml").read_bytes()
    async with platform.client(key) as client:
        response = await client.post(
            "/v1/channels/email", content=raw, headers={"content-type": "message/rfc822"}
        )
        assert response.status_code == 202, response.text
        body = response.json()
        assert body["accepted"] == 1
        stored = (await client.get(f"/v1/interactions/{body['items'][0]['id']}")).json()
        assert stored["channel"] == "email"
        assert stored["external_id"].startswith("<")
        assert stored["quoted_text"]
        assert "schrieb" not in stored["text"]
        assert stored["extracted"]["emails"]
        replay = await client.post(
            "/v1/channels/email", content=raw, headers={"content-type": "message/rfc822"}
        )
        assert replay.json()["duplicates"] == 1
        assert await _count(client, "email") == 1


async def test_malformed_mime_is_refused_and_nothing_is_stored(platform) -> None:
    _, key = await platform.new_tenant("bad email")
    async with platform.client(key) as client:
        for raw in (b"", b"\x00\x01\x02 not a message", b"Subject: only a header line"):
            response = await client.post(
                "/v1/channels/email", content=raw, headers={"content-type": "message/rfc822"}
            )
            assert 400 <= response.status_code < 500, (raw, response.text)
            assert response.headers["content-type"].startswith(PROBLEM)
        assert await _count(client, "email") == 0


async def test_filtered_stream_lines_become_one_interaction_per_tweet(platform) -> None:
    _, key = await platform.new_tenant("x stream")
    lines = (FIXTURES / "twitter" / "filtered_stream.ndjson").read_bytes()
    expected = sum(1 for line in lines.splitlines() if line.strip())
    async with platform.client(key) as client:
        response = await client.post(
            "/v1/channels/twitter", content=lines, headers={"content-type": "application/x-ndjson"}
        )
        assert response.status_code == 202, response.text
        assert response.json()["accepted"] == expected
        items = (await client.get("/v1/interactions", params={"channel": "twitter"})).json()[
            "items"
        ]
        assert len(items) == expected
        assert all(i["visibility"] == "public" and i["author"].get("handle") for i in items)
        again = await client.post(
            "/v1/channels/twitter", content=lines, headers={"content-type": "application/x-ndjson"}
        )
        assert again.json()["duplicates"] == expected


async def test_invalid_tweet_json_is_a_400_problem(platform) -> None:
    async with platform.client() as client:
        response = await client.post(
            "/v1/channels/twitter",
            content=b'{"data": ',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.headers["content-type"].startswith(PROBLEM)


def _signed(body: bytes, secret: str) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


async def test_meta_webhook_needs_the_handshake_token_and_a_valid_signature(platform) -> None:
    tenant, key = await platform.new_tenant("meta")
    secret, token = "app-secret-123", "verify-token-456"
    async with platform.client(key) as client:
        configured = await client.put(
            "/v1/channels/facebook/config", json={"app_secret": secret, "verify_token": token}
        )
        assert configured.status_code == 200
    body = (FIXTURES / "meta" / "page_feed_comment.json").read_bytes()
    async with httpx.AsyncClient(base_url=platform.url) as meta:
        handshake = await meta.get(
            "/v1/channels/facebook",
            params={
                "tenant_id": tenant,
                "hub.mode": "subscribe",
                "hub.verify_token": token,
                "hub.challenge": "1158201444",
            },
        )
        assert handshake.status_code == 200
        assert handshake.text == "1158201444"
        wrong_token = await meta.get(
            "/v1/channels/facebook",
            params={
                "tenant_id": tenant,
                "hub.mode": "subscribe",
                "hub.verify_token": "nope",
                "hub.challenge": "1",
            },
        )
        assert wrong_token.status_code == 403
        forged = await meta.post(
            "/v1/channels/facebook",
            params={"tenant_id": tenant},
            content=body,
            headers={"content-type": "application/json", "x-hub-signature-256": _signed(body, "x")},
        )
        assert forged.status_code in (401, 403)
        assert forged.headers["content-type"].startswith(PROBLEM)
        genuine = await meta.post(
            "/v1/channels/facebook",
            params={"tenant_id": tenant},
            content=body,
            headers={
                "content-type": "application/json",
                "x-hub-signature-256": _signed(body, secret),
            },
        )
        assert genuine.status_code == 202, genuine.text
        assert genuine.json()["accepted"] >= 1
    async with platform.client(key) as client:
        assert await _count(client, "facebook") == genuine.json()["accepted"]


@pytest.fixture
async def feed_server() -> AsyncIterator[str]:
    rss = (FIXTURES / "feeds" / "rss2_news.xml").read_bytes()

    async def news(request: web.Request) -> web.Response:
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        return web.Response(body=rss, content_type="application/rss+xml", headers={"ETag": '"v1"'})

    async def garbage(request: web.Request) -> web.Response:
        return web.Response(body=b"\x00<<not a feed", content_type="text/html")

    app = web.Application()
    app.router.add_get("/news.xml", news)
    app.router.add_get("/garbage", garbage)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_feed_mentions_of_the_brand_become_public_news_interactions(
    platform, feed_server, eventually
) -> None:
    _, key = await platform.new_tenant("feeds")
    async with platform.client(key) as client:
        feed = await client.post(
            "/v1/feeds",
            json={
                "url": f"{feed_server}/news.xml",
                "channel": "news",
                "brand_terms": ["Stadtwerke Beispiel"],
            },
        )
        assert feed.status_code == 201, feed.text
        broken = await client.post(
            "/v1/feeds", json={"url": f"{feed_server}/garbage", "brand_terms": ["Stadtwerke"]}
        )
        assert broken.status_code == 201

        async def mentions() -> list[dict[str, Any]]:
            return (await client.get("/v1/interactions", params={"channel": "news"})).json()[
                "items"
            ]

        items = await eventually(mentions)
        assert len(items) == 2  # two of the three entries name the brand
        assert all(i["visibility"] == "public" for i in items)

        async def error_recorded() -> dict[str, Any] | None:
            body = (await client.get(f"/v1/feeds/{broken.json()['id']}")).json()
            return body if body["last_error"] else None

        assert (await eventually(error_recorded))["last_error"]
        duplicate = await client.post(
            "/v1/feeds", json={"url": f"{feed_server}/news.xml", "brand_terms": ["x"]}
        )
        assert duplicate.status_code == 409
        assert json.loads(duplicate.text)["status"] == 409


async def test_tenant_customer_number_format_is_recognised(platform, eventually) -> None:
    _, key = await platform.new_tenant("patterns")
    async with platform.client(key) as client:
        bad = await client.put(
            "/v1/ingest/settings",
            json={
                "customer_number_patterns": [{"kind": "customer_number", "pattern": "ACME-\\d+"}]
            },
        )
        assert bad.status_code == 422  # no capture group
        saved = await client.put(
            "/v1/ingest/settings",
            json={
                "customer_number_patterns": [
                    {"kind": "customer_number", "pattern": "\\b(ACME-\\d{6})\\b"}
                ],
                "default_language": "de",
            },
        )
        assert saved.status_code == 200, saved.text
        accepted = await client.post(
            "/v1/interactions",
            json={"channel": "chat", "external_id": "c-77", "text": "Mein Konto: ACME-123456."},
        )
        body = (await client.get(f"/v1/interactions/{accepted.json()['id']}")).json()
        assert "ACME-123456" in body["extracted"]["customer_numbers"]
