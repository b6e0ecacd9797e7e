"""The web form adapter: German and English field names mapped onto the interaction."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.fuzzing import JSON, parses_or_4xx

from services.ingest.channels import parse_webform
from shared import UnprocessableEntity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "channels" / "webform"


def form(fields: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {
            "form_id": "f",
            "submission_id": "1",
            "submitted_at": "2025-10-06T10:00:00Z",
            "fields": fields,
        }
    )


def test_a_german_contact_form_maps_name_email_phone_subject_and_message() -> None:
    item = parse_webform((FIXTURES / "kontaktformular_de.json").read_bytes())
    assert item.channel == "webform"
    assert item.visibility == "private"
    assert item.external_id == "kontakt-v3:9b1c2d3e"
    assert item.author.name == "Leonie Wagner"
    assert item.author.email == "leonie.wagner@example.de"
    assert item.author.phone == "0171 2345678"
    assert item.subject == "Zählerstand"
    assert item.text == "Ich möchte meinen Zählerstand melden: 12345 kWh am 01.10.2025."
    assert item.metadata["customer_number"] == "KD-558812"
    assert item.metadata["fields"] == {"Rückruf gewünscht": True, "datenschutz_akzeptiert": True}


def test_an_english_contact_form_with_numeric_ids_maps_too() -> None:
    item = parse_webform((FIXTURES / "contact_form_en.json").read_bytes())
    assert item.external_id == "contact:100231"
    assert item.author.name == "Grace Hopper"
    assert item.subject == "Account locked"
    assert item.metadata["customer_number"] == "778899"
    assert item.metadata["fields"] == {"topics": ["login", "security"]}


@pytest.mark.parametrize(
    ("fields", "attribute", "expected"),
    [
        ({"Name": "Ada"}, "name", "Ada"),
        ({"vorname": "Ada", "nachname": "Lovelace"}, "name", "Ada Lovelace"),
        ({"e_mail": "a@example.com"}, "email", "a@example.com"),
        ({"Telefonnummer": "030 123"}, "phone", "030 123"),
    ],
)
def test_field_name_variants_are_recognised(
    fields: dict[str, str], attribute: str, expected: str
) -> None:
    assert getattr(parse_webform(form(fields)).author, attribute) == expected


@pytest.mark.parametrize("key", ["nachricht", "Anliegen", "Message", "Ihre Nachricht"])
def test_message_field_variants_become_the_text(key: str) -> None:
    assert parse_webform(form({key: "Hilfe!"})).text == "Hilfe!"


def test_fields_must_be_an_object() -> None:
    with pytest.raises(UnprocessableEntity) as caught:
        parse_webform(
            orjson.dumps(
                {
                    "form_id": "f",
                    "submission_id": "1",
                    "submitted_at": "2025-10-06T10:00:00Z",
                    "fields": ["a"],
                }
            )
        )
    assert caught.value.errors is not None and caught.value.errors[0]["loc"] == ["fields"]


def assert_parses_or_4xx(body: bytes) -> None:
    parses_or_4xx(parse_webform, body)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=500) | JSON.map(lambda v: json.dumps(v).encode()))
def test_random_bytes_and_json_never_crash_the_webform_parser(body: bytes) -> None:
    assert_parses_or_4xx(body)


KEYS = st.sampled_from(
    ["name", "E-Mail", "telefon", "betreff", "nachricht", "kundennummer", "vorname", "nachname"]
) | st.text(max_size=12)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(KEYS, JSON, max_size=8))
def test_random_field_values_never_crash_the_webform_parser(fields: dict[str, Any]) -> None:
    assert_parses_or_4xx(form(fields))
