"""Language, sentiment, urgency and escalation signals."""

from __future__ import annotations

import pytest

from services.ingest.extraction import analyse
from services.ingest.interactions.schemas import InteractionCreate


def _analyse(text: str, default_language: str | None = None) -> object:
    return analyse(InteractionCreate(channel="chat", text=text), default_language=default_language)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Seit einer Woche kein Internet und niemand hilft mir. Ich bin stinksauer!", "negative"),
        ("Vielen herzlichen Dank, der Techniker war super freundlich und schnell!", "positive"),
        ("Wie kann ich meine Bankverbindung im Kundenportal ändern?", "neutral"),
        ("No internet for a week and nobody helps. I'm absolutely furious!", "negative"),
        ("Thank you so much, the engineer was lovely and fixed it in no time!", "positive"),
        ("How do I change my bank details in the customer portal?", "neutral"),
        ("Toll, schon wieder kein Netz. Danke für nichts.", "negative"),
    ],
)
def test_clear_german_and_english_sentiment(text: str, label: str) -> None:
    result = _analyse(text)
    assert result.sentiment_label == label  # type: ignore[attr-defined]
    if label == "negative":
        assert result.sentiment < -0.3  # type: ignore[attr-defined]
    if label == "positive":
        assert result.sentiment > 0.3  # type: ignore[attr-defined]


def test_language_is_detected_and_short_text_falls_back_to_the_default() -> None:
    assert _analyse("Mein Internet funktioniert seit gestern nicht mehr.").language == "de"  # type: ignore[attr-defined]
    assert _analyse("My internet has not been working since yesterday.").language == "en"  # type: ignore[attr-defined]
    assert _analyse("ok danke", default_language="de").language == "de"  # type: ignore[attr-defined]
    assert _analyse("ok thx").language is None  # type: ignore[attr-defined]


def test_escalation_signals_have_stable_codes() -> None:
    result = _analyse(
        "ICH WARTE SEIT 3 WOCHEN!!! Zum dritten Mal: ich kündige, mein Anwalt, die Presse, die "
        "Verbraucherzentrale und die Bundesnetzagentur sind informiert 😡"
    )
    assert set(result.escalation_signals) == {  # type: ignore[attr-defined]
        "cancellation_threat", "lawyer", "press", "consumer_protection", "regulator",
        "exclamations", "shouting", "angry_emoji", "repeat_contact",
    }  # fmt: skip


def test_outage_with_deadline_is_more_urgent_than_a_question() -> None:
    urgent = _analyse("Seit 3 Tagen kein Internet, ich brauche das sofort, bis morgen Abgabefrist!")
    calm = _analyse("Kann ich meinen Tarif im nächsten Monat wechseln?")
    assert urgent.urgency >= 0.7 > 0.2 >= calm.urgency  # type: ignore[attr-defined]
