"""Cursor pagination: `?limit=&cursor=` in, `{"items", "next_cursor"}` out."""

from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

import orjson
from pydantic import BaseModel

from ._errors import BadRequest

__all__ = ["Page", "decode_cursor", "encode_cursor"]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    """An opaque cursor from the sort key of the last item."""
    return base64.urlsafe_b64encode(orjson.dumps(values, default=str)).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> list[Any] | None:
    """The sort key inside a cursor; a 400 if it was tampered with."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, orjson.JSONDecodeError):
        raise BadRequest("The cursor is not valid.") from None
    if not isinstance(values, list):
        raise BadRequest("The cursor is not valid.")
    return values
