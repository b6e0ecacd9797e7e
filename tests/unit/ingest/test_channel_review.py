"""The review adapter: generic review JSON with a star rating."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import JSON, parses_or_4xx

from services.ingest.channels import parse_review
from shared import BadRequest, PayloadTooLarge, UnprocessableEntity

FIXTURE = Path(__file__).parents[2] / "fixtures" / "channels" / "review" / "review_de.json"


def review(**changes: Any) -> bytes:
    body = orjson.loads(FIXTURE.read_bytes())
    body.update(changes)
    return orjson.dumps(body)


def test_a_review_becomes_a_public_interaction_with_its_rating() -> None:
    item = parse_review(FIXTURE.read_bytes())
    assert item.channel == "review"
    assert item.visibility == "public"
    assert item.external_id == "trustedshops:r-8f3a2c91"
    assert item.subject == "Lieferung verspätet, Hotline nicht erreichbar"
    assert item.text.startswith("Die Bestellung kam zwei Wochen zu spät")
    assert item.metadata["rating"] == 2
    assert item.metadata["site"] == "trustedshops"
    assert item.author.name == "Sabine K."
    assert item.author.posts == 14
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2025-10-05T18:22:00+02:00"


def test_half_star_ratings_are_kept() -> None:
    assert parse_review(review(rating=4.5)).metadata["rating"] == 4.5


@pytest.mark.parametrize("rating", [0, 6, "five", None, True])
def test_a_rating_outside_one_to_five_is_unprocessable(rating: Any) -> None:
    with pytest.raises(UnprocessableEntity) as caught:
        parse_review(review(rating=rating))
    assert caught.value.errors is not None
    assert caught.value.errors[0]["loc"] == ["rating"]


def test_a_review_without_id_or_date_lists_both_errors() -> None:
    body = orjson.loads(FIXTURE.read_bytes())
    del body["id"], body["created_at"]
    with pytest.raises(UnprocessableEntity) as caught:
        parse_review(orjson.dumps(body))
    assert sorted(e["loc"][0] for e in caught.value.errors or []) == ["created_at", "id"]


def test_a_naive_timestamp_is_read_as_utc() -> None:
    item = parse_review(review(created_at="2025-10-05T18:22:00"))
    assert item.occurred_at is not None and item.occurred_at.tzinfo is not None


def test_invalid_json_and_oversize_bodies_are_refused() -> None:
    with pytest.raises(BadRequest):
        parse_review(b'{"id": ')
    with pytest.raises(PayloadTooLarge):
        parse_review(FIXTURE.read_bytes(), max_bytes=10)


def assert_parses_or_4xx(body: bytes) -> None:
    parses_or_4xx(parse_review, body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=500) | JSON.map(lambda v: json.dumps(v).encode()))
def test_random_bytes_and_json_never_crash_the_review_parser(body: bytes) -> None:
    assert_parses_or_4xx(body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["id", "site", "rating", "title", "text", "author", "created_at"]), JSON)
def test_the_fixture_with_a_field_replaced_never_crashes_the_parser(field: str, value: Any) -> None:
    assert_parses_or_4xx(review(**{field: value}))
