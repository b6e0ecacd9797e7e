"""German postal addresses: street + house number, optionally postcode + city."""

from __future__ import annotations

import re

from ._spans import Found

_SUFFIXES = (
    "straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|pfad|steig|stieg|markt"
    "|hof|berg|garten|park|promenade|kai|wall|graben|tor|feld|grund|höhe|brücke|twiete|deich"
    "|zeile|anger|winkel|bogen|busch|kamp|koppel|redder|wiese|hain|lände|stein|tal|blick"
)
_UPPER = "A-ZÄÖÜ"
_WORD = r"[\wäöüßÄÖÜ]"
_STREET = (
    # Hauptstraße, Friedrich-Ebert-Straße, Hauptstr., Kurfürstendamm
    rf"[{_UPPER}]{_WORD}*(?:-{_WORD}+)*?-?(?i:{_SUFFIXES})"
    # Rosenheimer Platz, Prenzlauer Allee
    rf"|[{_UPPER}]{_WORD}+er\s(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Ring|Damm|Ufer|Chaussee"
    r"|Markt|Steig|Tor|Landstraße)"
    # Am Lindenhof, Im Winkel, An der Alster, Unter den Linden
    rf"|(?:Am|Im|An\sder|An\sden|Auf\sder|Auf\sdem|In\sder|In\sden|Zum|Zur|Unter\sden|Vor\sdem"
    rf"|Hinter\sder|Alte|Alter|Neue|Neuer|Große|Kleine)\s[{_UPPER}]{_WORD}+(?:-{_WORD}+)*"
)
_NUMBER = r"\d{1,3}\s?[a-zA-Z]?(?:\s?[-–/]\s?\d{1,3}\s?[a-zA-Z]?)?"
_CITY = (
    rf"[{_UPPER}]{_WORD}+(?:[-.]{_WORD}+)*\.?"
    rf"(?:\s(?:am|an\sder|im|in\sder|ob\sder|bei|vor\sder)\s[{_UPPER}]{_WORD}+"
    rf"|\s\([{_UPPER}][\w\s.-]*\))?"
)
_ADDRESS = re.compile(
    rf"(?<![\wäöüß-])(?P<street>{_STREET})\s(?P<number>{_NUMBER})"
    r"(?![\d.,:/]\d|\s?(?i:uhr|€|eur|euro|kwh|%|mbit|gb|jahre?n?|tage?n?|min|h\b|x\b))\b"
    rf"(?:\s*[,;]?\s*\n?\s*(?:in\s)?(?:D-)?(?P<postcode>\d{{5}})\s(?P<city>{_CITY}))?"
)
# Street-like words that are not streets when followed by a number ("Am Montag 12").
_NOT_STREET = re.compile(
    r"^(?:am|im|zum|zur)\s(?:montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|januar"
    r"|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|wochenende"
    r"|telefon|tag|ende|anfang|jahr|abend|morgen|mittag)$",
    re.IGNORECASE,
)


def _normalise_street(street: str) -> str:
    street = re.sub(r"\s+", " ", street)
    street = re.sub(r"(?i)(str)(?:\.|asse\b)", lambda m: m.group(1) + "aße", street)
    return street


def find_addresses(text: str) -> list[Found]:
    found = []
    for match in _ADDRESS.finditer(text):
        street = match.group("street")
        if _NOT_STREET.match(street):
            continue
        number = re.sub(r"\s+", "", match.group("number")).replace("–", "-")
        value = f"{_normalise_street(street)} {number}"
        confidence = 0.7
        if match.group("postcode"):
            city = re.sub(r"\s+", " ", match.group("city")).rstrip(".")
            value = f"{value}, {match.group('postcode')} {city}"
            confidence = 0.95
        found.append(Found("address", value, match.start(), match.end(), confidence))
    return found
