"""News and blog items as publications: where they appeared and whom they name.

Identity attributes the people an item names to customers (`publication.received.v1`); the
item's outlet and address live in its metadata, which `interaction.received.v1` does not carry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from shared.contracts import AuthorClaims, ExtractedFeature, PublicationReceivedV1

__all__ = ["PUBLICATION_CHANNELS", "publication"]

PUBLICATION_CHANNELS = frozenset({"news", "blog"})
# Names and handles in the title ("header") and the text; a byline or signature is the writer.
_KINDS = frozenset({"name", "handle"})
_SOURCES = frozenset({"header", "text"})
MAX_MENTIONED = 50
_OUTLET_LIMIT = 300
_URL_LIMIT = 2000


def publication(
    *,
    interaction_id: uuid.UUID,
    channel: str,
    direction: str,
    published_at: datetime,
    author: AuthorClaims,
    metadata: Mapping[str, Any],
    external_id: str | None,
    features: Iterable[ExtractedFeature],
) -> PublicationReceivedV1 | None:
    """The publication event of an incoming news or blog item that names somebody, else None."""
    if channel not in PUBLICATION_CHANNELS or direction != "inbound":
        return None
    mentioned = [f for f in features if f.kind in _KINDS and f.source in _SOURCES]
    if not mentioned:
        return None
    url = _url(metadata.get("url")) or _url(external_id)
    outlet = (
        _text(metadata.get("outlet"))
        or _text(metadata.get("feed_title"))
        or (urlsplit(url).hostname if url else None)
    )
    return PublicationReceivedV1(
        interaction_id=interaction_id,
        channel=channel,  # type: ignore[arg-type]
        outlet=outlet,
        url=url,
        published_at=published_at,
        author=author,
        mentioned=mentioned[:MAX_MENTIONED],
    )


def _text(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(value.split())[:_OUTLET_LIMIT]


def _url(value: Any) -> str | None:
    """An absolute http(s) address, or None (feed ids are often URNs or tag URIs)."""
    if not isinstance(value, str) or len(value) > _URL_LIMIT:
        return None
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return value
