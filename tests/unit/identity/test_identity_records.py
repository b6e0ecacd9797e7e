"""The stored form of a standardised record: what is written is what the lookup reads back."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from services.identity.matching import StandardRecord
from services.identity.resolution import records

# A full customer (particles, a double family name, verified identifiers), and an empty record.
FULL = {"given_name": "Käthe", "family_name": "von der Heide-Schmidt", "birth_date": "3.7.1961",
        "verified": frozenset({"customer_number", "email", "phone"})}  # fmt: skip


@pytest.mark.parametrize("overrides", [FULL, None], ids=["full", "empty"])
def test_a_stored_record_reads_back_equal_and_immutable(
    customer: Callable[..., StandardRecord], overrides: dict[str, object] | None
) -> None:
    record = customer(**overrides) if overrides else StandardRecord(record_id="only-an-id")
    stored = records.record_to_json(record)
    back = records.record_from_json(str(record.record_id), stored)
    assert back == record and hash(back) == hash(record)
    assert back.family_parts == record.family_parts and isinstance(back.family_parts, tuple)
    with pytest.raises(AttributeError):
        back.family_name = "other"  # type: ignore[misc]


def test_the_stored_form_leaves_defaults_out_and_keeps_the_record_id_in_the_row(
    customer: Callable[..., StandardRecord],
) -> None:
    stored = records.record_to_json(customer(**FULL))
    assert "record_id" not in stored and "title" not in stored
    assert stored["birth_date"] == "1961-07-03"
    assert stored["verified"] == sorted(stored["verified"])
