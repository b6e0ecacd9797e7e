"""shared similarity keys: copies, retweets and cross-language paraphrases match."""

from __future__ import annotations

import numpy as np

from services.ingest.extraction import analyse
from services.ingest.interactions.schemas import InteractionCreate
from shared._similarity import make_similarity_key, similarity

TWEET = (
    "@NetzwerkHilfe seit 3 Tagen kein Internet in Berlin-Neukölln. Ich arbeite im Homeoffice, "
    "das ist eine Katastrophe!!!"
)


def _key(text: str, channel: str = "twitter") -> str:
    return analyse(InteractionCreate(channel=channel, text=text)).similarity_key  # type: ignore[arg-type]


def test_retweet_is_a_near_duplicate() -> None:
    assert similarity(_key(TWEET), _key(f"RT @jonas_w: {TWEET}")) > 0.95


def test_copy_paste_with_small_edits_is_a_near_duplicate() -> None:
    edited = TWEET.replace("Katastrophe!!!", "Katastrophe.") + " #fail"
    assert similarity(_key(TWEET), _key(edited)) > 0.8


def test_german_and_english_paraphrases_are_similar() -> None:
    german = _key("Seit drei Tagen kein Internet in Berlin, ich bin stinksauer!")
    english = _key("No internet in Berlin for three days now, I am furious!")
    assert similarity(german, english) > 0.65


def test_unrelated_messages_are_not_similar() -> None:
    outage = _key("Seit drei Tagen kein Internet in Berlin, ich bin stinksauer!")
    bank = _key("Wie kann ich meine Bankverbindung im Kundenportal ändern?")
    luggage = _key("My suitcase was lost on the flight to Hamburg.")
    assert similarity(outage, bank) < 0.45
    assert similarity(outage, luggage) < 0.45


def test_key_is_compact_ascii_and_symmetric() -> None:
    a, b = _key(TWEET), _key("Danke für die schnelle Hilfe!")
    assert len(a) <= 1024 and a.isascii()
    assert similarity(a, b) == similarity(b, a)
    assert similarity(a, a) == 1.0


def test_key_works_without_an_embedding_and_garbage_scores_zero() -> None:
    a = make_similarity_key("Stromausfall in der Lindenstraße seit heute früh")
    b = make_similarity_key("RT @x: Stromausfall in der Lindenstraße seit heute früh")
    assert similarity(a, b) == 1.0
    assert similarity(a, "not a key") == 0.0
    assert similarity(make_similarity_key(""), make_similarity_key("")) == 0.0


def test_quantisation_keeps_cosine() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=512).astype(np.float32)
    y = x + rng.normal(scale=0.5, size=512).astype(np.float32)
    cosine = float(x @ y / np.linalg.norm(x) / np.linalg.norm(y))
    got = similarity(make_similarity_key("", x), make_similarity_key("", y))
    assert abs(got - cosine) < 0.01
