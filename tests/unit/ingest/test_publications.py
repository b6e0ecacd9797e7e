"""News and blog items become publications naming people; nothing else does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from services.ingest.channels import parse_feed
from services.ingest.extraction import analyse
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


def test_a_feed_entry_naming_a_person_is_a_publication_of_the_feed() -> None:
    feed = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
  <title>Tech News Beispiel</title><link>https://news.example.de/</link>
  <item>
    <title>Stadtwerke Beispiel in der Kritik</title>
    <link>https://news.example.de/2026/11/02/kritik</link>
    <guid isPermaLink="false">news-example-20261102-001</guid>
    <pubDate>Mon, 02 Nov 2026 09:30:00 +0100</pubDate>
    <dc:creator>Petra Schreiber</dc:creator>
    <description>Kundin Ingeborg Wenzelhuber kritisiert die Stadtwerke Beispiel.</description>
  </item>
</channel></rss>"""
    [item] = parse_feed(feed, brand_terms=["Stadtwerke Beispiel"], channel="news").items
    event = publication(
        interaction_id=uuid.uuid4(),
        channel=item.channel,
        direction=item.direction,
        published_at=item.occurred_at or datetime.now(UTC),
        author=AuthorClaims(**item.author.model_dump(exclude_none=True)),
        metadata=item.metadata,
        external_id=item.external_id,
        features=analyse(item).features,
    )
    assert event is not None
    assert (event.outlet, event.url) == (
        "Tech News Beispiel",
        "https://news.example.de/2026/11/02/kritik",
    )
    assert event.published_at == datetime(2026, 11, 2, 8, 30, tzinfo=UTC)
    assert [f.value for f in event.mentioned] == ["Ingeborg Wenzelhuber"]
