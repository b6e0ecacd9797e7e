"""The letter adapter: OCR text of scanned letters, German and English layouts."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import JSON, parses_or_4xx

from services.ingest.channels import parse_letter
from shared import UnprocessableEntity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels" / "letter"


def load(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def letter(text: str, **extra: Any) -> bytes:
    return orjson.dumps(
        {"text": text, "received_at": "2025-10-07T08:00:00+02:00", "scan_id": "s-1", **extra}
    )


def test_a_german_letter_with_a_window_return_line_is_taken_apart() -> None:
    item = parse_letter(load("kuendigung_de.json"))
    assert item.channel == "letter"
    assert item.visibility == "private"
    assert item.external_id == "scan-2025-10-07-000815"
    assert item.author.name == "Max Mustermann"
    assert item.metadata["sender_address"] == [
        "Max Mustermann",
        "Musterstraße 12",
        "12345 Musterstadt",
    ]
    assert item.metadata["salutation"] == "Sehr geehrte Damen und Herren,"
    assert item.subject == "Kündigung meines Stromvertrags, Kundennummer 4711-0815"
    assert item.text == (
        "hiermit kündige ich meinen Stromvertrag fristgerecht zum 31.12.2025.\n"
        "Bitte bestätigen Sie mir die Kündigung schriftlich."
    )
    assert item.signature is not None and item.signature.startswith("Mit freundlichen Grüßen")
    assert item.metadata["pages"] == 1


def test_an_absender_block_gives_the_sender_and_hochachtungsvoll_ends_the_body() -> None:
    item = parse_letter(load("absender_block_de.json"))
    assert item.metadata["sender_address"] == ["Erika Musterfrau", "Hauptstr. 5a", "80331 München"]
    assert item.author.name == "Erika Musterfrau"
    assert item.text.startswith("am 01.10.2025 wurde mein Fahrrad gestohlen.")
    assert "Hochachtungsvoll" not in item.text
    assert item.signature == "Hochachtungsvoll\nErika Musterfrau"
    assert item.metadata["customer_number"] == "4711-0815"


def test_an_english_letter_with_a_uk_address_is_taken_apart() -> None:
    item = parse_letter(load("complaint_en.json"))
    assert item.metadata["sender_address"] == ["John Smith", "221B Baker Street", "London NW1 6XE"]
    assert item.metadata["salutation"] == "Dear Sir or Madam,"
    assert item.author.name == "John Smith"
    assert item.text.startswith("I am writing to complain")
    assert item.signature == "Yours faithfully,\n\nJohn Smith"


def test_an_inline_absender_line_is_split_into_address_lines() -> None:
    text = "Absender: Jan Roth, Lindenweg 3, 04109 Leipzig\n\nHallo,\n\nbitte Rückruf.\n"
    item = parse_letter(letter(text))
    assert item.metadata["sender_address"] == ["Jan Roth", "Lindenweg 3", "04109 Leipzig"]
    assert item.text == "bitte Rückruf."


def test_the_name_falls_back_to_the_signature_when_no_address_is_found() -> None:
    text = "Sehr geehrte Damen und Herren,\n\nich bitte um Rückruf.\n\nViele Grüße\nAnna Berg\n"
    item = parse_letter(letter(text))
    assert "sender_address" not in item.metadata
    assert item.author.name == "Anna Berg"
    assert item.text == "ich bitte um Rückruf."


def test_sender_details_from_the_scanning_service_win_over_the_ocr_guess() -> None:
    body = orjson.loads(load("kuendigung_de.json"))
    body["sender"] = {
        "name": "Maximilian Mustermann",
        "street": "Neue Str. 1",
        "postcode": "12345",
        "city": "Musterstadt",
        "email": "max@example.de",
    }
    item = parse_letter(orjson.dumps(body))
    assert item.author.name == "Maximilian Mustermann"
    assert item.author.email == "max@example.de"
    assert item.metadata["sender_address"] == ["Neue Str. 1", "12345 Musterstadt"]


def test_a_letter_of_plain_text_keeps_all_of_it_as_the_body() -> None:
    item = parse_letter(letter("Bitte schicken Sie mir die Unterlagen zu."))
    assert item.text == "Bitte schicken Sie mir die Unterlagen zu."


def test_a_huge_digit_run_in_the_sender_line_is_handled_in_bounded_time() -> None:
    started = time.perf_counter()
    parse_letter(letter("Absender: " + "1" * 200_000 + ", 12345 Berlin\n\nHallo"))
    assert time.perf_counter() - started < 2


def test_a_letter_without_scan_id_is_unprocessable() -> None:
    with pytest.raises(UnprocessableEntity) as caught:
        parse_letter(orjson.dumps({"text": "x", "received_at": "2025-10-07T08:00:00Z"}))
    assert caught.value.errors == [{"loc": ["scan_id"], "msg": "Field required", "type": "missing"}]


def assert_parses_or_4xx(body: bytes) -> None:
    parses_or_4xx(parse_letter, body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=500) | JSON.map(lambda v: json.dumps(v).encode()))
def test_random_bytes_and_json_never_crash_the_letter_parser(body: bytes) -> None:
    assert_parses_or_4xx(body)


LETTER_LINES = st.sampled_from(
    [
        "Absender:",
        "Max Mustermann",
        "Musterstr. 1",
        "12345 Musterstadt",
        "Sehr geehrte Damen,",
        "Mit freundlichen Grüßen",
        "Betreff: X",
        "",
        "· | ·",
        "Dear Sir,",
        "-- ",
        "London NW1 6XE",
    ]
) | st.text(max_size=60)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LETTER_LINES, max_size=30))
def test_random_letter_shaped_text_never_crashes_the_letter_parser(lines: list[str]) -> None:
    assert_parses_or_4xx(letter("\n".join(lines)))
