"""Edges of the conversation graph from one message: mentions, replies, reposts."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.scoring.engine import normalise_handle, references


def test_handles_are_compared_without_at_sign_and_case() -> None:
    assert normalise_handle("@Kim_Berlin") == "kim_berlin"
    assert normalise_handle("  kim ") == "kim"
    assert normalise_handle("@anna@mastodon.social") == "anna@mastodon.social"


def test_things_that_are_not_handles_are_refused() -> None:
    assert normalise_handle(None) is None
    assert normalise_handle("") is None
    assert normalise_handle("@") is None
    assert normalise_handle("two words") is None
    assert normalise_handle("x" * 201) is None


def test_a_message_names_everyone_it_mentions_once() -> None:
    text = "@Telco @kim seid ihr da? @telco!!! cc @anna@mastodon.social."
    assert references(text, author="@me") == [
        ("telco", "mention"),
        ("kim", "mention"),
        ("anna@mastodon.social", "mention"),
    ]


def test_email_addresses_are_not_mentions() -> None:
    assert references("schreib an kim@example.de", author="@me") == []


def test_a_repost_and_a_reply_count_in_their_strongest_role_only() -> None:
    assert references("RT @kim: kein Netz @telco", author="@me") == [
        ("kim", "repost"),
        ("telco", "mention"),
    ]
    # A reply on X starts with the parent's handle: that is the reply, not an extra mention.
    assert references("@kim stimmt", author="@me", replied_to="kim") == [("kim", "reply")]


def test_nobody_amplifies_themselves() -> None:
    assert references("@me @Me RT", author="@ME", replied_to="me") == []


def test_spam_listing_hundreds_of_handles_is_bounded() -> None:
    text = " ".join(f"@user{i}" for i in range(500))
    assert len(references(text, author="@me", max_mentions=20)) == 20


@given(st.text(max_size=300), st.one_of(st.none(), st.text(max_size=30)))
def test_any_text_gives_valid_distinct_targets(text: str, author: str | None) -> None:
    found = references(text, author=author)
    targets = [t for t, _ in found]
    assert len(targets) == len(set(targets))
    assert all(normalise_handle(t) == t for t in targets)
