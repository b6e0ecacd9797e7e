"""Professional role and seniority from a headline or job title (English and German)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["RoleMatch", "classify_role", "is_media_company", "mentions_topic"]


@dataclass(frozen=True, slots=True)
class RoleMatch:
    """The strongest role found: a category, its authority weight 0–1 and the matched words."""

    category: str
    weight: float
    matched: str


# Ordered strongest first; German compounds ("Abteilungsleiterin") need no leading \b.
_ROLES: tuple[tuple[str, float, str], ...] = (
    (
        "press",
        1.0,
        r"\b(?:chef)?redakteur(?:in)?\b|\bjournalist(?:in|en|innen)?\b|\breporter(?:in)?\b"
        r"|\b(?:editor(?:-in-chief)?|managing editor)\b|\bchefredakt\w*|\bherausgeber(?:in)?\b"
        r"|\bkorrespondent(?:in)?\b|\bcorrespondent\b|\bcolumnist\b|\bkolumnist(?:in)?\b"
        r"|\bmoderator(?:in)?\b|\bpublisher\b|\bnews anchor\b",
    ),
    (
        "creator",
        0.8,
        r"\bblogger(?:in)?\b|\binfluencer(?:in)?\b|\bcontent creator\b|\bcreator\b"
        r"|\byoutuber(?:in)?\b|\bpodcaster(?:in)?\b|\bstreamer(?:in)?\b",
    ),
    (
        "executive",
        0.8,
        r"\b(?:ceo|cto|cfo|coo|cmo|cio|cpo)\b|\bchief \w+ officer\b|\b(?:co-?)?founder\b"
        r"|\b(?:mit)?gründer(?:in)?\b|geschäftsführer(?:in)?\b|\bvorstand\w*"
        r"|\bvorsitzende[rn]?\b|\bmanaging director\b|\bpresident\b|\bpräsident(?:in)?\b"
        r"|\binhaber(?:in)?\b|\bowner\b|\bmanaging partner\b|\bmember of parliament\b"
        r"|\babgeordnete[rn]?\b|\bminister(?:in)?\b|\bbürgermeister(?:in)?\b",
    ),
    (
        "spokesperson",
        0.7,
        r"pressesprecher(?:in)?\b|\bspokes(?:person|man|woman)\b|\bpress officer\b"
        r"|\bhead of (?:communications|pr|press)\b|\bkommunikationschef\w*",
    ),
    (
        "analyst",
        0.7,
        r"\banalyst(?:in)?\b|\bprofessor(?:in)?\b|\bprof\.|\bresearch director\b",
    ),
    (
        "senior",
        0.55,
        r"\bdirector\b|\bdirektor(?:in)?\b|\b(?:svp|evp|vp)\b|\bvice president\b|\bhead of\b"
        r"|leiter(?:in)?\b|\bprokurist(?:in)?\b|\bprincipal\b|\bpartner\b",
    ),
    ("manager", 0.3, r"\bmanager(?:in)?\b|\bteam ?lead\b|\bsenior\b"),
)
_COMPILED = tuple((c, w, re.compile(p, re.IGNORECASE)) for c, w, p in _ROLES)

_MEDIA = re.compile(
    r"\b(?:spiegel|zeit|faz|frankfurter allgemeine|süddeutsche|sueddeutsche|bild|welt|focus"
    r"|stern|handelsblatt|heise|golem|t3n|tagesschau|ard|zdf|wdr|ndr|br24|dpa|rtl|n-tv|taz"
    r"|bbc|cnn|reuters|bloomberg|guardian|new york times|washington post|techcrunch|the verge"
    r"|wired|forbes|financial times|associated press|le monde|nzz|orf|srf)\b",
    re.IGNORECASE,
)


@lru_cache(maxsize=65_536)
def classify_role(text: str | None) -> RoleMatch | None:
    """The strongest professional role named in a headline or job title, or None."""
    if not text:
        return None
    for category, weight, pattern in _COMPILED:
        found = pattern.search(text)
        if found:
            return RoleMatch(category, weight, found.group(0).strip())
    return None


def is_media_company(company: str | None) -> bool:
    """Whether the company is a well-known news outlet."""
    return bool(company) and _MEDIA.search(company or "") is not None


def mentions_topic(texts: list[str], topics: tuple[str, ...]) -> str | None:
    """The first tenant topic named in any of the texts (case-insensitive), or None."""
    if not topics:
        return None
    haystack = " ".join(texts).casefold()
    for topic in topics:
        if topic and topic.casefold() in haystack:
            return topic
    return None
