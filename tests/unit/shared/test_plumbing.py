"""Small pieces of the shared plumbing."""

import pytest

from shared import BadRequest, NotFound, decode_cursor, encode_cursor
from shared._messaging import _topic_regex


def test_cursor_round_trips() -> None:
    assert decode_cursor(encode_cursor([1.5, "abc"])) == [1.5, "abc"]


def test_tampered_cursor_is_a_bad_request() -> None:
    with pytest.raises(BadRequest):
        decode_cursor("not*a*cursor")


def test_problem_carries_status_and_field_errors() -> None:
    problem = NotFound("No such thing.", errors=[{"loc": ["id"]}]).to_problem(instance="/x")
    assert problem["status"] == 404
    assert problem["detail"] == "No such thing."
    assert problem["errors"] == [{"loc": ["id"]}]
    assert problem["instance"] == "/x"


@pytest.mark.parametrize(
    ("pattern", "key", "matches"),
    [
        ("interaction.received.v1", "interaction.received.v1", True),
        ("interaction.received.v1", "interaction.received.v2", False),
        ("interaction.*.v1", "interaction.scored.v1", True),
        ("interaction.*.v1", "interaction.scored.extra.v1", False),
        ("sla.#", "sla.timer.started.v1", True),
        ("#", "anything.at.all", True),
    ],
)
def test_topic_bindings_match_like_rabbitmq(pattern: str, key: str, matches: bool) -> None:
    assert bool(_topic_regex(pattern).match(key)) is matches
