"""The chat adapter: live-chat transcripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import JSON, parses_or_4xx

from services.ingest.channels import parse_chat
from shared import UnprocessableEntity

FIXTURE = Path(__file__).parents[2] / "fixtures" / "channels" / "chat" / "transcript_de.json"


def test_a_transcript_becomes_the_customers_words_with_the_rest_in_metadata() -> None:
    item = parse_chat(FIXTURE.read_bytes())
    assert item.channel == "chat"
    assert item.visibility == "private"
    assert item.external_id == item.thread_key == "chat-7f2e91"
    assert (
        item.text
        == "Mein Router hat seit gestern kein Internet.\nJa, zweimal. Die Lampe blinkt rot."
    )
    assert item.author.name == "Deniz Aydin"
    assert item.author.email == "deniz.aydin@example.de"
    assert item.metadata["message_count"] == 4
    assert item.metadata["agents"] == ["Frau Schmidt"]
    assert item.metadata["bot_involved"] is True
    assert [m["from"] for m in item.metadata["transcript"]] == [
        "bot",
        "customer",
        "agent",
        "customer",
    ]
    assert item.metadata["ended_at"] == "2025-10-06T14:05:00+02:00"
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2025-10-06T14:02:00+02:00"


def test_without_visitor_details_the_customer_name_comes_from_their_messages() -> None:
    body = {
        "chat_id": "c",
        "started_at": "2025-10-06T10:00:00Z",
        "messages": [
            {"from": "customer", "name": "Pat", "text": "Hi", "at": "2025-10-06T10:00:00Z"}
        ],
    }
    item = parse_chat(orjson.dumps(body))
    assert item.author.name == "Pat"
    assert item.text == "Hi"


def test_an_unknown_sender_role_is_unprocessable_and_located() -> None:
    body = orjson.loads(FIXTURE.read_bytes())
    body["messages"][2]["from"] = "supervisor"
    with pytest.raises(UnprocessableEntity) as caught:
        parse_chat(orjson.dumps(body))
    assert caught.value.errors is not None
    assert caught.value.errors[0]["loc"] == ["messages", "2", "from"]


def assert_parses_or_4xx(body: bytes) -> None:
    parses_or_4xx(parse_chat, body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=500) | JSON.map(lambda v: json.dumps(v).encode()))
def test_random_bytes_and_json_never_crash_the_chat_parser(body: bytes) -> None:
    assert_parses_or_4xx(body)


MESSAGE = st.fixed_dictionaries(
    {"from": st.sampled_from(["customer", "agent", "bot"]) | JSON, "text": st.text() | JSON},
    optional={"name": JSON, "at": st.sampled_from(["2025-10-06T10:00:00Z", "1759738500"]) | JSON},
)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(MESSAGE, max_size=6), JSON)
def test_random_messages_never_crash_the_chat_parser(messages: list[Any], visitor: Any) -> None:
    body = {
        "chat_id": "c",
        "started_at": "2025-10-06T10:00:00Z",
        "messages": messages,
        "visitor": visitor,
    }
    assert_parses_or_4xx(json.dumps(body).encode())
