"""A small hand-parameterised model so tests do not depend on a fit."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.identity.matching import MatchModel, standardise
from services.identity.matching.comparisons import COMPARISONS
from services.identity.matching.standardise import StandardRecord


def _levels(agree: float, different: float, size: int) -> list[float]:
    middle = size - 3
    rest = (1 - agree - different) / middle if middle else 0.0
    values = [agree, *([rest] * middle), different]
    if not middle:
        values[0] += 1 - agree - different
    return [0.0, *values]


def build_model() -> MatchModel:
    m, u, h = {}, {}, {}
    for c in COMPARISONS:
        size = len(c.labels)
        m[c.name] = _levels(0.85, 0.03, size)
        u[c.name] = _levels(0.001, 0.95, size)
        if not c.household_shared:
            h[c.name] = _levels(0.05, 0.85, size)
    u["given_name"] = _levels(0.01, 0.95, len(COMPARISONS[0].labels))
    h["family_name"] = _levels(0.9, 0.05, len(COMPARISONS[1].labels))
    tf = {
        "family_name": {"values": {"muller": 0.01, "schmidt": 0.008}, "default": 1e-5},
        "given_name": {"values": {"thomas": 0.02, "stefanie": 0.01}, "default": 1e-4},
    }
    return MatchModel(
        m=m, u=u, h=h, match_rate=0.85, household_prior=0.5, tf=tf, master_size=100_000
    )


@pytest.fixture(scope="session")
def model() -> MatchModel:
    return build_model()


def make_customer(**overrides: object) -> StandardRecord:
    """A standardised customer; override any raw field of `standardise`."""
    fields: dict[str, object] = {
        "record_id": "C1",
        "given_name": "Stefanie",
        "family_name": "Kretschmann",
        "birth_date": "1975-04-12",
        "street": "Lindenstraße",
        "house_number": "12a",
        "postcode": "50667",
        "city": "Köln",
        "email": "stefanie.kretschmann@web.de",
        "phone": "0221 4711234",
        "customer_number": "K10000001",
    }
    fields.update(overrides)
    return standardise(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def customer() -> Callable[..., StandardRecord]:
    """Factory of standardised customers (`customer(family_name="Müller")`)."""
    return make_customer
