"""The phone adapter: call records from the telephony system."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import JSON, parses_or_4xx

from services.ingest.channels import parse_phone
from shared import BadRequest, UnprocessableEntity

FIXTURE = Path(__file__).parents[2] / "fixtures" / "channels" / "phone" / "inbound_call.json"


def call(**changes: Any) -> bytes:
    body = orjson.loads(FIXTURE.read_bytes())
    body.update(changes)
    return orjson.dumps({k: v for k, v in body.items() if v is not None})


def test_an_inbound_call_becomes_a_private_phone_interaction() -> None:
    item = parse_phone(FIXTURE.read_bytes())
    assert item.channel == "phone"
    assert item.visibility == "private"
    assert item.direction == "inbound"
    assert item.external_id == "c-20251006-101500-0042"
    assert item.author.phone == "+49 30 1234567"
    assert item.text.startswith("Guten Tag, ich habe eine Frage")
    assert item.metadata["ivr_path"] == ["main", "billing", "agent"]
    assert item.metadata["duration_seconds"] == 312
    assert item.metadata["agent_id"] == "agent-17"
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2025-10-06T10:15:00+02:00"


def test_the_transcript_is_not_stored_twice() -> None:
    item = parse_phone(FIXTURE.read_bytes())
    assert isinstance(item.raw, dict) and "transcript" not in item.raw


def test_a_call_without_transcript_has_empty_text() -> None:
    item = parse_phone(call(transcript=None))
    assert item.text == ""
    assert item.metadata["has_transcript"] is False


def test_on_an_outbound_call_the_customer_is_the_callee() -> None:
    item = parse_phone(call(direction="outbound", caller="+49 800 1112233", callee="+4917012345"))
    assert item.direction == "outbound"
    assert item.author.phone == "+4917012345"


def test_epoch_seconds_are_accepted_as_start_time() -> None:
    item = parse_phone(call(started_at=1759738500))
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2025-10-06T08:15:00+00:00"


@pytest.mark.parametrize(
    ("field", "value"),
    [("duration_seconds", -1), ("direction", "sideways"), ("caller", ""), ("ivr_path", "main")],
)
def test_impossible_values_are_unprocessable(field: str, value: Any) -> None:
    with pytest.raises(UnprocessableEntity) as caught:
        parse_phone(call(**{field: value}))
    assert caught.value.errors is not None and caught.value.errors[0]["loc"][0] == field


def test_a_json_array_is_unprocessable_and_text_is_a_bad_request() -> None:
    with pytest.raises(UnprocessableEntity):
        parse_phone(b"[]")
    with pytest.raises(BadRequest):
        parse_phone(b"call_id=1")


def assert_parses_or_4xx(body: bytes) -> None:
    parses_or_4xx(parse_phone, body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=500) | JSON.map(lambda v: json.dumps(v).encode()))
def test_random_bytes_and_json_never_crash_the_phone_parser(body: bytes) -> None:
    assert_parses_or_4xx(body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(
        [
            "call_id",
            "caller",
            "callee",
            "started_at",
            "duration_seconds",
            "ivr_path",
            "direction",
            "transcript",
            "agent_id",
            "recording_url",
        ]
    ),
    JSON,
)
def test_the_fixture_with_a_field_replaced_never_crashes_the_parser(field: str, value: Any) -> None:
    assert_parses_or_4xx(call(**{field: value}))
