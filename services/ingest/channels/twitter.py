"""X API v2 tweet payloads (lookup, search and filtered-stream lines) to interactions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

import orjson
from pydantic import Field

from services.ingest.interactions.schemas import InteractionCreate
from shared import BadRequest

from ._common import (
    Id,
    NativeModel,
    Timestamp,
    as_bytes,
    author,
    build,
    check_size,
    guard,
    load_json,
    unprocessable,
    validate,
)

__all__ = ["parse_twitter"]

DEFAULT_MAX_TWITTER_BYTES = 5 * 1024 * 1024
_TWITTER_EPOCH_MS = 1288834974657


class _Metrics(NativeModel):
    like_count: int = Field(default=0, ge=0)
    retweet_count: int = Field(default=0, ge=0)
    reply_count: int = Field(default=0, ge=0)
    quote_count: int = Field(default=0, ge=0)
    bookmark_count: int | None = Field(default=None, ge=0)
    impression_count: int | None = Field(default=None, ge=0)


class _Reference(NativeModel):
    type: Literal["retweeted", "quoted", "replied_to"]
    id: Id


class _Mention(NativeModel):
    username: str


class _Hashtag(NativeModel):
    tag: str


class _Url(NativeModel):
    url: str | None = None
    expanded_url: str | None = None


class _Entities(NativeModel):
    mentions: list[_Mention] = Field(default_factory=list)
    hashtags: list[_Hashtag] = Field(default_factory=list)
    cashtags: list[_Hashtag] = Field(default_factory=list)
    urls: list[_Url] = Field(default_factory=list)


class _NoteTweet(NativeModel):
    text: str


class _Tweet(NativeModel):
    id: Id
    text: str
    author_id: Id | None = None
    created_at: Timestamp | None = None
    conversation_id: Id | None = None
    in_reply_to_user_id: Id | None = None
    lang: str | None = None
    source: str | None = None
    possibly_sensitive: bool | None = None
    public_metrics: _Metrics | None = None
    referenced_tweets: list[_Reference] = Field(default_factory=list)
    entities: _Entities | None = None
    note_tweet: _NoteTweet | None = None  # the full text of posts longer than 280 characters


class _UserMetrics(NativeModel):
    followers_count: int | None = Field(default=None, ge=0)
    following_count: int | None = Field(default=None, ge=0)
    tweet_count: int | None = Field(default=None, ge=0)


class _User(NativeModel):
    id: Id
    name: str | None = None
    username: str
    verified: bool | None = None
    public_metrics: _UserMetrics | None = None


class _Includes(NativeModel):
    users: list[_User] = Field(default_factory=list)


class _Rule(NativeModel):
    id: Id | None = None
    tag: str | None = None


class _Envelope(NativeModel):
    data: dict[str, Any] | list[dict[str, Any]]
    includes: _Includes = Field(default_factory=_Includes)
    matching_rules: list[_Rule] = Field(default_factory=list)


@guard("X payload")
def parse_twitter(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_TWITTER_BYTES
) -> list[InteractionCreate]:
    """Parse an X API v2 response or filtered-stream lines into public interactions."""
    items: list[InteractionCreate] = []
    for document in _documents(body, max_bytes=max_bytes):
        if isinstance(document, dict) and "data" not in document and "errors" in document:
            raise unprocessable("X payload", ["data"], "response holds only errors, no tweets")
        envelope = validate(_Envelope, document, what="X payload")
        single = isinstance(envelope.data, dict)
        raw_tweets = [envelope.data] if single else envelope.data
        users = {user.id: user for user in envelope.includes.users}
        listed = document["includes"]["users"] if envelope.includes.users else []
        raw_users = {u.id: r for u, r in zip(envelope.includes.users, listed, strict=True)}
        for index, raw_tweet in enumerate(raw_tweets):
            loc: tuple[str | int, ...] = ("data",) if single else ("data", index)
            tweet = validate(_Tweet, raw_tweet, what="X payload", loc=loc)
            user = users.get(tweet.author_id or "")
            raw = {"data": raw_tweet, "user": raw_users.get(tweet.author_id or "")}
            items.append(_interaction(tweet, user, envelope.matching_rules, raw))
    return items


def _documents(body: bytes, *, max_bytes: int) -> list[Any]:
    """One JSON document, or newline-delimited stream lines (blank keep-alives skipped)."""
    check_size(body, max_bytes=max_bytes, what="X payload")
    data = as_bytes(body)
    try:
        return [load_json(data, max_bytes=max_bytes, what="X payload")]
    except BadRequest:
        lines = [line for line in data.splitlines() if line.strip()]
        if len(lines) < 2:
            raise
    documents = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            documents.append(orjson.loads(line))
        except orjson.JSONDecodeError as exc:
            raise BadRequest(f"X stream line {number} is not valid JSON: {exc.msg}") from exc
    return documents


def _interaction(
    tweet: _Tweet,
    user: _User | None,
    rules: list[_Rule],
    raw: dict[str, Any],
) -> InteractionCreate:
    text = tweet.note_tweet.text if tweet.note_tweet else tweet.text
    kinds = {ref.type for ref in tweet.referenced_tweets}
    if "retweeted" in kinds or text.startswith("RT @"):
        kind = "retweet"
    elif "quoted" in kinds:
        kind = "quote"
    elif "replied_to" in kinds:
        kind = "reply"
    else:
        kind = "post"
    replied_to = next((r.id for r in tweet.referenced_tweets if r.type == "replied_to"), None)

    metrics = tweet.public_metrics
    engagement = (
        {
            "likes": metrics.like_count,
            "reposts": metrics.retweet_count,
            "replies": metrics.reply_count,
            "quotes": metrics.quote_count,
        }
        if metrics
        else {}
    )
    entities = tweet.entities or _Entities()
    metadata: dict[str, Any] = {
        "kind": kind,
        "lang": tweet.lang,
        "referenced_tweets": [{"type": r.type, "id": r.id} for r in tweet.referenced_tweets],
        "mentions": [m.username for m in entities.mentions],
        "hashtags": [h.tag for h in entities.hashtags],
        "cashtags": [c.tag for c in entities.cashtags],
        "urls": [u.expanded_url or u.url for u in entities.urls if u.expanded_url or u.url],
        "in_reply_to_user_id": tweet.in_reply_to_user_id,
        "source": tweet.source,
        "possibly_sensitive": tweet.possibly_sensitive,
        "matching_rules": [r.model_dump(exclude_none=True) for r in rules],
    }
    if user is not None:
        metadata["url"] = f"https://x.com/{user.username}/status/{tweet.id}"
    claims = author(
        name=user.name if user else None,
        handle=f"@{user.username}" if user else None,
        profile_url=f"https://x.com/{user.username}" if user else None,
        followers=user.public_metrics.followers_count if user and user.public_metrics else None,
        following=user.public_metrics.following_count if user and user.public_metrics else None,
        posts=user.public_metrics.tweet_count if user and user.public_metrics else None,
        verified=user.verified if user else None,
    )
    return build(
        channel="twitter",
        visibility="public",
        external_id=tweet.id,
        occurred_at=tweet.created_at or _snowflake_time(tweet.id),
        author=claims,
        text=text,
        in_reply_to=replied_to,
        thread_key=tweet.conversation_id or tweet.id,
        engagement=engagement,
        metadata={k: v for k, v in metadata.items() if v not in (None, [])},
        raw=raw,
    )


def _snowflake_time(tweet_id: str) -> datetime | None:
    """The creation time a Snowflake tweet id carries, for payloads without `created_at`."""
    # Ids below ~3e10 predate Snowflake (2010) and carry no time.
    if not tweet_id.isdigit() or len(tweet_id) > 20 or int(tweet_id) < 30_000_000_000:
        return None
    millis = (int(tweet_id) >> 22) + _TWITTER_EPOCH_MS
    try:
        return datetime.fromtimestamp(millis / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None
