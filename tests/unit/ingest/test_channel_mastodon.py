"""The Mastodon adapter: Status entities, boosts, visibility and hostile input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import JSON, parses_or_4xx

from services.ingest.channels import parse_mastodon
from shared import BadRequest, UnprocessableEntity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels" / "mastodon"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_the_documented_status_example_maps_to_a_public_interaction() -> None:
    [item] = parse_mastodon(load("status.json"))
    assert item.channel == "mastodon"
    assert item.visibility == "public"
    assert item.external_id == "https://mastodon.social/users/Gargron/statuses/103270115826048975"
    assert item.metadata["status_id"] == "103270115826048975"
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2019-12-08T03:48:33.901000+00:00"
    assert item.author.name == "Eugen"
    assert item.author.handle == "@Gargron"
    assert item.author.profile_url == "https://mastodon.social/@Gargron"
    assert (item.author.followers, item.author.following, item.author.posts) == (
        322930,
        459,
        61323,
    )
    assert item.engagement == {"likes": 11, "reposts": 6, "replies": 5}
    assert item.metadata["lang"] == "en"


def test_html_content_becomes_plain_text() -> None:
    [item] = parse_mastodon(load("status.json"))
    assert item.text.startswith('"I lost my inheritance with one wrong digit on my sort code"')
    assert "<p>" not in item.text and "&quot;" not in item.text
    assert "theguardian.com/money/2019/dec" in item.text


def test_a_list_yields_replies_boosts_and_direct_messages() -> None:
    reply, boost, direct = parse_mastodon(load("statuses_reply_reblog_direct.json"))
    assert reply.metadata["kind"] == "reply"
    assert reply.in_reply_to == "109999999999999999"
    assert reply.visibility == "public"  # unlisted is still public
    assert reply.metadata["mentions"] == ["stadtwerke@mastodon.social"]
    assert reply.metadata["tags"] == ["berlin"]
    assert reply.author.handle == "@kunde@chaos.social"
    assert (
        reply.text == "@stadtwerke Seit heute früh kein Internet in #Berlin. Bitte um Rückmeldung!"
    )

    assert boost.metadata["kind"] == "reblog"
    assert boost.text == "Boosted words"
    assert boost.metadata["reblog_author"] == "@Gargron"
    assert boost.metadata["bot"] is True

    assert direct.visibility == "private"
    assert direct.text == "Vertragsdaten\n\nMeine Kundennummer ist 123456."


def test_a_status_without_an_account_is_unprocessable() -> None:
    body = orjson.loads(load("status.json"))
    del body["account"]
    with pytest.raises(UnprocessableEntity) as caught:
        parse_mastodon(orjson.dumps(body))
    assert caught.value.errors == [{"loc": ["account"], "msg": "Field required", "type": "missing"}]


def test_an_unknown_visibility_is_unprocessable() -> None:
    body = orjson.loads(load("status.json"))
    body["visibility"] = "everyone"
    with pytest.raises(UnprocessableEntity):
        parse_mastodon(orjson.dumps(body))


def test_invalid_json_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        parse_mastodon(b"[{")


def assert_parses_or_4xx(body: bytes) -> None:
    parses_or_4xx(parse_mastodon, body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1000))
def test_random_bytes_never_crash_the_mastodon_parser(body: bytes) -> None:
    assert_parses_or_4xx(body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_json_never_crashes_the_mastodon_parser(value: Any) -> None:
    assert_parses_or_4xx(json.dumps(value).encode())


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [
            "id",
            "uri",
            "created_at",
            "content",
            "account",
            "visibility",
            "reblog",
            "favourites_count",
            "mentions",
            "tags",
            "in_reply_to_id",
            "spoiler_text",
        ]
    ),
    JSON | st.text(max_size=200).map(lambda t: f"<p>{t}</p>"),
)
def test_the_status_example_with_a_field_replaced_never_crashes_the_parser(
    field: str, value: Any
) -> None:
    body = orjson.loads(load("status.json"))
    body[field] = value
    assert_parses_or_4xx(json.dumps(body).encode())
