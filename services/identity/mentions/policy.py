"""Whom a news or blog item names: the strict policy for attributing mentions to customers.

A handle names one account, so it matches exactly. A name alone is weak evidence: the person
in the article may be anybody in the country, often somebody famous who shares a customer's
name. A name therefore counts only when the tenant's model decides `match` *and* the name is
distinctive: few people in a large population are expected to carry it. The item's author is
never a mention of themselves, and a mention creates no profile and no review.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.identity.matching import StandardRecord, standardise
from shared.contracts import AuthorClaims, PublicationReceivedV1

__all__ = ["POLICY", "MentionPolicy", "Mentioned", "accepts_name", "mentioned", "namesakes"]


@dataclass(frozen=True, slots=True)
class MentionPolicy:
    """The knobs of the policy; the defaults are what the service uses."""

    # Extraction's confidence in a name found in running text (a known given name: 0.6).
    min_name_confidence: float = 0.5
    # People whom a name in the news may belong to: far more than the tenant's master. The
    # frequency tables come from a sample of about 50,000 people, so an unseen family name gets
    # a share near 1/20,000, far above a truly rare one's; a million keeps rare names usable.
    population: int = 1_000_000
    # A distinctive name is expected to be carried by at most this many of them.
    max_namesakes: float = 1.0
    # Frequency tables list few given names; an unlisted one is still not a rare one.
    given_name_floor: float = 1e-3
    max_names: int = 20
    max_handles: int = 20


POLICY = MentionPolicy()


@dataclass(frozen=True, slots=True)
class Mentioned:
    """The people an item names, without its author: names as written, handles normalised."""

    names: tuple[str, ...] = ()
    handles: tuple[str, ...] = ()


def handle_of(value: str | None) -> str | None:
    """`@Kim` and `kim` are the same handle; the network is unknown in an article."""
    if not value:
        return None
    handle = value.strip().lstrip("@").lower()
    return handle or None


def _person(name: str | None) -> tuple[str, str] | None:
    """(given, family) keys of a full name, or None when it lacks either part."""
    if not name:
        return None
    record = standardise(name=name)
    given = record.given_key or record.given_name
    family = record.family_key or record.family_name
    if not given or not family:
        return None
    return given, family


def mentioned(p: PublicationReceivedV1, policy: MentionPolicy = POLICY) -> Mentioned:
    """Full names and handles named in the item's title and text, other than its author's."""
    author: AuthorClaims = p.author
    author_name = _person(author.name)
    author_handle = handle_of(author.handle)
    names: dict[tuple[str, str], str] = {}
    handles: dict[str, None] = {}
    for feature in p.mentioned:
        if feature.kind == "handle":
            handle = handle_of(feature.value)
            if handle and handle != author_handle and len(handles) < policy.max_handles:
                handles[handle] = None
        elif feature.kind == "name" and feature.confidence >= policy.min_name_confidence:
            person = _person(feature.value)
            if person is None or person == author_name or len(names) >= policy.max_names:
                continue
            names.setdefault(person, feature.value)
    return Mentioned(names=tuple(names.values()), handles=tuple(handles))


def _frequency(tables: Mapping[str, Any], field: str, value: str | None) -> float | None:
    table = tables.get(field)
    if not table or not value:
        return None
    return float(table["values"].get(value, table["default"]))


def namesakes(
    record: StandardRecord, tables: Mapping[str, Any], policy: MentionPolicy = POLICY
) -> float:
    """People expected to share this given and family name among `policy.population`.

    `tables` are term-frequency tables of a general population (the identity priors); a name
    without both parts, or with an initial for a given name, is shared by everybody (infinity).
    """
    given = record.given_key or record.given_name
    family = record.family_key or record.family_name
    if not given or not family or len(given) < 2 or len(family) < 2:
        return float("inf")
    given_share = _frequency(tables, "given_name", given)
    family_share = _frequency(tables, "family_name", family)
    if given_share is None or family_share is None:
        return float("inf")
    return policy.population * max(given_share, policy.given_name_floor) * family_share


def accepts_name(
    decision: str,
    record: StandardRecord,
    tables: Mapping[str, Any],
    policy: MentionPolicy = POLICY,
) -> bool:
    """A name alone names a customer only on a `match` decision for a distinctive name."""
    return decision == "match" and namesakes(record, tables, policy) <= policy.max_namesakes
