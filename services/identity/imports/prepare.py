"""Validation workers' side of a bulk import: one batch of raw rows in, COPY input out.

Pure CPU work on plain values (parsing, validation, standardisation, blocking keys, encoding),
run in worker processes while the service writes the previous batch. This module and the
standardisation it calls are compiled with Cython when the project is installed (`setup.py`).
"""

from __future__ import annotations

import gc
import marshal
import time
from array import array
from collections.abc import Container
from datetime import date
from hashlib import blake2b
from typing import Any, NamedTuple

from services.identity.customers.identifiers import personal
from services.identity.imports.parsing import COLUMNS, Rejected, Row, decode_rows, validate
from shared import uuid7_strings

# A row as read: its number, and its NDJSON line (bytes) or CSV record (text), parsed here, in
# the worker (`decode_rows`).
RawRow = tuple[int, bytes | str]


def validate_batch(
    items: list[RawRow], today: date, header: tuple[str, ...] | None = None
) -> tuple[list[Row], list[Rejected], int]:
    """Parse (a CSV file's `header`, or NDJSON), validate and standardise one batch: (rows,
    rejected, rows read); duplicates inside the batch rejected. Pure CPU work on plain values,
    so it runs in a worker process."""
    good: list[Row] = []
    bad: list[Rejected] = []
    numbers: set[str] = set()
    seen: set[tuple[str, str]] = set()
    # Time-ordered ids: new customers land at the right edge of the index.
    ids = iter(uuid7_strings(len(items)))
    for number, raw in decode_rows(items, header):
        row_id = next(ids)
        if isinstance(raw, str):
            bad.append(rejection(number, None, raw))
            continue
        result = validate(number, raw, today, row_id)
        if isinstance(result, Row):
            if result.customer_number and result.customer_number in numbers:
                bad.append(_duplicate(number, "customer_number"))
            elif clash := next((k for k in result.identities if k in seen and personal(*k)), None):
                bad.append(_duplicate(number, clash[0]))
            else:
                if result.customer_number:
                    numbers.add(result.customer_number)
                seen.update(result.identities)
                good.append(result)
        else:
            bad.append(result)
    return good, bad, len(items)


class Direct(NamedTuple):
    """An initial load's batch goes straight into the tables (`write_batch`): the values every
    one of its rows shares, as COPY text."""

    tenant_id: str
    job_id: str
    now: str


# A batch for `Direct`: its rows' numbers, and per row its customer and its standardised record,
# each one COPY line for its table, with these columns; then its personal identifiers as COPY
# lines for the load's own identities table (kind, value, customer and row number, in no order:
# that table is indexed once, at the end), with their rows' numbers. Its shared identifiers
# (a household's landline) are staged (`Prepared.identities`): the first holder keeps one.
DirectRows = tuple[list[int], list[bytes], list[bytes], list[int], list[bytes]]
DIRECT_CUSTOMER_COLUMNS = (
    "id", "tenant_id", "customer_number", *COLUMNS, "is_prospect", "imported_by",
    "created_at", "updated_at",
)  # fmt: skip
DIRECT_RECORD_COLUMNS = ("id", "tenant_id", "customer_id", "record", "keys")
# The load's table fills in the tenant, `verified` and the time (its defaults).
DIRECT_IDENTITY_COLUMNS = ("kind", "value", "customer_id", "n")
# The staging tables' columns, as `prepare_batch` fills them otherwise.
STAGED_CUSTOMER_COLUMNS = ("n", "id", "customer_number", *COLUMNS, "record", "keys")
STAGED_IDENTITY_COLUMNS = ("n", "row_id", "kind", "value", "personal")


class Prepared(NamedTuple):
    """One validated batch as COPY input: staged customers and identifiers (COPY's text format),
    the rejected rows, and how many rows were read. Bytes and plain tuples: cheap to send
    between processes (`marshal`), and the writer passes them to PostgreSQL without parsing
    them (a direct batch's lines are only picked, or split at their tabs for staging)."""

    customers: bytes
    identities: bytes  # with `direct`, only the shared ones
    rejected: list[tuple[int, list[dict[str, Any]]]]
    read: int
    cpu_seconds: float  # spent preparing it (reported with the job)
    # (row number, 64-bit hash) of each personal identifier other than a customer number, as
    # unsigned 64-bit pairs: what the writer remembers of a file's earlier batches (`Seen`).
    personal: bytes = b""
    # With `Direct`: the rows for their own tables (`customers` is empty then).
    direct: DirectRows | None = None
    # With `Direct`: (row number, 64-bit hash) of each customer number, as `personal`.
    numbers: bytes = b""


def identifier_hash(kind: str, value: str) -> int:
    """A stable 64-bit hash of an identifier (the same in every process)."""
    return int.from_bytes(blake2b(f"{kind}:{value}".encode(), digest_size=8).digest(), "little")


def _array(values: list[str]) -> str:
    """A PostgreSQL array literal of text values. The separators hold two quotes each: only
    more than those, or a backslash, means a value must be escaped (rarely)."""
    body = '","'.join(values)
    if body.count('"') != 2 * len(values) - 2 or "\\" in body:
        body = '","'.join(v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return '{"' + body + '"}' if values else "{}"


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: str) -> str:
    """One text value for a COPY line, escaped only when it holds a backslash, tab or line
    break (rarely: the lines whose other fields are ids and constants are built around it)."""
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        return value.translate(_COPY_ESCAPES)
    return value


def _copy_line(fields: tuple[Any, ...]) -> str:
    """One line of COPY's text format: tab-separated, `\\N` for NULL, backslash escapes. Values
    rarely hold a backslash, tab or line break, so the line is checked once (a fast scan, where
    the csv module looks at every character) and escaped field by field only when it must be."""
    line = "\t".join(["\\N" if f is None else str(f) for f in fields])
    if (
        line.count("\\") != fields.count(None)
        or line.count("\t") != len(fields) - 1
        or "\n" in line
        or "\r" in line
    ):
        line = "\t".join(["\\N" if f is None else _copy_text(str(f)) for f in fields])
    return line


def prepare_batch(
    items: list[RawRow],
    today: date,
    header: tuple[str, ...] | None = None,
    direct: Direct | None = None,
) -> Prepared:
    """Validate, standardise and encode one batch for COPY (pure CPU: a worker process's job):
    for the staging tables, or with `direct`, customers and records for their own tables."""
    started = time.thread_time()
    good, bad, read = validate_batch(items, today, header)
    customers: list[str] = []
    identities: list[str] = []
    numbers: list[int] = []
    customer_lines: list[bytes] = []
    record_lines: list[bytes] = []
    owned: list[tuple[bytes, int]] = []  # a direct batch's personal identifiers
    if direct is not None:
        tenant, job, now = direct
    hashes, numbered = array("Q"), array("Q")
    for r in good:
        if direct is None:
            staged = (r.number, r.id, r.customer_number, *r.columns, r.record, _array(r.keys))
            customers.append(_copy_line(staged))
        else:
            customer = (r.id, tenant, r.customer_number, *r.columns, "f", job, now, now)
            keys = _copy_text(_array(r.keys))
            record = f"{r.id}\t{tenant}\t{r.id}\t{_copy_text(r.record)}\t{keys}\n"
            numbers.append(r.number)
            if r.customer_number:
                numbered.append(r.number)
                numbered.append(identifier_hash("customer_number", r.customer_number))
            customer_lines.append((_copy_line(customer) + "\n").encode())
            record_lines.append(record.encode())
        for kind, value in r.identities:
            single = personal(kind, value)
            if direct is not None and single:
                line = f"{kind}\t{_copy_text(value)}\t{r.id}\t{r.number}\n"
                owned.append((line.encode(), r.number))
            else:
                identities.append(_copy_line((r.number, r.id, kind, value, "t" if single else "f")))
            if single and kind != "customer_number":
                hashes.append(r.number)
                hashes.append(identifier_hash(kind, value))
    return Prepared(
        _lines(customers),
        _lines(identities),
        [(b.number, b.errors) for b in bad],
        read,
        time.thread_time() - started,
        hashes.tobytes(),
        None
        if direct is None
        else (
            numbers,
            customer_lines,
            record_lines,
            [n for _, n in owned],
            [line for line, _ in owned],
        ),
        numbered.tobytes(),
    )


class DirectLines(NamedTuple):
    """The COPY input of a direct batch's rows for their own tables, and how many rows."""

    count: int
    customers: bytes
    records: bytes
    identities: bytes


def direct_lines(rows: DirectRows, skip: Container[int]) -> DirectLines:
    """The COPY input of a direct batch's customers, records and personal identifiers but for
    the rows `skip`."""
    numbers, customers, records, owners, identities = rows
    if not any(n in skip for n in numbers):
        return DirectLines(
            len(numbers), b"".join(customers), b"".join(records), b"".join(identities)
        )
    keep = [i for i, n in enumerate(numbers) if n not in skip]
    return DirectLines(
        len(keep),
        b"".join([customers[i] for i in keep]),
        b"".join([records[i] for i in keep]),
        b"".join([line for n, line in zip(owners, identities, strict=True) if n not in skip]),
    )


_NUMBER_TO_VALUE = slice(2, 3 + len(COLUMNS))  # a customer line's number and `COLUMNS`


def staging_lines(rows: DirectRows, only: Container[int]) -> bytes:
    """The staging form (`import_customers`) of a direct batch's rows `only`: the row number,
    the customer's id, number and columns, its record and keys."""
    out: list[bytes] = []
    for n, customer, record in zip(*rows[:3], strict=True):
        if n in only:
            c, r = customer.split(b"\t"), record.split(b"\t")  # tabs in values are escaped
            out.append(b"\t".join([b"%d" % n, c[0], *c[_NUMBER_TO_VALUE], r[3], r[4]]))
    return b"".join(out)


def staged_identities(rows: DirectRows, only: Container[int]) -> bytes:
    """The staging form (`import_identities`) of the personal identifiers of a direct batch's
    rows `only`: the row number, the customer's id, kind and value, personal."""
    out: list[bytes] = []
    for n, line in zip(*rows[3:], strict=True):
        if n in only:
            kind, value, owner, _ = line.split(b"\t", 3)  # tabs in values are escaped
            out.append(b"\t".join([b"%d" % n, owner, kind, value, b"t\n"]))
    return b"".join(out)


def _lines(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode() if lines else b""


def prepare_packed(
    items: list[RawRow],
    today: date,
    header: tuple[str, ...] | None = None,
    direct: Direct | None = None,
) -> bytes:
    """`prepare_batch` for a worker process: its result as one `marshal` blob. The cyclic
    garbage collector pauses meanwhile: a batch makes no reference cycles, and its passes over
    the standardisation caches cost about a tenth of the batch (measured)."""
    gc.disable()
    try:
        return marshal.dumps(tuple(prepare_batch(items, today, header, direct)))
    finally:
        gc.enable()


def unpack(blob: bytes) -> Prepared:
    """The other end of `prepare_packed`."""
    return Prepared(*marshal.loads(blob))


def _duplicate(number: int, field: str) -> Rejected:
    return rejection(number, field, f"{field} appears earlier in the file")


def rejection(number: int, field: str | None, message: str) -> Rejected:
    return Rejected(number, [{"row": number, "field": field, "message": message}])
