"""Time-ordered ids (UUID version 7, RFC 9562) for rows written in bulk.

A random UUID (version 4) as a primary key sends every insert to a random leaf of the btree:
once the index outgrows the cache, each row costs a page read and a dirty page. Version 7 puts
the creation time in milliseconds first, so ids written together sit together at the right
edge of the index; the remaining 74 bits are random, so ids stay unguessable and unique.
"""

from __future__ import annotations

import os
import time
import uuid

__all__ = ["uuid7"]

_MASK_48 = (1 << 48) - 1


def uuid7() -> uuid.UUID:
    """A new version 7 UUID: 48 bits of Unix time in ms, version, 74 random bits, variant."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)  # 62 bits
    return uuid.UUID(int=(ms & _MASK_48) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)
