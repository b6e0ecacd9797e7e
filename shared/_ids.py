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

__all__ = ["uuid7", "uuid7_strings"]

_MASK_48 = (1 << 48) - 1


def uuid7() -> uuid.UUID:
    """A new version 7 UUID: 48 bits of Unix time in ms, version, 74 random bits, variant."""
    return uuid.UUID(int=_v7(time.time_ns() // 1_000_000, int.from_bytes(os.urandom(10), "big")))


def uuid7_strings(count: int) -> list[str]:
    """`count` new version 7 UUIDs as strings, made together: one clock reading and one call for
    randomness (for a bulk write, about a third of the cost of `str(uuid7())` each), in
    ascending order. Ids of one millisecond differ in their random bits only: in the order they
    were drawn, a batch's rows would land at random places of the index's right edge, splitting
    its pages half-full; in order, each fills the last page (at a million imported customers,
    the two indexes of the standardised records took 41 MB each unsorted, 30 MB sorted)."""
    ms = time.time_ns() // 1_000_000
    rand = os.urandom(10 * count)
    out: list[str] = []
    for value in sorted(
        _v7(ms, int.from_bytes(rand[i : i + 10], "big")) for i in range(0, 10 * count, 10)
    ):
        h = f"{value:032x}"
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def _v7(ms: int, rand: int) -> int:
    """The 128 bits of a version 7 UUID from a time in ms and 80 random bits."""
    rand_a = rand >> 68  # 12 bits
    rand_b = rand & ((1 << 62) - 1)  # 62 bits
    return (ms & _MASK_48) << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b
