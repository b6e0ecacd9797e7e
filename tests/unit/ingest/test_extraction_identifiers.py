"""Identifiers in free text: emails, phones, handles, customer/contract numbers, IBANs."""

from __future__ import annotations

from services.ingest.extraction import CustomerNumberPatterns, analyse
from services.ingest.extraction._identifiers import find_phones, mask_iban
from services.ingest.interactions.schemas import InteractionCreate


def _analyse(text: str, channel: str = "email", **kwargs: object) -> object:
    return analyse(InteractionCreate(channel=channel, text=text), **kwargs)  # type: ignore[arg-type]


def test_date_is_not_taken_for_a_phone_number() -> None:
    phones = find_phones("Ich habe am 06.10.2025 gekündigt, Termin am 1.12. um 10:30 Uhr.")
    assert phones == []


def test_amounts_postcodes_and_customer_numbers_are_not_phones() -> None:
    result = analyse(
        InteractionCreate(
            channel="twitter",
            text="Nachzahlung 480,00 € für 10115 Berlin?! Kundennummer 12345678",
        )
    )
    assert result.phones == []
    assert result.customer_numbers == ["12345678"]


def test_german_phone_formats_are_normalised_to_e164() -> None:
    text = (
        "Tel. 030 21984410, Mobil: 0171-234 56 78, Fax (0351) 8 77 21 04, "
        "privat +49 (0)89 2198 7730, UK +44 20 7946 0321"
    )
    values = {f.value for f in find_phones(text)}
    assert values == {
        "+493021984410",
        "+491712345678",
        "+493518772104",
        "+498921987730",
        "+442079460321",
    }


def test_loose_grouping_needs_a_phone_cue() -> None:
    assert find_phones("Es kamen 089 12 34 56 Beschwerden") == []
    assert [f.value for f in find_phones("Tel.: 089 12 34 56")] == ["+4989123456"]


def test_emails_are_validated_and_lower_cased() -> None:
    result = _analyse("Neue Adresse: Ulrike.Stein@GMX.de, nicht aber foo@bar oder @handle")
    assert result.emails == ["ulrike.stein@gmx.de"]


def test_handles_skip_email_addresses() -> None:
    result = _analyse("@NetzwerkHilfe bitte an max@example.org antworten", channel="twitter")
    assert result.handles == ["@NetzwerkHilfe"]
    assert result.emails == ["max@example.org"]


def test_default_patterns_find_german_and_english_labels() -> None:
    text = (
        "Kd.-Nr. 50917734, Kundennr.: 91200457, customer number 58820013, account no. 77120394,"
        " Vertragsnr. V-2024-778812, contract no. C-88120-DE, Vertragsnummer 7781-2290-33"
    )
    result = _analyse(text)
    assert set(result.customer_numbers) == {
        "50917734", "91200457", "58820013", "77120394", "V-2024-778812", "C-88120-DE",
        "7781-2290-33",
    }  # fmt: skip
    assert set(result.contract_numbers) == {"V-2024-778812", "C-88120-DE", "7781-2290-33"}


def test_invoice_and_booking_numbers_are_not_customer_numbers() -> None:
    result = _analyse("Rechnung 2025-10-44812, Bestellung 2025-118822, Buchungsnummer QX7P2L")
    assert result.customer_numbers == []


def test_tenant_patterns_replace_the_defaults() -> None:
    patterns = CustomerNumberPatterns(patterns=(("customer_number", r"\b(KD\d{6})\b"),))
    result = _analyse("Meine Nummer ist KD123456, Kundennummer 99999999", patterns=patterns)
    assert result.customer_numbers == ["KD123456"]


def test_pattern_without_a_capture_group_is_rejected() -> None:
    try:
        CustomerNumberPatterns(patterns=(("customer_number", r"KD\d+"),))
    except ValueError:
        return
    raise AssertionError("expected a validation error")


def test_iban_is_checksum_validated_and_stored_masked() -> None:
    result = _analyse("IBAN DE89 3704 0044 0532 0130 00 und ungültig DE89 3704 0044 0532 0130 01")
    assert result.ibans == ["DE89**************3000"]
    assert mask_iban("DE89370400440532013000") == "DE89**************3000"
    assert not any("0532" in f.value for f in result.features)


def test_author_claims_become_header_features() -> None:
    item = InteractionCreate(
        channel="webform",
        text="Bitte um Rückruf.",
        author={"name": "Julian Berger", "email": "Julian.Berger@gmx.de", "phone": "0170 4418827"},
        metadata={"kundennummer": "38810456"},
    )
    result = analyse(item)
    by_kind = {(f.kind, f.value): f.source for f in result.features}
    assert by_kind[("email", "julian.berger@gmx.de")] == "header"
    assert by_kind[("phone", "+491704418827")] == "header"
    assert by_kind[("name", "Julian Berger")] == "display_name"
    assert by_kind[("customer_number", "38810456")] == "metadata"
