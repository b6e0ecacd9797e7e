"""Phonetic codes for names: Kölner Phonetik (German) and metaphone (other names)."""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import jellyfish

__all__ = ["koelner_phonetik", "koelner_phonetik_raw", "metaphone"]

_UMLAUTS = str.maketrans({"Ä": "A", "Ö": "O", "Ü": "U", "ß": "S", "ẞ": "S"})


def _letters(text: str) -> str:
    """Upper-case A–Z only; other diacritics dropped, separators ignored as the algorithm says."""
    text = unicodedata.normalize("NFKC", text).upper().translate(_UMLAUTS)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if "A" <= ch <= "Z")


def koelner_phonetik_raw(text: str) -> str:
    """Digits per letter before repeats collapse and zeros drop (published intermediate)."""
    word = _letters(text)
    out: list[str] = []
    last = len(word) - 1
    for i, ch in enumerate(word):
        prev = word[i - 1] if i > 0 else ""
        nxt = word[i + 1] if i < last else ""
        if ch in "AEIJOUY":
            out.append("0")
        elif ch == "H":
            continue
        elif ch == "B":
            out.append("1")
        elif ch == "P":
            out.append("3" if nxt == "H" else "1")
        elif ch in "DT":
            out.append("8" if nxt and nxt in "CSZ" else "2")
        elif ch in "FVW":
            out.append("3")
        elif ch in "GKQ":
            out.append("4")
        elif ch == "C":
            if i == 0:
                out.append("4" if nxt and nxt in "AHKLOQRUX" else "8")
            elif prev in "SZ":
                out.append("8")
            else:
                out.append("4" if nxt and nxt in "AHKOQUX" else "8")
        elif ch == "X":
            out.append("8" if prev and prev in "CKQ" else "48")
        elif ch == "L":
            out.append("5")
        elif ch in "MN":
            out.append("6")
        elif ch == "R":
            out.append("7")
        elif ch in "SZ":
            out.append("8")
    return "".join(out)


@lru_cache(maxsize=65536)
def koelner_phonetik(text: str) -> str:
    """Kölner Phonetik code of a name ("Wikipedia" -> "3412"); empty string for no letters."""
    raw = koelner_phonetik_raw(text)
    if not raw:
        return ""
    collapsed = [raw[0]]
    for digit in raw[1:]:
        if digit != collapsed[-1]:
            collapsed.append(digit)
    head, tail = collapsed[0], "".join(collapsed[1:]).replace("0", "")
    return head + tail


@lru_cache(maxsize=65536)
def metaphone(text: str) -> str:
    """Metaphone code (jellyfish) for names the German rules fit badly; empty for no letters."""
    word = _letters(text)
    return jellyfish.metaphone(word) if word else ""
