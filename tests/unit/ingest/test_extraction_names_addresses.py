"""Person names and postal addresses."""

from __future__ import annotations

from services.ingest.extraction import analyse
from services.ingest.extraction._addresses import find_addresses
from services.ingest.extraction._names import display_name
from services.ingest.interactions.schemas import InteractionCreate


def _names(text: str, channel: str = "email", author: dict[str, str] | None = None) -> list[str]:
    item = InteractionCreate(channel=channel, text=text, author=author or {})  # type: ignore[arg-type]
    return analyse(item).names


def test_signature_block_name_drops_titles_and_keeps_particles() -> None:
    text = (
        "Sehr geehrte Damen und Herren,\n\nmein Router ist defekt.\n\n"
        "Mit freundlichen Grüßen\nDr. Anna-Lena von Berg\nMusterstraße 12\n10115 Berlin"
    )
    assert _names(text) == ["Anna-Lena von Berg"]


def test_salutations_give_family_names() -> None:
    assert _names("Hallo Frau Krause, danke für Ihre Hilfe.", channel="chat") == ["Krause"]
    assert _names("Big thanks to Mr Patel from customer care.", channel="chat") == ["Patel"]


def test_introductions_in_german_and_english() -> None:
    assert _names("Mein Name ist Petra Schulte, ich habe eine Frage.", "chat") == ["Petra Schulte"]
    assert _names("Hi, my name is Laura Svensson. I'd like to port.", "chat") == ["Laura Svensson"]


def test_greetings_and_companies_are_not_names() -> None:
    assert _names("Sehr geehrte Damen und Herren,\n\nbitte prüfen.\n\nIhr Kundenservice") == []
    assert display_name("Kundenservice Müller & Söhne GmbH") is None
    assert display_name("Versicherungsbüro Nord") is None
    assert display_name("Sabine K.") is None  # no family name


def test_display_name_with_titles_and_nobility() -> None:
    found = display_name("Dr. Ludwig Graf von Arnim")
    assert found is not None and found.value == "Ludwig Graf von Arnim"
    found = display_name("Dipl.-Ing. Frank Lehmann")
    assert found is not None and found.value == "Frank Lehmann"


def test_couple_in_a_signature_gives_two_names() -> None:
    text = "Wir ziehen um.\n\nViele Grüße\nRenate und Werner Koch"
    assert set(_names(text)) == {"Renate Koch", "Werner Koch"}


def test_quoted_reply_is_not_mined_for_features() -> None:
    text = (
        "Das Problem besteht weiterhin.\n\nGruß\nMaria Schmidt\n\n"
        "Am 02.11.2025 um 09:14 schrieb Kundenservice <service@example.de>:\n"
        "> Sehr geehrte Frau Schmidt,\n> Ihr Techniker kommt.\n> Jana Krause, Tel. 0800 330 1000"
    )
    result = analyse(InteractionCreate(channel="email", text=text))
    assert result.names == ["Maria Schmidt"]
    assert result.phones == []
    assert result.emails == []


def test_addresses_are_normalised() -> None:
    text = "Schillerstr. 4, 70173 Stuttgart; Industriestraße 45 – 47\n33602 Bielefeld"
    values = [f.value for f in find_addresses(text)]
    assert values == ["Schillerstraße 4, 70173 Stuttgart", "Industriestraße 45-47, 33602 Bielefeld"]


def test_address_forms_with_prepositions_and_compound_cities() -> None:
    text = (
        "Am Lindenhof 8\n50667 Köln, Rosenheimer Platz 6, 81669 München, "
        "Ringstraße 3b, 67059 Ludwigshafen am Rhein, Rosenstraße 3, 06108 Halle (Saale)"
    )
    assert [f.value for f in find_addresses(text)] == [
        "Am Lindenhof 8, 50667 Köln",
        "Rosenheimer Platz 6, 81669 München",
        "Ringstraße 3b, 67059 Ludwigshafen am Rhein",
        "Rosenstraße 3, 06108 Halle (Saale)",
    ]


def test_dates_and_times_are_not_house_numbers() -> None:
    assert find_addresses("Am Montag 12 Uhr, im Oktober 2025, seit 3 Tagen") == []
