"""RSS/Atom feeds: brand filtering, garbage tolerance and the conditional fetcher."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.channels import FeedResult, fetch_feed, parse_feed

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels" / "feeds"
BRAND = ["Stadtwerke Beispiel", "Resonance"]


def parse(name: str, *, channel: str = "news") -> FeedResult:
    return parse_feed((FIXTURES / name).read_bytes(), brand_terms=BRAND, channel=channel)  # type: ignore[arg-type]


# --- parsing --------------------------------------------------------------------------------


def test_only_rss_items_mentioning_a_brand_term_are_returned() -> None:
    result = parse("rss2_news.xml")
    assert result.error is None
    assert result.title == "Tech News Beispiel"
    assert result.entries_seen == 3
    assert [i.external_id for i in result.items] == [
        "news-example-20251006-001",
        "https://news.example.de/2025/10/07/kommentar",
    ]


def test_an_rss_item_maps_to_a_public_interaction() -> None:
    item = parse("rss2_news.xml").items[0]
    assert item.channel == "news"
    assert item.visibility == "public"
    assert item.subject == "Stadtwerke Beispiel: Störung im Kundenportal"
    assert item.text == "Seit Montagmorgen ist das Portal der Stadtwerke Beispiel nicht erreichbar."
    assert item.author.name == "Anna Redakteurin"
    assert item.metadata["matched_terms"] == ["stadtwerke beispiel"]
    assert item.metadata["url"] == "https://news.example.de/2025/10/06/stoerung-kundenportal"
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2025-10-06T07:30:00+00:00"


def test_brand_terms_match_case_insensitively_in_full_content() -> None:
    item = parse("rss2_news.xml").items[1]
    assert "STADTWERKE BEISPIEL" in item.text


def test_brand_terms_match_whole_words_only() -> None:
    result = parse_feed(
        (FIXTURES / "atom_blog.xml").read_bytes(), brand_terms=["Resonance"], channel="blog"
    )
    # "resonances in guitar bodies" must not match "Resonance".
    assert [i.subject for i in result.items] == ["Why we switched from Resonance to nothing at all"]


def test_an_atom_entry_uses_its_id_author_and_published_date() -> None:
    [item] = parse("atom_blog.xml", channel="blog").items
    assert item.channel == "blog"
    assert item.external_id == "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a"
    assert item.author.name == "Jane Blogger"
    assert item.author.profile_url == "https://blog.example.com/jane"
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2025-10-05T12:00:00+00:00"


def test_no_brand_terms_means_no_items() -> None:
    result = parse_feed((FIXTURES / "rss2_news.xml").read_bytes(), brand_terms=[], channel="news")
    assert result.items == [] and result.error is None


@pytest.mark.parametrize(
    "content",
    [b"", b"   ", b"\x00\xff\xfe garbage", b"<html><body>Not a feed</body></html>", b"{}"],
)
def test_garbage_is_reported_as_an_error_not_raised(content: bytes) -> None:
    result = parse_feed(content, brand_terms=BRAND, channel="news")
    assert result.items == []
    assert result.error


def test_a_string_is_refused_because_feedparser_would_fetch_it_as_a_url() -> None:
    result = parse_feed("https://example.com/feed", brand_terms=BRAND, channel="news")  # type: ignore[arg-type]
    assert result.error == "feed content must be bytes"


def test_an_oversized_feed_is_reported() -> None:
    result = parse_feed(b"x" * 101, brand_terms=BRAND, channel="news", max_bytes=100)
    assert result.error is not None and "limit" in result.error


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1500))
def test_random_bytes_never_raise_from_parse_feed(content: bytes) -> None:
    result = parse_feed(content, brand_terms=BRAND, channel="blog")
    assert isinstance(result, FeedResult)


XML_BITS = st.sampled_from(
    [
        "<rss version='2.0'>",
        "<channel>",
        "<item>",
        "<title>",
        "Resonance",
        "</title>",
        "<link>",
        "</link>",
        "<pubDate>Mon, 99 Foo 2025</pubDate>",
        "<guid>",
        "</guid>",
        "</item>",
        "</channel>",
        "</rss>",
        "<feed xmlns='http://www.w3.org/2005/Atom'>",
        "<entry>",
        "<updated>2025-13-45T99:99:99Z</updated>",
        "</entry>",
        "</feed>",
        "&amp;",
        "&bogus;",
        "<![CDATA[<b>Stadtwerke Beispiel</b>]]>",
        "<description>",
        "</description>",
    ]
) | st.text(max_size=20)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(XML_BITS, max_size=40))
def test_random_feed_shaped_xml_never_raises_from_parse_feed(bits: list[str]) -> None:
    result = parse_feed("".join(bits).encode(), brand_terms=BRAND, channel="news")
    assert isinstance(result, FeedResult)


# --- fetching -------------------------------------------------------------------------------


@dataclass
class FeedServer:
    base: str
    requests: list[dict[str, str]] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)


@pytest.fixture
async def server() -> AsyncIterator[FeedServer]:
    feed = (FIXTURES / "rss2_news.xml").read_bytes()
    state = FeedServer(base="")

    async def conditional(request: web.Request) -> web.StreamResponse:
        state.requests.append(dict(request.headers))
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304, headers={"ETag": '"v1"'})
        return web.Response(
            body=feed,
            content_type="application/rss+xml",
            headers={"ETag": '"v1"', "Last-Modified": "Mon, 06 Oct 2025 09:30:00 GMT"},
        )

    async def missing(request: web.Request) -> web.Response:
        return web.Response(status=404, text="gone")

    async def slow(request: web.Request) -> web.Response:
        await asyncio.wait_for(state.release.wait(), timeout=5)
        return web.Response(body=feed)

    async def huge_declared(request: web.Request) -> web.Response:
        return web.Response(body=b"x" * 5000)

    async def huge_streamed(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.enable_chunked_encoding()
        await response.prepare(request)
        for _ in range(10):
            await response.write(b"y" * 1000)
        await response.write_eof()
        return response

    app = web.Application()
    app.router.add_get("/feed", conditional)
    app.router.add_get("/missing", missing)
    app.router.add_get("/slow", slow)
    app.router.add_get("/huge", huge_declared)
    app.router.add_get("/stream", huge_streamed)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.base = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        state.release.set()
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


async def test_a_first_fetch_returns_content_and_validators(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    result = await fetch_feed(session, f"{server.base}/feed", etag=None, last_modified=None)
    assert result.ok and result.status == 200 and not result.not_modified
    assert result.content is not None and b"Stadtwerke Beispiel" in result.content
    assert result.etag == '"v1"'
    assert result.last_modified == "Mon, 06 Oct 2025 09:30:00 GMT"
    assert "If-None-Match" not in server.requests[0]


async def test_a_conditional_fetch_sends_validators_and_handles_304(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    result = await fetch_feed(
        session, f"{server.base}/feed", etag='"v1"', last_modified="Mon, 06 Oct 2025 09:30:00 GMT"
    )
    assert server.requests[0]["If-None-Match"] == '"v1"'
    assert server.requests[0]["If-Modified-Since"] == "Mon, 06 Oct 2025 09:30:00 GMT"
    assert result.not_modified and result.status == 304 and result.ok
    assert result.content is None
    assert result.etag == '"v1"'


async def test_a_non_2xx_status_is_recorded_and_old_validators_are_kept(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    result = await fetch_feed(session, f"{server.base}/missing", etag='"old"', last_modified=None)
    assert result.status == 404
    assert result.error == "HTTP 404"
    assert result.etag == '"old"'


async def test_a_timeout_is_recorded_not_raised(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    result = await fetch_feed(
        session, f"{server.base}/slow", etag=None, last_modified=None, timeout=0.2
    )
    assert result.error == "timed out after 0.2 s"
    assert result.content is None


@pytest.mark.parametrize("path", ["/huge", "/stream"])
async def test_an_oversized_feed_is_recorded_whether_declared_or_streamed(
    server: FeedServer, session: aiohttp.ClientSession, path: str
) -> None:
    result = await fetch_feed(
        session, f"{server.base}{path}", etag=None, last_modified=None, max_bytes=2000
    )
    assert result.error is not None and "limit" in result.error
    assert result.content is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:1/feed", "not a url", "ftp://example/feed"])
async def test_unreachable_or_invalid_urls_are_recorded_not_raised(
    session: aiohttp.ClientSession, url: str
) -> None:
    result = await fetch_feed(session, url, etag=None, last_modified=None, timeout=2)
    assert result.error
    assert result.status is None
