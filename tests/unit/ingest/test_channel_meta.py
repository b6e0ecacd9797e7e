"""The Meta adapter: webhook signatures, the subscribe handshake, Pages, Messenger, Instagram."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import JSON, parses_or_4xx

from services.ingest.channels import parse_meta, verify_challenge, verify_signature
from shared import BadRequest, Forbidden, Unauthorized, UnprocessableEntity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels" / "meta"
SECRET = "app-secret-for-tests"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


# --- signature and handshake ----------------------------------------------------------------


def test_a_correct_signature_verifies() -> None:
    body = load("page_feed_comment.json")
    verify_signature(body, sign(body), SECRET)


def test_a_missing_signature_is_unauthorized() -> None:
    with pytest.raises(Unauthorized):
        verify_signature(b"{}", None, SECRET)
    with pytest.raises(Unauthorized):
        verify_signature(b"{}", "  ", SECRET)


@pytest.mark.parametrize(
    "header",
    [
        sign(b"{}", "another-secret"),
        sign(b"{ }"),
        "sha1=" + hashlib.sha1(b"{}").hexdigest(),
        "sha256=nothex\u00e4",
    ],
)
def test_a_wrong_or_malformed_signature_is_forbidden(header: str) -> None:
    with pytest.raises(Forbidden):
        verify_signature(b"{}", header, SECRET)


def test_an_unconfigured_app_secret_never_verifies() -> None:
    with pytest.raises(Forbidden):
        verify_signature(b"{}", sign(b"{}", ""), "")


def test_the_subscribe_handshake_echoes_the_challenge() -> None:
    assert verify_challenge("subscribe", "my-token", "1158201444", "my-token") == "1158201444"


@pytest.mark.parametrize(
    ("mode", "token"), [("subscribe", "wrong"), ("unsubscribe", "my-token"), (None, None)]
)
def test_a_handshake_with_the_wrong_mode_or_token_is_forbidden(
    mode: str | None, token: str | None
) -> None:
    with pytest.raises(Forbidden):
        verify_challenge(mode, token, "1158201444", "my-token")


def test_a_handshake_without_a_challenge_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        verify_challenge("subscribe", "my-token", None, "my-token")


# --- Facebook Pages -------------------------------------------------------------------------


def test_a_page_feed_comment_becomes_a_public_facebook_interaction() -> None:
    [item] = parse_meta(load("page_feed_comment.json"), network="facebook")
    assert item.channel == "facebook"
    assert item.visibility == "public"
    assert item.direction == "inbound"
    assert item.external_id == "2827367860705420_486930569341542"
    assert item.author.name == "Erika Mustermann"
    assert item.metadata["author_id"] == "4416152358402571"
    assert item.text.startswith("Seit drei Tagen keine Antwort")
    assert item.thread_key == item.in_reply_to == "1067280970047460_2827367860705420"
    assert item.occurred_at is not None
    assert item.occurred_at.isoformat() == "2021-02-24T19:39:49+00:00"


def test_removals_and_reactions_are_ignored_and_the_pages_own_post_is_outbound() -> None:
    [item] = parse_meta(load("page_feed_post_and_remove.json"), network="facebook")
    assert item.external_id == "1067280970047460_3001"
    assert item.metadata["item"] == "status"
    assert item.direction == "outbound"


def test_messenger_messages_are_private_and_receipts_are_skipped() -> None:
    items = parse_meta(load("messenger_message.json"), network="facebook")
    assert [i.external_id for i in items] == [
        "mid.1457764197618:41d102a3e1ae206a38",
        "mid.1458696618141:b4ef9d19ec21086067",
        "mid.1457764197618:echo01",
    ]
    text, attachment, echo = items
    assert text.visibility == "private"
    assert text.text == "hello, world!"
    assert text.occurred_at is not None
    assert text.occurred_at.isoformat() == "2016-03-23T00:25:52.478000+00:00"
    assert text.thread_key == "1067280970047460:6783946835063261"
    assert attachment.metadata["attachments"] == [
        {"type": "image", "url": "https://scontent.example/v/t1.15752-9/image.png"}
    ]
    assert echo.direction == "outbound"
    assert echo.thread_key == text.thread_key


# --- Instagram ------------------------------------------------------------------------------


def test_an_instagram_comment_maps_username_media_and_parent() -> None:
    [item] = parse_meta(load("instagram_comment.json"), network="instagram")
    assert item.channel == "instagram"
    assert item.visibility == "public"
    assert item.external_id == "17865799348089039"
    assert item.author.handle == "@test_kundin"
    assert item.author.profile_url == "https://www.instagram.com/test_kundin/"
    assert item.text == "This is an example."
    assert item.thread_key == "123123123"
    assert item.in_reply_to == "1231231234"


def test_an_instagram_mention_without_text_is_kept_and_marked_for_fetching() -> None:
    [item] = parse_meta(load("instagram_mention.json"), network="instagram")
    assert item.external_id == "17894227972186120"
    assert item.text == ""
    assert item.metadata["needs_fetch"] is True
    assert item.metadata["media_id"] == "17918195224117851"


def test_an_instagram_direct_message_is_private() -> None:
    [item] = parse_meta(load("instagram_message.json"), network="instagram")
    assert item.channel == "instagram"
    assert item.visibility == "private"
    assert item.text == "Hallo! Ist meine Bestellung schon unterwegs?"


# --- bad input ------------------------------------------------------------------------------


def test_a_payload_for_the_other_network_is_unprocessable() -> None:
    with pytest.raises(UnprocessableEntity) as caught:
        parse_meta(load("instagram_comment.json"), network="facebook")
    assert caught.value.errors is not None and caught.value.errors[0]["loc"] == ["object"]


def test_a_malformed_change_is_located_in_the_errors_list() -> None:
    body = orjson.loads(load("page_feed_comment.json"))
    del body["entry"][0]["changes"][0]["value"]["verb"]
    with pytest.raises(UnprocessableEntity) as caught:
        parse_meta(orjson.dumps(body), network="facebook")
    assert caught.value.errors == [
        {
            "loc": ["entry", "0", "changes", "0", "value", "verb"],
            "msg": "Field required",
            "type": "missing",
        }
    ]


def test_invalid_json_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        parse_meta(b"object=page", network="facebook")


def assert_parses_or_4xx(body: bytes, network: Any) -> None:
    parses_or_4xx(lambda b: parse_meta(b, network=network), body)


NETWORKS = st.sampled_from(["facebook", "instagram"])


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=1000), NETWORKS)
def test_random_bytes_never_crash_the_meta_parser(body: bytes, network: str) -> None:
    assert_parses_or_4xx(body, network)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(JSON, NETWORKS)
def test_random_json_never_crashes_the_meta_parser(value: Any, network: str) -> None:
    assert_parses_or_4xx(json.dumps(value).encode(), network)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(sorted(FIXTURES.glob("*.json"))),
    st.sampled_from(["value", "message", "entry", "sender", "from", "time", "timestamp", "id"]),
    JSON,
)
def test_fixtures_with_a_field_replaced_by_random_json_never_crash_the_parser(
    path: Path, key: str, value: Any
) -> None:
    body = copy.deepcopy(orjson.loads(path.read_bytes()))

    def replace(node: Any) -> None:
        if isinstance(node, dict):
            for k in list(node):
                if k == key:
                    node[k] = value
                else:
                    replace(node[k])
        elif isinstance(node, list):
            for child in node:
                replace(child)

    replace(body)
    network = "instagram" if path.name.startswith("instagram") else "facebook"
    assert_parses_or_4xx(json.dumps(body).encode(), network)
