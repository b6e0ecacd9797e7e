"""Meta Graph webhooks (Facebook Pages, Messenger, Instagram) to interactions."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import Field

from services.ingest.interactions.schemas import InteractionCreate
from shared import BadRequest, Forbidden, Unauthorized

from ._common import (
    DEFAULT_MAX_JSON_BYTES,
    Id,
    NativeModel,
    Timestamp,
    author,
    build,
    guard,
    load_json,
    unprocessable,
    validate,
)

__all__ = ["parse_meta", "verify_challenge", "verify_signature"]

Network = Literal["facebook", "instagram"]
_OBJECT_FOR_NETWORK: dict[str, str] = {"facebook": "page", "instagram": "instagram"}
_FEED_FIELDS = frozenset({"feed", "mention"})
_IG_COMMENT_FIELDS = frozenset({"comments", "live_comments", "mentions"})
# Reactions and likes carry no words to answer; removals are not new interactions.
_FEED_ITEMS = frozenset({"comment", "post", "status", "photo", "video", "share"})
_SIGNATURE_PREFIX = "sha256="


def verify_signature(body: bytes, header: str | None, app_secret: str) -> None:
    """Check X-Hub-Signature-256 (HMAC-SHA256 of the raw body with the app secret)."""
    if not header or not header.strip():
        raise Unauthorized("X-Hub-Signature-256 header is missing")
    if not app_secret:
        # A missing secret must never turn into "everything verifies".
        raise Forbidden("webhook signature cannot be verified: no app secret configured")
    value = header.strip()
    if not value.lower().startswith(_SIGNATURE_PREFIX):
        raise Forbidden("X-Hub-Signature-256 must start with 'sha256='")
    expected = hmac.new(app_secret.encode(), bytes(body), hashlib.sha256).hexdigest()
    given = value[len(_SIGNATURE_PREFIX) :].strip().lower()
    if not hmac.compare_digest(expected.encode(), given.encode("ascii", "replace")):
        raise Forbidden("X-Hub-Signature-256 does not match the body")


def verify_challenge(
    mode: str | None, token: str | None, challenge: str | None, verify_token: str
) -> str:
    """Answer Meta's subscription handshake: echo `hub.challenge` when the token matches."""
    if mode != "subscribe":
        raise Forbidden("hub.mode must be 'subscribe'")
    if not verify_token or token is None:
        raise Forbidden("hub.verify_token does not match")
    if not hmac.compare_digest(
        token.encode("utf-8", "replace"), verify_token.encode("utf-8", "replace")
    ):
        raise Forbidden("hub.verify_token does not match")
    if not challenge:
        raise BadRequest("hub.challenge is missing")
    return challenge


# --- native models --------------------------------------------------------------------------


class _From(NativeModel):
    id: Id | None = None
    name: str | None = None
    username: str | None = None


class _Change(NativeModel):
    field: str
    value: dict[str, Any] = Field(default_factory=dict)


class _Party(NativeModel):
    id: Id


class _MessageAttachment(NativeModel):
    type: str | None = None
    payload: dict[str, Any] | None = None


class _ReplyTo(NativeModel):
    mid: Id | None = None


class _Message(NativeModel):
    mid: Id
    text: str | None = None
    is_echo: bool = False
    attachments: list[_MessageAttachment] = Field(default_factory=list)
    reply_to: _ReplyTo | None = None


class _Messaging(NativeModel):
    sender: _Party
    recipient: _Party
    timestamp: Timestamp
    message: _Message | None = None


class _Entry(NativeModel):
    id: Id
    time: Timestamp | None = None
    changes: list[_Change] = Field(default_factory=list)
    messaging: list[dict[str, Any]] = Field(default_factory=list)


class _Webhook(NativeModel):
    object: str
    entry: list[_Entry]


class _FeedValue(NativeModel):
    item: str
    verb: str
    sender: _From | None = Field(default=None, alias="from")
    message: str | None = None
    post_id: Id | None = None
    comment_id: Id | None = None
    parent_id: Id | None = None
    created_time: Timestamp | None = None
    link: str | None = None
    permalink_url: str | None = None


class _Media(NativeModel):
    id: Id
    media_product_type: str | None = None


class _IgComment(NativeModel):
    id: Id
    text: str | None = None
    sender: _From | None = Field(default=None, alias="from")
    media: _Media | None = None
    parent_id: Id | None = None


class _IgMention(NativeModel):
    media_id: Id
    comment_id: Id | None = None


# --- parsing --------------------------------------------------------------------------------


@guard("Meta webhook")
def parse_meta(
    payload: bytes, *, network: Network, max_bytes: int = DEFAULT_MAX_JSON_BYTES
) -> list[InteractionCreate]:
    """Parse a Graph webhook delivery; one delivery may batch many entries and changes."""
    if network not in _OBJECT_FOR_NETWORK:
        raise ValueError(f"unknown network {network!r}")  # a caller bug, not bad input
    data = load_json(payload, max_bytes=max_bytes, what="Meta webhook")
    hook = validate(_Webhook, data, what="Meta webhook")
    if hook.object != _OBJECT_FOR_NETWORK[network]:
        raise unprocessable(
            "Meta webhook",
            ["object"],
            f"expected {_OBJECT_FOR_NETWORK[network]!r} for {network}, got {hook.object!r}",
        )
    items: list[InteractionCreate] = []
    for e, entry in enumerate(hook.entry):
        for c, change in enumerate(entry.changes):
            loc = ("entry", e, "changes", c, "value")
            item = _change(network, entry, change, loc)
            if item is not None:
                items.append(item)
        for m, raw_event in enumerate(entry.messaging):
            event = validate(_Messaging, raw_event, what="Meta webhook", loc=("entry", e, m))
            item = _message(network, entry, event, raw_event)
            if item is not None:
                items.append(item)
    return items


def _change(
    network: Network, entry: _Entry, change: _Change, loc: tuple[str | int, ...]
) -> InteractionCreate | None:
    raw = {"entry_id": entry.id, "field": change.field, "value": change.value}
    if network == "facebook" and change.field in _FEED_FIELDS:
        value = validate(_FeedValue, change.value, what="Meta webhook", loc=loc)
        return _feed(entry, value, raw)
    if network == "instagram" and change.field in _IG_COMMENT_FIELDS:
        if change.field == "mentions" and "id" not in change.value:
            mention = validate(_IgMention, change.value, what="Meta webhook", loc=loc)
            return _ig_mention(entry, mention, raw)
        comment = validate(_IgComment, change.value, what="Meta webhook", loc=loc)
        return _ig_comment(entry, change.field, comment, raw)
    return None  # other subscribed fields (ratings, reactions, …) are not interactions


def _feed(entry: _Entry, value: _FeedValue, raw: dict[str, Any]) -> InteractionCreate | None:
    if value.verb == "remove" or value.item not in _FEED_ITEMS:
        return None
    is_comment = value.item == "comment"
    external_id = value.comment_id if is_comment else value.post_id
    if external_id is None:
        missing = "comment_id" if is_comment else "post_id"
        raise unprocessable("Meta webhook", ["value", missing], f"{value.item} without {missing}")
    sender = value.sender or _From()
    metadata = {
        "item": value.item,
        "verb": value.verb,
        "page_id": entry.id,
        "post_id": value.post_id,
        "author_id": sender.id,
        "link": value.link,
        "url": value.permalink_url,
    }
    return build(
        channel="facebook",
        visibility="public",
        # The page posting or answering on its own feed is us, not a customer.
        direction="outbound" if sender.id == entry.id else "inbound",
        external_id=external_id,
        occurred_at=value.created_time or entry.time or _now(),
        author=author(name=sender.name),
        text=value.message or "",
        in_reply_to=value.parent_id if is_comment else None,
        thread_key=value.post_id or external_id,
        metadata=_compact(metadata),
        raw=raw,
    )


def _ig_comment(
    entry: _Entry, field: str, value: _IgComment, raw: dict[str, Any]
) -> InteractionCreate:
    sender = value.sender or _From()
    media_id = value.media.id if value.media else None
    metadata = {
        "kind": "mention" if field == "mentions" else "comment",
        "field": field,
        "account_id": entry.id,
        "media_id": media_id,
        "media_product_type": value.media.media_product_type if value.media else None,
        "author_id": sender.id,
    }
    return build(
        channel="instagram",
        visibility="public",
        external_id=value.id,
        occurred_at=entry.time or _now(),
        author=author(
            handle=f"@{sender.username}" if sender.username else None,
            name=sender.name,
            profile_url=f"https://www.instagram.com/{sender.username}/"
            if sender.username
            else None,
        ),
        text=value.text or "",
        in_reply_to=value.parent_id or media_id,
        thread_key=media_id or value.id,
        metadata=_compact(metadata),
        raw=raw,
    )


def _ig_mention(entry: _Entry, value: _IgMention, raw: dict[str, Any]) -> InteractionCreate:
    # The mentions webhook only names the media/comment; the text needs a Graph API call.
    return build(
        channel="instagram",
        visibility="public",
        external_id=value.comment_id or value.media_id,
        occurred_at=entry.time or _now(),
        text="",
        thread_key=value.media_id,
        metadata=_compact(
            {
                "kind": "mention",
                "account_id": entry.id,
                "media_id": value.media_id,
                "comment_id": value.comment_id,
                "needs_fetch": True,
            }
        ),
        raw=raw,
    )


def _message(
    network: Network, entry: _Entry, event: _Messaging, raw: dict[str, Any]
) -> InteractionCreate | None:
    message = event.message
    if message is None:
        return None  # delivery/read receipts, postbacks, reactions: no message to record
    outbound = message.is_echo  # an echo is the page's own reply, sent from another tool
    customer = event.recipient.id if outbound else event.sender.id
    metadata = {
        "kind": "message",
        "page_id": entry.id,
        "author_id": event.sender.id,
        "recipient_id": event.recipient.id,
        "attachments": [
            _compact({"type": a.type, "url": (a.payload or {}).get("url")})
            for a in message.attachments
        ],
    }
    return build(
        channel=network,
        visibility="private",
        direction="outbound" if outbound else "inbound",
        external_id=message.mid,
        occurred_at=event.timestamp,
        text=message.text or "",
        in_reply_to=message.reply_to.mid if message.reply_to else None,
        thread_key=f"{entry.id}:{customer}",
        metadata=_compact(metadata),
        raw=raw,
    )


def _compact(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v not in (None, [], "")}


def _now() -> datetime:
    return datetime.now(UTC)
