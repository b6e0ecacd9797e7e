"""Web form submissions (contact forms, German or English field names) to interactions."""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field

from services.ingest.interactions.schemas import InteractionCreate

from ._common import (
    DEFAULT_MAX_JSON_BYTES,
    Id,
    NativeModel,
    Timestamp,
    author,
    build,
    guard,
    load_json,
    validate,
)

__all__ = ["parse_webform"]

# Keys are compared lower-cased with everything but letters and digits removed,
# so "E-Mail", "e_mail" and "EMail" all become "email".
_ROLES: dict[str, frozenset[str]] = {
    role: frozenset(keys.split())
    for role, keys in {
        "name": "name fullname vollername ihrname yourname kontaktname",
        "first_name": "vorname firstname givenname forename",
        "last_name": "nachname lastname surname familyname familienname",
        "email": "email mail emailadresse emailaddress ihreemail",
        "phone": "phone telefon tel telefonnummer phonenumber mobile mobil handy",
        "subject": "subject betreff thema topic",
        "message": (
            "message nachricht anliegen ihrenachricht yourmessage text comment comments "
            "kommentar body beschreibung description anfrage ihranliegen mitteilung "
            "inquiry enquiry"
        ),
        "customer_number": (
            "kundennummer kundennr kdnr customernumber customerno customerid accountnumber "
            "vertragsnummer contractnumber"
        ),
    }.items()
}
_ROLE_OF = {key: role for role, keys in _ROLES.items() for key in keys}


class _Submission(NativeModel):
    form_id: Id
    submission_id: Id
    submitted_at: Timestamp
    fields: dict[str, Any] = Field(max_length=500)


@guard("web form submission")
def parse_webform(body: bytes, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES) -> InteractionCreate:
    """Parse one form submission, mapping common German/English field names."""
    data = load_json(body, max_bytes=max_bytes, what="web form submission")
    submission = validate(_Submission, data, what="web form submission")
    found: dict[str, str] = {}
    extra: dict[str, Any] = {}
    for key, value in submission.fields.items():
        role = _ROLE_OF.get(_normalise_key(key))
        text = _as_text(value)
        if role and role not in found and text:
            found[role] = text
        elif value not in (None, "", []):
            extra[key] = value

    name = found.get("name") or " ".join(
        part for part in (found.get("first_name"), found.get("last_name")) if part
    )
    metadata: dict[str, Any] = {"form_id": submission.form_id, "fields": extra}
    if "customer_number" in found:
        metadata["customer_number"] = found["customer_number"]
    return build(
        channel="webform",
        visibility="private",
        external_id=f"{submission.form_id}:{submission.submission_id}",
        occurred_at=submission.submitted_at,
        author=author(name=name or None, email=found.get("email"), phone=found.get("phone")),
        subject=found.get("subject"),
        text=found.get("message", ""),
        metadata={k: v for k, v in metadata.items() if v},
        raw=data,
    )


def _normalise_key(key: str) -> str:
    return re.sub(r"[^0-9a-zäöüß]", "", key.lower())


def _as_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float | list):
        return ""
    if isinstance(value, list):
        return ", ".join(v.strip() for v in value if isinstance(v, str) and v.strip())
    return str(value).strip()
