"""The event envelope, modelled on CloudEvents."""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Envelope", "EventPayload"]


class EventPayload(BaseModel):
    """Base of every event payload: the class names its event type and version."""

    # Consumers ignore unknown fields so a producer can add optional fields within a version.
    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]


P = TypeVar("P", bound=EventPayload)


@functools.cache
def _parametrised(payload_type: type[EventPayload]) -> Any:
    return Envelope[payload_type]  # type: ignore[valid-type]


def _now() -> datetime:
    return datetime.now(UTC)


class Envelope(BaseModel, Generic[P]):
    """CloudEvents-like envelope (`time` is `occurred_at`, `data` is `payload`)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    source: str
    occurred_at: datetime = Field(default_factory=_now)
    tenant_id: uuid.UUID
    correlation_id: str | None = None
    causation_id: str | None = None
    payload: P

    @classmethod
    def wrap(
        cls,
        payload: P,
        *,
        source: str,
        tenant_id: uuid.UUID,
        correlation_id: str | None = None,
        causation: Envelope[Any] | None = None,
    ) -> Envelope[P]:
        """Wrap a payload, inheriting correlation from the event that caused it."""
        if causation is not None and correlation_id is None:
            correlation_id = causation.correlation_id
        typed: Any = _parametrised(type(payload))
        envelope: Envelope[P] = typed(
            type=payload.event_type,
            source=source,
            tenant_id=tenant_id,
            correlation_id=correlation_id,
            causation_id=str(causation.id) if causation is not None else None,
            payload=payload,
        )
        return envelope
