"""News and blog mentions raise authority and say where they appeared."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.scoring.engine import CustomerSignals, ScoringConfig, compute_score

CONFIG = ScoringConfig()


def _authority(signals: CustomerSignals):  # type: ignore[no-untyped-def]
    return next(c for c in compute_score(signals, CONFIG).components if c.name == "authority")


def test_mentions_raise_authority_and_the_reason_names_the_outlets() -> None:
    named = _authority(
        CustomerSignals(news_mentions=3, news_outlets=("Heise online", "Der Spiegel"))
    )
    assert named.value > _authority(CustomerSignals()).value == 0
    assert named.reason == "3 news/blog mentions (Heise online, Der Spiegel)"


def test_one_mention_without_a_known_outlet_reads_in_the_singular() -> None:
    assert _authority(CustomerSignals(news_mentions=1)).reason == "1 news/blog mention"


def test_outlets_are_only_explanation_and_bounded() -> None:
    with_outlets = CustomerSignals(news_mentions=2, news_outlets=("a", "b"))
    assert _authority(with_outlets).value == _authority(CustomerSignals(news_mentions=2)).value
    with pytest.raises(ValidationError):
        CustomerSignals(news_mentions=9, news_outlets=("a", "b", "c", "d"))


def test_stored_signals_round_trip_with_their_outlets() -> None:
    signals = CustomerSignals(news_mentions=2, news_outlets=("Heise online",))
    assert CustomerSignals.model_validate(signals.model_dump(mode="json")) == signals
