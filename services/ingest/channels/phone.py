"""Telephony call records (CTI/ACD export) to interactions."""

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

__all__ = ["parse_phone"]


class _Call(NativeModel):
    call_id: Id
    caller: str = Field(min_length=1, max_length=64)
    callee: str | None = Field(default=None, max_length=64)
    started_at: Timestamp
    duration_seconds: float = Field(default=0, ge=0, le=7 * 24 * 3600)
    ivr_path: list[str] = Field(default_factory=list, max_length=100)
    direction: Literal["inbound", "outbound"] = "inbound"
    transcript: str | None = None
    agent_id: Id | None = None
    recording_url: str | None = None


@guard("call record")
def parse_phone(body: bytes, *, max_bytes: int = DEFAULT_MAX_JSON_BYTES) -> InteractionCreate:
    """Parse one call record into a private phone interaction."""
    data = load_json(body, max_bytes=max_bytes, what="call record")
    call = validate(_Call, data, what="call record")
    # The author is the customer: who called us, or whom we called.
    customer = call.callee if call.direction == "outbound" and call.callee else call.caller
    duration: float | int = (
        int(call.duration_seconds) if call.duration_seconds.is_integer() else call.duration_seconds
    )
    metadata: dict[str, Any] = {
        "caller": call.caller,
        "callee": call.callee,
        "duration_seconds": duration,
        "ivr_path": call.ivr_path,
        "agent_id": call.agent_id,
        "recording_url": call.recording_url,
        "has_transcript": bool(call.transcript),
    }
    return build(
        channel="phone",
        visibility="private",
        direction=call.direction,
        external_id=call.call_id,
        occurred_at=call.started_at,
        author=author(phone=customer),
        text=call.transcript or "",
        thread_key=call.call_id,
        metadata={k: v for k, v in metadata.items() if v not in (None, [])},
        # The transcript is already `text`; keeping it twice would double the row.
        raw={k: v for k, v in data.items() if k != "transcript"},
    )
