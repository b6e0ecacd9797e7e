"""OCR text of scanned letters to interactions: sender block, salutation, body, signature."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
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
    normalise_text,
    validate,
)
from ._replies import split_signature

__all__ = ["parse_letter"]

_HEAD_LINES = 25  # the sender block sits in the letterhead, never deep in the text
_POSTCODE_RE = re.compile(
    r"^\s*(?:(?:D|DE|A|AT|CH)\s?-\s?)?\d{4,5}\s+[^\W\d_][\w .'/()-]*$"  # 12345 Berlin
    r"|^\s*[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b.*$"  # UK: SW1A 1AA London
    r"|^.*\b[A-Z]{1,2}\d[A-Z\d]?\s+\d[A-Z]{2}\s*$"  # UK: London NW1 6XE
    r"|^.*\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\s*$"  # US: Springfield, IL 62704
)
_STREET_RE = re.compile(r"\d+\s*[a-zA-Z]?\s*$|^\s*\d+\s+\S|postfach|p\.?\s?o\.?\s?box", re.I)
_ABSENDER_RE = re.compile(r"^\s*(?i:absender|abs\.|from|sender|von)\s*:\s*(.*)$")
_INLINE_SEPARATORS_RE = re.compile(r"\s*[·•|;]\s*|\s*,\s*|\s{3,}")
_SALUTATION_RE = re.compile(
    r"^\s*(?i:sehr geehrte[rs]?\b|liebe[rs]?\s|hallo\b|guten tag\b|dear\b|to whom it may concern"
    r"|hello\b|good (?:morning|afternoon|day)\b).{0,80}$"
)
_SUBJECT_RE = re.compile(r"^\s*(?i:betreff|betr\.|subject|re|ref|bezug)\s*:\s*(.+)$")
_NAME_RE = re.compile(r"^(?:[A-ZÄÖÜ][\w'.-]*\.?\s+){0,3}[A-ZÄÖÜ][\w'-]+$")
_NOT_A_NAME_RE = re.compile(r"^(?i:anlagen?|enclosures?|i\.\s?a\.|i\.\s?v\.|p\.\s?s\.|ps)\b")


class _Sender(NativeModel):
    name: str | None = None
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None
    email: str | None = None
    phone: str | None = None
    customer_number: str | None = None


class _Letter(NativeModel):
    text: str
    received_at: Timestamp
    scan_id: Id
    pages: int | None = Field(default=None, ge=1, le=10_000)
    sender: _Sender | None = None


@dataclass(slots=True)
class LetterParts:
    body: str
    sender_name: str | None = None
    sender_address: list[str] = field(default_factory=list)
    salutation: str | None = None
    subject: str | None = None
    signature: str | None = None


@guard("letter")
def parse_letter(body: bytes, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES) -> InteractionCreate:
    """Parse a scanned letter's OCR text and metadata into a private letter interaction."""
    data = load_json(body, max_bytes=max_bytes, what="letter")
    letter = validate(_Letter, data, what="letter")
    parts = split_letter(letter.text)
    given = letter.sender or _Sender()
    given_address = [
        line
        for line in (
            given.street,
            " ".join(p for p in (given.postcode, given.city) if p) or None,
            given.country,
        )
        if line
    ]
    metadata: dict[str, Any] = {
        "scan_id": letter.scan_id,
        "pages": letter.pages,
        "salutation": parts.salutation,
        # What the scanning service read off the envelope beats our guess from the OCR text.
        "sender_address": given_address or parts.sender_address,
        "customer_number": given.customer_number,
    }
    return build(
        channel="letter",
        visibility="private",
        external_id=letter.scan_id,
        occurred_at=letter.received_at,
        author=author(name=given.name or parts.sender_name, email=given.email, phone=given.phone),
        subject=parts.subject,
        text=parts.body,
        signature=parts.signature,
        metadata={k: v for k, v in metadata.items() if v not in (None, [])},
        raw={k: v for k, v in data.items() if k != "text"} | {"ocr_chars": len(letter.text)},
    )


def split_letter(text: str) -> LetterParts:
    """Find the sender block, salutation, subject and signature; the rest is the body."""
    lines = normalise_text(text).split("\n")
    address, address_end = _sender_block(lines)
    start = address_end
    subject = None
    salutation = None
    for index in range(address_end, len(lines)):
        line = lines[index]
        match = _SUBJECT_RE.match(line)
        if match and subject is None and salutation is None:
            subject = match.group(1).strip()
            start = index + 1
        elif _SALUTATION_RE.match(line):
            salutation = line.strip()
            start = index + 1
            break
    body_lines, signature_lines = split_signature(lines[start:])
    sender_name = _name_from(address) or _name_from_signature(signature_lines)
    return LetterParts(
        body="\n".join(body_lines).strip(),
        sender_name=sender_name,
        sender_address=address,
        salutation=salutation,
        subject=subject,
        signature="\n".join(signature_lines).strip() or None,
    )


def _sender_block(lines: list[str]) -> tuple[list[str], int]:
    """The sender's address lines and the index just after them (0 when none was found)."""
    head = lines[:_HEAD_LINES]
    for index, line in enumerate(head):
        match = _ABSENDER_RE.match(line)
        if not match:
            continue
        rest = match.group(1).strip()
        if rest:
            return _split_inline(rest), index + 1
        block = _block_at(lines, index + 1)
        return [lines[i].strip() for i in block], (block[-1] + 1 if block else index + 1)
    for index, line in enumerate(head):
        # The window envelope's return line: "Max Mustermann · Musterstr. 12 · 12345 Musterstadt"
        if re.search(r"[·•|]", line):
            pieces = _split_inline(line)
            if len(pieces) >= 2 and any(_POSTCODE_RE.match(p) for p in pieces):
                return pieces, index + 1
    index = 0
    while index < len(head):
        block = _block_at(lines, index)
        if not block:
            index += 1
            continue
        block_lines = [lines[i].strip() for i in block]
        if len(block_lines) <= 7 and any(_POSTCODE_RE.match(line) for line in block_lines):
            return _trim_address(block_lines), block[-1] + 1
        index = block[-1] + 1
    return [], 0


def _block_at(lines: list[str], start: int) -> list[int]:
    block: list[int] = []
    for index in range(start, len(lines)):
        if not lines[index].strip():
            if block:
                break
            continue
        block.append(index)
    return block


def _split_inline(text: str) -> list[str]:
    return [piece for piece in _INLINE_SEPARATORS_RE.split(text) if piece.strip()]


def _trim_address(block: list[str]) -> list[str]:
    # Stop after the postcode line (or a country line right after it).
    for index, line in enumerate(block):
        if _POSTCODE_RE.match(line):
            end = index + 1
            if end < len(block) and block[end].isalpha() and block[end].isupper():
                end += 1
            return block[:end]
    return block


def _name_from(address: list[str]) -> str | None:
    if not address:
        return None
    first = address[0]
    if len(first) > 200:  # no name is that long, and the street regex is not linear
        return None
    if _POSTCODE_RE.match(first) or _STREET_RE.search(first) or "@" in first:
        return None
    return first


def _name_from_signature(signature: list[str]) -> str | None:
    for line in reversed([line.strip() for line in signature[1:] if line.strip()]):
        if _NOT_A_NAME_RE.match(line):
            continue
        if _NAME_RE.match(line) and len(line) <= 80:
            return line
    return None
