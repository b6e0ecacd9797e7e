"""The public entry point: shape of the result, batching, robustness."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.ingest.extraction import Analysis, analyse, analyse_many
from services.ingest.interactions.schemas import InteractionCreate
from shared._similarity import similarity

EMAIL = """Sehr geehrte Damen und Herren,

seit Montag funktioniert mein Router nicht mehr. Bitte rufen Sie mich an: 0171 2345678.

Mit freundlichen Grüßen
Thomas Müller
Birkenweg 3
80331 München
Kundennummer 20931847
"""


def test_email_analysis_groups_features_by_kind() -> None:
    item = InteractionCreate(
        channel="email", text=EMAIL, author={"name": "Thomas Müller", "email": "t.mueller@web.de"}
    )
    result = analyse(item)
    assert isinstance(result, Analysis)
    assert result.names == ["Thomas Müller"]
    assert result.emails == ["t.mueller@web.de"]
    assert result.phones == ["+491712345678"]
    assert result.customer_numbers == ["20931847"]
    assert result.addresses == ["Birkenweg 3, 80331 München"]
    assert result.language == "de"
    assert result.sentiment_label == "negative"
    assert 0 < len(result.similarity_key) <= 1024
    sources = {f.value: f.source for f in result.features}
    assert sources["t.mueller@web.de"] == "header"
    assert all(0.0 <= f.confidence <= 1.0 for f in result.features)


def test_batch_analysis_matches_single_analysis() -> None:
    items = [
        InteractionCreate(channel="email", text=EMAIL),
        InteractionCreate(channel="twitter", text="@NetzwerkHilfe Danke, läuft wieder!"),
        InteractionCreate(channel="chat", text=""),
    ]
    batch = analyse_many(items)
    for item, got in zip(items, batch, strict=True):
        single = analyse(item)
        assert got.features == single.features
        assert got.sentiment_label == single.sentiment_label
        if item.text:
            assert similarity(got.similarity_key, single.similarity_key) > 0.99


def test_empty_message_is_neutral() -> None:
    result = analyse(InteractionCreate(channel="chat", text=""), default_language="de")
    assert result.sentiment == 0.0 and result.sentiment_label == "neutral"
    assert result.language == "de" and result.features == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    text=st.text(max_size=400),
    subject=st.none() | st.text(max_size=60),
    channel=st.sampled_from(["email", "twitter", "letter", "chat", "webform"]),
    name=st.none() | st.text(max_size=40),
)
def test_analyse_never_raises_on_random_text(
    text: str, subject: str | None, channel: str, name: str | None
) -> None:
    item = InteractionCreate(
        channel=channel,  # type: ignore[arg-type]
        text=text,
        subject=subject,
        author={"name": name},
        metadata={"kundennummer": text[:20], "phone": text[:15]},
    )
    result = analyse(item)
    assert -1.0 <= result.sentiment <= 1.0 and 0.0 <= result.urgency <= 1.0
    assert len(result.similarity_key) <= 1024
