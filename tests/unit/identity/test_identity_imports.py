"""Import validation: the worker-process form gives exactly the in-process result."""

from __future__ import annotations

from datetime import date

import orjson

from services.identity.imports.service import unpack, validate_batch, validate_packed


def test_a_packed_batch_unpacks_to_the_rows_validated_in_process() -> None:
    items = [
        (1, {"customer_number": "a 1", "given_name": "Hans", "family_name": "Müller",
             "date_of_birth": "3.7.1961", "street": "Hauptstraße 5", "postcode": "10115",
             "city": "Berlin", "email": "Hans.M@example.de", "phone": "030 1234567",
             "handles": {"twitter": "@hm"}, "value": "12,5"}),
        (2, {"family_name": "Ohne", "date_of_birth": "1900-02-30"}),
        (3, "not valid JSON"),
        (4, {"customer_number": "A1", "family_name": "Doppelt"}),
    ]  # fmt: skip
    expected = validate_batch(items, date(2026, 1, 1))
    good, bad, read = unpack(validate_packed(items, date(2026, 1, 1)))
    assert read == expected[2] == 4
    assert [(r.number, r.errors) for r in bad] == [(r.number, r.errors) for r in expected[1]]
    assert [r.number for r in bad] == [2, 3, 4]
    fields = ("number", "customer_number", "columns", "identities", "record", "keys")
    assert [[getattr(r, f) for f in fields] for r in good] == [
        [getattr(r, f) for f in fields] for r in expected[0]
    ]
    (row,) = good
    assert row.columns[3] == date(1961, 7, 3) and row.columns[-1] == 12.5
    assert orjson.loads(row.record)["family_key"] == "muller"
