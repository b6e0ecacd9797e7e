"""Import validation: the worker-process form gives exactly the in-process result."""

from __future__ import annotations

import os
from datetime import date

import orjson

from services.identity.imports import service as imports
from services.identity.imports.prepare import prepare_batch, prepare_packed, unpack

ITEMS = [
    (1, orjson.dumps({
        "customer_number": "a 1", "given_name": "Hans", "family_name": "Müller",
        "date_of_birth": "3.7.1961", "street": "Hauptstraße 5", "postcode": "10115",
        "city": "Berlin", "email": "Hans.M@example.de", "phone": "030 1234567",
        "handles": {"twitter": "@hm"}, "value": "12,5"})),
    (2, b'{"family_name": "Ohne", "date_of_birth": "1900-02-30"}\n'),
    (3, b"{not json\n"),
    (4, b'{"customer_number": "A1", "family_name": "Doppelt"}\n'),
]  # fmt: skip


def _rows(staged: bytes) -> list[list[str]]:
    """Staged COPY text lines as fields (these test values need no unescaping)."""
    return [line.split("\t") for line in staged.decode().splitlines()]


def _without_ids(staged: bytes) -> list[list[str]]:
    """Rows of staged lines without the new customer ids (random per run)."""
    return [[c for i, c in enumerate(r) if i != 1] for r in _rows(staged)]


def test_a_packed_batch_unpacks_to_the_batch_prepared_in_process() -> None:
    expected = prepare_batch(ITEMS, date(2026, 1, 1))
    packed = unpack(prepare_packed(ITEMS, date(2026, 1, 1)))
    assert (packed.rejected, packed.read) == (expected.rejected, expected.read)
    for got, want in (
        (packed.customers, expected.customers),
        (packed.identities, expected.identities),
    ):
        assert _without_ids(got) == _without_ids(want) != []
    assert packed.personal == expected.personal != b""  # stable hashes, whatever the process
    assert expected.read == 4
    assert [number for number, _ in expected.rejected] == [2, 3, 4]


def test_the_validation_workers_run_below_the_service_process_priority() -> None:
    """When the cores are full, the service's own process (online requests, the writer) goes
    before the validation of the next batches."""
    try:
        worker = imports._executor().submit(os.nice, 0).result(timeout=60)
    finally:
        imports.shutdown_pool()
    assert worker == min(os.nice(0) + imports.WORKER_NICE, 19) > os.nice(0)


def test_a_prepared_batch_stages_the_standardised_row_and_its_identifiers() -> None:
    batch = prepare_batch(ITEMS, date(2026, 1, 1))
    (row,) = _rows(batch.customers)
    assert row[0] == "1" and row[2] == "A1"
    assert row[6] == "1961-07-03" and row[15] == "12.5"
    assert orjson.loads(row[16])["family_key"] == "muller"
    assert row[17].startswith('{"') and '"cn:A1"' in row[17]
    identities = {(kind, value, personal) for _, _, kind, value, personal in
                  _rows(batch.identities)}  # fmt: skip
    assert ("phone", "+49301234567", "f") in identities  # a landline: shared by a household
    assert ("customer_number", "A1", "t") in identities


def test_ndjson_lines_are_read_as_bytes_and_decoded_by_the_worker() -> None:
    import io

    from services.identity.imports.parsing import ndjson_rows

    data = (
        b'{"customer_number": "N1", "family_name": "M\xc3\xbcller"}\n'
        b"\n"
        b'{"family_name": "M\xfcller"}\n'  # Latin-1, not UTF-8
        b"[1, 2]\n"
        b"{oops\n"
        b'{"customer_number": "N5", "family_name": "Nowak"}'
    )
    items = list(ndjson_rows(io.BytesIO(data)))
    assert [n for n, _ in items] == [1, 2, 3, 4, 5]  # the blank line is not a row
    assert all(isinstance(line, bytes) for _, line in items)
    batch = prepare_batch(items, date(2026, 1, 1))
    assert batch.read == 5
    assert [(n, e[0]["message"]) for n, e in batch.rejected] == [
        (2, "not valid UTF-8"),
        (3, "not a JSON object"),
        (4, "not valid JSON"),
    ]
    assert [row[2] for row in _rows(batch.customers)] == ["N1", "N5"]
    assert orjson.loads(_rows(batch.customers)[0][16])["family_key"] == "muller"


def test_seen_flags_the_rows_whose_identifiers_came_in_earlier_batches() -> None:
    from array import array

    from services.identity.imports.prepare import identifier_hash
    from services.identity.imports.service import Seen

    def batch(*rows: tuple[int, str]) -> bytes:
        pairs = array("Q")
        for number, email in rows:
            pairs.extend([number, identifier_hash("email", email)])
        return pairs.tobytes()

    seen = Seen(1 << 20)
    first = [(n, f"a{n}@example.de") for n in range(1, 2001)]
    assert seen.probe(batch(*first)) == []
    assert seen.probe(b"") == []
    again = [(n + 2000, f"b{n}@example.de") for n in range(1, 2001)]
    again[10] = (2011, "a7@example.de")  # a row of the first batch's
    flagged = seen.probe(batch(*again))
    assert 2011 in flagged
    assert len(flagged) < 40  # false positives: about 1% at this filling, not every row
    # Nothing is forgotten: every identifier of both batches is flagged now.
    assert len(seen.probe(batch(*first, *again))) == 4000


def test_seen_keeps_a_later_row_aside_when_a_row_kept_aside_had_its_customer_number() -> None:
    """Of two rows with one customer number the earlier must be written first: a row kept
    aside (its email came before) takes its number along, a row written at once does not."""
    from array import array

    from services.identity.imports.prepare import identifier_hash
    from services.identity.imports.service import Seen

    def pairs(kind: str, *rows: tuple[int, str]) -> bytes:
        out = array("Q")
        for number, value in rows:
            out.extend([number, identifier_hash(kind, value)])
        return out.tobytes()

    seen = Seen(1 << 20)
    assert (
        seen.probe(pairs("email", (1, "a@example.de")), pairs("customer_number", (1, "K1"))) == []
    )
    # Row 2 repeats row 1's email: aside, with its number K2.
    assert seen.probe(pairs("email", (2, "a@example.de")), pairs("customer_number", (2, "K2"))) == [
        2
    ]
    # Row 3 has K2 (aside), row 4 has K1 (written): only row 3 waits.
    assert seen.probe(
        pairs("email", (3, "c@example.de"), (4, "d@example.de")),
        pairs("customer_number", (3, "K2"), (4, "K1")),
    ) == [3]
    # Row 3 waits with K2 too; a row without identifiers but with K2 waits as well.
    assert seen.probe(b"", pairs("customer_number", (5, "K2"))) == [5]


def test_csv_records_are_split_as_the_csv_module_reads_them_and_parsed_by_the_worker() -> None:
    import csv
    import io

    from services.identity.imports.parsing import csv_rows

    data = (
        (
            "\ufeffcustomer_number,family_name,street\r\n"
            "C1,Maier,Hauptstr. 1\r\n"
            "\r\n"  # blank: no row
            'C2,"Müller, Lüdenscheid","Am Hang 3\r\nHinterhaus"\r\n'  # a field spanning lines
            'C3,5" Zoll,Weg 2\r\n'  # a quote inside an unquoted field is a character
            "C4,Nur,zwei,Felder,zu viel\r\n"
        ).encode()
        + b"C5,M\xfcller,Weg 5\r\n"  # Latin-1, not UTF-8
        + b'C6,"Offen\r\nC7,Weiter,Weg 7\r\n'  # never closed: the rest is C6's field
    )
    header: list[str] = []
    items = list(csv_rows(io.BytesIO(data), header))
    assert header == ["customer_number", "family_name", "street"]
    assert [n for n, _ in items] == [1, 2, 3, 4, 5, 6]
    batch = prepare_batch(items, date(2026, 1, 1), tuple(header))
    assert batch.read == 6
    rejected = {n: [(e["field"], e["message"]) for e in errors] for n, errors in batch.rejected}
    assert rejected == {
        4: [(None, "expected 3 columns, found 5")],
        5: [("family_name", "not valid UTF-8")],
        6: [(None, "expected 3 columns, found 2")],
    }
    rows = {r[2]: r for r in _rows(batch.customers)}
    assert set(rows) == {"C1", "C2", "C3"}
    assert rows["C3"][5] == '5" Zoll'
    # The worker's fields are the csv module's for the whole file.
    whole = list(csv.reader(io.StringIO(data.decode(errors="surrogateescape"), newline="")))
    assert [r for r in whole[1:] if r] == list(csv.reader([text for _, text in items]))
    assert whole[3][1:] == ["Müller, Lüdenscheid", "Am Hang 3\r\nHinterhaus"]


def test_an_initial_loads_batch_is_made_for_its_own_tables_and_stages_back_alike() -> None:
    """A direct batch's customer, record and personal identifier lines hold the same values
    as the staging form, and a value with a tab or a backslash survives the way back to
    staging; its shared identifiers (a landline) are staged."""
    from services.identity.imports.prepare import (
        Direct,
        direct_lines,
        staged_identities,
        staging_lines,
    )

    fifth = {"family_name": "Tab\there", "street": "Weg \\ 1", "handle_twitter": "a\\b"}
    items = [*ITEMS, (5, orjson.dumps(fifth))]
    staged = prepare_batch(items, date(2026, 1, 1))
    shared = Direct("00000000-0000-0000-0000-00000000000a", "job-1", "2026-01-01T00:00:00+00:00")
    batch = prepare_batch(items, date(2026, 1, 1), direct=shared)
    assert batch.customers == b"" and batch.direct is not None
    numbers, customers, records, owners, identities = batch.direct
    assert numbers == [1, 5] and [n for n, _ in batch.rejected] == [2, 3, 4]
    first = customers[0].decode().rstrip("\n").split("\t")
    assert first[1:3] == ["00000000-0000-0000-0000-00000000000a", "A1"] and first[16:] == [
        "f", "job-1", shared.now, shared.now,
    ]  # fmt: skip
    record = records[1].decode().rstrip("\n").split("\t")
    assert record[0] == record[2] == customers[1].split(b"\t")[0].decode()
    assert record[1] == "00000000-0000-0000-0000-00000000000a"
    # Back to staging: the same lines as staged in the first place (but for the new ids).
    assert _without_ids(staging_lines(batch.direct, {1, 5})) == _without_ids(staged.customers)
    assert _rows(staging_lines(batch.direct, {5}))[0][0] == "5"
    assert "Tab\\there" in staging_lines(batch.direct, {5}).decode()
    # Personal identifiers for the load's own table, each with its row's number (in no order:
    # that table is indexed once); the landline is staged.
    assert owners == [1, 1, 1, 5]
    owned = [line.decode().rstrip("\n").split("\t") for line in identities]
    assert sorted((i[0], i[1], i[3]) for i in owned) == [
        ("customer_number", "A1", "1"),
        ("email", "hans.m@example.de", "1"),
        ("handle", "twitter:a\\\\b", "5"),
        ("handle", "twitter:hm", "1"),
    ]  # the backslash escaped for COPY
    assert [i[2] for i in owned] == [customers[n > 1].split(b"\t")[0].decode() for n in owners]
    assert [(r[2], r[4]) for r in _rows(batch.identities)] == [("phone", "f")]
    # Back to staging: the same identifier lines as staged in the first place.
    restaged = batch.identities + staged_identities(batch.direct, {1, 5})
    assert sorted(_without_ids(restaged)) == sorted(_without_ids(staged.identities))
    assert _rows(staged_identities(batch.direct, {5}))[0][2:] == ["handle", "twitter:a\\\\b", "t"]
    assert staged_identities(batch.direct, {2}) == b""
    lines = direct_lines(batch.direct, {1})
    assert lines == (1, customers[1], records[1], identities[3])
    assert direct_lines(batch.direct, set()) == (
        2, b"".join(customers), b"".join(records), b"".join(identities),
    )  # fmt: skip


def test_blocking_keys_become_array_literals_escaped_only_where_needed() -> None:
    from services.identity.imports.prepare import _array

    assert _array([]) == "{}"
    assert _array(["cn:A1"]) == '{"cn:A1"}'
    assert _array(["nm:muller:hans", "cn:A1"]) == '{"nm:muller:hans","cn:A1"}'
    assert _array(['cn:5"', "cn:a\\b", "x"]) == '{"cn:5\\"","cn:a\\\\b","x"}'
