"""Raw RFC 5322 / MIME messages to interactions."""

from __future__ import annotations

import codecs
import hashlib
import re
from datetime import UTC, datetime
from email import policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from typing import Any

from services.ingest.interactions.schemas import Attachment, InteractionCreate
from shared import BadRequest, UnprocessableEntity

from ._common import (
    TEXT_LIMIT,
    as_bytes,
    author,
    build,
    check_size,
    digest_id,
    guard,
    html_to_text,
    normalise_text,
)
from ._replies import split_reply

__all__ = ["parse_email"]

DEFAULT_MAX_EMAIL_BYTES = 25 * 1024 * 1024

# At least one of these must be present, or the bytes are not a message at all.
_KNOWN_HEADERS = frozenset(
    {
        "from", "to", "cc", "subject", "date", "message-id", "content-type", "mime-version",
        "received", "sender", "reply-to", "return-path", "in-reply-to", "references",
    }
)  # fmt: skip
_MSG_ID_RE = re.compile(r"<[^<>\s]+>")
# The stdlib parser spends ~0.2 ms per part on header objects; real mail has a handful of parts.
_PART_LIMIT = 1000
_PART_HEADER_RE = re.compile(rb"^content-type:", re.IGNORECASE | re.MULTILINE)
_HEADER_VALUE_LIMIT = 2000
_HEADER_COUNT_LIMIT = 100
_LIST_LIMIT = 50
# Labels that are wrong in the wild so often that browsers (WHATWG) decode them as cp1252.
_CP1252_LABELS = frozenset({"us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "iso8859-1"})


@guard("email message")
def parse_email(raw: bytes, *, max_bytes: int = DEFAULT_MAX_EMAIL_BYTES) -> InteractionCreate:
    """Parse one raw RFC 5322 message into a private email interaction."""
    check_size(raw, max_bytes=max_bytes, what="email message")
    data = as_bytes(raw)
    if not data.strip():
        raise BadRequest("email message is empty")
    if len(_PART_HEADER_RE.findall(data)) > _PART_LIMIT:
        raise UnprocessableEntity(f"email message has more than {_PART_LIMIT} MIME parts")
    msg = BytesParser(policy=policy.default).parsebytes(data)
    names = {name.lower() for name, _ in msg.raw_items()}
    if not names & _KNOWN_HEADERS:
        raise BadRequest("email message has no RFC 5322 headers (From, Date, Message-ID, …)")

    full_text, body_type, charset = _body_text(msg)
    truncated = len(full_text) > TEXT_LIMIT
    full_text = full_text[:TEXT_LIMIT]  # the rest would be cut anyway; don't scan it for quotes
    parts = split_reply(full_text)
    text, quoted, signature = parts.body, parts.quoted, parts.signature
    if not text:
        # A bare forward or a reply that is all quote: the quote is what the sender sent us.
        text, quoted, signature = full_text, None, None

    message_id = _first_msg_id(_header(msg, "Message-ID"))
    in_reply_to = _first_msg_id(_header(msg, "In-Reply-To"))
    references = _MSG_ID_RE.findall(_header(msg, "References") or "")
    external_id = message_id or digest_id(data)
    thread_key = (references[0] if references else None) or in_reply_to or external_id

    name, address = _address(msg, "From")
    if not name and not address:
        # Without a sender nobody can be answered or identified (RFC 5322 requires From).
        raise UnprocessableEntity("email message has no From address")
    occurred_at = _date(msg)
    metadata: dict[str, Any] = {
        "message_id": message_id,
        "to": _addresses(msg, "To"),
        "cc": _addresses(msg, "Cc"),
        "reply_to": _addresses(msg, "Reply-To"),
        "references": references[:_LIST_LIMIT],
        "body_content_type": body_type,
        "charset": charset,
    }
    if occurred_at is None:
        metadata["date_missing"] = True
    if truncated:
        metadata["text_truncated"] = True
    if _is_automatic(msg):
        metadata["auto_submitted"] = True
    defects = sorted({type(d).__name__ for part in msg.walk() for d in part.defects})
    if defects:
        metadata["mime_defects"] = defects[:_LIST_LIMIT]

    return build(
        channel="email",
        visibility="private",
        external_id=external_id,
        occurred_at=occurred_at or datetime.now(UTC),
        author=author(name=name, email=address),
        subject=_header(msg, "Subject"),
        text=text,
        quoted_text=quoted,
        signature=signature,
        in_reply_to=in_reply_to,
        thread_key=thread_key,
        attachments=_attachments(msg),
        metadata={k: v for k, v in metadata.items() if v not in (None, [])},
        raw={"headers": _raw_headers(msg), "text": full_text[:TEXT_LIMIT]},
    )


# --- headers --------------------------------------------------------------------------------


def _header(msg: Message, name: str) -> str | None:
    """A header as text; the structured parser can trip over garbage, so fall back to raw."""
    try:
        value = msg.get(name)
    except Exception:
        value = None
        for key, raw_value in msg.raw_items():
            if key.lower() == name.lower():
                value = _decode_raw_header(raw_value)
                break
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text or None


def _decode_raw_header(value: Any) -> str:
    try:
        return str(make_header(decode_header(str(value))))
    except Exception:
        return str(value)


def _raw_headers(msg: Message) -> dict[str, str | list[str]]:
    headers: dict[str, str | list[str]] = {}
    for key, value in list(msg.raw_items())[:_HEADER_COUNT_LIMIT]:
        decoded = _decode_raw_header(value)[:_HEADER_VALUE_LIMIT]
        previous = headers.get(key)
        if previous is None:
            headers[key] = decoded
        elif isinstance(previous, list):
            previous.append(decoded)
        else:
            headers[key] = [previous, decoded]
    return headers


def _first_msg_id(value: str | None) -> str | None:
    if not value:
        return None
    match = _MSG_ID_RE.search(value)
    if match:
        return match.group(0)
    token = value.split()[0] if value.split() else ""
    return token or None


def _address(msg: Message, name: str) -> tuple[str | None, str | None]:
    try:
        header = msg.get(name)
        addresses = getattr(header, "addresses", None)
        if addresses:
            first = addresses[0]
            return first.display_name or None, first.addr_spec or None
    except Exception:
        pass
    value = _header(msg, name)
    if not value:
        return None, None
    display, addr = parseaddr(value)
    return display or None, addr or None


def _addresses(msg: Message, name: str) -> list[str]:
    try:
        addresses = getattr(msg.get(name), "addresses", None)
        if addresses:
            return [a.addr_spec for a in addresses if a.addr_spec][:_LIST_LIMIT]
    except Exception:
        pass
    value = _header(msg, name)
    if not value:
        return []
    return [addr for _, addr in getaddresses([value]) if addr][:_LIST_LIMIT]


def _date(msg: Message) -> datetime | None:
    candidates: list[str] = []
    date = _header(msg, "Date")
    if date:
        candidates.append(date)
    # Without a usable Date the newest Received stamp is when the message reached us.
    for key, value in msg.raw_items():
        if key.lower() == "received" and ";" in str(value):
            candidates.append(str(value).rsplit(";", 1)[1].strip())
            break
    for candidate in candidates:
        try:
            parsed = parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _is_automatic(msg: Message) -> bool:
    auto = (_header(msg, "Auto-Submitted") or "no").lower()
    precedence = (_header(msg, "Precedence") or "").lower()
    return auto != "no" or precedence in {"bulk", "junk", "auto_reply", "list"}


# --- body and attachments -------------------------------------------------------------------


def _body_part(msg: EmailMessage) -> Message | None:
    try:
        part = msg.get_body(preferencelist=("plain", "html"))
    except Exception:
        part = None
    if part is not None:
        return part
    for candidate in msg.walk():
        if candidate.get_content_maintype() == "text" and not _is_attachment(candidate):
            return candidate
    return None


def _body_text(msg: EmailMessage) -> tuple[str, str | None, str | None]:
    part = _body_part(msg)
    if part is None:
        return "", None, None
    content_type = part.get_content_type()
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "replace")
    charset = part.get_content_charset()
    text = decode_bytes(payload, charset)
    if content_type == "text/html":
        return html_to_text(text), content_type, charset
    return normalise_text(text), content_type, charset


def decode_bytes(payload: bytes, charset: str | None) -> str:
    """Decode with the declared charset, surviving unknown and mislabelled ones."""
    label = (charset or "").strip().strip('"').lower()
    tries: list[str] = []
    if label in _CP1252_LABELS:
        tries.append("cp1252")
    if label:
        try:
            tries.append(codecs.lookup(label).name)
        except LookupError:
            pass
    tries.extend(["utf-8", "cp1252"])
    for encoding in tries:
        try:
            return payload.decode(encoding)
        except (UnicodeError, LookupError, ValueError):  # "idna" & co. raise plain UnicodeError
            continue
    return payload.decode("latin-1")  # every byte maps; never fails


def _is_attachment(part: Message) -> bool:
    try:
        disposition = part.get_content_disposition()
        filename = part.get_filename()
    except Exception:
        return True
    return disposition == "attachment" or bool(filename)


def _attachments(msg: EmailMessage) -> list[Attachment]:
    body = _body_part(msg)
    found: list[Attachment] = []
    _collect(msg, body, found)
    return found


def _collect(part: Message, body: Message | None, found: list[Attachment]) -> None:
    if len(found) >= _LIST_LIMIT:
        return
    content_type = part.get_content_type()
    if content_type == "message/rfc822" and part is not body:
        inner = part.get_payload()
        data = b""
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                data = inner[0].as_bytes()
            except Exception:
                data = str(inner[0]).encode("utf-8", "replace")
        found.append(_attachment(part, data, default_name=_inner_subject(inner)))
        return
    if part.is_multipart():
        for sub in part.get_payload() or []:
            if isinstance(sub, Message):
                _collect(sub, body, found)
        return
    if part is body:
        return
    if part.get_content_maintype() == "text" and not _is_attachment(part):
        return  # the other half of multipart/alternative
    payload = part.get_payload(decode=True)
    found.append(_attachment(part, payload if isinstance(payload, bytes) else b""))


def _attachment(part: Message, data: bytes, *, default_name: str | None = None) -> Attachment:
    try:
        name = part.get_filename() or default_name
    except Exception:
        name = default_name
    return Attachment(
        name=name[:255] if name else None,
        content_type=part.get_content_type(),
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )


def _inner_subject(inner: Any) -> str | None:
    if isinstance(inner, list) and inner and isinstance(inner[0], Message):
        subject = _header(inner[0], "Subject")
        return f"{subject}.eml" if subject else None
    return None
