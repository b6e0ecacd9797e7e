"""Lookup from event type to payload class, and JSON Schema export."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from . import _events
from ._envelope import Envelope, EventPayload

__all__ = ["EVENT_TYPES", "SCHEMA_DIR", "export", "json_schemas", "parse_envelope", "payload_class"]

SCHEMA_DIR = Path(__file__).parent / "schemas"

EVENT_TYPES: dict[str, type[EventPayload]] = {
    cls.event_type: cls
    for name in _events.__all__
    if isinstance(cls := getattr(_events, name), type)
    and issubclass(cls, EventPayload)
    and cls is not EventPayload
}


def payload_class(event_type: str) -> type[EventPayload]:
    """The payload model of an event type; KeyError if unknown."""
    return EVENT_TYPES[event_type]


# Parametrising a generic model is costly; do it once per event type.
_ENVELOPES: dict[str, Any] = {
    event_type: Envelope[cls]  # type: ignore[valid-type]
    for event_type, cls in EVENT_TYPES.items()
}


def parse_envelope(raw: bytes | str | dict[str, Any]) -> Envelope[Any]:
    """Validate an envelope and its payload against the registered model for its type."""
    if isinstance(raw, bytes | str):
        data = json.loads(raw)
    else:
        data = raw
    envelope: Envelope[Any] = _ENVELOPES[data["type"]].model_validate(data)
    return envelope


def json_schemas() -> dict[str, dict[str, Any]]:
    """JSON Schema of each event's envelope, keyed by event type."""
    return {
        event_type: Envelope[cls].model_json_schema()  # type: ignore[valid-type]
        for event_type, cls in sorted(EVENT_TYPES.items())
    }


def export(directory: Path = SCHEMA_DIR) -> list[Path]:
    """Write one `<type>.json` per event; existing versions must never change."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for event_type, schema in json_schemas().items():
        path = directory / f"{event_type}.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
