"""Live-chat transcripts to interactions."""

from __future__ import annotations

from typing import Any, Literal

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

__all__ = ["parse_chat"]


class _ChatMessage(NativeModel):
    sender: Literal["customer", "agent", "bot"] = Field(alias="from")
    name: str | None = None
    text: str
    at: Timestamp | None = None


class _Visitor(NativeModel):
    name: str | None = None
    email: str | None = None
    phone: str | None = None


class _Transcript(NativeModel):
    chat_id: Id
    started_at: Timestamp
    messages: list[_ChatMessage] = Field(max_length=5000)
    visitor: _Visitor = Field(default_factory=_Visitor)


@guard("chat transcript")
def parse_chat(body: bytes, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES) -> InteractionCreate:
    """Parse a chat transcript: the customer's words are the text, the rest is context."""
    data = load_json(body, max_bytes=max_bytes, what="chat transcript")
    chat = validate(_Transcript, data, what="chat transcript")
    customer_lines = [m.text.strip() for m in chat.messages if m.sender == "customer"]
    customer_name = chat.visitor.name or next(
        (m.name for m in chat.messages if m.sender == "customer" and m.name), None
    )
    metadata: dict[str, Any] = {
        "message_count": len(chat.messages),
        "customer_message_count": len(customer_lines),
        "agents": sorted({m.name for m in chat.messages if m.sender == "agent" and m.name}),
        "bot_involved": any(m.sender == "bot" for m in chat.messages),
        "transcript": [
            {
                "from": m.sender,
                "name": m.name,
                "text": m.text,
                "at": m.at.isoformat() if m.at else None,
            }
            for m in chat.messages
        ],
    }
    ended = [m.at for m in chat.messages if m.at]
    if ended:
        metadata["ended_at"] = max(ended).isoformat()
    return build(
        channel="chat",
        visibility="private",
        external_id=chat.chat_id,
        occurred_at=chat.started_at,
        author=author(name=customer_name, email=chat.visitor.email, phone=chat.visitor.phone),
        text="\n".join(line for line in customer_lines if line),
        thread_key=chat.chat_id,
        metadata=metadata,
        # The transcript already sits in metadata; raw keeps the envelope only.
        raw={k: v for k, v in data.items() if k != "messages"},
    )
