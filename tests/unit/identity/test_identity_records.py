"""The stored form of a standardised record: what is written is what the lookup reads back."""

from __future__ import annotations

import pytest

from services.identity.matching import StandardRecord
from services.identity.resolution import records


def _kathi() -> StandardRecord:
    return records.customer_record(
        record_id="00000000-0000-7000-8000-000000000001",
        given_name="Käthe",
        family_name="von der Heide-Schmidt",
        date_of_birth="3.7.1961",
        street="Hauptstraße 5a",
        postcode="10115",
        city="Berlin",
        emails=["Kathi.Heide@googlemail.com"],
        phones=["0171 1234567"],
        handles={"twitter": "@kathi"},
        customer_number="K 1",
    )


@pytest.mark.parametrize(
    "record", [_kathi(), StandardRecord(record_id="only-an-id")], ids=["full", "empty"]
)
def test_a_stored_record_reads_back_equal_and_immutable(record: StandardRecord) -> None:
    stored = records.record_to_json(record)
    back = records.record_from_json(str(record.record_id), stored)
    assert back == record and hash(back) == hash(record)
    assert back.family_parts == record.family_parts and isinstance(back.family_parts, tuple)
    with pytest.raises(AttributeError):
        back.family_name = "other"  # type: ignore[misc]


def test_the_stored_form_leaves_defaults_out_and_keeps_the_record_id_in_the_row() -> None:
    stored = records.record_to_json(_kathi())
    assert "record_id" not in stored and "title" not in stored
    assert stored["birth_date"] == "1961-07-03"
    assert stored["verified"] == sorted(stored["verified"])
