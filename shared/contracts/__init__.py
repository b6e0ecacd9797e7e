"""Versioned event contracts shared by every service."""

from ._envelope import Envelope, EventPayload
from ._events import *  # noqa: F403
from ._events import __all__ as _event_names
from ._registry import EVENT_TYPES, SCHEMA_DIR, json_schemas, parse_envelope, payload_class

__all__ = [
    "EVENT_TYPES",
    "SCHEMA_DIR",
    "Envelope",
    "EventPayload",
    "json_schemas",
    "parse_envelope",
    "payload_class",
    *_event_names,
]
