"""The X (Twitter) adapter: API v2 lookup, search and filtered-stream payloads."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import JSON, parses_or_4xx

from services.ingest.channels import parse_twitter
from shared import BadRequest, PayloadTooLarge, UnprocessableEntity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels" / "twitter"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def test_a_single_tweet_lookup_maps_text_author_metrics_and_thread() -> None:
    [item] = parse_twitter(load("tweet_lookup_single.json"))
    assert item.channel == "twitter"
    assert item.visibility == "public"
    assert item.external_id == "1212092628029698048"
    assert item.text.startswith("We believe the best future version of our API")
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2019-12-31T19:26:16+00:00"
    assert item.thread_key == "1212092628029698048"
    assert item.in_reply_to == "1212092627178287104"
    assert item.engagement == {"likes": 38, "reposts": 7, "replies": 3, "quotes": 1}
    assert item.metadata["kind"] == "reply"
    assert item.metadata["lang"] == "en"
    assert item.metadata["urls"] == [
        "https://twitter.com/LovesNandos/status/1211797914437259264/photo/1"
    ]


def test_the_author_comes_from_includes_users_by_author_id() -> None:
    [item] = parse_twitter(load("tweet_lookup_single.json"))
    assert item.author.name == "Twitter Dev"
    assert item.author.handle == "@TwitterDev"
    assert item.author.profile_url == "https://x.com/TwitterDev"
    assert item.author.followers == 513961
    assert item.author.following == 2039
    assert item.author.posts == 3635
    assert item.author.verified is True


def test_a_list_response_yields_one_interaction_per_tweet_with_its_own_author() -> None:
    items = parse_twitter(load("tweets_search_list.json"))
    assert [i.external_id for i in items] == [
        "1307025659294674945",
        "1460323737035677698",
        "1445880548472328192",
    ]
    assert [i.author.handle for i in items] == ["@TwitterDev", "@TwitterAPI", "@TwitterAPI"]
    assert [i.metadata["kind"] for i in items] == ["reply", "retweet", "quote"]


def test_entities_land_in_metadata() -> None:
    retweet = parse_twitter(load("tweets_search_list.json"))[1]
    assert retweet.metadata["mentions"] == ["TwitterDev"]
    assert retweet.metadata["hashtags"] == ["TwitterAPI"]


def test_a_retweet_is_recognised_by_its_rt_prefix_alone() -> None:
    body = {"data": {"id": "1460323737035677698", "text": "RT @TwitterDev: hello"}}
    [item] = parse_twitter(orjson.dumps(body))
    assert item.metadata["kind"] == "retweet"


def test_filtered_stream_lines_are_parsed_and_keep_alives_ignored() -> None:
    items = parse_twitter(load("filtered_stream.ndjson"))
    assert [i.external_id for i in items] == ["1067094924124872705", "1460323737035677698"]
    assert items[0].metadata["matching_rules"] == [
        {"id": "1166916266197536768", "tag": "twitter dev"}
    ]


def test_a_tweet_without_created_at_takes_the_time_from_its_snowflake_id() -> None:
    items = parse_twitter(load("filtered_stream.ndjson"))
    assert items[1].occurred_at is not None
    assert items[1].occurred_at.isoformat().startswith("2021-11-15T19:08:05")


def test_long_posts_use_the_full_note_tweet_text() -> None:
    body = {"data": {"id": "1", "text": "short…", "note_tweet": {"text": "the whole thing"}}}
    [item] = parse_twitter(orjson.dumps(body))
    assert item.text == "the whole thing"


def test_raw_keeps_the_tweet_and_its_author_for_audit() -> None:
    [item] = parse_twitter(load("tweet_lookup_single.json"))
    assert isinstance(item.raw, dict)
    assert item.raw["data"]["id"] == "1212092628029698048"
    assert item.raw["user"]["username"] == "TwitterDev"


def test_invalid_json_is_a_bad_request_that_says_where() -> None:
    with pytest.raises(BadRequest, match="not valid JSON"):
        parse_twitter(b'{"data": {"id": "1",}')


def test_a_broken_stream_line_names_its_line_number() -> None:
    with pytest.raises(BadRequest, match="line 3"):
        parse_twitter(b'{"data": {"id": "1", "text": "a"}}\n\n{oops\n')


def test_a_tweet_without_text_is_unprocessable_with_an_errors_list() -> None:
    with pytest.raises(UnprocessableEntity) as caught:
        parse_twitter(b'{"data": {"id": "1"}}')
    assert caught.value.errors == [
        {"loc": ["data", "text"], "msg": "Field required", "type": "missing"}
    ]


def test_a_bad_tweet_in_a_list_is_located_by_its_index() -> None:
    body = {"data": [{"id": "1", "text": "ok"}, {"id": 1.5, "text": "bad id"}]}
    with pytest.raises(UnprocessableEntity) as caught:
        parse_twitter(orjson.dumps(body))
    assert [e["loc"] for e in caught.value.errors or []] == [["data", "1", "id"]]


def test_an_error_only_response_is_unprocessable() -> None:
    body = {"errors": [{"title": "Not Found Error", "detail": "Could not find tweet"}]}
    with pytest.raises(UnprocessableEntity, match="expected structure"):
        parse_twitter(orjson.dumps(body))


def test_an_oversized_body_is_refused() -> None:
    with pytest.raises(PayloadTooLarge):
        parse_twitter(b" " * 101, max_bytes=100)


def assert_parses_or_4xx(body: bytes) -> None:
    parses_or_4xx(parse_twitter, body)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1000))
def test_random_bytes_never_crash_the_twitter_parser(body: bytes) -> None:
    assert_parses_or_4xx(body)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON)
def test_random_json_never_crashes_the_twitter_parser(value: Any) -> None:
    assert_parses_or_4xx(json.dumps(value).encode())


FIELDS = [
    "id",
    "text",
    "author_id",
    "created_at",
    "conversation_id",
    "public_metrics",
    "referenced_tweets",
    "entities",
    "lang",
    "note_tweet",
]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIELDS), JSON)
def test_a_fixture_with_one_field_replaced_by_random_json_never_crashes_the_parser(
    field: str, value: Any
) -> None:
    body = orjson.loads(load("tweet_lookup_single.json"))
    mutated = copy.deepcopy(body)
    mutated["data"][field] = value
    assert_parses_or_4xx(json.dumps(mutated).encode())
