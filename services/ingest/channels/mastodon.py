"""Mastodon Status entities (REST API or streaming `update` payloads) to interactions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from services.ingest.interactions.schemas import InteractionCreate

from ._common import (
    DEFAULT_MAX_JSON_BYTES,
    Id,
    NativeModel,
    Timestamp,
    author,
    build,
    guard,
    html_to_text,
    load_json,
    validate,
)

__all__ = ["parse_mastodon"]

_PUBLIC = frozenset({"public", "unlisted"})


class _Account(NativeModel):
    id: Id | None = None
    acct: str
    username: str | None = None
    display_name: str | None = None
    url: str | None = None
    bot: bool | None = None
    followers_count: int | None = Field(default=None, ge=0)
    following_count: int | None = Field(default=None, ge=0)
    statuses_count: int | None = Field(default=None, ge=0)


class _Mention(NativeModel):
    acct: str
    url: str | None = None


class _Tag(NativeModel):
    name: str


class _Status(NativeModel):
    id: Id
    uri: str
    url: str | None = None
    created_at: Timestamp
    content: str = ""
    spoiler_text: str = ""
    account: _Account
    visibility: Literal["public", "unlisted", "private", "direct"]
    in_reply_to_id: Id | None = None
    in_reply_to_account_id: Id | None = None
    reblog: _Status | None = None
    favourites_count: int = Field(default=0, ge=0)
    reblogs_count: int = Field(default=0, ge=0)
    replies_count: int = Field(default=0, ge=0)
    language: str | None = None
    sensitive: bool = False
    mentions: list[_Mention] = Field(default_factory=list)
    tags: list[_Tag] = Field(default_factory=list)


@guard("Mastodon payload")
def parse_mastodon(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES
) -> list[InteractionCreate]:
    """Parse one Status entity or a list of them."""
    data = load_json(body, max_bytes=max_bytes, what="Mastodon payload")
    if isinstance(data, list):
        return [
            _interaction(validate(_Status, raw, what="Mastodon payload", loc=(index,)), raw)
            for index, raw in enumerate(data)
        ]
    return [_interaction(validate(_Status, data, what="Mastodon payload"), data)]


def _interaction(status: _Status, raw: dict[str, Any]) -> InteractionCreate:
    # A boost wraps the original: the words are the original's, the boost is the event.
    shown = status.reblog or status
    text = html_to_text(shown.content) if shown.content else ""
    if shown.spoiler_text:
        text = f"{shown.spoiler_text}\n\n{text}".strip()
    account = status.account
    metadata: dict[str, Any] = {
        "kind": "reblog" if status.reblog else ("reply" if status.in_reply_to_id else "post"),
        "status_id": status.id,
        "url": status.url,
        "mastodon_visibility": status.visibility,
        "lang": shown.language,
        "sensitive": shown.sensitive or None,
        "mentions": [m.acct for m in shown.mentions],
        "tags": [t.name for t in shown.tags],
        "in_reply_to_account_id": status.in_reply_to_account_id,
        "bot": account.bot,
    }
    if status.reblog:
        metadata["reblog_of"] = status.reblog.uri
        metadata["reblog_author"] = f"@{status.reblog.account.acct}"
    return build(
        channel="mastodon",
        visibility="public" if status.visibility in _PUBLIC else "private",
        # `uri` is the status's global ActivityPub id; `id` is only valid on one server.
        external_id=status.uri,
        occurred_at=status.created_at,
        author=author(
            name=account.display_name or account.username,
            handle=f"@{account.acct}",
            profile_url=account.url,
            followers=account.followers_count,
            following=account.following_count,
            posts=account.statuses_count,
        ),
        text=text,
        # The entity names its parent only by the server-local id.
        in_reply_to=status.in_reply_to_id,
        thread_key=status.in_reply_to_id or status.id,
        engagement={
            "likes": status.favourites_count,
            "reposts": status.reblogs_count,
            "replies": status.replies_count,
        },
        metadata={k: v for k, v in metadata.items() if v not in (None, [])},
        raw=raw,
    )
