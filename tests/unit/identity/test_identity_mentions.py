"""The mention policy: whom a news item names, and when a name alone is enough."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from services.identity.matching import standardise
from services.identity.mentions.policy import (
    MentionPolicy,
    accepts_name,
    handle_of,
    mentioned,
    namesakes,
)
from shared.contracts import AuthorClaims, ExtractedFeature, PublicationReceivedV1

TABLES = {
    "family_name": {"values": {"muller": 0.01, "schmidt": 0.008}, "default": 1e-5},
    "given_name": {"values": {"thomas": 0.02, "anna": 0.01}, "default": 1e-4},
}


def item(*features: tuple[str, str, str, float], author: AuthorClaims | None = None):
    return PublicationReceivedV1(
        interaction_id=uuid.uuid4(),
        channel="news",
        published_at=datetime.now(UTC),
        author=author or AuthorClaims(),
        mentioned=[
            ExtractedFeature(kind=kind, value=value, source=source, confidence=confidence)
            for kind, value, source, confidence in features
        ],
    )


def test_names_and_handles_in_title_and_text_are_mentions() -> None:
    found = mentioned(
        item(
            ("name", "Korbinian Wenzelhuber", "header", 0.6),
            ("name", "Ingeborg Quadflieg", "text", 0.6),
            ("handle", "@KWenzel", "text", 0.5),
        )
    )
    assert found.names == ("Korbinian Wenzelhuber", "Ingeborg Quadflieg")
    assert found.handles == ("kwenzel",)


def test_the_author_is_not_a_mention_of_themselves() -> None:
    author = AuthorClaims(name="Petra Schreiber", handle="@pschreiber")
    found = mentioned(
        item(
            ("name", "Dr. Petra Schreiber", "text", 0.6),
            ("handle", "@PSchreiber", "text", 0.5),
            ("name", "Korbinian Wenzelhuber", "text", 0.6),
            author=author,
        )
    )
    assert found.names == ("Korbinian Wenzelhuber",)
    assert found.handles == ()


def test_a_family_name_alone_or_an_unsure_name_is_no_mention() -> None:
    found = mentioned(
        item(("name", "Wenzelhuber", "text", 0.6), ("name", "Ingeborg Quadflieg", "text", 0.3))
    )
    assert found.names == ()


def test_the_same_person_written_twice_is_one_mention() -> None:
    found = mentioned(
        item(
            ("name", "Korbinian Wenzelhuber", "header", 0.6),
            ("name", "Korbinian  Wenzelhuber", "text", 0.6),
            ("handle", "@kim", "text", 0.5),
            ("handle", "kim", "text", 0.5),
        )
    )
    assert len(found.names) == 1 and found.handles == ("kim",)


def test_mentions_per_item_are_capped() -> None:
    features = [("handle", f"@user{i}", "text", 0.5) for i in range(30)]
    assert len(mentioned(item(*features), MentionPolicy(max_handles=5)).handles) == 5


@pytest.mark.parametrize("value", ["", "@", None])
def test_an_empty_handle_is_none(value: str | None) -> None:
    assert handle_of(value) is None


def test_a_common_name_has_many_namesakes() -> None:
    assert namesakes(standardise(name="Thomas Müller"), TABLES) == pytest.approx(200.0)


def test_a_rare_name_has_few_namesakes_but_a_given_name_is_never_rarer_than_the_floor() -> None:
    rare = standardise(name="Korbinian Wenzelhuber")
    assert namesakes(rare, TABLES) == pytest.approx(1_000_000 * 1e-3 * 1e-5)
    assert namesakes(rare, TABLES, MentionPolicy(given_name_floor=0.0)) == pytest.approx(
        1_000_000 * 1e-4 * 1e-5
    )


@pytest.mark.parametrize("name", ["Wenzelhuber", "K. Wenzelhuber"])
def test_a_name_without_given_and_family_name_is_shared_by_everybody(name: str) -> None:
    assert namesakes(standardise(name=name), TABLES) == float("inf")


def test_a_name_alone_needs_a_match_decision_and_a_distinctive_name() -> None:
    rare, common = standardise(name="Korbinian Wenzelhuber"), standardise(name="Anna Schmidt")
    assert accepts_name("match", rare, TABLES)
    assert not accepts_name("review", rare, TABLES)
    assert not accepts_name("no_match", rare, TABLES)
    assert not accepts_name("match", common, TABLES)
