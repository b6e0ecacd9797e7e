"""Between the service's data and the engine's `StandardRecord`: customers, interaction authors,
API person records, and the JSON stored in `match_records.record`."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date
from operator import attrgetter
from typing import Any

from services.identity.matching import StandardRecord, standardise
from services.identity.matching.standardise import RECORD_SETTERS, iso_date

__all__ = [
    "customer_record",
    "fragment_record",
    "parse_address",
    "record_from_json",
    "record_to_json",
]

_FIELDS = tuple(f.name for f in fields(StandardRecord))
_DEFAULTS = {f.name: f.default for f in fields(StandardRecord)}
# What `record_to_json` keeps, read in one C call per record (the import's hot path).
_STORED = tuple(name for name in _FIELDS if name != "record_id")
_READ_STORED = attrgetter(*_STORED)
_ADDRESS = re.compile(
    r"^\s*(?P<street>[^,]+?)\s*(?:,\s*(?P<postcode>\d{4,5})\s+(?P<city>.+?))?\s*$"
)
MASTER_VERIFIED = frozenset({"customer_number", "email", "phone", "handle"})


def record_to_json(record: StandardRecord) -> dict[str, Any]:
    """Compact JSON for `match_records.record` (defaults left out; `record_id` is the row id)."""
    out: dict[str, Any] = {}
    for name, value in zip(_STORED, _READ_STORED(record), strict=True):
        # By the value's type first: most fields are text or None (a bulk import's hot path).
        kind = type(value)
        if kind is str:
            out[name] = value
        elif value is None or value == _DEFAULTS[name]:
            continue
        elif kind is tuple:
            out[name] = list(value)
        elif kind is frozenset:
            out[name] = sorted(value)
        elif isinstance(value, date):
            out[name] = iso_date(value)
        else:
            out[name] = value
    return out


_SET = {name: put for name, put, _ in RECORD_SETTERS}


def record_from_json(record_id: str, data: Mapping[str, Any]) -> StandardRecord:
    """The stored form back into a `StandardRecord` (the candidate side of the hot path)."""
    record: StandardRecord = object.__new__(StandardRecord)
    get = data.get
    for name, put, default in RECORD_SETTERS:
        put(record, get(name, default))
    _SET["record_id"](record, record_id)
    if (born := get("birth_date")) is not None:
        _SET["birth_date"](record, date.fromisoformat(born))
    if (parts := get("family_parts")) is not None:
        _SET["family_parts"](record, tuple(parts))
    if (verified := get("verified")) is not None:
        _SET["verified"](record, frozenset(verified))
    return record


def customer_record(
    *,
    record_id: str,
    given_name: str | None,
    family_name: str | None,
    date_of_birth: date | str | None,
    street: str | None,
    postcode: str | None,
    city: str | None,
    emails: Sequence[str] = (),
    phones: Sequence[str] = (),
    handles: Mapping[str, str] | None = None,
    customer_number: str | None = None,
    display_name: str | None = None,
) -> StandardRecord:
    """A master row as the engine sees it; its identifiers come from master data (verified)."""
    handle = next(iter((handles or {}).values()), None)
    email = emails[0] if emails else None
    phone = phones[0] if phones else None
    verified = {
        name
        for name, value in (
            ("customer_number", customer_number),
            ("email", email),
            ("phone", phone),
            ("handle", handle),
        )
        if value
    }
    return standardise(
        record_id=record_id,
        name=display_name if not (given_name or family_name) else None,
        given_name=given_name,
        family_name=family_name,
        birth_date=date_of_birth,
        street=street,
        postcode=postcode,
        city=city,
        email=email,
        phone=phone,
        handle=handle,
        customer_number=customer_number,
        verified=verified,
    )


def parse_address(value: str) -> dict[str, str]:
    """ "Hauptstraße 5, 10115 Berlin" (as extraction writes it) -> street, postcode, city."""
    match = _ADDRESS.match(value)
    if not match:
        return {}
    return {k: v for k, v in match.groupdict().items() if v}


def fragment_record(
    *,
    name: str | None = None,
    given_name: str | None = None,
    family_name: str | None = None,
    email: str | None = None,
    phone: str | None = None,
    handle: str | None = None,
    street: str | None = None,
    postcode: str | None = None,
    city: str | None = None,
    date_of_birth: date | str | None = None,
    customer_number: str | None = None,
    extracted: Iterable[tuple[str, str]] = (),
) -> StandardRecord:
    """An incoming person fragment: the author's claims, filled up from extracted features.

    Claims are not verified: verified identifiers were already tried by the exact step.
    """
    found: dict[str, str] = {}
    for kind, value in extracted:
        found.setdefault(kind, value)
    address = parse_address(found["address"]) if "address" in found and not street else {}
    return standardise(
        name=(name or found.get("name")) if not (given_name or family_name) else None,
        given_name=given_name,
        family_name=family_name,
        birth_date=date_of_birth,
        street=street or address.get("street"),
        postcode=postcode or address.get("postcode"),
        city=city or address.get("city"),
        email=email or found.get("email"),
        phone=phone or found.get("phone"),
        handle=handle,
        customer_number=customer_number or found.get("customer_number"),
    )
