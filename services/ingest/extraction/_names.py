"""Person names: display names, introductions, salutations, signature blocks and name lines.

Rules, not a model: no packaged German NER model runs offline. A name needs a family name
(a lone given name identifies nobody); titles and salutations are dropped from the value.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from ._spans import Found

_TITLES = frozenset(
    t.casefold()
    for t in (
        "Dr",
        "Dr.",
        "Prof",
        "Prof.",
        "Dipl.-Ing.",
        "Dipl.-Ing",
        "Dipl.-Kfm.",
        "Dipl.-Kffr.",
        "Dipl.-Psych.",
        "Dipl.",
        "Ing.",
        "med.",
        "dent.",
        "vet.",
        "jur.",
        "phil.",
        "rer.",
        "nat.",
        "habil.",
        "Mag.",
        "MBA",
        "PhD",
        "Mr",
        "Mr.",
        "Mrs",
        "Mrs.",
        "Ms",
        "Ms.",
        "Miss",
        "Mx",
        "Mister",
        "Sir",
        "Dame",
        "Herr",
        "Herrn",
        "Hr.",
        "Frau",
        "Fr.",
        "i.A.",
        "i.",
        "A.",
        "ppa.",
        "i.V.",
        "RA",
        "RAin",
        "StB",
    )
)
_SALUTATIONS = re.compile(
    r"(?<![\w.])(?:Herrn?|Frau|Hr\.|Fr\.|Mr\.?|Mrs\.?|Ms\.?|Miss|Mister|Dr\.|Prof\.)(?=\s)"
)
_PARTICLES = frozenset(
    (
        "von",
        "vom",
        "zu",
        "zum",
        "zur",
        "van",
        "de",
        "der",
        "den",
        "di",
        "da",
        "del",
        "du",
        "la",
        "le",
        "ten",
        "ter",
        "af",
        "bin",
        "al",
        "el",
    )
)
# Nobility words are part of the family name before a particle ("Graf von Arnim"), else a name.
_NOBILITY = frozenset(("Graf", "Gräfin", "Freiherr", "Freifrau", "Baron", "Baronin", "Prinz"))
_INTRO = re.compile(
    r"(?:mein\s+name\s+ist|ich\s+heiße|my\s+name\s+is|(?:his|her|sein|ihr)\s+name\s+(?:is|ist)"
    r"|name\s*:|kontoinhaber(?:in)?\s*:|account\s+holder\s*:|vertreten\s+durch|z\.\s?hd\.?)\s+",
    re.IGNORECASE,
)
_SOFT_INTRO = re.compile(
    r"(?:\bich\s+bin|\bi\s+am|\bi'm|\bi’m|\bthis\s+is|\bhier\s+(?:ist|schreibt))\s+",
    re.IGNORECASE,
)
_CLOSING = re.compile(
    r"^\s*(?:mit\s+)?(?:freundlichen|freundliche|besten|beste|viele|vielen|liebe|lieben|herzliche"
    r"|herzlichen|schöne|schönen|sonnige|beste|kollegiale)?\s*(?:grüßen|grüße|gruß|gruss|grüssen"
    r"|dank)\b.*$"
    r"|^\s*(?:mfg|lg|vg|hochachtungsvoll|danke(?:\s+schön|\s+und\s+.*)?|vielen\s+dank.*|tschüss|ciao"
    r"|kind\s+regards|best\s+regards|warm\s+regards|warmest\s+regards|regards|best\s+wishes|best"
    r"|cheers|thanks(?:\s+again|\s+a\s+lot|\s+and\s+.*)?|thank\s+you.*|many\s+thanks"
    r"|yours\s+(?:sincerely|faithfully|truly)|sincerely|all\s+the\s+best|take\s+care"
    r"|with\s+thanks)\s*[,.!]?\s*$",
    re.IGNORECASE,
)
_INLINE_CLOSING = re.compile(
    r"(?:grüße|gruß|gruss|danke|thanks|cheers|regards|mfg|lg)\s*[,.!]?\s+(?=\S)", re.IGNORECASE
)
_LINE_PREFIX = re.compile(
    r"^\s*(?:[-–—~]+\s*|(?:i\.\s?a\.|i\.\s?v\.|ppa\.|ihre?|your|eure?|euer|gez\.)\s+)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\s,;:!?()\"“”„<>/|]+")
# Words that look like names in position but are not (greetings, roles, organisations).
_STOP = frozenset(
    w.casefold()
    for w in (
        "Hallo Hello Hi Hey Dear Liebe Lieber Liebes Sehr Geehrte Geehrter Moin Servus Guten Tag"
        " Morgen Abend Damen Herren Team Service Kundenservice Support Hotline Customer Care"
        " Kundendienst Serviceteam Kundenbetreuung Mitarbeiter Mitarbeiterin Kollege Kollegin"
        " Direktor Direktorin Geschäftsführer Geschäftsführerin Geschäftsleitung Assistenz"
        " Buchhaltung Office Manager Founder Rechtsanwalt Rechtsanwältin Anwalt Anwältin Kanzlei"
        " Techniker Technikerin Monteur Nachbar Nachbarin Kunde Kundin Vater Mutter Sohn Tochter"
        " Mann Frau Herr Familie Praxis Büro Abteilung Verwaltung Hausverwaltung Vorstand"
        " GmbH AG KG UG OHG GbR eV e.V. Co Co. Ltd Inc LLC ApS SE mbH Holding Group Gruppe"
        " Mit Freundlichen Grüßen Grüße Gruß Beste Viele Vielen Dank Danke Thanks Thank Regards"
        " Best Kind Cheers Sincerely Faithfully Yours Wishes Herzliche Herzlichen Schöne"
        " Ihr Ihre Euer Eure Your Our Unser Unsere Der Die Das Und And The A An Von Für For"
        " Tel Telefon Phone Mobil Mobile Fax Handy Email E-Mail Mail Web Adresse Address"
        " Kundennummer Vertragsnummer Betreff Subject Re AW WG Fwd Antwort"
        " Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag Monday Tuesday Wednesday"
        " Thursday Friday Saturday Sunday Januar Februar März April Mai Juni Juli August"
        " September Oktober November Dezember January February March June July October December"
        " Internet Router Rechnung Vertrag Anschluss Störung Kündigung Beschwerde Flug"
        " Berlin Hamburg München Köln Frankfurt Stuttgart Düsseldorf Leipzig Dresden Bremen"
        " Deutschland Germany Bitte Please Ich Wir Sie Es Er Mein Meine Meinen My Account"
        " Booking Contract Flat Apartment Wohnung Order Invoice Ticket Reference Ref Studio"
        " Design Consulting Solutions Services Systems Shipping Logistics Logistik Bau Media"
        " Partners Agentur Agency Verlag Apotheke Hotel Restaurant Immobilien Ingenieurbüro"
        " Hausarzt Fachärztin Facharzt Allgemeinmedizin Geschäftsstelle Filiale Shop Store"
    ).split()
)
_NOUN_SUFFIX = re.compile(
    r"(?:ung|heit|keit|schaft|tion|ität|service|team|zentrum|büro|verwaltung|abteilung|straße"
    r"|strasse|gmbh|versicherung|werke|bank|kasse)$",
    re.IGNORECASE,
)


@lru_cache(maxsize=1)
def _given_names() -> frozenset[str]:
    text = resources.files(__package__).joinpath("data/given_names.txt").read_text("utf-8")
    names: set[str] = set()
    for line in text.splitlines():
        if not line.startswith("#"):
            names.update(_fold(n) for n in line.split())
    return frozenset(names)


def _fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ı", "i")


@lru_cache(maxsize=65536)
def is_given_name(token: str) -> bool:
    names = _given_names()
    return _fold(token) in names or all(_fold(p) in names for p in token.split("-") if p)


def _is_title(token: str) -> bool:
    return token.casefold() in _TITLES


def _is_name_token(token: str, *, lenient: bool = False) -> bool:
    if len(token) < 2 or not token[0].isupper() or token.casefold() in _STOP:
        return False
    if not all(c.isalpha() or c in "-'’" for c in token) or token[-1] in "-'’":
        return False
    if token.isupper() and len(token) > 2:  # SHOUTING, acronyms
        return False
    # After a known first name, "Hartung" or "Young" are family names, not nouns.
    return lenient or not _NOUN_SUFFIX.search(token)


def _clean(token: str) -> str:
    return token.rstrip(".") if not _is_title(token) else token


class _Name:
    __slots__ = ("family", "given", "used")

    def __init__(self, given: list[str], family: list[str], used: int) -> None:
        self.given, self.family, self.used = given, family, used

    @property
    def value(self) -> str:
        return " ".join([*self.given, *self.family])

    @property
    def known_given(self) -> bool:
        return bool(self.given) and is_given_name(self.given[0])


def _take(tokens: list[str], *, family_only: bool = False, titled: bool = False) -> _Name | None:
    """Read a name from the start of tokens: titles, given names, particles, family name."""
    i = 0
    while i < len(tokens) and _is_title(tokens[i]):
        i += 1
        titled = True
    words: list[str] = []
    while i < len(tokens) and len(words) < 5:
        raw = tokens[i]
        token = _clean(raw)
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        if token in _PARTICLES or (token in _NOBILITY and following in _PARTICLES):
            words.append(token)
        elif _is_name_token(token, lenient=bool(words) and is_given_name(words[0])):
            words.append(token)
        else:
            break
        i += 1
        if raw.endswith(".") and not _is_title(raw):
            break  # end of sentence
        # A family name after a particle ends the name ("Frau von Berg sagte ...").
        if len(words) >= 2 and words[-2] in _PARTICLES and words[-1] not in _PARTICLES:
            break
    while words and words[-1] in _PARTICLES:
        words.pop()
    if not words:
        return None
    first_particle = next((k for k, w in enumerate(words) if w in _PARTICLES), len(words))
    given, family = words[:first_particle], words[first_particle:]
    if not family:
        given, family = given[:-1], given[-1:]
    if len(given) > 2:
        return None
    if not given and not family_only:
        return None
    if family_only and given and not (is_given_name(given[0]) or titled):
        # "Frau Albrecht Hotline": after a salutation only a known given name starts a full name.
        given, family = [], [given[0]]
        i = i - len(words) + 1
    return _Name(given, family, i)


def _tokens(text: str) -> list[tuple[str, int]]:
    return [(m.group(0), m.start()) for m in _TOKEN.finditer(text)]


def _found(name: _Name, start: int, confidence: float, end: int | None = None) -> Found:
    return Found("name", name.value, start, end if end is not None else start, confidence)


def display_name(raw: str | None) -> Found | None:
    """The author's display name, if it reads as a person's full name."""
    if not raw:
        return None
    text = "".join(c for c in raw if c.isalpha() or c in " .-'’").strip()
    tokens = text.split()
    if not tokens or len(tokens) > 6:
        return None
    if any(t.casefold() in _STOP and t not in _PARTICLES for t in tokens):
        return None
    name = _take(tokens)
    if name is None or name.used != len(tokens) or not name.given:
        return None
    if not name.known_given and is_given_name(name.family[-1]):
        return None  # "Rentner Rudi": a word and a first name, not first and family name
    return _found(name, 0, 0.9 if name.known_given else 0.7)


def _after(text: str, pattern: re.Pattern[str], **kwargs: bool) -> list[tuple[_Name, int]]:
    out = []
    for match in pattern.finditer(text):
        tokens = _tokens(text[match.end() : match.end() + 120].split("\n")[0])
        name = _take([t for t, _ in tokens], **kwargs)
        if name is not None:
            out.append((name, match.end()))
    return out


def _pair(tokens: list[str]) -> list[_Name] | None:
    """'Renate und Werner Koch' → two names sharing the family name."""
    if len(tokens) == 4 and tokens[1].casefold() in ("und", "and", "&"):
        if is_given_name(tokens[0]) and is_given_name(tokens[2]) and _is_name_token(tokens[3]):
            return [_Name([tokens[0]], [tokens[3]], 1), _Name([tokens[2]], [tokens[3]], 1)]
    return None


def _name_line(line: str, *, strict: bool) -> list[_Name]:
    """A line that is only a name (signature, letterhead, 'Name: …')."""
    line = _LINE_PREFIX.sub("", line.strip())
    line = re.sub(r"^(?:name|kontoinhaber(?:in)?|account holder)\s*:\s*", "", line, flags=re.I)
    line = line.split(",")[0].strip()
    tokens = [t for t, _ in _tokens(line)]
    if not tokens or len(tokens) > 6:
        return []
    pair = _pair(tokens)
    if pair:
        return pair
    name = _take(tokens)
    if name is None or name.used != len(tokens) or not name.given:
        return []
    titled = _is_title(tokens[0])
    if strict and not (name.known_given or titled):
        return []
    return [name]


def find_names(text: str, *, multiline: bool) -> list[Found]:
    """Names in free text; `multiline` enables signature and letterhead rules."""
    found: list[Found] = []
    for name, at in _after(text, _INTRO):
        if name.given:
            found.append(_found(name, at, 0.9))
    for name, at in _after(text, _SOFT_INTRO):
        if name.given and len(name.given) + len(name.family) >= 2:
            if name.known_given or not _NOUN_SUFFIX.search(name.given[0]):
                found.append(_found(name, at, 0.8 if name.known_given else 0.6))
    for name, at in _after(text, _SALUTATIONS, family_only=True, titled=True):
        found.append(_found(name, at, 0.8))
    lines = text.split("\n")
    offsets = []
    position = 0
    for line in lines:
        offsets.append(position)
        position += len(line) + 1
    for index, line in enumerate(lines):
        if _CLOSING.match(line):
            # The name follows within the next lines, after optional blank lines.
            for follow in range(index + 1, min(index + 4, len(lines))):
                if not lines[follow].strip():
                    continue
                names = _name_line(lines[follow], strict=False)
                for name in names:
                    found.append(_found(name, offsets[follow], 0.9))
                break
        elif multiline:
            for name in _name_line(line, strict=True):
                found.append(_found(name, offsets[index], 0.75))
    for match in _INLINE_CLOSING.finditer(text):
        rest = text[match.end() : match.end() + 80].split("\n")[0]
        if rest.strip() and len(rest.split()) <= 4:
            for name in _name_line(rest, strict=False):
                found.append(_found(name, match.end(), 0.8))
    for index, line in enumerate(lines):
        found.extend(_inline(line, offsets[index]))
    return found


def _inline(text: str, offset: int) -> list[Found]:
    """A known given name followed by a family name within a line ('meinen Sohn Michael Kühne')."""
    out = []
    tokens = _tokens(text)
    for k, (token, start) in enumerate(tokens[:-1]):
        if not is_given_name(_clean(token)) or not token[0].isupper():
            continue
        if token.endswith(".") and not _is_title(token):
            continue
        name = _take([t for t, _ in tokens[k : k + 5]])
        if name is None or not name.family or not name.known_given:
            continue
        raw_family = tokens[k + name.used - 1][0]
        if is_given_name(name.family[-1]) and raw_family == name.family[-1]:
            continue  # two first names in a row ("Anna Maria") are not first + family
        out.append(_found(name, offset + start, 0.6))
    return out
