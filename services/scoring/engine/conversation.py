"""Who talked to or about whom: the edges of the tenant's conversation graph, from one message.

An edge A → B means A mentioned, replied to or reposted B. Handles are compared in a canonical
form (no leading "@", case-folded; Mastodon's `user@instance` keeps its instance).
"""

from __future__ import annotations

import re
from typing import Literal

__all__ = [
    "GRAPH_NETWORKS",
    "EdgeKind",
    "Reference",
    "normalise_handle",
    "references",
]

EdgeKind = Literal["mention", "reply", "repost"]
Reference = tuple[str, EdgeKind]  # (target handle, kind)

# Channels whose @handles name people on the same network.
GRAPH_NETWORKS: frozenset[str] = frozenset(
    {"twitter", "mastodon", "instagram", "facebook", "linkedin", "xing"}
)
MAX_HANDLE = 200
_HANDLE = r"[\w](?:[\w.]*[\w])?(?:@[\w-]+(?:\.[\w-]+)+)?"
_REPOST = re.compile(rf"^\s*(?:rt|retweet)\s+@({_HANDLE})", re.IGNORECASE)
# Not after a word character, "." or "@": e-mail addresses are not mentions.
_MENTION = re.compile(rf"(?<![\w.@])@({_HANDLE})")
_VALID = re.compile(rf"^{_HANDLE}$")


def normalise_handle(raw: str | None) -> str | None:
    """The canonical form of a handle, or None when it is not one."""
    if not raw:
        return None
    handle = raw.strip().lstrip("@").casefold()
    if not handle or len(handle) > MAX_HANDLE or not _VALID.match(handle):
        return None
    return handle


def references(
    text: str,
    *,
    author: str | None,
    replied_to: str | None = None,
    max_mentions: int = 20,
) -> list[Reference]:
    """Edges from one message: its repost source, the author replied to and other mentions.

    Each person counts once per message and in its strongest role (repost > reply > mention):
    a reply on X starts with the parent's @handle, which is not an extra mention. Self-references
    are dropped; `max_mentions` bounds the cost of spam listing hundreds of handles.
    """
    me = normalise_handle(author)
    out: dict[str, EdgeKind] = {}
    head = _REPOST.match(text[:500])
    if head and (target := normalise_handle(head.group(1))):
        out[target] = "repost"
    if (target := normalise_handle(replied_to)) is not None:
        out.setdefault(target, "reply")
    mentions = 0
    for found in _MENTION.finditer(text[:10_000]):
        target = normalise_handle(found.group(1))
        if target is None or target in out:
            continue
        if mentions >= max_mentions:
            break
        out[target] = "mention"
        mentions += 1
    return [(target, kind) for target, kind in out.items() if target != me]
