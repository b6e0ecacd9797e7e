"""News and blog items become publications naming people; nothing else does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.ingest.interactions.publications import publication
from shared.contracts import AuthorClaims, ExtractedFeature

NAMED = ExtractedFeature(kind="name", value="Ingeborg Wenzelhuber", source="text", confidence=0.6)
BYLINE = ExtractedFeature(kind="name", value="Petra Schreiber", source="display_name")


def build(**overrides: Any):
    values: dict[str, Any] = {
        "interaction_id": uuid.uuid4(),
        "channel": "news",
        "direction": "inbound",
        "published_at": datetime(2026, 11, 2, 8, 30, tzinfo=UTC),
        "author": AuthorClaims(name="Petra Schreiber"),
        "metadata": {"feed_title": "Heise online", "url": "https://www.heise.de/news/1.html"},
        "external_id": "urn:uuid:7b1e",
        "features": [BYLINE, NAMED],
    }
    return publication(**{**values, **overrides})


def test_a_news_item_names_its_people_with_outlet_and_address() -> None:
    event = build()
    assert event is not None
    assert (event.outlet, event.url) == ("Heise online", "https://www.heise.de/news/1.html")
    assert [f.value for f in event.mentioned] == ["Ingeborg Wenzelhuber"]
    assert event.author.name == "Petra Schreiber"


def test_without_a_feed_title_the_outlet_is_the_site_and_a_url_id_is_the_address() -> None:
    event = build(metadata={}, external_id="https://blog.example.org/2026/ausfall", channel="blog")
    assert event is not None
    assert (event.outlet, event.url) == (
        "blog.example.org",
        "https://blog.example.org/2026/ausfall",
    )


def test_an_id_that_is_no_web_address_leaves_the_address_empty() -> None:
    event = build(metadata={"outlet": "  Süddeutsche   Zeitung "})
    assert event is not None
    assert (event.outlet, event.url) == ("Süddeutsche Zeitung", None)


def test_other_channels_outbound_items_and_items_naming_nobody_are_no_publications() -> None:
    assert build(channel="email") is None
    assert build(channel="twitter") is None
    assert build(direction="outbound") is None
    assert build(features=[BYLINE]) is None
