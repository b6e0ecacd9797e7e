"""Reading and validating import rows: CSV or NDJSON, one row at a time (constant memory).

Required per row: a family name or a customer number. A row is rejected with its number,
field and message for broken UTF-8, unknown fields, impossible dates, invalid identifiers,
over-long values, or a customer number / identifier repeated earlier in the same batch.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

import orjson

from services.identity.customers import identifiers
from services.identity.customers.schemas import NETWORKS
from services.identity.matching import blocking_keys
from services.identity.matching.standardise import (
    iso_date,
    parse_birth_date,
    standardise_phone,
)
from services.identity.resolution import records

SCALARS: dict[str, int] = {
    "customer_number": 100,
    "title": 100,
    "given_name": 200,
    "family_name": 200,
    "date_of_birth": 40,
    "street": 300,
    "postcode": 20,
    "city": 200,
    "country": 2,
    "tier": 50,
    "value": 40,
}
LISTS = ("email", "phone", "emails", "phones")
KNOWN = frozenset({*SCALARS, *LISTS, "handles", *(f"handle_{n}" for n in NETWORKS)})
MAX_LIST = 20


class FileError(ValueError):
    """The file as a whole cannot be read (e.g. unknown CSV columns)."""


@dataclass(slots=True)
class Row:
    """A valid row, ready to be staged: the customer columns after id, tenant and number (in
    `COLUMNS` order, as COPY takes them: JSON columns encoded, the birth date as ISO text),
    identities, the standardised record as JSON and its blocking keys."""

    number: int
    id: str  # a new customer's id (time-ordered; a string, as COPY takes it)
    customer_number: str | None
    columns: tuple[Any, ...]
    identities: list[tuple[str, str]]
    record: str
    keys: list[str]


# What `Row.columns` holds, in order (the staging table's columns after id/tenant/number).
COLUMNS = (
    "title", "given_name", "family_name", "date_of_birth", "street", "postcode", "city",
    "country", "emails", "phones", "handles", "tier", "value",
)  # fmt: skip


@dataclass(slots=True)
class Rejected:
    number: int
    errors: list[dict[str, Any]] = field(default_factory=list)


def check_header(columns: list[str]) -> None:
    unknown = [c for c in columns if c not in KNOWN]
    if unknown:
        raise FileError(
            f"Unknown columns {unknown[:10]}; known: customer fields, email, phone, emails, "
            "phones, handles (JSON) and handle_<network>."
        )
    if "family_name" not in columns and "customer_number" not in columns:
        raise FileError("The file needs a family_name or a customer_number column.")


def csv_rows(handle: IO[bytes], header: list[str]) -> Iterator[tuple[int, str]]:
    """(row number, the record as read), after filling `header` from the first record; blank
    lines are skipped. The fields are parsed by the validation workers (`decode_rows`): here
    a line without a quote is a record as it is, and only a record with quotes is read with the
    csv module (a quoted field may span lines). Broken UTF-8 fails the row only."""
    text = io.TextIOWrapper(handle, encoding="utf-8", errors="surrogateescape", newline="")
    try:
        yield from _csv_records(text, header)
    finally:
        text.detach()  # the caller owns (and closes) the file


def _csv_records(text: IO[str], header: list[str]) -> Iterator[tuple[int, str]]:
    lines = iter(text)
    try:
        header[:] = [h.strip().lstrip("\ufeff") for h in next(csv.reader(lines))]
    except StopIteration:
        return
    check_header(header)
    number = 0
    for line in lines:
        if '"' in line:
            record = [line]

            def rest(first: str = line, record: list[str] = record) -> Iterator[str]:
                yield first
                for more in lines:  # the lines a quoted field goes on to, and no further
                    record.append(more)
                    yield more

            next(csv.reader(rest()))
            number += 1
            yield number, "".join(record)
        elif line.strip():
            number += 1
            yield number, line


def decode_rows(
    items: list[tuple[int, bytes | str]], header: tuple[str, ...] | None
) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """Rows as read -> (row number, fields) or (row number, what is wrong): NDJSON lines
    (bytes), or CSV records (text) with their file's `header`. One at a time: each is validated
    while its fields are fresh in the CPU cache (decoding a whole batch first cost about a
    tenth more in all, measured)."""
    if header is None:
        for n, line in items:
            yield n, decode_ndjson(line)  # type: ignore[arg-type]
        return
    width = len(header)
    records = csv.reader(record for _, record in items)  # type: ignore[misc]
    for (n, _), cells in zip(items, records, strict=True):
        if len(cells) != width:
            yield n, f"expected {width} columns, found {len(cells)}"
        else:
            yield n, dict(zip(header, cells, strict=True))


def ndjson_rows(handle: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """(row number, the line as read): blank lines are skipped, nothing is decoded here. The
    validation workers decode each line (`decode_ndjson`): the reading process passes bytes on,
    which cost less to hand over than decoded objects."""
    number = 0
    for line in handle:
        if line.strip():
            number += 1
            yield number, line


def decode_ndjson(line: bytes) -> dict[str, Any] | str:
    """One NDJSON line: its object, or what is wrong with it."""
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return "not valid UTF-8"
        return "not valid JSON"
    if not isinstance(value, dict):
        return "not a JSON object"
    return value


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("must be a string")
    text = str(value).strip()
    if "\x00" in text:  # PostgreSQL text cannot hold it: one such value would fail the batch
        raise ValueError("must not contain a NUL character")
    if not text.isascii():
        try:
            text.encode("utf-8")  # bytes that were not UTF-8 came in as lone surrogates
        except UnicodeEncodeError:
            raise UnicodeError("not valid UTF-8") from None
    return text or None


def _list(raw: dict[str, Any], single: str, plural: str) -> list[str]:
    out: list[str] = []
    if (value := raw.get(single)) not in (None, ""):
        out.append(value if isinstance(value, str) else str(value))
    plural_value = raw.get(plural)
    if isinstance(plural_value, str) and plural_value.strip():
        text = plural_value.strip()
        plural_value = orjson.loads(text) if text.startswith("[") else text.split(";")
    if isinstance(plural_value, list):
        out.extend(str(v) for v in plural_value if v not in (None, ""))
    elif plural_value not in (None, ""):
        raise ValueError("must be a list")
    return [t for v in out if (t := _text(v))]


def _unstorable(text: str) -> bool:
    """Bytes that were not UTF-8 (lone surrogates), or a NUL character: not storable text."""
    if "\x00" in text:
        return True
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def validate(number: int, raw: dict[str, Any], today: date, row_id: str) -> Row | Rejected:
    """One raw row -> a Row (a new customer's id: `row_id`), or every problem found in it."""
    errors: list[dict[str, Any]] = []

    def bad(name: str, message: str) -> None:
        errors.append({"row": number, "field": name, "message": message})

    values: dict[str, Any] = {}
    if not KNOWN.issuperset(raw):
        for name in raw:
            if name not in KNOWN:
                bad(name, "unknown field")
    for name, limit in SCALARS.items():
        value = raw.get(name)
        if type(value) is str and value.isascii() and "\x00" not in value:  # the usual case
            text: str | None = value.strip() or None
        else:
            try:
                text = _text(value)
            except UnicodeError:
                bad(name, "not valid UTF-8")
                continue
            except ValueError as exc:
                bad(name, str(exc))
                continue
        if text is not None and len(text) > limit:
            bad(name, f"longer than {limit} characters")
            continue
        values[name] = text
    born = values.pop("date_of_birth", None)
    if born is not None:
        parsed = parse_birth_date(born)
        if parsed is None:
            bad("date_of_birth", f"not a real date: {born!r}")
        elif not date(1900, 1, 1) <= parsed <= today:
            bad("date_of_birth", "must lie between 1900-01-01 and today")
        values["date_of_birth"] = parsed
    else:
        values["date_of_birth"] = None
    value = values.pop("value", None)
    if value is not None:
        try:
            amount = float(value.replace(",", ".") if value.count(",") == 1 else value)
            if not 0 <= amount <= 1e12:
                raise ValueError
            values["value"] = amount
        except ValueError:
            bad("value", "not a number between 0 and 1e12")
    else:
        values["value"] = None
    if values.get("country") and len(values["country"]) != 2:
        bad("country", "must be a 2-letter code")
    number_value = identifiers.customer_number(values.pop("customer_number", None))
    if not number_value and not values.get("family_name"):
        bad("family_name", "a family_name or a customer_number is required")
    emails: list[str] = []
    phones: list[str] = []
    handles: dict[str, str] = {}
    try:
        for raw_email in _list(raw, "email", "emails")[:MAX_LIST]:
            if (canonical := identifiers.email(raw_email)) is None or " " in canonical:
                bad("email", "not an email address")
            else:
                emails.append(canonical)
    except UnicodeError:
        bad("email", "not valid UTF-8")
    except (ValueError, orjson.JSONDecodeError):
        bad("emails", "must be a list of email addresses")
    try:
        for raw_phone in _list(raw, "phone", "phones")[:MAX_LIST]:
            if (canonical := standardise_phone(raw_phone)) is None:
                bad("phone", "not a phone number")
            else:
                phones.append(canonical)
    except UnicodeError:
        bad("phone", "not valid UTF-8")
    except (ValueError, orjson.JSONDecodeError):
        bad("phones", "must be a list of phone numbers")
    given_handles = raw.get("handles")
    if isinstance(given_handles, str) and given_handles.strip():
        try:
            given_handles = orjson.loads(given_handles)
        except orjson.JSONDecodeError:
            given_handles = "invalid"
    if given_handles not in (None, ""):
        if not isinstance(given_handles, dict):
            bad("handles", "must be a JSON object {network: handle}")
        else:
            for network, handle in given_handles.items():
                if (
                    network not in NETWORKS
                    or not isinstance(handle, str)
                    or not handle.strip()
                    or _unstorable(handle)
                ):
                    bad("handles", f"unknown network or empty handle: {network!r}")
                else:
                    handles[network] = handle.strip().lstrip("@")
    for name, handle in raw.items():
        if name.startswith("handle_") and isinstance(handle, str) and handle.strip():
            if _unstorable(handle):
                bad(name, "not valid UTF-8")
                continue
            handles[name.removeprefix("handle_")] = handle.strip().lstrip("@")
    if errors:
        return Rejected(number, errors)
    emails = list(dict.fromkeys(emails))
    phones = list(dict.fromkeys(phones))
    keys: list[tuple[str, str]] = [
        ("email", k) for k in dict.fromkeys(identifiers.email_key(e) for e in emails) if k
    ]
    keys += [("phone", p) for p in phones]
    keys += [("handle", v) for n, h in handles.items() if (v := identifiers.handle(n, h))]
    if number_value:
        keys.append(("customer_number", number_value))
    record = records.customer_record(
        record_id=row_id,
        given_name=values.get("given_name"),
        family_name=values.get("family_name"),
        date_of_birth=values.get("date_of_birth"),
        street=values.get("street"),
        postcode=values.get("postcode"),
        city=values.get("city"),
        emails=emails,
        phones=phones,
        handles=handles,
        customer_number=number_value,
    )
    get = values.get
    born = get("date_of_birth")
    return Row(
        number=number,
        id=row_id,
        customer_number=number_value,
        columns=(
            get("title"),
            get("given_name"),
            get("family_name"),
            None if born is None else iso_date(born),
            get("street"),
            get("postcode"),
            get("city"),
            (get("country") or "").upper() or None,
            orjson.dumps(emails).decode(),
            orjson.dumps(phones).decode(),
            orjson.dumps(handles).decode(),
            get("tier"),
            get("value"),
        ),
        identities=keys,
        record=orjson.dumps(records.record_to_json(record)).decode(),
        keys=blocking_keys(record),
    )
