"""RSS/Atom feeds (blogs, news) to interactions mentioning the brand, plus a polite fetcher."""

from __future__ import annotations

import calendar
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import aiohttp
import feedparser

from services.ingest.interactions.schemas import InteractionCreate

from ._common import author, build, digest_id, html_to_text

__all__ = ["FeedResult", "FetchResult", "fetch_feed", "parse_feed"]

FeedChannel = Literal["blog", "news"]
DEFAULT_MAX_FEED_BYTES = 5_000_000
_ERROR_LIMIT = 500


@dataclass(frozen=True, slots=True)
class FeedResult:
    items: list[InteractionCreate] = field(default_factory=list)
    error: str | None = None
    title: str | None = None
    entries_seen: int = 0


@dataclass(frozen=True, slots=True)
class FetchResult:
    url: str
    status: int | None = None
    content: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None
    not_modified: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def parse_feed(
    content: bytes,
    *,
    brand_terms: list[str],
    channel: FeedChannel,
    max_bytes: int = DEFAULT_MAX_FEED_BYTES,
) -> FeedResult:
    """Entries mentioning a brand term; garbage feeds come back as an `error`, never raised."""
    try:
        return _parse_feed(content, brand_terms=brand_terms, channel=channel, max_bytes=max_bytes)
    except Exception as exc:  # a broken feed must never stop the poller
        return FeedResult(error=f"feed could not be parsed ({type(exc).__name__})")


def _parse_feed(
    content: bytes, *, brand_terms: list[str], channel: FeedChannel, max_bytes: int
) -> FeedResult:
    if not isinstance(content, bytes | bytearray | memoryview):
        # feedparser treats a str as a URL or file name and would fetch it.
        return FeedResult(error="feed content must be bytes")
    if len(content) > max_bytes:
        return FeedResult(error=f"feed is {len(content)} bytes; the limit is {max_bytes}")
    if not bytes(content).strip():
        return FeedResult(error="feed is empty")
    parsed = feedparser.parse(bytes(content), sanitize_html=True, resolve_relative_uris=False)
    entries = parsed.get("entries") or []
    if not entries and (parsed.get("bozo") or not parsed.get("version")):
        reason = parsed.get("bozo_exception") or "no RSS or Atom document found"
        return FeedResult(error=f"not a usable feed: {str(reason)[:_ERROR_LIMIT]}")
    feed_info = parsed.get("feed") or {}
    feed_title = feed_info.get("title")
    pattern = _brand_pattern(brand_terms)
    items = []
    for entry in entries:
        item = _entry(entry, pattern, channel, feed_title, feed_info.get("link"))
        if item is not None:
            items.append(item)
    return FeedResult(items=items, title=feed_title, entries_seen=len(entries))


def _brand_pattern(terms: list[str]) -> re.Pattern[str] | None:
    cleaned = sorted({t.strip() for t in terms if t and t.strip()}, key=len, reverse=True)
    if not cleaned:
        return None
    # \b fails next to non-word characters ("C&A", "Deutsche Bahn!"), so use look-arounds.
    return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, cleaned)) + r")(?!\w)", re.I)


def _entry(
    entry: Any,
    pattern: re.Pattern[str] | None,
    channel: FeedChannel,
    feed_title: str | None,
    feed_link: str | None,
) -> InteractionCreate | None:
    title = _text(entry.get("title"))
    summary = _text(entry.get("summary"))
    contents = [_text(c.get("value")) for c in entry.get("content") or [] if isinstance(c, dict)]
    body = max([summary, *contents], key=len)
    haystack = "\n".join([title, summary, *contents])
    matched = sorted({m.group(0).lower() for m in pattern.finditer(haystack)}) if pattern else []
    if not matched:
        return None
    link = entry.get("link")
    external_id = entry.get("id") or link or digest_id(title, summary)
    detail = entry.get("author_detail") or {}
    metadata: dict[str, Any] = {
        "feed_title": feed_title,
        "feed_link": feed_link,
        "url": link,
        "matched_terms": matched,
        "tags": [t.get("term") for t in entry.get("tags") or [] if t.get("term")][:50],
    }
    return build(
        channel=channel,
        visibility="public",
        external_id=external_id,
        occurred_at=_entry_time(entry),
        author=author(
            name=entry.get("author") or detail.get("name"),
            email=detail.get("email"),
            profile_url=detail.get("href"),
        ),
        subject=title or None,
        text=body,
        metadata={k: v for k, v in metadata.items() if v not in (None, [])},
        raw={"id": entry.get("id"), "link": link, "title": title, "summary": summary[:5000]},
    )


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    return html_to_text(value) if "<" in value else value.strip()


def _entry_time(entry: Any) -> datetime:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, OSError, ValueError):
                continue
    return datetime.now(UTC)  # undated entries: first seen is the best we know


async def fetch_feed(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None,
    last_modified: str | None,
    # Per-request budget handed to aiohttp, so the caller's own timeouts stay untouched.
    timeout: float = 15,  # noqa: ASYNC109
    max_bytes: int = DEFAULT_MAX_FEED_BYTES,
) -> FetchResult:
    """Conditional GET of a feed; every failure is recorded in the result, never raised."""
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    unchanged = FetchResult(url=url, etag=etag, last_modified=last_modified)
    try:
        async with session.get(
            url, headers=headers, timeout=aiohttp.ClientTimeout(total=timeout)
        ) as response:
            new_etag = response.headers.get("ETag") or etag
            new_modified = response.headers.get("Last-Modified") or last_modified
            if response.status == 304:
                return FetchResult(
                    url=url,
                    status=304,
                    etag=new_etag,
                    last_modified=new_modified,
                    not_modified=True,
                )
            if not 200 <= response.status < 300:
                return _failed(unchanged, f"HTTP {response.status}", status=response.status)
            declared = response.content_length
            if declared is not None and declared > max_bytes:
                return _failed(
                    unchanged, f"feed is {declared} bytes; the limit is {max_bytes}", status=200
                )
            body = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                body.extend(chunk)
                if len(body) > max_bytes:
                    return _failed(
                        unchanged,
                        f"feed exceeds the limit of {max_bytes} bytes",
                        status=response.status,
                    )
            return FetchResult(
                url=url,
                status=response.status,
                content=bytes(body),
                etag=new_etag,
                last_modified=new_modified,
            )
    except TimeoutError:
        return _failed(unchanged, f"timed out after {timeout:g} s")
    except aiohttp.ClientError as exc:
        return _failed(unchanged, f"{type(exc).__name__}: {str(exc)[:_ERROR_LIMIT]}")
    except (ValueError, OSError) as exc:  # invalid URLs, sockets refusing early
        return _failed(unchanged, f"{type(exc).__name__}: {str(exc)[:_ERROR_LIMIT]}")


def _failed(previous: FetchResult, error: str, *, status: int | None = None) -> FetchResult:
    # Keep the old validators: the next poll may still get a 304.
    return FetchResult(
        url=previous.url,
        status=status,
        etag=previous.etag,
        last_modified=previous.last_modified,
        error=error,
    )
